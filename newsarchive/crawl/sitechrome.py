"""The lines a site prints on many of its pages (its frame), learned from every page a crawl reads.

A crawl reads one source (one crawler, one spider), so one model per crawler is one per source.
List pages come first in every run and carry the same footer, navigation and hotline lines as
the article pages, so by the time articles arrive the frame is known. Validation asks the model
whether a record's body is made of such lines (``chrome_body``); extraction never does, so a page
always reads the same whatever was crawled before it.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response

from newsarchive.config import int_setting
from newsarchive.reading.lines import page_lines

# Lines longer than this are prose, never the frame, and are not counted.
MAX_CHROME_LINE = 200


class SiteChrome:
    """How many distinct pages each short line was seen on; a line on ``min_pages`` or more is chrome."""

    def __init__(
        self, min_pages: int = 5, max_lines: int = 200_000, learn_all: int = 100, then_every: int = 10
    ) -> None:
        self.min_pages = min_pages
        self.max_lines = max_lines  # bounded memory: past it, known lines are still counted
        # The frame is on every page: once ``learn_all`` pages are counted, one page in
        # ``then_every`` keeps the counts current (a frame line added mid-run is still learned).
        self.learn_all = learn_all
        self.then_every = then_every
        self.offered = 0
        self.pages = 0
        self.seen: dict[str, int] = {}

    def wants_page(self) -> bool:
        """Whether the next page offered should be read and counted (decided by count, not chance)."""
        self.offered += 1
        return self.offered <= self.learn_all or self.offered % self.then_every == 0

    def learn(self, lines: Iterable[str]) -> None:
        """Count one page's lines (each once, however often the page repeats it)."""
        self.pages += 1
        seen = self.seen
        for line in set(lines):
            if line in seen:
                seen[line] += 1
            elif len(seen) < self.max_lines and len(line) <= MAX_CHROME_LINE:
                seen[line] = 1

    def is_chrome(self, line: str) -> bool:
        return self.seen.get(line, 0) >= self.min_pages


def site_chrome(crawler: Crawler) -> SiteChrome:
    """The crawler's one model, shared by the middleware that feeds it and validation that reads it."""
    model = getattr(crawler, "_newsarchive_site_chrome", None)
    if model is None:
        model = SiteChrome(int_setting(crawler.settings, "CHROME_MIN_PAGES"))
        crawler._newsarchive_site_chrome = model  # type: ignore[attr-defined]
    return model


class SiteChromeMiddleware:
    """A spider middleware: every HTML page the spider is given teaches the model its lines."""

    def __init__(self, model: SiteChrome) -> None:
        self.model = model

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteChromeMiddleware:
        return cls(site_chrome(crawler))

    def process_spider_input(self, response: Response) -> None:
        if isinstance(response, HtmlResponse) and response.status == 200 and self.model.wants_page():
            self.model.learn(line.text for line in page_lines(response.selector.root, response.url) if line.text)
