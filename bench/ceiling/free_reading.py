"""Reading an article page costs nothing; all the rest of the crawl runs."""

from __future__ import annotations

from typing import ClassVar

from scrapy.http import TextResponse

from newsarchive.items import Article
from newsarchive.spiders.ganzi import GanziSpider


class FreeReading(GanziSpider, portal=False):
    """The first article page is read; every later one gets a copy of its record, the page's URL
    added to the body so content dedupe keeps them all. Related links, finishing, validation,
    dedupe, JSONL, state and WARC run as in the real crawl."""

    name = "ganzi"
    first: ClassVar[list[Article]] = []

    def read_article_page(self, response: TextResponse) -> Article:
        if not self.first:
            self.first.append(super().read_article_page(response))
        item = Article(self.first[0])
        item["body"] = f"{item['body']}\n{response.url}"
        return item
