"""``scrapy reparse PATH…``: rebuild records offline from WARC files with today's loaders.

Every article first page found in the WARC files is crawled again from them (replay), through the
same spiders, validation, dedupe and store, into ``ARCHIVE_DIR``. No request leaves the machine
and nothing new is written to WARC. With ``--replace`` the archive's records, rejects, duplicates
and state are first moved to ``ARCHIVE_DIR/replaced/<time>/`` (never deleted), so a fixed loader
can rebuild an archive in place.
"""

from __future__ import annotations

import shutil
from argparse import ArgumentParser, Namespace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive import counts
from newsarchive.archive_paths import record_files
from newsarchive.config import setting
from newsarchive.replay import WARC_SUFFIXES, index_for
from newsarchive.spiders.base import PortalSpider


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


def move_aside(archive: Path) -> Path | None:
    """Move an archive's records, rejects, duplicates and state under ``replaced/<time>/``."""
    movable = [p.parent for p in record_files(archive)]
    movable += [archive / d for d in ("rejects", "duplicates") if (archive / d).exists()]
    movable += [p for p in archive.glob("state.sqlite3*") if p.is_file()]
    if not movable:
        return None
    target = archive / "replaced" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target.mkdir(parents=True)
    for path in dict.fromkeys(movable):
        shutil.move(str(path), str(target / path.name))
    return target


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] PATH [PATH ...]"

    def short_desc(self) -> str:
        return "Re-extract records from WARC files with today's loaders (offline)"

    def add_options(self, parser: ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--replace", action="store_true",
                            help="move ARCHIVE_DIR's records and state to ARCHIVE_DIR/replaced/<time>/ first")
        parser.add_argument("--spiders", help="comma-separated subset of spiders (default: all)")

    def run(self, args: list[str], opts: Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        files = self.files
        archive = Path(setting(self.settings, "ARCHIVE_DIR"))
        if opts.replace:
            moved = move_aside(archive)
            if moved is not None:
                print(f"reparse: the previous records and state are kept in {moved}")
        urls = index_for(",".join(str(f) for f in files)).urls()
        process = self.crawler_process
        names = [n.strip() for n in (opts.spiders or "").split(",") if n.strip()] or process.spider_loader.list()
        totals: dict[str, int] = {}
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

            crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
            process.crawl(crawler, start_urls=firsts)
        if not totals and not process.crawlers:
            print("reparse: no article of this project's spiders in those WARC files")
            return
        process.start()
        for name, count in totals.items():
            print(f"reparse: {name}: {count} record(s) archived into {archive}")

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
