"""Appends accepted records to ``ARCHIVE_DIR/<source>/<crawl day>.jsonl``, one whole line each."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from newsarchive.items import Article
from newsarchive.jsonl import DailyFiles
from newsarchive.state import ArchiveState

_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
FIELD_ORDER = tuple(Article.fields)
SIDE_DIRS = ("rejects", "duplicates", "runs", "warc")  # archive subdirectories that hold no records


def crawl_day(crawled_at: str) -> str:
    """The file name's day: the UTC date of the crawl, never anything a page printed.

    >>> crawl_day("2026-11-26T08:00:00Z")
    '2026-11-26'
    """
    if not _DAY.match(crawled_at):
        raise ValueError(f"crawled_at {crawled_at!r} is not an ISO 8601 time")
    return crawled_at[:10]


def source_dir(archive_dir: Path, source: str) -> Path:
    if not _SAFE_NAME.match(source) or source in SIDE_DIRS:
        raise ValueError(f"refusing to derive a path from source={source!r}")
    return archive_dir / source


def record_files(archive_dir: Path) -> list[Path]:
    """Every JSONL file of accepted records in an archive."""
    return sorted(p for p in archive_dir.glob("*/*.jsonl") if p.parent.name not in SIDE_DIRS)


def ordered(item: Any) -> dict[str, Any]:
    """The record as a dict, fields in schema order (extra fields after)."""
    data = ItemAdapter(item).asdict()
    out = {k: data[k] for k in FIELD_ORDER if k in data}
    out.update((k, v) for k, v in data.items() if k not in out)
    return out


class JsonLinesStore:
    """Writes each record as one line with a single append, then registers it in the state."""

    def __init__(self, archive_dir: str, state: ArchiveState, stats: StatsCollector | None,
                 fsync: bool = False, worker: str = "") -> None:
        self.archive_dir = Path(archive_dir)
        self.state = state
        self.stats = stats
        self.fsync = fsync
        self.worker = worker
        self.sources: dict[str, DailyFiles] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesStore:
        settings = crawler.settings
        return cls(settings.get("ARCHIVE_DIR", "archive"), ArchiveState.for_crawler(crawler), crawler.stats,
                   settings.getbool("ARCHIVE_FSYNC"), settings.get("WORKER_ID", ""))

    def open_spider(self) -> None:
        recovered = self.state.recover(record_files(self.archive_dir))
        if recovered and self.stats is not None:
            self.stats.inc_value("newsarchive/recovered", recovered)

    def process_item(self, item: Any) -> Any:
        record = ordered(item)
        source = record["source"]
        files = self.sources.get(source)
        if files is None:
            files = self.sources[source] = DailyFiles(source_dir(self.archive_dir, source), self.worker, self.fsync)
        written = files.append(crawl_day(record["crawled_at"]), record)
        self.state.record(record["id"], "archived", record["url"], record["content_hash"], file=written)
        if self.stats is not None:
            self.stats.inc_value("newsarchive/archived")
            for field in FIELD_ORDER:
                if record.get(field) not in (None, "", []):
                    self.stats.inc_value(f"newsarchive/field/{field}")
        return item

    def close_spider(self) -> None:
        for files in self.sources.values():
            files.close()
        self.sources.clear()
