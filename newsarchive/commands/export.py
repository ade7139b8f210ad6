"""``scrapy export -o FILE.parquet``: the archive's records as one typed Parquet file.

Only record files are read (never ``rejects/`` or ``duplicates/``), every column typed from the
JSON Schema (times ``TIMESTAMPTZ``, ``published_date`` ``DATE``, lists as lists). ``--sql`` prints
instead the DuckDB query that reads them with those types (one ``<source>/*.jsonl`` pattern per
source, so a view made from it sees later days too).
Needs the ``export`` extra (DuckDB).
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive.archive.export import Unreadable, export, globs, query, read_sql
from newsarchive.config import setting


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] (-o FILE.parquet | --sql | --query SQL)"

    def short_desc(self) -> str:
        return "Export ARCHIVE_DIR's records as typed Parquet (or print the typed DuckDB read)"

    def add_options(self, parser: ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", help="Parquet file to write (replaced whole, never half-written)")
        parser.add_argument("--sources", help="comma-separated sources (default: every source in the archive)")
        parser.add_argument("--sql", action="store_true", help="print the typed DuckDB query (one glob per source)")
        parser.add_argument(
            "--query", metavar="SQL", help="run a DuckDB query over the typed view `records` and print the result"
        )

    def run(self, args: list[str], opts: Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if sum(map(bool, (opts.output, opts.sql, opts.query))) != 1:
            raise UsageError("give one of -o FILE.parquet, --sql, --query SQL")
        archive = Path(setting(self.settings, "ARCHIVE_DIR"))
        sources = [s.strip() for s in (opts.sources or "").split(",") if s.strip()]
        if opts.query:
            try:
                print(query(archive, opts.query, sources))
            except Unreadable as exc:
                print(f"export: {exc}", file=sys.stderr)
                self.exitcode = 1
            return
        if opts.sql:
            found = globs(archive, sources)
            if not found:
                raise UsageError(f"no record files in {archive}" + (f" for {', '.join(sources)}" if sources else ""))
            print(read_sql(found) + ";")
            return
        output = Path(opts.output)
        if output.suffix != ".parquet":
            raise UsageError("the output is Parquet: name it FILE.parquet")
        try:
            count, torn = export(archive, output, sources)
        except Unreadable as exc:
            print(f"export: {exc}; nothing written", file=sys.stderr)
            self.exitcode = 1
            return
        for path in torn:
            print(
                f"export: {path} ends in a torn line (a crawl stopped mid-write, or is writing now; the next "
                "crawl cuts it off): its whole lines only"
            )
        print(f"export: {count} record(s) from {archive} into {output}")
