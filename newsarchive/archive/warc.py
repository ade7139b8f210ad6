"""WARC capture: every request and response, bytes as received, in ``ARCHIVE_DIR/warc/``.

WARC/1.1, one gzip member per record, files rotated at ``WARC_MAX_SIZE`` and opened with a
warcinfo record. A response whose payload is already in the archive is written as a ``revisit``
record (identical-payload-digest profile) that refers to the first copy. A file being written is
named ``….warc.gz.open`` and locked; a file left ``.open`` by a killed process is cut back to its
last whole record and renamed on the next start, so every WARC file is always readable.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import logging
import os
import socket
import uuid
import zlib
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

import newsarchive
from newsarchive.archive.faults import ArchiveWriteError, stop_crawl
from newsarchive.archive.jsonl import append_whole
from newsarchive.archive.paths import META_FETCHED_AT, META_RECORDED_AT, META_WARC_RECORD, utc_stamp
from newsarchive.archive.replay import MISSING
from newsarchive.archive.state import WarcPayloads, open_state
from newsarchive.archive.warcmembers import whole_members
from newsarchive.config import bool_setting, int_setting, setting
from newsarchive.counts import Counts

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
# Hop-by-hop framing the downloader already undid: the stored payload is not chunked.
_DROP_HEADERS = {b"transfer-encoding"}
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def payload_digest(body: bytes) -> str:
    """The WARC digest of a payload (or of a record's block): ``sha1:`` and its base32 SHA-1.

    >>> payload_digest(b"")
    'sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ'
    """
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")  # noqa: S324  (WARC's own)


def warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def repair_warc(path: Path) -> int:
    """Cut a WARC file back to its last whole record; return the bytes cut."""
    size = path.stat().st_size
    if path.name.endswith((".gz", ".gz" + OPEN_SUFFIX)):
        _, good = whole_members(path.read_bytes())
    else:
        good = 0
        with path.open("rb") as fh:
            iterator = ArchiveIterator(fh)
            try:
                for record in iterator:
                    iterator.read_to_end(record)
                    good = iterator.get_record_offset() + iterator.get_record_length()
            except Exception as exc:  # a torn record: everything before it is whole
                logger.warning("WARC file %s is torn after byte %d (%s)", path, good, exc)
    if good < size:
        with path.open("rb+") as fh:
            fh.truncate(good)
            os.fsync(fh.fileno())
    return size - good


def recover_open_files(directory: Path) -> list[Path]:
    """Close out ``.open`` WARC files that no live writer holds (their writer died)."""
    recovered = []
    for path in sorted(directory.glob(f"*.warc.gz{OPEN_SUFFIX}")):
        with path.open("rb") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live writer (another worker) holds it
            cut = repair_warc(path)
            final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
            path.rename(final)
            logger.warning("Closed out WARC file %s left open by a stopped crawl (cut %d bytes)", final, cut)
            recovered.append(final)
    return recovered


class WarcFile:
    """One WARC file being written: appended whole records at a time under an exclusive lock."""

    def __init__(self, path: Path) -> None:
        self.final_path = path
        self.path = path.with_name(path.name + OPEN_SUFFIX)
        try:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError as exc:
            raise ArchiveWriteError(self.path, exc) from exc
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.size = 0

    def append(self, data: bytes) -> None:
        """Append whole gzip members, or nothing (a failed write is cut back off): every record
        offset handed out stays right."""
        try:
            append_whole(self.fd, data, self.path)
        finally:
            self.size = os.fstat(self.fd).st_size

    def close(self) -> Path:
        os.fsync(self.fd)
        os.close(self.fd)
        self.path.rename(self.final_path)
        return self.final_path


class WarcCaptureMiddleware:
    """Downloader middleware next to the downloader: sees requests as sent, responses as received."""

    def __init__(
        self, crawler: Crawler, directory: Path, max_size: int, operator: str, worker: str, gzip_level: int = 3
    ) -> None:
        self.crawler = crawler
        self.count = Counts(crawler.stats)
        self.gzip_level = gzip_level
        self.directory = directory
        self.max_size = max_size
        self.operator = operator
        self.worker = worker
        self.state: WarcPayloads = open_state(crawler)
        self.current: WarcFile | None = None
        self.serial = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        s = crawler.settings
        if not bool_setting(s, "ARCHIVE_WARC"):
            raise NotConfigured
        directory = Path(setting(s, "ARCHIVE_DIR")) / "warc"
        directory.mkdir(parents=True, exist_ok=True)
        recover_open_files(directory)
        mw = cls(
            crawler,
            directory,
            int_setting(s, "WARC_MAX_SIZE"),
            setting(s, "WARC_OPERATOR"),
            setting(s, "WORKER_ID"),
            int_setting(s, "WARC_GZIP_LEVEL"),
        )
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    # --- files ------------------------------------------------------------------------------------

    def _file_for(self, size: int) -> WarcFile:
        if self.current is not None and self.current.size and self.current.size + size > self.max_size:
            self.current.close()
            self.current = None
        if self.current is None:
            self.serial += 1
            stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
            worker = f"-{self.worker}" if self.worker else ""
            name = f"newsarchive-{stamp}-{self.serial:05d}{worker}-{os.getpid()}.warc.gz"
            self.current = WarcFile(self.directory / name)
            self.current.append(self._warcinfo(name))
        return self.current

    def _warcinfo(self, filename: str) -> bytes:
        settings = self.crawler.settings
        info = {
            "software": f"newsarchive/{newsarchive.__version__} (Scrapy {scrapy.__version__})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "operator": self.operator or None,
            "http-header-user-agent": settings.get("USER_AGENT"),
            "hostname": socket.gethostname(),
        }
        replayed = settings.get("REPLAY_DIR")
        if replayed:  # not a live capture: say so, in every file
            info["replay"] = (
                f"replayed from {replayed}, not fetched from the network: each record's WARC-Date is "
                "when the page was recorded (the time of this crawl when the recording has none)"
            )
        raw = io.BytesIO()  # once a file: warcio writes it
        writer = WARCWriter(raw, gzip=False, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(filename, info))
        return self._gzip(raw.getvalue())

    def close(self, spider: Any = None) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None

    # --- records ----------------------------------------------------------------------------------

    def process_response(self, request: Request, response: Response) -> Response:
        # A page answered from an archived WARC record keeps that record as its provenance, and a
        # URL replay found no case for was never sent by a server: writing either would fabricate
        # a capture dated now.
        if META_WARC_RECORD in request.meta or MISSING in response.flags:
            return response
        recorded = request.meta.get(META_RECORDED_AT)
        fetched = datetime.fromisoformat(recorded.replace("Z", "+00:00")) if recorded else datetime.now(UTC)
        date = warc_date(fetched)
        body = response.body
        digest = payload_digest(body)
        record_id = f"<urn:uuid:{uuid.uuid4()}>"
        http_head = self._response_head(response)
        original = self.state.warc_payload(digest) if body and response.status == 200 else None
        confirmed = self.state.last_capture(request.url) if response.status == 304 else None
        revisit = original is not None or response.status == 304
        fields = [
            ("WARC-Type", "revisit" if revisit else "response"),
            ("WARC-Record-ID", record_id),
            ("WARC-Date", date),
            ("WARC-Target-URI", request.url),
        ]
        if response.ip_address is not None:
            fields.append(("WARC-IP-Address", str(response.ip_address)))
        if original is not None:
            # Identical-payload-digest revisit: the HTTP head only, pointing at the first copy.
            fields += [
                ("WARC-Refers-To", original["record_id"]),
                ("WARC-Profile", REVISIT_PROFILE),
                ("WARC-Refers-To-Target-URI", original["uri"]),
                ("WARC-Refers-To-Date", original["date"]),
            ]
        elif response.status == 304:
            # The server said the page is unchanged: a server-not-modified revisit of the capture it
            # confirms (the last full one of this URL), so a replay shows that capture, not an empty 304.
            fields.append(("WARC-Profile", NOT_MODIFIED_PROFILE))
            if confirmed is not None:
                fields += [
                    ("WARC-Refers-To", confirmed["record_id"]),
                    ("WARC-Refers-To-Target-URI", request.url),
                    ("WARC-Refers-To-Date", confirmed["date"]),
                ]
        block = http_head if revisit else http_head + body
        if response.status != 304:
            fields.append(("WARC-Payload-Digest", digest))
        fields.append(("Content-Type", "application/http; msgtype=response"))
        response_member = self._member(fields, block)
        request_member = self._member(
            [
                ("WARC-Type", "request"),
                ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid4()}>"),
                ("WARC-Date", date),
                ("WARC-Target-URI", request.url),
                ("WARC-Concurrent-To", record_id),
                ("Content-Type", "application/http; msgtype=request"),
            ],
            self._request_head(request) + (request.body or b""),
        )
        data = response_member + request_member
        try:
            warc = self._file_for(len(data))
            offset = warc.size  # where the response record's gzip member starts: `warcio extract FILE OFFSET`
            warc.append(data)
        except ArchiveWriteError as error:
            # Not kept, so not read: the page goes to its errback (an article stays pending, a list
            # page's walk is owed) and the crawl stops taking new work.
            stop_crawl(self.crawler, error)
            raise
        if original is None and body and response.status == 200:
            self.state.remember_warc_payload(digest, request.url, date, record_id, warc.final_path.name)
        if response.status == 200 and request.meta.get("list_page"):  # what a later 304 will confirm
            kept = original or {"record_id": record_id, "date": date, "file": warc.final_path.name}
            self.state.remember_capture(request.url, kept["record_id"], kept["date"], kept["file"])
        self.count("warc/revisit" if revisit else "warc/response")
        self.count("warc/bytes", len(data))
        request.meta[META_WARC_RECORD] = {
            "warc_file": warc.final_path.name,
            "warc_record_id": record_id,
            "warc_payload_digest": digest,
            "warc_offset": offset,
            "warc_length": len(response_member),
        }
        request.meta[META_FETCHED_AT] = utc_stamp(fetched)
        return response

    def _member(self, fields: list[tuple[str, str]], block: bytes) -> bytes:
        """One WARC/1.1 record, formatted here: warcio builds record objects a capture has no use for."""
        head = "".join(f"{name}: {value}\r\n" for name, value in fields)
        record = (
            (
                f"WARC/1.1\r\n{head}WARC-Block-Digest: {payload_digest(block)}\r\nContent-Length: {len(block)}\r\n\r\n"
            ).encode()
            + block
            + b"\r\n\r\n"
        )
        return self._gzip(record)

    def _gzip(self, record: bytes) -> bytes:
        """A record as a gzip member of its own (the layout readers and indexers expect), at
        ``WARC_GZIP_LEVEL``: warcio compresses at level 9, several times the cost for a few per cent
        of size on HTML."""
        member = zlib.compressobj(self.gzip_level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        return member.compress(record) + member.flush()

    @staticmethod
    def _response_head(response: Response) -> bytes:
        """The HTTP status line and headers as received (less the framing the downloader undid)."""
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        protocol = response.protocol or "HTTP/1.1"
        lines = [f"{protocol} {response.status} {reason}".strip().encode("latin-1")]
        lines += [k + b": " + v for k, vs in response.headers.items() for v in vs if k.lower() not in _DROP_HEADERS]
        return b"\r\n".join(lines) + b"\r\n\r\n"

    @staticmethod
    def _request_head(request: Request) -> bytes:
        parts = urlsplit(request.url)
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        lines = [f"{request.method} {target} HTTP/1.1".encode("latin-1"), b"Host: " + parts.netloc.encode("latin-1")]
        lines += [k + b": " + v for k, vs in request.headers.items() for v in vs if k.lower() != b"host"]
        return b"\r\n".join(lines) + b"\r\n\r\n"
