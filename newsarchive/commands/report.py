"""``scrapy report``: the archive at a glance, records per source per day as a small table.

``--by crawled`` counts by the UTC day of the fetch instead of the printed date; ``--days N``
shows the newest N days (default 14) and totals over all; ``--plot FILE.png`` also draws the
days as stacked bars (the ``report`` extra: matplotlib).
"""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive.archive.report import count_records, count_side, plot, table
from newsarchive.config import setting


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Show ARCHIVE_DIR's records per source per day (and rejects, duplicates)"

    def add_options(self, parser: ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--by",
            choices=("published", "crawled"),
            default="published",
            help="count by the date pages printed (default) or the UTC day they were fetched",
        )
        parser.add_argument("--days", type=int, default=14, help="newest days shown (default 14)")
        parser.add_argument("--plot", metavar="FILE.png", help="also draw the days as stacked bars (needs matplotlib)")

    def run(self, args: list[str], opts: Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if opts.days < 1:
            raise UsageError("--days must be at least 1")
        archive = Path(setting(self.settings, "ARCHIVE_DIR"))
        counts, torn, damaged = count_records(archive, opts.by)
        if torn or damaged:
            print(
                f"report: {torn + damaged} line(s) in record files are not records, not counted: {torn} torn "
                f"last line(s) (a crawl stopped mid-write, or writing now; the next crawl cuts them off), "
                f"{damaged} damaged"
            )
        if not counts:
            print(f"report: no records in {archive}")
            return
        print(f"Records per {opts.by} day in {archive}, newest {opts.days} day(s):")
        print(table(counts, opts.days, count_side(archive, "rejects"), count_side(archive, "duplicates")))
        if opts.plot:
            output = Path(opts.plot)
            if output.suffix.lower() != ".png":
                raise UsageError("the plot is a PNG: name it FILE.png")
            plot(counts, opts.days, output, opts.by)
            print(f"report: plot in {output}")
