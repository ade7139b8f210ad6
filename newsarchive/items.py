"""The archived record: one news article, field by field (see schema/article.schema.json)."""

from __future__ import annotations

import scrapy


class Article(scrapy.Item):
    """One article as archived. Formats are contracts; the JSON Schema checks them."""

    id = scrapy.Field()  # "<source>:<site article id>", stable across runs, URL variants and pages
    source = scrapy.Field()  # spider name: "jilin", "ganzi"
    site = scrapy.Field()  # the portal's own name: "中国吉林网", "康巴传媒网"
    url = scrapy.Field()  # canonical URL of the article's first page
    title = scrapy.Field()  # headline without site suffixes
    subtitle = scrapy.Field()  # 引题/副题 lines joined with "\n", or None
    published_date = scrapy.Field()  # "YYYY-MM-DD", China local date as printed
    published_at = scrapy.Field()  # ISO 8601 with +08:00 when a time of day is printed, else None
    published_raw = scrapy.Field()  # the date (and time) text exactly as printed
    origin = scrapy.Field()  # outlet named as 来源 or in the dateline, without 《》, or None
    authors = scrapy.Field()  # names from bylines and datelines, in page order
    editors = scrapy.Field()  # names after 编辑 / 责任编辑 / 责编
    section = scrapy.Field()  # the channel nearest the article, or None
    breadcrumbs = scrapy.Field()  # the trail without its label and without 浏览文章
    body = scrapy.Field()  # paragraphs joined with "\n"; no title, captions, bylines or chrome
    images = scrapy.Field()  # [{"url": absolute URL, "caption": str or None}] in page order
    language = scrapy.Field()  # "zh-Hans" or "zh-Hant": the script of the text as archived
    title_simplified = scrapy.Field()  # zh-Hant records only, with ADD_SIMPLIFIED: OpenCC t2s copy
    body_simplified = scrapy.Field()  # likewise for the body
    content_hash = scrapy.Field()  # sha256 hex of body with all whitespace removed
    pages = scrapy.Field()  # how many pages the article spans
    extraction = scrapy.Field()  # "portal" (the portal's selectors) or "fallback" (the generic reader)
    warc = scrapy.Field()  # one per page: {"url", "warc_file", "warc_record_id", "warc_payload_digest"}
    crawled_at = scrapy.Field()  # ISO 8601 UTC time of the fetch of the first page
