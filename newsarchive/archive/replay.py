"""Offline crawls: a download handler that answers every request from recorded fixture cases.

``-s REPLAY_DIR=PATH[,PATH…]`` installs it (through :class:`ReplayAddon`) for http and https, so
every middleware and pipeline runs as in a live crawl and no request leaves the machine. A path is
a directory of fixture cases, each holding ``response.body`` (bytes as sent) and
``response.json`` (url, status, headers), and of WARC files (``*.warc``, ``*.warc.gz``), or a WARC
file itself. Requests match by URL, exactly, then without the query string; anything else is a 404.
For a WARC response, the newest capture of a URL wins, and a revisit record is answered with the
payload it refers to; the response carries that record as its provenance.
"""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings
from warcio.archiveiterator import ArchiveIterator

from newsarchive.archive.paths import META_FETCHED_AT, META_RECORDED_AT, META_WARC_RECORD, utc_stamp
from newsarchive.archive.warcmembers import whole_members
from newsarchive.counts import Counts

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
    date: str | None = None  # when the response was recorded (ISO 8601 UTC), if the case says

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
        date = meta.get("date")
        if date is not None:
            date = utc_stamp(datetime.fromisoformat(str(date).replace("Z", "+00:00")))
        return Case(
            str(meta["url"]),
            int(meta.get("status", 200)),
            normalise_headers(meta.get("headers") or {}),
            directory / CASE_BODY,
            date,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"Broken fixture case {directory}: {exc!r}; it needs {CASE_META} with url, status, "
            f"headers and a {CASE_BODY} file"
        ) from exc


@dataclass(frozen=True, slots=True)
class WarcCase:
    """One response (or revisit) record in a WARC file; its payload is read when asked for."""

    url: str
    status: int
    headers: dict[str, list[str]]
    payload_path: Path  # the file and offset of the record holding the payload
    payload_offset: int
    warc_file: str  # the record this case stands for (a revisit's own file, id and place)
    record_id: str
    digest: str
    date: str
    record_offset: int
    record_length: int

    def body(self) -> bytes:
        with self.payload_path.open("rb") as fh:
            fh.seek(self.payload_offset)
            for record in ArchiveIterator(fh):
                return bytes(record.raw_stream.read())
        raise ValueError(f"no WARC record at {self.payload_path}:{self.payload_offset}")

    def provenance(self) -> dict[str, str | int]:
        return {
            "warc_file": self.warc_file,
            "warc_record_id": self.record_id,
            "warc_payload_digest": self.digest,
            "warc_offset": self.record_offset,
            "warc_length": self.record_length,
        }

    def fetched_at(self) -> str:
        return utc_stamp(datetime.fromisoformat(self.date.replace("Z", "+00:00")))


AnyCase = Case | WarcCase
WARC_SUFFIXES = (".warc", ".warc.gz")


# WARC files whose damaged parts replay skipped (path -> byte ranges skipped), for reparse's summary.
DAMAGED: dict[str, int] = {}


def warc_records(path: Path) -> Iterator[tuple[Any, int, int]]:
    """Each whole record of a WARC file with its offset and length. A gzipped file is read member
    by member (see :mod:`newsarchive.archive.warcmembers`): a torn or damaged member is skipped, named and
    counted, and the records after it are still read."""
    if not path.name.endswith(".gz"):
        with path.open("rb") as fh:
            iterator = ArchiveIterator(fh)
            try:
                for record in iterator:
                    iterator.read_to_end(record)  # the record's length is known once it is read
                    yield record, iterator.get_record_offset(), iterator.get_record_length()
            except Exception as exc:  # warcio's own errors have no common base
                DAMAGED[str(path)] = DAMAGED.get(str(path), 0) + 1
                logger.warning(
                    "WARC file %s is damaged after its last whole record (%s): the rest is skipped", path, exc
                )
        return
    data = path.read_bytes()
    members, _ = whole_members(data)
    covered = sum(length for _, length in members)
    if covered < len(data):
        DAMAGED[str(path)] = DAMAGED.get(str(path), 0) + 1
        logger.warning(
            "WARC file %s: %d of its %d bytes are not whole records (torn or damaged): skipped, the "
            "%d whole records read",
            path,
            len(data) - covered,
            len(data),
            len(members),
        )
    for offset, length in members:
        iterator = ArchiveIterator(io.BytesIO(data[offset : offset + length]))
        for record in iterator:
            iterator.read_to_end(record)
            yield record, offset, length
            break


