"""Writes into the archive that fail (disk full, permissions, I/O): one error type, one way to stop.

A failed write never leaves a partial line or WARC member behind (each writer cuts its file back to
the last whole one), and the crawl stops taking new work at the first failure: what it had not
archived stays pending, and the next run, with space again, completes it. The run ends with
``archive_write_failed``, an error naming the path and the space left, and a non-zero exit status.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
from contextlib import suppress
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from newsarchive import counts

logger = logging.getLogger(__name__)

CLOSE_REASON = "archive_write_failed"


def free_bytes(path: Path) -> int | None:
    """Bytes free on the file system holding ``path`` (or its nearest existing parent)."""
    for candidate in (path, *path.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


class ArchiveWriteError(OSError):
    """A write into the archive failed; the message names the path, the cause and what to do."""

    def __init__(self, path: Path, cause: BaseException, needed: int | None = None) -> None:
        self.path = path
        self.cause = cause
        code = getattr(cause, "errno", None)
        super().__init__(code if isinstance(code, int) else errno.EIO, self.describe(path, cause, needed))

    @staticmethod
    def describe(path: Path, cause: BaseException, needed: int | None) -> str:
        free = free_bytes(path)
        room = f"{free:,} bytes free there" if free is not None else "free space unknown"
        if needed:
            room += f", {needed:,} needed for this write"
        code = getattr(cause, "errno", None)
        if code in (errno.ENOSPC, errno.EDQUOT) or "full" in str(cause).lower():
            advice = "free space on that file system (or point ARCHIVE_DIR elsewhere) and run again"
        elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
            advice = "make ARCHIVE_DIR writable by this user (or point it elsewhere) and run again"
        else:
            advice = "fix the file system and run again"
        return (
            f"cannot write {path}: {cause} ({room}); {advice}: nothing archived is lost, and what this run "
            "did not archive is pending for the next one"
        )

    def __str__(self) -> str:
        return str(self.strerror)


def stop_crawl(crawler: Crawler, error: ArchiveWriteError) -> None:
    """Stop the crawl after a failed archive write: logged once, counted, the spider closed."""
    stats = crawler.stats
    first = stats is None or not stats.get_value(counts.key(counts.WRITE_FAILED))
    if stats is not None:
        stats.inc_value(counts.key(counts.WRITE_FAILED))
    if not first:
        return
    logger.error("Stopping the crawl: %s", error)
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=CLOSE_REASON))


def archive_write_error(failure: Any) -> ArchiveWriteError | None:
    """The archive write error a Twisted failure (or an exception) carries, if any."""
    value = getattr(failure, "value", failure)
    return value if isinstance(value, ArchiveWriteError) else None


class NoTraceback(logging.Filter):
    """Scrapy logs an item's or a callback's error with its traceback; for a failed archive write
    the error's own message says all there is (path, cause, space, what to do)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ArchiveWriteError):
            record.exc_info = None
            record.exc_text = None
        return True


class ArchiveFaults:
    """Extension: a failed archive write anywhere (a pipeline, a spider callback) stops the crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        for name in ("scrapy.core.scraper", "scrapy.utils.signal"):
            log = logging.getLogger(name)
            if not any(isinstance(f, NoTraceback) for f in log.filters):
                log.addFilter(NoTraceback())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveFaults:
        ext = cls(crawler)
        crawler.signals.connect(ext.failed, signal=signals.item_error)
        crawler.signals.connect(ext.failed, signal=signals.spider_error)
        return ext

    def failed(self, failure: Any, **kwargs: Any) -> None:
        error = archive_write_error(failure)
        if error is not None:
            stop_crawl(self.crawler, error)


def check_archive_dir(path: Path) -> str | None:
    """Why ``path`` cannot hold an archive (None when it can): created if missing, then a file is
    written and removed in it, so a read-only or full file system, or a file in the way, is named
    before a crawl starts instead of failing in the middle of one."""
    probe = path / f".write-check-{os.getpid()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        with probe.open("wb") as fh:
            fh.write(b"x")
            os.fsync(fh.fileno())
        probe.unlink()
    except OSError as exc:
        return ArchiveWriteError(probe if path.is_dir() else path, exc).strerror
    return None


def write_atomically(path: Path, data: bytes) -> None:
    """Write a whole file or leave the old one: a temporary file beside it, synced, renamed over it.
    A reader never sees half of one, whatever kills the writer or fills the disk."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink()
        raise ArchiveWriteError(path, exc, len(data)) from exc
