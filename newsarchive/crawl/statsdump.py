"""The crawl's final stats written as JSON to ``RUN_STATS_FILE`` (tools, tests and crawlall read them)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsarchive.archive.faults import write_atomically
from newsarchive.config import setting


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class StatsDump:
    """Writes the crawl's final stats as JSON to ``RUN_STATS_FILE`` (off when unset)."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = Path(path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsDump:
        path = setting(crawler.settings, "RUN_STATS_FILE")
        if not path:
            raise NotConfigured
        ext = cls(crawler, path)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = {k: jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
        stats["finish_reason"] = reason
        write_atomically(self.path, json.dumps(stats, ensure_ascii=False, indent=1).encode("utf-8"))