def read_warc(path: Path) -> list[WarcCase]:
    """The response and revisit records of a WARC file, revisits resolved within the file set later."""
    found: list[WarcCase] = []
    for record, offset, length in warc_records(path):
        kind = record.rec_type
        if kind not in ("response", "revisit") or record.http_headers is None:
            continue
        if (record.rec_headers.get_header("WARC-Profile") or "").endswith("/server-not-modified"):
            continue  # a 304 confirming an earlier capture, which is replayed itself
        head = record.rec_headers
        status = int(record.http_headers.get_statuscode() or 0)
        headers: dict[str, list[str]] = {}
        for name, value in record.http_headers.headers:
            headers.setdefault(name, []).append(value)
        # A revisit carries no payload: it is pointed at its original's by resolve_revisits.
        payload = kind == "response"
        found.append(
            WarcCase(
                url=head.get_header("WARC-Target-URI"),
                status=status,
                headers=headers,
                payload_path=path if payload else Path(""),
                payload_offset=offset if payload else -1,
                warc_file=path.name,
                record_id=head.get_header("WARC-Record-ID") or "",
                digest=head.get_header("WARC-Payload-Digest") or "",
                date=head.get_header("WARC-Date") or "",
                record_offset=offset,
                record_length=length,
            )
        )
    return found


def find_cases(root: Path) -> tuple[list[Case], list[WarcCase]]:
    """Every fixture case and every WARC record under ``root`` (a directory or a WARC file), in a
    stable order; revisits are left for :func:`resolve_revisits` over all paths together."""
    if root.is_file() and root.name.endswith(WARC_SUFFIXES):
        return [], read_warc(root)
    if not root.is_dir():
        raise NotConfigured(f"REPLAY_DIR {str(root)!r} is neither a directory nor a WARC file")
    cases: list[Case] = []
    warcs: list[WarcCase] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if CASE_META in filenames:
            cases.append(read_case(Path(dirpath)))
        for name in sorted(filenames):
            if name.endswith(WARC_SUFFIXES):
                warcs += read_warc(Path(dirpath) / name)
    return cases, warcs


def resolve_revisits(cases: list[WarcCase]) -> list[WarcCase]:
    """Point each revisit at the payload of the response it refers to (by digest), wherever among
    the given records that response is; a revisit whose payload none holds is left out, and said
    once with how many."""
    by_digest = {c.digest: c for c in cases if c.payload_offset >= 0 and c.digest}
    resolved: list[WarcCase] = []
    unresolved: list[str] = []
    for case in sorted(cases, key=lambda c: c.date):
        if case.payload_offset < 0:
            original = by_digest.get(case.digest)
            if original is None:
                unresolved.append(case.url)
                continue
            case = replace(case, payload_path=original.payload_path, payload_offset=original.payload_offset)
        resolved.append(case)
    if unresolved:
        logger.warning(
            "%d revisit record(s) refer to payloads in none of the replayed files (their first "
            "captures are elsewhere); not replayed: %s%s",
            len(unresolved),
            ", ".join(unresolved[:3]),
            ", …" if len(unresolved) > 3 else "",
        )
    return resolved


class CaseIndex:
    """URL -> case lookup: exact URL first, then the URL without its query string.

    Fixture cases and the first WARC capture of a URL are kept, then any later capture with a
    payload replaces a WARC one (the newest crawl wins; a 304 never hides a page).
    """

    def __init__(self, cases: list[AnyCase]) -> None:
        self.exact: dict[str, AnyCase] = {}
        self.bare: dict[str, AnyCase] = {}
        for case in cases:
            for table, key in ((self.exact, case.url), (self.bare, without_query(case.url))):
                old = table.get(key)
                if old is None or (isinstance(old, WarcCase) and case.status != 304):
                    table[key] = case

    def __len__(self) -> int:
        return len(self.exact)

    def urls(self) -> list[str]:
        return list(self.exact)

    def find(self, url: str) -> AnyCase | None:
        return self.exact.get(url) or self.bare.get(without_query(url))


def replay_paths(value: str) -> list[Path]:
    return [Path(p.strip()) for p in value.split(",") if p.strip()]


def build_index(value: str) -> CaseIndex:
    """The index over every path of a REPLAY_DIR value, revisits resolved across all of them."""
    cases: list[Case] = []
    warcs: list[WarcCase] = []
    for path in replay_paths(value):
        found, records = find_cases(path)
        cases += found
        warcs += records
    return CaseIndex([*cases, *resolve_revisits(warcs)])


