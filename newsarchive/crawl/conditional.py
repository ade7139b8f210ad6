"""Conditional requests: keep the ETag and Last-Modified a server sends, send them back next time.

A list page that answers 304 Not Modified costs the server nothing; the spider then reads what the
page showed last time from the archive state.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newsarchive.archive.state import ListMemory, open_state
from newsarchive.config import bool_setting


class ConditionalRequestsMiddleware:
    """Downloader middleware: a list page's validators are kept, and sent back the next time."""

    def __init__(self, state: ListMemory) -> None:
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestsMiddleware:
        if not bool_setting(crawler.settings, "INCREMENTAL"):
            raise NotConfigured
        return cls(open_state(crawler))

    def process_request(self, request: Request) -> None:
        if not request.meta.get("list_page"):
            return
        etag, last_modified = self.state.validators(request.url)
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = last_modified

    def process_response(self, request: Request, response: Response) -> Response:
        # Only list pages are ever asked for again: articles once archived are not fetched again.
        if response.status in (200, 304) and request.meta.get("list_page"):
            etag = response.headers.get(b"ETag")
            last_modified = response.headers.get(b"Last-Modified")
            self.state.remember_fetch(
                request.url,
                response.status,
                etag.decode("latin-1") if etag else None,
                last_modified.decode("latin-1") if last_modified else None,
            )
        return response
