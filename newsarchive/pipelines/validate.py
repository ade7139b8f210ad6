"""Checks every record before it is archived; a failing one goes to ``rejects/`` with its reasons.

Nothing is dropped silently: each rejection is a line in ``ARCHIVE_DIR/rejects/<day>.jsonl``
(``{"reason", "reasons", "source", "url", "item"}``), a count under
``newsarchive/rejected/<reason>`` and a log line, and the article is not fetched again unless a
run walks everything (``-a full=1``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from newsarchive import counts
from newsarchive.archive.jsonl import DailyFiles
from newsarchive.archive.state import ArticleOutcomes, open_state
from newsarchive.config import float_setting, int_setting, setting
from newsarchive.counts import Counts
from newsarchive.crawl.sitechrome import SiteChrome, site_chrome
from newsarchive.items import FIELDS, SCHEMA
from newsarchive.pipelines.store import ordered
from newsarchive.reading.chrome import chrome_phrase, chrome_share
from newsarchive.reading.text import is_prose

# Fields without which a record is no record (missing_<field>): validation's policy, not the schema's.
REQUIRED = ("id", "source", "url", "title", "published_date", "body")
assert set(REQUIRED) <= set(FIELDS), "REQUIRED names a field the schema does not have"
_PUBLISHED_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?\+08:00$")
# Byte sequences that only appear when text was decoded with the wrong codec.
# The marks of a text decoded with the wrong codec somewhere on its way: any one rejects the record.
_MOJIBAKE = re.compile(r"锟斤拷|烫烫烫|屯屯屯|Ã[\u0080-\u00bf]|â€|Â[\u00a0-\u00bf]")
# Characters no readable text holds: U+FFFD (bytes the codec could not decode) and the private use
# area (a byte pair a page's own charset does not know). A stray one in a readable article is kept
# and counted; more than a few say the page was decoded wrong.
_STRAY = re.compile(r"[\ufffd\ue000-\uf8ff]")
STRAY_PER_1000 = 1  # stray characters allowed per 1,000 characters of text (at least 2)
# Two of them close together: a run of text in another encoding (a line of UTF-8 in a GBK page).
_STRAY_RUN = re.compile(r"[\ufffd\ue000-\uf8ff].{0,8}[\ufffd\ue000-\uf8ff]", re.S)
EARLIEST = date(1995, 1, 1)
CHINA = timezone(timedelta(hours=8))


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:  # a malformed host (http://[…) is no host
        return False


def problems(
    record: dict[str, Any],
    today: date,
    min_body: int = 20,
    title_bounds: tuple[int, int] = (2, 200),
    chrome: SiteChrome | None = None,
    max_chrome: float = 0.5,
) -> list[str]:
    """The reasons a record must not be archived (empty when it is fine).

    >>> good = {"id": "jilin:1", "source": "jilin", "url": "https://news.cnjiwang.com/a/202002/1.html",
    ...         "title": "标题", "published_date": "2020-02-07", "published_at": None, "body": "正文，" * 10,
    ...         "images": []}
    >>> problems(good, date(2026, 1, 1))
    []
    >>> problems({**good, "published_date": "2027-01-01", "body": "短讯。"}, date(2026, 1, 1))
    ['short_body', 'future_date']
    >>> problems({**good, "body": "吉林日报报业集团主办 中国吉林网版权所有\\n吉ICP备05002399号"}, date(2026, 1, 1))
    ['chrome_body']
    >>> problems({**good, "body": "首页 新闻 文化 旅游 图片 视频九龙县九龙县"}, date(2026, 1, 1))
    ['no_prose']
    >>> problems({**good, "body": "正文，" * 10 + "\ue0a1"}, date(2026, 1, 1))  # one stray character: kept
    []
    >>> problems({**good, "body": "正文，" * 10 + "\ufffd\ufffd\ufffd"}, date(2026, 1, 1))
    ['replacement_char']
    >>> problems({**good, "body": "正文，" * 10 + "娣峰\ue18c钀\ufffd"}, date(2026, 1, 1))  # a run of another codec
    ['replacement_char']
    """
    reasons = [f"missing_{f}" for f in REQUIRED if not record.get(f)]
    body = record.get("body") or ""
    title = record.get("title") or ""
    if body and len(body) < min_body:
        reasons.append("short_body")
    url = record.get("url") or ""
    if url and not (re.match(r"^https?://[^/\s]+/", url) and _has_host(url)):
        reasons.append("bad_url")
    for image in record.get("images") or []:
        if not re.match(r"^https?://[^/\s]+/\S*$", str(image.get("url") or "")):
            reasons.append("bad_image_url")
            break
    published_at = record.get("published_at")
    if published_at is not None and not _PUBLISHED_AT.match(str(published_at)):
        reasons.append("bad_published_at")
    published = record.get("published_date")
    if published:
        try:
            day = date.fromisoformat(str(published))
        except ValueError:
            reasons.append("bad_published_date")
        else:
            if day > today + timedelta(days=1):
                reasons.append("future_date")
            elif day < EARLIEST:
                reasons.append("ancient_date")
    if title and not title_bounds[0] <= len(title) <= title_bounds[1]:
        reasons.append("title_length")
    text = f"{title}\n{body}"
    strays = stray_characters(text)
    if strays and (strays > max(2, len(text) * STRAY_PER_1000 // 1000) or _STRAY_RUN.search(text)):
        reasons.append("replacement_char" if "\ufffd" in text else "mojibake")
    elif _MOJIBAKE.search(text):
        reasons.append("mojibake")
    if body and chrome_share(body.split("\n"), chrome.is_chrome if chrome is not None else None) > max_chrome:
        reasons.append("chrome_body")  # the footer or a navigation list read as the article
    elif body and not is_prose(body):
        reasons.append("no_prose")  # not one sentence: labels, a list or a frame, not an article
    elif body and chrome_phrase(body):
        reasons.append("chrome_in_body")  # an article with a piece of chrome left in it
    return reasons


def stray_characters(text: str) -> int:
    """How many undecodable or private-use characters ``text`` holds.

    >>> stray_characters("正文\ufffd正文\ue0a1"), stray_characters("正文")
    (2, 0)
    """
    return len(_STRAY.findall(text)) if "\ufffd" in text or _STRAY.search(text) else 0


class SchemaCheck:
    """The record schema, compiled once to Python code (fastjsonschema: about 10 µs a record, a
    twentieth of jsonschema's time); a record it refuses is explained by jsonschema, which names
    every error. The tests check the two agree.

    >>> check = SchemaCheck({"type": "object", "properties": {"pages": {"type": "integer"}}})
    >>> check.errors({"pages": 1}), check.errors({"pages": "1"})
    ([], ["pages: '1' is not of type 'integer'"])
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        import fastjsonschema

        self.schema = schema
        self.fast = fastjsonschema.compile(schema)
        self.exception = fastjsonschema.JsonSchemaException

    def errors(self, record: dict[str, Any]) -> list[str]:
        try:
            self.fast(record)
        except self.exception:
            import jsonschema

            found = jsonschema.Draft202012Validator(self.schema).iter_errors(record)
            return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in found] or ["schema: refused"]
        return []


