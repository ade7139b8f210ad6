"""Retries spaced out: Scrapy's retry rules, with exponential backoff and Retry-After honoured."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings

from newsarchive.config import float_setting


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


class BackoffRetryMiddleware(RetryMiddleware):
    """Waits ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (at most ``RETRY_BACKOFF_MAX``) before the
    n-th retry of a request, or what the server's Retry-After asks (within the same cap).

    The wait holds back only the request being retried, never the rest of the crawl.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = float_setting(settings, "RETRY_BACKOFF_BASE")
        self.cap = float_setting(settings, "RETRY_BACKOFF_MAX")

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, retry_after_seconds(response.headers.get(b"Retry-After")))
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    async def _wait(self, retry: Request, asked: float | None) -> None:
        attempt = int(retry.meta.get("retry_times", 1))
        delay = min(self.cap, self.base * 2 ** (attempt - 1))
        if asked is not None:
            delay = min(self.cap, max(delay, asked))
        if delay > 0:
            self.crawler.stats.inc_value("newsarchive/retry_wait_seconds", delay)  # type: ignore[union-attr]
            await asyncio.sleep(delay)
