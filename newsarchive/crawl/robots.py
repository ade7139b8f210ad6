"""robots.txt for every request, start pages included, and its ``Crawl-delay``.

Scrapy's middleware fetches a host's robots.txt on its first request and makes the others wait for
it on one shared Deferred; awaiting that Deferred from several requests hands the parser to the
first two and ``None`` ("no robots.txt: allow") to the rest, so the third and later start pages
went out unchecked. Here each waiting request gets the parser through a Deferred of its own.

A host's ``Crawl-delay`` (for this crawler's user agent) is honoured: requests to it are spaced
by the larger of it and ``DOWNLOAD_DELAY``. The wait happens before the download is queued, so
another host's pages go on meanwhile.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater

from newsarchive.counts import Counts


class RobotsMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware without the shared-Deferred gap, with ``Crawl-delay``."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.count = Counts(crawler.stats)
        self.download_delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self.next_at: dict[str, float] = {}  # host -> monotonic time its next request may leave

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        parser = self._parsers.get(netloc)
        if netloc in self._parsers and isinstance(parser, Deferred):
            own: Deferred[RobotParser | None] = Deferred()

            def hand_on(result: Any) -> Any:
                own.callback(result)
                return result  # and on to the next waiter: each gets the parser, not None

            parser.addBoth(hand_on)
            return await maybe_deferred_to_future(own)
        return await super().robot_parser(request)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except Exception:
            self.count("robots_disallowed")
            raise

    async def process_request(self, request: Request, spider: Any = None) -> None:
        await super().process_request(request)
        if request.meta.get("dont_obey_robotstxt"):
            return
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if parser is None or isinstance(parser, Deferred):
            return
        agent = self._robotstxt_useragent or request.headers.get(b"User-Agent", self._default_useragent)
        delay = parser.crawl_delay(agent or "")
        if not delay or delay <= self.download_delay:
            return
        host = urlparse_cached(request).netloc
        now = time.monotonic()
        leave = max(now, self.next_at.get(host, now))
        self.next_at[host] = leave + delay
        if leave > now:
            self.count("crawl_delay_waits")
            await maybe_deferred_to_future(deferLater(reactor, leave - now))
