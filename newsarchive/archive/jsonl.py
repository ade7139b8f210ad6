"""Append-only JSON Lines files: whole lines or nothing, torn tails repaired on open."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from newsarchive.archive.faults import ArchiveWriteError

logger = logging.getLogger(__name__)


def dump_line(record: dict[str, Any]) -> bytes:
    """One record as one UTF-8 line (Chinese not escaped; no raw newline can occur inside).

    >>> dump_line({"title": "吉林", "n": 1})
    b'{"title":"\\xe5\\x90\\x89\\xe6\\x9e\\x97","n":1}\\n'
    """
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def whole_size(path: Path) -> int:
    """The length of ``path`` up to and including its last newline: its whole lines (all of it
    unless a crash, or a write going on now, left a last line without its newline)."""
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return size
        # Walk back in blocks to the last newline; a torn line is at most one record long.
        pos = size
        while pos > 0:
            step = min(65536, pos)
            pos -= step
            fh.seek(pos)
            idx = fh.read(step).rfind(b"\n")
            if idx >= 0:
                return pos + idx + 1
        return 0


def repair_tail(path: Path) -> int:
    """Cut a torn last line (bytes after the last newline) off ``path``; return the bytes cut."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    keep = whole_size(path)
    if keep == size:
        return 0
    with path.open("rb+") as fh:
        fh.truncate(keep)
        os.fsync(fh.fileno())
    logger.warning(
        "Repaired %s: cut a torn last line of %d bytes (its record was never counted as archived)", path, size - keep
    )
    return size - keep


def lines_after(path: Path, committed: int) -> tuple[list[dict[str, Any]], int]:
    """The records a file holds past its ``committed`` length (a torn tail cut first), and its
    length: what a crash between writing lines and registering them left unregistered.

    A line there that is not a record (damaged bytes) is moved out of the file into
    ``ARCHIVE_DIR/quarantine/``, named in the log, so one bad line never stops a crawl from starting
    and never sits in a record file that readers refuse.
    """
    repair_tail(path)
    size = path.stat().st_size
    if size <= committed:
        return [], size
    with path.open("rb") as fh:
        fh.seek(committed)
        tail = fh.read()
    records: list[dict[str, Any]] = []
    good: list[bytes] = []
    damaged: list[bytes] = []
    for line in tail.splitlines(keepends=True):
        record = parse_record(line)
        if record is None:
            damaged.append(line)
        else:
            records.append(record)
            good.append(line)
    if damaged:
        size = quarantine(path, committed, good, damaged)
    return records, size


def parse_record(line: bytes) -> dict[str, Any] | None:
    """The record a JSONL line holds, or None when it holds none (damaged bytes, not an object, no id).

    >>> parse_record(b'{"id": "a:1", "url": "http://a/1"}\\n')["id"], parse_record(b"\\xff{"), parse_record(b"[]")
    ('a:1', None, None)
    """
    try:
        record = json.loads(line)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both
        return None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not isinstance(record.get("url"), str):
        return None
    return record


def quarantine(path: Path, committed: int, good: list[bytes], damaged: list[bytes]) -> int:
    """Keep ``damaged`` lines in ``quarantine/`` and rewrite ``path`` as its first ``committed`` bytes
    and the ``good`` lines (a new file renamed over the old: never half of either); its new size."""
    archive = path.parent.parent
    keep = archive / "quarantine" / path.parent.name / f"{path.name}.{os.getpid()}.{time.time_ns()}.bad"
    keep.parent.mkdir(parents=True, exist_ok=True)
    with keep.open("wb") as fh:
        fh.write(b"".join(damaged))
        os.fsync(fh.fileno())
    fresh = path.with_name(path.name + ".rewrite")
    with path.open("rb") as src, fresh.open("wb") as dst:
        dst.write(src.read(committed))
        dst.write(b"".join(good))
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(fresh, path)
    logger.error("Moved %d damaged line(s) out of %s into %s (they held no readable record)", len(damaged), path, keep)
    return path.stat().st_size


def append_whole(fd: int, data: bytes, path: Path, fsync: bool = False) -> None:
    """Append ``data`` to the file open at ``fd`` (O_APPEND) whole, or not at all: a write that
    fails part-way (disk full) is cut back off, so nothing written later sits behind a fragment.
    Raises :class:`~newsarchive.archive.faults.ArchiveWriteError`."""
    before = os.fstat(fd).st_size
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view) :]
        if fsync:
            os.fsync(fd)
    except OSError as exc:
        try:
            os.ftruncate(fd, before)
        except OSError:
            logger.error(
                "Could not cut %s back to %d bytes after a failed write; the next start repairs it", path, before
            )
        raise ArchiveWriteError(path, exc, len(data)) from exc


class AppendOnlyFile:
    """A file opened with O_APPEND; each :meth:`append` is a single write of whole lines."""

    def __init__(self, path: Path, fsync: bool = False) -> None:
        self.path = path
        self.fsync = fsync
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.repaired = repair_tail(path) > 0
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ArchiveWriteError(path, exc) from exc

    def append(self, data: bytes) -> None:
        append_whole(self.fd, data, self.path, self.fsync)

    def size(self) -> int:
        """The file's length: with O_APPEND the offset sits at the end after every write."""
        return os.lseek(self.fd, 0, os.SEEK_CUR)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class DailyFiles:
    """Append-only JSONL files under one directory, one per crawl day, opened on first use.

    ``worker`` (issue: several crawler processes) adds a suffix so workers never share a file.
    """

    def __init__(self, directory: Path, worker: str = "", fsync: bool = False) -> None:
        self.directory = directory
        self.worker = worker
        self.fsync = fsync
        self.files: dict[Path, AppendOnlyFile] = {}

    def path_for(self, day: str) -> Path:
        suffix = f".{self.worker}" if self.worker else ""
        return self.directory / f"{day}{suffix}.jsonl"

    def append(self, day: str, record: dict[str, Any]) -> tuple[Path, int]:
        """Append one record; return the file and its length after the line."""
        path = self.path_for(day)
        handle = self.files.get(path)
        if handle is None:
            handle = self.files[path] = AppendOnlyFile(path, fsync=self.fsync)
        handle.append(dump_line(record))
        return path, handle.size()

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()
        self.files.clear()
