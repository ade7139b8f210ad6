"""``scrapy wacz -o FILE.wacz``: the archive as the package ReplayWeb.page and pywb open.

The WARC files go into a WACZ 1.1 built by webrecorder's own ``wacz`` tool (with its CDXJ index),
with a ``pages/pages.jsonl`` naming every archived article by its headline and capture time, so an
archivist opening the package finds the articles, not a list of URLs. The package is validated
(``wacz validate``) before it replaces ``FILE.wacz``. The tool lives in a virtualenv of its own
(``bash scripts/tools-venv``; its dependencies clash with the crawler's), or anywhere on ``PATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from argparse import ArgumentParser, Namespace
from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive.archive.jsonl import parse_record, whole_size
from newsarchive.archive.paths import record_files
from newsarchive.config import setting

TOOLS_VENV = Path(".venv-tools") / "bin"


def wacz_tool() -> str | None:
    """The ``wacz`` executable: on PATH, else in the project's tools virtualenv."""
    found = shutil.which("wacz")
    if found:
        return found
    local = TOOLS_VENV / "wacz"
    return str(local) if local.exists() else None


def pages(archive: Path) -> list[dict[str, Any]]:
    """One page entry per archived record: the URL its first page was captured at, its headline,
    its capture time and id (whole lines only: a torn last line is a crawl still writing)."""
    found = []
    for path in record_files(archive):
        with path.open("rb") as fh:
            data = fh.read(whole_size(path))
        for line in data.splitlines():
            record = parse_record(line)
            if record is None:
                continue
            captured = (record.get("warc") or [{}])[0]
            found.append(
                {
                    "id": record["id"],
                    "url": captured.get("url") or record["url"],
                    "title": record.get("title"),
                    "ts": record.get("crawled_at"),
                }
            )
    return found


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "-o FILE.wacz [--title TITLE]"

    def short_desc(self) -> str:
        return "Package ARCHIVE_DIR's WARC files as a WACZ with a page per archived article"

    def add_options(self, parser: ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", required=True, help="the WACZ file to write")
        parser.add_argument("--title", default="newsarchive", help="the collection's title")

    def run(self, args: list[str], opts: Namespace) -> None:
        assert self.settings is not None
        output = Path(opts.output)
        if output.suffix != ".wacz":
            raise UsageError("name the output FILE.wacz", print_help=False)
        archive = Path(setting(self.settings, "ARCHIVE_DIR"))
        warcs = sorted(str(p) for p in (archive / "warc").glob("*.warc.gz"))
        if not warcs:
            raise UsageError(f"no WARC files in {archive / 'warc'}", print_help=False)
        tool = wacz_tool()
        if tool is None:
            print(
                "wacz: webrecorder's wacz tool is not installed: bash scripts/tools-venv (or pip install wacz "
                "into a virtualenv of its own and put it on PATH)",
                file=sys.stderr,
            )
            self.exitcode = 1
            return
        entries = pages(archive)
        with tempfile.TemporaryDirectory(prefix="newsarchive-wacz-") as scratch:
            listing = Path(scratch) / "pages.jsonl"
            header = {"format": "json-pages-1.0", "id": "pages", "title": "Archived articles"}
            listing.write_text(
                "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in [header, *entries]), encoding="utf-8"
            )
            partial = Path(scratch) / output.name
            for step in (
                [tool, "create", "-o", str(partial), "-p", str(listing), "--title", opts.title, *warcs],
                [tool, "validate", "-f", str(partial)],
            ):
                done = subprocess.run(step, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"wacz: {' '.join(step[:2])} failed:\n{done.stdout}{done.stderr}", file=sys.stderr)
                    self.exitcode = 1
                    return
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(partial), str(output.with_name(output.name + ".partial")))
            os.replace(output.with_name(output.name + ".partial"), output)
        print(f"wacz: {len(warcs)} WARC file(s), {len(entries)} article page(s) into {output} (validated)")
