"""Appends accepted records to ``ARCHIVE_DIR/<source>/<crawl day>.jsonl``, one whole line each."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newsarchive.items import Article
from newsarchive.jsonl import AppendOnlyFile, dump_line

logger = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")
FIELD_ORDER = tuple(Article.fields)


def record_path(archive_dir: Path, source: str, crawled_at: str) -> Path:
    """Where a record goes. Only the spider's name and the crawl date decide it, never the page.

    >>> record_path(Path("archive"), "jilin", "2026-11-26T08:00:00Z").as_posix()
    'archive/jilin/2026-11-26.jsonl'
    """
    day = crawled_at[:10]
    if not _SAFE_NAME.match(source) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise ValueError(f"refusing to derive a path from source={source!r} crawled_at={crawled_at!r}")
    return archive_dir / source / f"{day}.jsonl"


def ordered(item: Any) -> dict[str, Any]:
    """The record as a dict, fields in schema order (extra fields after)."""
    data = ItemAdapter(item).asdict()
    out = {k: data[k] for k in FIELD_ORDER if k in data}
    out.update((k, v) for k, v in data.items() if k not in out)
    return out


class JsonLinesStore:
    """Writes each record as one line with a single append, so a crash never tears a record."""

    def __init__(self, archive_dir: str, fsync: bool = False, crawler: Crawler | None = None) -> None:
        self.archive_dir = Path(archive_dir)
        self.fsync = fsync
        self.crawler = crawler
        self.files: dict[Path, AppendOnlyFile] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesStore:
        return cls(crawler.settings.get("ARCHIVE_DIR", "archive"), crawler.settings.getbool("ARCHIVE_FSYNC"),
                   crawler)

    def process_item(self, item: Any) -> Any:
        record = ordered(item)
        path = record_path(self.archive_dir, record["source"], record["crawled_at"])
        handle = self.files.get(path)
        if handle is None:
            handle = self.files[path] = AppendOnlyFile(path, fsync=self.fsync)
            if handle.repaired and self.crawler is not None and self.crawler.stats is not None:
                self.crawler.stats.inc_value("newsarchive/torn_lines_repaired")
        handle.append(dump_line(record))
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("newsarchive/archived")
            self.crawler.stats.inc_value(f"newsarchive/archived/{record['source']}")
        return item

    def close_spider(self) -> None:
        for handle in self.files.values():
            handle.close()
        self.files.clear()



