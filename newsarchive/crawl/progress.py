"""A progress line an operator can read during a long crawl, every ``PROGRESS_INTERVAL`` seconds.

    jilin: progress: lists 40, articles fetched 1,204, archived 1,180, rejected 3, duplicates 21;
    212 articles/min; 310 requests queued, about 1 min 28 s left at this rate

Scrapy's own LogStats line counts pages and items for the whole crawl; this one says what an
archive run did per source. The time left is the queue divided by the rate of fetches over the
last interval, and only said when both are known (a crawl discovers its work as it goes, so it is
an estimate of the queue in hand, not of the run).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsarchive import counts
from newsarchive.config import float_setting

logger = logging.getLogger(__name__)


def duration(seconds: float) -> str:
    """A short human duration.

    >>> duration(42), duration(88.4), duration(3725)
    ('42 s', '1 min 28 s', '1 h 2 min')
    """
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def progress_line(source: str, stats: dict[str, Any], fetched_before: int, interval: float) -> str:
    """One progress line from the crawl's stats and the articles fetched an interval ago.

    >>> stats = {"newsarchive/list_pages": 40, "newsarchive/articles_fetched": 1204, "newsarchive/archived": 1180,
    ...          "newsarchive/rejected": 3, "newsarchive/duplicate": 21, "scheduler/enqueued": 1600,
    ...          "scheduler/dequeued": 1290}
    >>> progress_line("jilin", stats, 992, 60.0)  # doctest: +NORMALIZE_WHITESPACE
    'jilin: progress: lists 40, articles fetched 1,204, archived 1,180, rejected 3, duplicates 21;
     212 articles/min; 310 requests queued, about 1 min 28 s left at this rate'
    """

    def value(name: str) -> int:
        return int(stats.get(counts.key(name), 0))

    fetched = value(counts.ARTICLES_FETCHED)
    rate = (fetched - fetched_before) / interval if interval > 0 else 0.0
    queued = max(0, int(stats.get("scheduler/enqueued", 0)) - int(stats.get("scheduler/dequeued", 0)))
    line = (
        f"{source}: progress: lists {value(counts.LIST_PAGES):,}, articles fetched {fetched:,}, "
        f"archived {value(counts.ARCHIVED):,}, rejected {value(counts.REJECTED):,}, "
        f"duplicates {value(counts.DUPLICATE):,}; {rate * 60:,.0f} articles/min; {queued:,} requests queued"
    )
    if queued and rate > 0:
        line += f", about {duration(queued / rate)} left at this rate"
    return line


class ProgressLog:
    """Logs :func:`progress_line` every ``PROGRESS_INTERVAL`` seconds (0 turns it off)."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.fetched_before = 0
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLog:
        interval = float_setting(crawler.settings, "PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.loop = task.LoopingCall(self.log, spider.name)
        self.loop.start(self.interval, now=False)

    def log(self, source: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        logger.info(progress_line(source, stats, self.fetched_before, self.interval))
        self.fetched_before = int(stats.get(counts.key(counts.ARTICLES_FETCHED), 0))

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
