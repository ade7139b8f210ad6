"""Offline crawls: a download handler that answers every request from recorded fixture cases.

``-s REPLAY_DIR=DIR`` installs it (through :class:`ReplayAddon`) for http and https, so every
middleware and pipeline runs as in a live crawl and no request leaves the machine. A case is a
directory holding ``response.body`` (bytes as sent) and ``response.json`` (url, status, headers);
requests match a case by URL, exactly, then without the query string; anything else is a 404.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

CASE_META = "response.json"
CASE_BODY = "response.body"


@dataclass(frozen=True, slots=True)
class Case:
    """One recorded response."""

    url: str
    status: int
    headers: dict[str, list[str]]
    body_path: Path

    def body(self) -> bytes:
        return self.body_path.read_bytes()


def without_query(url: str) -> str:
    """The URL with its query and fragment removed.

    >>> without_query("https://news.cnjiwang.com/a/202403/3826526.html?cc=jw#top")
    'https://news.cnjiwang.com/a/202403/3826526.html'
    """
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def normalise_headers(raw: dict[str, Any]) -> dict[str, list[str]]:
    return {name: [str(v) for v in (value if isinstance(value, list) else [value])] for name, value in raw.items()}


def read_case(directory: Path) -> Case:
    """Load a case directory; a broken case is a clear error, never a silent skip."""
    meta_path = directory / CASE_META
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return Case(str(meta["url"]), int(meta.get("status", 200)), normalise_headers(meta.get("headers") or {}),
                    directory / CASE_BODY)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"Broken fixture case {directory}: {exc!r}; it needs {CASE_META} with url, status, "
                         f"headers and a {CASE_BODY} file") from exc


def find_cases(root: Path) -> list[Case]:
    """Every case under ``root``, in a stable order."""
    if not root.is_dir():
        raise NotConfigured(f"REPLAY_DIR {str(root)!r} is not a directory")
    cases = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if CASE_META in filenames:
            cases.append(read_case(Path(dirpath)))
    return cases


class CaseIndex:
    """URL -> case lookup: exact URL first, then the URL without its query string."""

    def __init__(self, cases: list[Case]) -> None:
        self.exact: dict[str, Case] = {}
        self.bare: dict[str, Case] = {}
        for case in cases:
            self.exact.setdefault(case.url, case)
            self.bare.setdefault(without_query(case.url), case)

    def __len__(self) -> int:
        return len(self.exact)

    def find(self, url: str) -> Case | None:
        return self.exact.get(url) or self.bare.get(without_query(url))


def build_response(request: Request, status: int, headers: dict[str, list[str]], body: bytes) -> Response:
    scrapy_headers = Headers(headers)
    cls = responsetypes.from_args(headers=scrapy_headers, url=request.url, body=body)
    return cls(url=request.url, status=status, headers=scrapy_headers, body=body, request=request,
               flags=["replay"])


def not_modified(request: Request, headers: dict[str, list[str]]) -> bool:
    """Whether a server holding this case would answer the conditional request with 304."""
    lower = {k.lower(): v[0] for k, v in headers.items() if v}
    etag = request.headers.get(b"If-None-Match")
    if etag is not None:
        return "etag" in lower and etag.decode("latin-1") == lower["etag"]
    since = request.headers.get(b"If-Modified-Since")
    return since is not None and "last-modified" in lower and since.decode("latin-1") == lower["last-modified"]


class ReplayDownloadHandler(BaseDownloadHandler):
    """Answers http(s) requests from the cases under ``REPLAY_DIR``."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        root = Path(crawler.settings.get("REPLAY_DIR") or "")
        self.index = CaseIndex(find_cases(root))
        logger.info("Replaying %d recorded responses from %s", len(self.index), root)

    async def download_request(self, request: Request) -> Response:
        case = self.index.find(request.url)
        stats = self.crawler.stats
        if case is None:
            if stats is not None:
                stats.inc_value("newsarchive/replay/missing")
            return build_response(request, 404, {"Content-Type": ["text/html"]}, b"")
        if stats is not None:
            stats.inc_value("newsarchive/replay/hit")
        if case.status == 200 and not_modified(request, case.headers):
            return build_response(request, 304, {k: v for k, v in case.headers.items()
                                                 if k.lower() in ("etag", "last-modified")}, b"")
        return build_response(request, case.status, case.headers, case.body())


class ReplayAddon:
    """Routes http and https to :class:`ReplayDownloadHandler` when ``REPLAY_DIR`` is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REPLAY_DIR"):
            return
        handler = "newsarchive.replay.ReplayDownloadHandler"
        # "project" priority: these replace settings.py's live-crawl values, while -s still wins.
        settings.set("DOWNLOAD_HANDLERS", {**settings.getdict("DOWNLOAD_HANDLERS"), "http": handler,
                                           "https": handler}, priority="project")
        # Nothing is fetched from the network, so there is nothing to be polite to.
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="project")
        settings.set("DOWNLOAD_DELAY", 0, priority="project")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 16, priority="project")
