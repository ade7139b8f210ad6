"""``scrapy crawlall``: the cron entry point. Every spider, one lock, a summary, a health verdict.

Exit statuses: 0 every source healthy; 1 a source unhealthy (see the summary's ``problems``);
2 usage error; 75 another run holds the archive's lock (nothing was done).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
from argparse import ArgumentParser, Namespace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.utils.conf import arglist_to_dict

from newsarchive import counts
from newsarchive.archive.faults import ArchiveWriteError, write_atomically
from newsarchive.archive.paths import utc_stamp
from newsarchive.commands.preflight import before_crawl
from newsarchive.config import float_setting, int_setting, setting
from newsarchive.counts import key
from newsarchive.crawl.statsdump import jsonable
from newsarchive.items import FIELDS

logger = logging.getLogger(__name__)

EXIT_UNHEALTHY = 1
EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later
# The fields a page says something about, whose coverage the summary reports (a subset of the schema's).
COVERAGE_FIELDS = (
    "title",
    "subtitle",
    "published_date",
    "published_at",
    "origin",
    "authors",
    "editors",
    "section",
    "body",
    "images",
)
assert set(COVERAGE_FIELDS) <= set(FIELDS), "COVERAGE_FIELDS names a field the schema does not have"


class ArchiveLock:
    """An exclusive, non-blocking flock on ``ARCHIVE_DIR/crawlall.lock``; the kernel drops it if we die."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: TextIO | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {utc_stamp()}\n")
        handle.flush()
        self.handle = handle
        return True

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def take_lock(archive: Path, command: str) -> ArchiveLock | None:
    """The archive's lock (one writer per archive), or None, said on stderr, when another run
    holds it: the command then exits ``EXIT_LOCKED`` having done nothing."""
    lock = ArchiveLock(archive / "crawlall.lock")
    if lock.acquire():
        return lock
    print(
        f"{command}: another run holds {lock.path} (pid and start: {lock.holder()}); nothing done, try later.",
        file=sys.stderr,
    )
    return None


