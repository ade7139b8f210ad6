"""Retries spaced out: Scrapy's retry rules, with exponential backoff and Retry-After honoured."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.internet.base import DelayedCall

from newsarchive.config import float_setting

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), None if unreadable.

    >>> retry_after_seconds(b"120"), retry_after_seconds("junk")
    (120.0, None)
    >>> retry_after_seconds("Wed, 21 Oct 2026 07:28:10 GMT", datetime(2026, 10, 21, 7, 28, tzinfo=UTC))
    10.0
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# Request meta: the monotonic time before which a retry must not be sent.
RETRY_AT = "newsarchive_retry_at"


class BackoffRetryMiddleware(RetryMiddleware):
    """Spaces the n-th retry of a request ``BACKOFF_BASE * 2**(n-1)`` seconds out (at most
    ``BACKOFF_MAX``), or as long as the server's Retry-After asks (within the same cap).

    Nothing waits in the downloader: the retry goes back to the engine at once, is parked when the
    engine schedules it (``request_scheduled``) and scheduled again when it is due. A sick host's
    retries hold no download slot, so the crawl's other pages go on; the spider is kept open while
    a retry is parked.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = float_setting(settings, "BACKOFF_BASE")
        self.cap = float_setting(settings, "BACKOFF_MAX")
        self.parked: dict[int, tuple[Request, DelayedCall]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = super().from_crawler(crawler)
        crawler.signals.connect(mw.park, signal=signals.request_scheduled)
        crawler.signals.connect(mw.keep_open, signal=signals.spider_idle)
        crawler.signals.connect(mw.drop_parked, signal=signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            self._space(result, retry_after_seconds(response.headers.get(b"Retry-After")))
        return result

    def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            self._space(result, None)
        return result

    def _space(self, retry: Request, asked: float | None) -> None:
        attempt = int(retry.meta.get("retry_times", 1))
        delay = min(self.cap, self.base * 2 ** (attempt - 1))
        if asked is not None:
            delay = min(self.cap, max(delay, asked))
        if delay > 0:
            self.crawler.stats.inc_value("newsarchive/retry_wait_seconds", delay)
            retry.meta[RETRY_AT] = time.monotonic() + delay

    # --- the waiting room -------------------------------------------------------------------------

    def park(self, request: Request, spider: Any = None) -> None:
        """``request_scheduled``: keep a retry that is not due yet out of the scheduler until it is."""
        due = request.meta.pop(RETRY_AT, None)
        if due is None:
            return
        from twisted.internet import reactor  # the crawler's, installed by now

        delay = max(0.0, due - time.monotonic())
        call = reactor.callLater(delay, self._release, request)  # type: ignore[attr-defined,unused-ignore]
        self.parked[id(request)] = (request, call)
        raise IgnoreRequest("retry parked until due")

    def _release(self, request: Request) -> None:
        self.parked.pop(id(request), None)
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(request)

    def keep_open(self, spider: Any = None) -> None:
        if self.parked:
            raise DontCloseSpider(f"{len(self.parked)} retries waiting")

    def drop_parked(self, spider: Any = None, reason: str = "") -> None:
        """A crawl stopped early (a signal, a limit, a JOBDIR pause) leaves its waiting retries to
        the next run: the spider is told of each (``retry_not_sent``) and keeps what it needs (a
        list page's walk is owed; an article is pending already), so neither a new run nor a
        resumed job, whose seen-set already holds the URL, loses them."""
        spider = getattr(self.crawler, "spider", None)
        for request, call in self.parked.values():
            if call.active():
                call.cancel()
            logger.info("Retry of %s not sent: the crawl closed first (%s); kept for the next run", request.url, reason)
            if hasattr(spider, "retry_not_sent"):
                spider.retry_not_sent(request)
        self.parked.clear()
