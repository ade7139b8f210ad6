"""The baseline: a bare Scrapy spider that only downloads the pages the archive crawl fetches."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

LINK = re.compile(r'href="((?:/html/[a-z/]+/)?(?:\d+|index_\d+)\.html)"')


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.start_url)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        for href in LINK.findall(response.text):
            yield response.follow(href)