def summarise(source: str, stats: dict[str, Any], settings: BaseSettings) -> dict[str, Any]:
    """One source's run summary from its final crawl stats, with the reasons it is unhealthy."""
    archived = int(stats.get(key(counts.ARCHIVED), 0))
    rejected = int(stats.get(key(counts.REJECTED), 0))
    new_links = int(stats.get(key(counts.NEW_LINKS), 0))
    list_pages = int(stats.get(key(counts.LIST_PAGES), 0))
    errors = int(stats.get("log_count/ERROR", 0)) + int(stats.get("log_count/CRITICAL", 0))
    coverage = {
        f: round(100.0 * int(stats.get(key(counts.field(f)), 0)) / archived, 1) if archived else None
        for f in COVERAGE_FIELDS
    }
    rejects = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith(key(counts.rejected("")))}
    by_day = dict(
        sorted(
            ((k.rsplit("/", 1)[1], int(v)) for k, v in stats.items() if k.startswith(key(counts.published_on("")))),
            reverse=True,
        )
    )
    start, finish = stats.get("start_time"), stats.get("finish_time")
    duration = None
    if isinstance(start, datetime) and isinstance(finish, datetime):
        duration = (finish - start).total_seconds()
    problems = []
    if stats.get("finish_reason") != "finished":
        problems.append(f"crawl ended with {stats.get('finish_reason')!r}")
    if errors:
        problems.append(f"{errors} error(s) logged")
    lists_pending = int(stats.get(key(counts.LISTS_PENDING), 0))
    write_failed = int(stats.get(key(counts.WRITE_FAILED), 0))
    robots_refused = int(stats.get("robotstxt/forbidden", 0))
    if write_failed:
        problems.append(
            f"the archive could not be written ({write_failed} failed write(s)): see the error logged; "
            "what was not archived is pending for the next run"
        )
    if stats.get(key(counts.STATE_LOST)):
        problems.append("the Redis state lost its data during the run: the next run rebuilds it and walks everything")
    if list_pages == 0:
        problems.append(
            "no list page could be read"
            + (f": robots.txt refused {robots_refused} request(s)" if robots_refused else "")
        )
    max_pending = int_setting(settings, "HEALTH_MAX_LISTS_PENDING")
    if lists_pending > max_pending:
        problems.append(
            f"the walk below {lists_pending} list page(s) is owed (not read: see the errors of this "
            "or an earlier run); the next run goes on from them"
        )
    if new_links and not archived and not rejected:
        problems.append(f"lists showed {new_links} new article(s) but nothing was archived")
    max_reject = float_setting(settings, "HEALTH_MAX_REJECT_RATE")
    if archived + rejected and rejected / (archived + rejected) > max_reject:
        problems.append(f"reject rate {rejected / (archived + rejected):.0%} above {max_reject:.0%}")
    # Layout drift: the portal's selectors no longer fit, so the generic reader reads the pages (or
    # nothing but the frame is found). Either way the operator should look at the template.
    extracted = int(stats.get(key(counts.ARTICLES_EXTRACTED), 0))
    fallback = int(stats.get(key(counts.extraction("fallback")), 0))
    chrome = int(stats.get(key(counts.rejected("chrome_body")), 0))
    max_fallback = float_setting(settings, "HEALTH_MAX_FALLBACK_RATE")
    layout_changed = False
    for count, what in ((fallback, "read by the generic reader"), (chrome, "rejected as site chrome")):
        if extracted and count / extracted > max_fallback:
            layout_changed = True
            problems.append(
                f"layout changed? {count} of {extracted} articles {what} "
                f"({count / extracted:.0%}, above {max_fallback:.0%})"
            )
    for field, minimum in dict(setting(settings, "HEALTH_MIN_COVERAGE")).items():
        value = coverage.get(field)
        if value is not None and value < 100.0 * float(minimum):
            problems.append(f"{field} coverage {value}% below {100.0 * float(minimum):.0f}%")
    return {
        "source": source,
        "healthy": not problems,
        "problems": problems,
        "list_pages": list_pages,
        "list_pages_unchanged": int(stats.get(key(counts.LIST_UNCHANGED), 0)),
        "lists_pending": lists_pending,
        "lists_failed": int(stats.get(key("list_failed"), 0)),
        "list_pages_limited": int(stats.get(key("list_pages_limited"), 0)),
        "robots_disallowed": robots_refused,
        "archive_write_failed": write_failed,
        "images_captured": int(stats.get(key("images/captured"), 0)),
        "images_not_captured": {
            k.rsplit("/", 1)[1]: int(v) for k, v in stats.items() if k.startswith(key("images/not_captured/"))
        },
        "new_links": new_links,
        "articles_fetched": int(stats.get(key(counts.ARTICLES_FETCHED), 0)),
        "archived": archived,
        "duplicates": int(stats.get(key(counts.DUPLICATE), 0)),
        "rejected": rejected,
        "rejects_by_reason": rejects,
        "archived_by_published_day": by_day,
        "extraction": {"portal": int(stats.get(key(counts.extraction("portal")), 0)), "fallback": fallback},
        "layout_changed": layout_changed,
        "field_coverage_percent": coverage,
        "errors": errors,
        "retries": int(stats.get("retry/count", 0)),
        "requests": int(stats.get("downloader/request_count", 0)),
        "started_at": utc_stamp(start) if isinstance(start, datetime) else None,
        "finished_at": utc_stamp(finish) if isinstance(finish, datetime) else None,
        "duration_seconds": round(duration, 3) if duration is not None else None,
        "finish_reason": stats.get("finish_reason"),
    }


