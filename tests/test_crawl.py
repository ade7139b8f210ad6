"""newsarchive.crawl, in-process: each middleware built from a test crawler, no engine."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsarchive.crawl.conditional import ConditionalRequestsMiddleware
from newsarchive.crawl.progress import progress_line
from newsarchive.crawl.retry import RETRY_AT, BackoffRetryMiddleware
from newsarchive.crawl.sitechrome import SiteChromeMiddleware, site_chrome
from newsarchive.spiders.ganzi import GanziSpider

LIST = "http://www.kbcmw.com/html/xw/dzyw/"


def test_retries_wait_longer_each_time_and_as_long_as_retry_after_asks(tmp_path: Path) -> None:
    crawler = get_crawler(GanziSpider, {"BACKOFF_BASE": 2.0, "BACKOFF_MAX": 30.0, "RETRY_TIMES": 5})
    retry = build_from_crawler(BackoffRetryMiddleware, crawler)
    crawler.spider = crawler._create_spider()
    request = Request(LIST)
    waits = []
    for _ in range(4):
        before = time.monotonic()
        answer = retry.process_response(request, Response(LIST, status=503, request=request))
        assert isinstance(answer, Request)
        waits.append(round(answer.meta[RETRY_AT] - before))
        request = answer
    assert waits == [2, 4, 8, 16]  # BACKOFF_BASE doubling
    capped = retry.process_response(request, Response(LIST, status=503, request=request))
    assert isinstance(capped, Request) and round(capped.meta[RETRY_AT] - time.monotonic()) == 30  # BACKOFF_MAX
    fresh = Request(LIST + "index_2.html")
    asked = retry.process_response(fresh, Response(fresh.url, status=503, headers={"Retry-After": "25"}, request=fresh))
    assert isinstance(asked, Request) and round(asked.meta[RETRY_AT] - time.monotonic()) == 25
    ok = Response(LIST, status=200, request=request)
    assert retry.process_response(request, ok) is ok


def test_a_list_page_s_validators_are_sent_back_and_nothing_else_is(tmp_path: Path) -> None:
    crawler = get_crawler(GanziSpider, {"ARCHIVE_DIR": str(tmp_path)})
    conditional = build_from_crawler(ConditionalRequestsMiddleware, crawler)
    first = Request(LIST, meta={"list_page": True})
    conditional.process_response(
        first,
        Response(
            LIST, status=200, request=first, headers={"ETag": '"v1"', "Last-Modified": "Mon, 30 Nov 2026 08:00:00 GMT"}
        ),
    )
    again = Request(LIST, meta={"list_page": True})
    conditional.process_request(again)
    assert b"If-None-Match" not in again.headers  # its links are not remembered yet: a 304 could not be read
    conditional.state.remember_list(LIST, {"articles": [LIST + "58225.html"], "next": []})
    conditional.process_request(again)
    assert again.headers[b"If-None-Match"] == b'"v1"'
    assert again.headers[b"If-Modified-Since"] == b"Mon, 30 Nov 2026 08:00:00 GMT"
    article = Request(LIST + "58225.html")
    conditional.process_request(article)
    assert b"If-None-Match" not in article.headers


def test_incremental_off_sends_no_validators() -> None:
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        build_from_crawler(ConditionalRequestsMiddleware, get_crawler(GanziSpider, {"INCREMENTAL": False}))


def test_lines_on_enough_pages_are_learned_as_the_site_s_frame() -> None:
    crawler = get_crawler(GanziSpider, {"CHROME_MIN_PAGES": 3})
    middleware = build_from_crawler(SiteChromeMiddleware, crawler)
    footer = "<div>版权所有 甘孜日报社</div>"
    for n in range(3):
        page = f"<html><body><p>第{n}篇文章的正文，各不相同。</p>{footer}</body></html>".encode()
        middleware.process_spider_input(HtmlResponse(f"{LIST}{n}.html", body=page, encoding="utf-8"))
    model = site_chrome(crawler)
    assert model.is_chrome("版权所有 甘孜日报社")
    assert not model.is_chrome("第0篇文章的正文，各不相同。")


def test_a_progress_line_says_rate_and_time_left() -> None:
    stats = {
        "newsarchive/list_pages": 30,
        "newsarchive/articles_fetched": 1204,
        "newsarchive/archived": 1180,
        "newsarchive/rejected": 3,
        "newsarchive/duplicates": 21,
        "scheduler/enqueued": 1514,
        "scheduler/dequeued": 1204,
    }
    line = progress_line("ganzi", stats, fetched_before=992, interval=60.0)
    assert line.startswith("ganzi: progress: lists 30, articles fetched 1,204, archived 1,180")
    assert "212 articles/min" in line
