"""Article pages are fetched and kept in WARC, and not read: no record, no item pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from newsarchive import counts
from newsarchive.spiders.ganzi import GanziSpider


class CaptureOnly(GanziSpider, portal=False):
    name = "ganzi"

    def parse_article(self, response: Response) -> Iterator[Any]:
        self.count(counts.ARTICLES_FETCHED)
        return iter(())