def rules(settings: BaseSettings) -> dict[str, Any]:
    """The limits :func:`problems` applies, as the crawl's settings give them."""
    return {
        "min_body": int_setting(settings, "VALIDATE_MIN_BODY_CHARS"),
        "title_bounds": (
            int_setting(settings, "VALIDATE_MIN_TITLE_CHARS"),
            int_setting(settings, "VALIDATE_MAX_TITLE_CHARS"),
        ),
        "max_chrome": float_setting(settings, "CHROME_MAX_SHARE"),
    }


def refusals(record: dict[str, Any], schema: SchemaCheck | None, **limits: Any) -> tuple[list[str], list[str]]:
    """Why a record must not be archived (empty when it may), and the schema's errors: the schema is
    checked once the rules pass, and a refusal by it is the reason ``schema``."""
    today = datetime.now(CHINA).date()  # dates are printed in China time
    reasons = problems(record, today, **limits)
    errors = schema.errors(record) if schema is not None and not reasons else []
    if errors:
        reasons.append("schema")
    return reasons, errors


def note_reject(
    rejects: DailyFiles, day: str, state: ArticleOutcomes, record: dict[str, Any], reasons: list[str]
) -> None:
    """A refused record: its line in ``rejects/`` (the first reason, all of them, where it came
    from, the record) and its outcome in the state."""
    rejects.append(
        day,
        {
            "reason": reasons[0],
            "reasons": reasons,
            "source": record.get("source"),
            "url": record.get("url"),
            "item": record,
        },
    )
    if record.get("id") and record.get("url"):
        state.record(
            str(record["id"]), "rejected", str(record["url"]), record.get("content_hash"), reason=",".join(reasons)
        )


class ValidatePipeline:
    """Rejects records that are incomplete, malformed or implausible."""

    def __init__(
        self,
        archive_dir: str,
        state: ArticleOutcomes,
        stats: StatsCollector | None,
        limits: dict[str, Any],
        worker: str = "",
        chrome: SiteChrome | None = None,
    ) -> None:
        self.rejects = DailyFiles(Path(archive_dir) / "rejects", worker)
        self.state = state
        self.count = Counts(stats)
        self.limits = {**limits, "chrome": chrome}
        self.validator: SchemaCheck | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        s = crawler.settings
        return cls(
            setting(s, "ARCHIVE_DIR"),
            open_state(crawler),
            crawler.stats,
            rules(s),
            setting(s, "WORKER_ID"),
            site_chrome(crawler),
        )

    def open_spider(self) -> None:
        self.validator = SchemaCheck(SCHEMA)

    def process_item(self, item: Any) -> Any:
        record = ordered(item)
        reasons, errors = refusals(record, self.validator, **self.limits)
        if not reasons:
            strays = stray_characters(f"{record.get('title') or ''}\n{record.get('body') or ''}")
            if strays:  # kept, as the page printed them: one odd character never costs an article
                self.count("stray_characters", strays)
            return item
        if errors:
            record.setdefault("_schema_errors", errors)
        self.reject(record, reasons)
        raise DropItem(f"Rejected ({', '.join(reasons)}): {record.get('url')}", log_level="WARNING")

    def reject(self, record: dict[str, Any], reasons: list[str]) -> None:
        note_reject(self.rejects, datetime.now(UTC).date().isoformat(), self.state, record, reasons)
        self.count(counts.REJECTED)
        for reason in reasons:
            self.count(counts.rejected(reason))

    def close_spider(self) -> None:
        self.rejects.close()