def _signature(value: str) -> tuple[tuple[str, int, int], ...]:
    """What the files under a REPLAY_DIR value are now: a changed file makes a new index."""
    found = []
    for root in replay_paths(value):
        paths = [root] if root.is_file() else [Path(d) / n for d, _, names in os.walk(root) for n in names]
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(found))


_built: dict[str, tuple[tuple[tuple[str, int, int], ...], CaseIndex]] = {}


def save_index(value: str, path: Path) -> None:
    """Keep the index of a REPLAY_DIR value in ``path``, for worker processes of the same run
    (``REPLAY_INDEX``): they load it instead of reading every WARC file again."""
    index = index_for(value)
    with path.open("wb") as fh:
        pickle.dump((_signature(value), index), fh, protocol=pickle.HIGHEST_PROTOCOL)


def load_index(value: str, path: str) -> None:
    """Take the index a parent process saved (:func:`save_index`) when the files are still as
    they were; else the index is built as usual."""
    try:
        with open(path, "rb") as fh:
            signature, index = pickle.load(fh)  # noqa: S301  (written by this run's own parent process)
    except (OSError, pickle.UnpicklingError, EOFError):
        return
    if signature == _signature(value):
        _built[value] = (signature, index)


def index_for(value: str) -> CaseIndex:
    """The index of a REPLAY_DIR value, read once per process while its files stay as they are: the
    http and https handlers, and every spider of a crawlall or reparse, share it."""
    signature = _signature(value)
    cached = _built.get(value)
    if cached is None or cached[0] != signature:
        index = build_index(value)
        _built[value] = (signature, index)
        logger.info("Replaying %d recorded responses from %s", len(index), value)
        return index
    return cached[1]


# The flag of a response replay made up (a URL no case holds): no server sent it, no capture keeps it.
MISSING = "replay-missing"


def build_response(
    request: Request, status: int, headers: dict[str, list[str]], body: bytes, flags: tuple[str, ...] = ()
) -> Response:
    scrapy_headers = Headers(headers)
    cls = responsetypes.from_args(headers=scrapy_headers, url=request.url, body=body)
    return cls(
        url=request.url, status=status, headers=scrapy_headers, body=body, request=request, flags=["replay", *flags]
    )


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
        value = crawler.settings.get("REPLAY_DIR") or ""
        if crawler.settings.get("REPLAY_INDEX"):
            load_index(value, crawler.settings.get("REPLAY_INDEX"))
        self.index = index_for(value)
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.count = Counts(crawler.stats)

    async def download_request(self, request: Request) -> Response:
        case = self.index.find(request.url)
        if case is None:
            self.count("replay/missing")
            return build_response(request, 404, {"Content-Type": ["text/html"]}, b"", (MISSING,))
        self.count("replay/hit")
        if isinstance(case, Case) and case.date:
            # Captured from a recording: the capture is dated when the page was recorded, not now.
            request.meta[META_RECORDED_AT] = case.date
        if case.status == 200 and not_modified(request, case.headers):
            return build_response(
                request, 304, {k: v for k, v in case.headers.items() if k.lower() in ("etag", "last-modified")}, b""
            )
        if isinstance(case, WarcCase):
            # The page's provenance is the archived record it is answered from.
            request.meta[META_WARC_RECORD] = case.provenance()
            request.meta[META_FETCHED_AT] = case.fetched_at()
        body = case.body()
        limit = request.meta.get("download_maxsize", self.maxsize)
        if limit and len(body) > limit:  # as a live download of it would be cut off
            message = f"Cancelling download of {request.url}: size {len(body)} larger than download max size ({limit})"
            logger.warning(message)
            raise DownloadCancelledError(message)
        return build_response(request, case.status, case.headers, body)


class ReplayAddon:
    """Routes http and https to :class:`ReplayDownloadHandler` when ``REPLAY_DIR`` is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REPLAY_DIR"):
            return
        handler = "newsarchive.archive.replay.ReplayDownloadHandler"
        # "project" priority: these replace settings.py's live-crawl values, while -s still wins.
        settings.set(
            "DOWNLOAD_HANDLERS",
            {**settings.getdict("DOWNLOAD_HANDLERS"), "http": handler, "https": handler},
            priority="project",
        )
        # Nothing is fetched from the network, so there is nothing to be polite to.
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="project")
        settings.set("DOWNLOAD_DELAY", 0, priority="project")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 16, priority="project")
        settings.set("BACKOFF_BASE", 0, priority="project")
