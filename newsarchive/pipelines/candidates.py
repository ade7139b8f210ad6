"""Re-extraction in parallel: workers read, one writer archives, in an order that does not depend on N.

``scrapy reparse --jobs N`` splits the article first pages found in the WARC files among N worker
processes. Each runs the usual spiders over its share through the real engine, but in place of
dedupe and store its only pipeline is :class:`CandidatePipeline`: every record, with the reasons
validation refuses it (if any), goes to a candidates file of its own (written beside and renamed
whole). The command's own process then writes them all with :func:`write_candidates`, sorted by
where each record's first page lies in the WARC files: rejects, content duplicates and archived
records are settled in that order, through the same state and JSONL store a crawl uses, so the
archive is the same whatever N (and whatever the timing), and as crash-safe: a killed reparse run
again skips what its state already holds.

Validation here judges the site's frame by its patterns only, not by repetition across pages (a
worker sees only its share of the pages): the same bytes give the same verdict whatever N.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsarchive.archive.jsonl import DailyFiles, dump_line
from newsarchive.archive.paths import crawl_day
from newsarchive.archive.state import State
from newsarchive.config import setting
from newsarchive.items import SCHEMA
from newsarchive.pipelines.dedupe import DedupePipeline
from newsarchive.pipelines.store import JsonLinesStore, ordered
from newsarchive.pipelines.validate import SchemaCheck, refusals, rules


class CandidatePipeline:
    """A reparse worker's only pipeline: each record and validation's verdict on it, to a file."""

    def __init__(self, path: Path, limits: dict[str, Any]) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.limits = {**limits, "chrome": None}  # patterns only: the verdict must not depend on the share
        self.schema = SchemaCheck(SCHEMA)
        self.lines: list[bytes] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CandidatePipeline:
        return cls(Path(setting(crawler.settings, "REPARSE_CANDIDATES")), rules(crawler.settings))

    def process_item(self, item: Any) -> Any:
        record = ordered(item)
        reasons, errors = refusals(record, self.schema, **self.limits)
        if errors:
            record.setdefault("_schema_errors", errors)
        self.lines.append(dump_line({"reasons": reasons, "record": record}))
        return item

    def close_spider(self) -> None:
        with self.partial.open("ab") as fh:  # every spider of the worker adds its share
            fh.write(b"".join(self.lines))
            fh.flush()
            os.fsync(fh.fileno())
        self.lines.clear()


def finish_candidates(path: Path) -> None:
    """A worker's candidates file is whole once the worker ended normally: renamed into place."""
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        partial.replace(path)
    else:
        path.write_bytes(b"")


def first_page_key(record: dict[str, Any]) -> tuple[str, int, str]:
    """Where a record's first page lies in the WARC files: the order the writer settles records in."""
    page = (record.get("warc") or [{}])[0]
    return str(page.get("warc_file", "")), int(page.get("warc_offset", -1)), str(record.get("id", ""))


def write_candidates(
    archive: Path, files: Iterable[Path], state: State, worker: str = "", fsync: bool = False
) -> Counter[str]:
    """Archive the candidates of every worker, in :func:`first_page_key` order: rejects to
    ``rejects/``, content duplicates to ``duplicates/``, the rest to the records, each noted in
    ``state``; what the state already holds (a reparse run again after a kill) is skipped. The
    counts by outcome (``archived``, ``archived/<source>``, ``duplicate``, ``rejected``,
    ``rejected/<reason>``, ``known``)."""
    found = []
    for path in files:
        for line in path.read_bytes().splitlines():
            found.append(json.loads(line))
    found.sort(key=lambda c: first_page_key(c["record"]))
    store = JsonLinesStore(str(archive), state, None, fsync, worker)
    dedupe = DedupePipeline(str(archive), state, None, worker)
    rejects = DailyFiles(archive / "rejects", worker, fsync)
    outcome: Counter[str] = Counter()
    try:
        for candidate in found:
            record, reasons = candidate["record"], candidate["reasons"]
            if reasons:
                if record.get("id") and state.outcome(str(record["id"])) is not None:
                    outcome["known"] += 1
                    continue
                day = crawl_day(str(record.get("crawled_at") or "1970-01-01T00:00:00Z"))
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
                        str(record["id"]),
                        "rejected",
                        str(record["url"]),
                        record.get("content_hash"),
                        reason=",".join(reasons),
                    )
                outcome["rejected"] += 1
                outcome.update(f"rejected/{r}" for r in reasons)
                continue
            before = state.outcome(record["id"])
            try:
                dedupe.process_item(record)  # a duplicate is noted there, as in a crawl
            except DropItem:
                outcome["known" if before in ("archived", "duplicate") else "duplicate"] += 1
                continue
            store.process_item(record)
            outcome["archived"] += 1
            outcome[f"archived/{record['source']}"] += 1
    finally:
        state.flush()
        store.close_spider()
        dedupe.close_spider()
        rejects.close()
    return outcome
