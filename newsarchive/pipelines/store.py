"""Appends accepted records to ``ARCHIVE_DIR/<source>/<crawl day>.jsonl``, one whole line each."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from newsarchive import counts
from newsarchive.archive.jsonl import DailyFiles
from newsarchive.archive.paths import crawl_day, source_dir
from newsarchive.archive.state import State, open_state
from newsarchive.config import bool_setting, setting
from newsarchive.counts import Counts
from newsarchive.items import FIELDS

FIELD_ORDER = FIELDS


def ordered(item: Any) -> dict[str, Any]:
    """The record as a dict, fields in schema order (extra fields after).

    A shallow copy: record values are plain JSON values already, so ItemAdapter's deep,
    type-checking ``asdict`` would only cost time.
    """
    data = dict(ItemAdapter(item).items())
    out = {k: data[k] for k in FIELD_ORDER if k in data}
    out.update((k, v) for k, v in data.items() if k not in out)
    return out


class JsonLinesStore:
    """Writes each record as one line with a single append, then registers it in the state."""

    def __init__(
        self, archive_dir: str, state: State, stats: StatsCollector | None, fsync: bool = False, worker: str = ""
    ) -> None:
        self.archive_dir = Path(archive_dir)
        self.state = state
        self.count = Counts(stats)
        # Field coverage, counted here and handed to the stats once at close (twenty counts a record).
        self.fields: collections.Counter[str] = collections.Counter()
        self.days: collections.Counter[str] = collections.Counter()  # by published_date, likewise
        self.fsync = fsync
        self.worker = worker
        self.sources: dict[str, DailyFiles] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesStore:
        settings = crawler.settings
        return cls(
            setting(settings, "ARCHIVE_DIR"),
            open_state(crawler),
            crawler.stats,
            bool_setting(settings, "ARCHIVE_FSYNC"),
            setting(settings, "WORKER_ID"),
        )

    def open_spider(self) -> None:
        # Counted once: crawlall's spiders share one state, and recovery ran once for all of them.
        recovered, self.state.recovered = self.state.recovered, 0
        if recovered:
            self.count("recovered", recovered)

    def process_item(self, item: Any) -> Any:
        record = ordered(item)
        source = record["source"]
        files = self.sources.get(source)
        if files is None:
            files = self.sources[source] = DailyFiles(source_dir(self.archive_dir, source), self.worker, self.fsync)
        written = files.append(crawl_day(record["crawled_at"]), record)
        self.state.record(record["id"], "archived", record["url"], record["content_hash"], file=written)
        self.count(counts.ARCHIVED)
        self.fields.update(field for field, value in record.items() if value not in (None, "", []))
        self.days[record["published_date"]] += 1
        return item

    def close_spider(self) -> None:
        for field in FIELD_ORDER:
            if self.fields[field]:
                self.count(counts.field(field), self.fields[field])
        self.fields.clear()
        for day, count in self.days.items():
            self.count(counts.published_on(day), count)
        self.days.clear()
        for files in self.sources.values():
            files.close()
        self.sources.clear()