def newest(by_day: dict[str, int]) -> str:
    """The newest published days of what a run archived, for its summary line.

    >>> newest({"2026-12-02": 14, "2026-12-01": 30, "2026-11-30": 2, "2026-11-20": 1})
    ' (published 2026-12-02: 14, 2026-12-01: 30, 2026-11-30: 2, … 1 more)'
    >>> newest({})
    ''
    """
    if not by_day:
        return ""
    days = sorted(by_day.items(), reverse=True)
    shown = ", ".join(f"{day}: {count}" for day, count in days[:3])
    more = sum(count for _, count in days[3:])
    return f" (published {shown}{f', … {more} more' if more else ''})"


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Run every spider once (cron entry point): lock, summary, non-zero exit when unhealthy"

    def long_desc(self) -> str:
        return (
            f"{self.short_desc()}.\n\nExit status: 0 every source healthy; {EXIT_UNHEALTHY} a source unhealthy "
            f"(the summary's problems say why); 2 usage error; {EXIT_LOCKED} another crawlall holds "
            "ARCHIVE_DIR/crawlall.lock (nothing was done, try later)."
        )

    def add_options(self, parser: ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-a",
            dest="spargs",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="spider argument for every spider (may be repeated)",
        )
        parser.add_argument("--spiders", help="comma-separated subset of spiders (default: all)")

    def process_options(self, args: list[str], opts: Namespace) -> None:
        super().process_options(args, opts)
        if args:  # Scrapy hands over what it did not parse: an option meant for crawl (-o, -O) lands here
            raise UsageError(
                f"crawlall takes no arguments or feed options (got {' '.join(args)}): records go to "
                "ARCHIVE_DIR; to export one spider's records, run scrapy crawl SPIDER -O FILE",
                print_help=False,
            )
        try:
            opts.spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            raise UsageError("Invalid -a value, use -a NAME=VALUE", print_help=False) from None

    def run(self, args: list[str], opts: Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        process = self.crawler_process
        archive = Path(setting(self.settings, "ARCHIVE_DIR"))
        names = process.spider_loader.list()
        if opts.spiders:
            wanted = [n.strip() for n in opts.spiders.split(",") if n.strip()]
            unknown = sorted(set(wanted) - set(names))
            if unknown:
                raise UsageError(f"unknown spider(s): {', '.join(unknown)}; known: {', '.join(names)}")
            names = wanted
        if not before_crawl(self.settings, "crawlall"):
            self.exitcode = EXIT_UNHEALTHY
            return
        lock = take_lock(archive, "crawlall")
        if lock is None:
            self.exitcode = EXIT_LOCKED
            return
        started = datetime.now(UTC)
        finals: dict[str, dict[str, Any]] = {}
        try:
            for name in names:
                crawler = process.create_crawler(name)
                self._capture(crawler, name, finals)
                process.crawl(crawler, **opts.spargs)
            process.start()
        finally:
            lock.release()
        summaries = [summarise(n, finals.get(n, {"finish_reason": "never started"}), self.settings) for n in names]
        self.exitcode = 0 if all(s["healthy"] for s in summaries) else EXIT_UNHEALTHY
        report = {
            "started_at": utc_stamp(started),
            "finished_at": utc_stamp(),
            "healthy": self.exitcode == 0,
            "exit_status": self.exitcode,
            "sources": summaries,
        }
        path = archive / "runs" / f"{started.strftime('%Y%m%dT%H%M%S.%fZ')}.json"
        try:
            write_atomically(path, (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        except ArchiveWriteError as error:
            print(f"crawlall: the run summary was not written: {error}", file=sys.stderr)
            self.exitcode = EXIT_UNHEALTHY
        for s in summaries:
            line = (
                f"{s['source']}: {'healthy' if s['healthy'] else 'UNHEALTHY'}; lists {s['list_pages']} "
                f"(unchanged {s['list_pages_unchanged']}), new links {s['new_links']}, fetched "
                f"{s['articles_fetched']} ({s['extraction']['fallback']} by the generic reader), archived "
                f"{s['archived']}{newest(s['archived_by_published_day'])}, duplicates {s['duplicates']}, rejected "
                f"{s['rejected']}{' ' + json.dumps(s['rejects_by_reason']) if s['rejects_by_reason'] else ''}, "
                f"errors {s['errors']}, retries {s['retries']}, "
                f"{s['duration_seconds']} s"
            )
            if s["problems"]:
                line += " | " + "; ".join(s["problems"])
            logger.log(logging.INFO if s["healthy"] else logging.ERROR, line)
            print(line)
        print(f"crawlall: summary in {path}; exit status {self.exitcode}")

    @staticmethod
    def _capture(crawler: Crawler, name: str, finals: dict[str, dict[str, Any]]) -> None:
        def closed(spider: Any, reason: str) -> None:
            assert crawler.stats is not None
            stats = {
                k: jsonable(v) if k not in ("start_time", "finish_time") else v
                for k, v in crawler.stats.get_stats().items()
            }
            stats["finish_reason"] = reason
            stats.setdefault("finish_time", datetime.now(UTC))
            finals[name] = stats

        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
