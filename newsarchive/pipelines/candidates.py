"""Re-extraction in parallel: workers read, one writer archives, in an order that does not depend on N.

``scrapy reparse --jobs N`` hands the article first pages found in the WARC files to N worker
processes in batches. Each runs the usual spiders over the batches it claims through the real
engine, but in place of dedupe and store its only pipeline is :class:`CandidatePipeline`: every
record, with the reasons validation refuses it (if any), is appended to the worker's candidates
file, and a mark follows each batch once all its pages are settled. Meanwhile the command's own
process tails those files with a :class:`CandidateWriter`: a record is written once every batch
that could hold a record lying before it in the WARC files is done. Rejects, content duplicates
and archived records are settled in that order, through the same state and JSONL store a crawl
uses, so the archive is the same whatever N (and whatever the timing), and as crash-safe: a killed
reparse run again skips what its state already holds.

Validation here judges the site's frame by its patterns only, not by repetition across pages (a
worker sees only its share of the pages): the same bytes give the same verdict whatever N.
"""

from __future__ import annotations

import heapq
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
from newsarchive.pipelines.validate import SchemaCheck, note_reject, refusals, rules


class CandidatePipeline:
    """A reparse worker's only pipeline: each record and validation's verdict on it, appended to the
    worker's candidates file at once (the command reads it while the worker goes on)."""

    def __init__(self, path: Path, limits: dict[str, Any]) -> None:
        self.path = path
        self.limits = {**limits, "chrome": None}  # patterns only: the verdict must not depend on the share
        self.schema = SchemaCheck(SCHEMA)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CandidatePipeline:
        return cls(Path(setting(crawler.settings, "REPARSE_CANDIDATES")), rules(crawler.settings))

    def process_item(self, item: Any) -> Any:
        record = ordered(item)
        reasons, errors = refusals(record, self.schema, **self.limits)
        if errors:
            record.setdefault("_schema_errors", errors)
        append_line(self.path, {"reasons": reasons, "record": record})
        return item


def append_line(path: Path, value: dict[str, Any]) -> None:
    """One JSON line appended with one write (a reader tailing the file sees whole lines or none)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, dump_line(value))
    finally:
        os.close(fd)


class Tail:
    """The whole lines a file has gained since the last look (the last, unfinished one waits)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def lines(self) -> list[bytes]:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except FileNotFoundError:
            return []
        whole = data.rfind(b"\n") + 1
        self.offset += whole
        return data[:whole].splitlines()


def first_page_key(record: dict[str, Any]) -> tuple[str, int, str]:
    """Where a record's first page lies in the WARC files: the order the writer settles records in."""
    page = (record.get("warc") or [{}])[0]
    return str(page.get("warc_file", "")), int(page.get("warc_offset", -1)), str(record.get("id", ""))


class CandidateWriter:
    """Archives candidates in :func:`first_page_key` order, as many as are known to come before all
    the others: rejects to ``rejects/``, content duplicates to ``duplicates/``, the rest to the
    records, each noted in ``state``; what the state already holds (a reparse run again after a
    kill) is skipped. ``outcome`` counts them (``archived``, ``archived/<source>``, ``duplicate``,
    ``rejected``, ``rejected/<reason>``, ``known``)."""

    def __init__(self, archive: Path, state: State, worker: str = "", fsync: bool = False) -> None:
        self.state = state
        self.store = JsonLinesStore(str(archive), state, None, fsync, worker)
        self.dedupe = DedupePipeline(str(archive), state, None, worker)
        self.rejects = DailyFiles(archive / "rejects", worker, fsync)
        self.outcome: Counter[str] = Counter()
        self.waiting: list[tuple[tuple[str, int, str], int, dict[str, Any]]] = []  # a heap
        self.added = 0
        self.settled = 0

    def add(self, candidate: dict[str, Any]) -> None:
        self.added += 1
        heapq.heappush(self.waiting, (first_page_key(candidate["record"]), self.added, candidate))

    def write_before(self, bound: tuple[str, int] | None) -> None:
        """Settle every waiting candidate whose first page lies before ``bound`` (all with None)."""
        while self.waiting and (bound is None or self.waiting[0][0] < bound):
            self.settle(heapq.heappop(self.waiting)[2])

    def settle(self, candidate: dict[str, Any]) -> None:
        self.settled += 1
        record, reasons, state, outcome = candidate["record"], candidate["reasons"], self.state, self.outcome
        if reasons:
            if record.get("id") and state.outcome(str(record["id"])) is not None:
                outcome["known"] += 1
                return
            day = crawl_day(str(record.get("crawled_at") or "1970-01-01T00:00:00Z"))
            note_reject(self.rejects, day, state, record, reasons)
            outcome["rejected"] += 1
            outcome.update(f"rejected/{r}" for r in reasons)
            return
        before = state.outcome(record["id"])
        try:
            self.dedupe.process_item(record)  # a duplicate is noted there, as in a crawl
        except DropItem:
            outcome["known" if before in ("archived", "duplicate") else "duplicate"] += 1
            return
        self.store.process_item(record)
        outcome["archived"] += 1
        outcome[f"archived/{record['source']}"] += 1

    def close(self) -> None:
        try:
            self.state.flush()
        finally:
            self.store.close_spider()
            self.dedupe.close_spider()
            self.rejects.close()


def write_candidates_into(writer: CandidateWriter, files: Iterable[Path]) -> None:
    """Archive every candidate of ``files`` (a one-process reparse's, once it has read them all)."""
    for path in files:
        for line in path.read_bytes().splitlines() if path.exists() else ():
            candidate = json.loads(line)
            if "record" in candidate:
                writer.add(candidate)
    writer.write_before(None)
