"""``scrapy reparse PATH…``: rebuild records offline from WARC files with today's loaders.

Every article first page found in the WARC files is crawled again from them (replay), through the
same spiders, validation, dedupe and store, into ``ARCHIVE_DIR``. No request leaves the machine
and nothing new is written to WARC. With ``--replace`` the records are rebuilt aside, under the
archive's lock, and switched in at once (:mod:`newsarchive.archive_switch`): the old records,
rejects, duplicates and state go to ``ARCHIVE_DIR/replaced/<time>/`` (never deleted), and what the
crawl knows (list pages, validators, payload digests, pending and owed work) is carried over.
"""

from __future__ import annotations

import shutil
import sys
from argparse import ArgumentParser, Namespace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from newsarchive import counts
from newsarchive.archive_switch import REBUILD, switch
from newsarchive.commands.crawlall import EXIT_LOCKED, take_lock
from newsarchive.commands.preflight import EXIT_FAILED, archive_problem
from newsarchive.config import setting
from newsarchive.replay import DAMAGED, WARC_SUFFIXES, index_for
from newsarchive.spiders.base import PortalSpider
from newsarchive.state import ArchiveState


def warc_files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.name.endswith(WARC_SUFFIXES):
            found.append(path)
        elif path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES))
        else:
            raise UsageError(f"{raw}: not a WARC file or a directory")
    if not found:
        raise UsageError("no WARC files (*.warc, *.warc.gz) under the given paths")
    return found


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] PATH [PATH ...]"

    def short_desc(self) -> str:
        return "Re-extract records from WARC files with today's loaders (offline)"

    def add_options(self, parser: ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--replace", action="store_true",
                            help="rebuild ARCHIVE_DIR's records in place (the old ones kept in "
                                 "ARCHIVE_DIR/replaced/<time>/)")
        parser.add_argument("--spiders", help="comma-separated subset of spiders (default: all)")

    def run(self, args: list[str], opts: Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        archive = Path(setting(self.settings, "ARCHIVE_DIR"))
        problem = archive_problem(self.settings)
        if problem is not None:
            print(f"reparse: {problem}", file=sys.stderr)
            self.exitcode = EXIT_FAILED
            return
        if not opts.replace:
            self.exitcode = self.reparse(opts, archive)
            return
        # In place: under the archive's lock (no crawl writes meanwhile), into rebuild/, then one switch.
        lock = take_lock(archive, "reparse")
        if lock is None:
            self.exitcode = EXIT_LOCKED
            return
        try:
            rebuilt = archive / REBUILD
            shutil.rmtree(rebuilt, ignore_errors=True)  # a rebuild killed before its switch: never used
            self.settings.set("ARCHIVE_DIR", str(rebuilt), priority="cmdline")
            self.exitcode = self.reparse(opts, rebuilt)
            if self.exitcode:
                print(f"reparse: the archive in {archive} is unchanged", file=sys.stderr)
                return
            new_state = ArchiveState.from_settings(self.settings)
            old_state = archive / "state.sqlite3"
            if old_state.exists():
                ArchiveState.from_settings(Settings({"ARCHIVE_DIR": str(archive)})).close()  # checkpointed
                new_state.carry_crawl_state(old_state)
            new_state.close()
            aside = archive / "replaced" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            switch(archive, rebuilt, aside)
            print(f"reparse: {archive} now holds the rebuilt records; the previous records and state are kept in "
                  f"{aside}")
        finally:
            lock.release()

    def reparse(self, opts: Namespace, archive: Path) -> int:
        """Rebuild records from the WARC files into ``archive``; the exit status."""
        assert self.crawler_process is not None
        files = self.files
        DAMAGED.clear()
        urls = index_for(",".join(str(f) for f in files)).urls()
        process = self.crawler_process
        names = [n.strip() for n in (opts.spiders or "").split(",") if n.strip()] or process.spider_loader.list()
        totals: dict[str, int] = {}
        failed: list[str] = []
        for name in names:
            spider = process.spider_loader.load(name)()
            if not isinstance(spider, PortalSpider):
                continue
            firsts = [u for u in urls if (ref := spider.article_ref(u)) is not None and ref.page == 0 and ref.url == u]
            if not firsts:
                continue
            crawler = process.create_crawler(name)

            def closed(spider: Any, reason: str, _name: str = name, _crawler: Any = crawler) -> None:
                totals[_name] = int(_crawler.stats.get_value(counts.key(counts.ARCHIVED), 0))
                if reason != "finished" or _crawler.stats.get_value(counts.key(counts.WRITE_FAILED)):
                    failed.append(f"{_name} ({reason})")

            crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
            process.crawl(crawler, start_urls=firsts)
        for path, parts in sorted(DAMAGED.items()):
            print(f"reparse: skipped {parts} damaged part(s) of {path}: its whole records were read", file=sys.stderr)
        if not totals and not process.crawlers:
            print("reparse: no article of this project's spiders in those WARC files")
            return 0
        process.start()
        for name, count in totals.items():
            print(f"reparse: {name}: {count} record(s) archived into {archive}")
        if failed:
            print(f"reparse: did not complete: {', '.join(failed)}", file=sys.stderr)
            return EXIT_FAILED
        return 0

    def process_options(self, args: list[str], opts: Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if not args:
            raise UsageError("give WARC files or directories of them")
        self.files = warc_files(args)
        paths = ",".join(str(f) for f in self.files)
        # Offline, from the archive's own bytes: replay the WARC files, write no new WARC, ask no robots.txt,
        # follow no links beyond the pages kept, and re-extract even what the state already knows.
        for key, value in (("REPLAY_DIR", paths), ("ARCHIVE_WARC", False), ("ROBOTSTXT_OBEY", False),
                           ("FOLLOW_RELATED", False), ("INCREMENTAL", False)):
            self.settings.set(key, value, priority="cmdline")
