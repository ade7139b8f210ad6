"""Assembling a record: the pages of an article merged in order, then the record finished with
what the crawl knows about it (its id, canonical URL, pages, text hash, script, fetch time)."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from newsarchive.archive.paths import META_WARC_RECORD
from newsarchive.items import Article
from newsarchive.reading.text import content_hash, detect_script, to_simplified, unique


def merge_page(item: dict[str, Any], page: Article) -> None:
    """Append a later page of an article to the record built from its earlier pages."""
    body = page.get("body") or ""
    if body:
        item["body"] = f"{item['body']}\n{body}" if item.get("body") else body
    item["images"] = [*item.get("images", []), *page.get("images", [])]
    item["authors"] = unique([*item.get("authors", []), *page.get("authors", [])])
    item["editors"] = unique([*item.get("editors", []), *page.get("editors", [])])
    item["warc"] = [*item.get("warc", []), *page.get("warc", [])]
    if page.get("extraction") == "fallback":  # a record is as sure as its least sure page
        item["extraction"] = "fallback"


def provenance(response: Response) -> dict[str, Any]:
    """Where a page's bytes are kept: its WARC file, record id and payload digest (when captured)."""
    return {"url": response.url, **response.meta.get(META_WARC_RECORD, {})}


def finish_record(
    item: Article,
    *,
    record_id: str,
    source: str,
    site: str,
    url: str,
    pages: int,
    crawled_at: str,
    add_simplified: bool = False,
) -> Article:
    """Complete a record read from its pages: identity, text hash, script (and, on a zh-Hant record
    with ``add_simplified``, simplified copies of title and body), and when it was fetched."""
    item["id"] = record_id
    item["source"] = source
    item["site"] = site
    item["url"] = url
    item["pages"] = pages
    item["content_hash"] = content_hash(item.get("body") or "")
    item["language"] = detect_script(f"{item.get('title') or ''}\n{item.get('body') or ''}")
    if item["language"] == "zh-Hant" and add_simplified:
        item["title_simplified"] = to_simplified(item.get("title") or "")
        item["body_simplified"] = to_simplified(item.get("body") or "")
    item["crawled_at"] = crawled_at
    return item
