"""Where things live in an archive directory, and how it writes times.

Only spider names and crawl dates name files. Every time the archive writes is UTC to the second,
``2026-11-26T08:00:00Z``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

# Request meta keys through which the fetch of a page reaches its record: set by WARC capture or by
# replay from WARC, read by the spider.
# {"warc_file", "warc_record_id", "warc_payload_digest", "warc_offset", "warc_length"}
META_WARC_RECORD = "warc_record"
META_FETCHED_AT = "fetched_at"  # utc_stamp() of the fetch
META_RECORDED_AT = "recorded_at"  # utc_stamp() of when a replayed fixture page was recorded

_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
# archive subdirectories without records
SIDE_DIRS = ("rejects", "duplicates", "runs", "warc", "replaced", "quarantine", "rebuild", "reparse-work")


def utc_stamp(moment: datetime | None = None) -> str:
    """An archive time: UTC, seconds, ``Z`` (now when no moment is given).

    >>> utc_stamp(datetime(2026, 11, 26, 16, 0, 1, 500, tzinfo=UTC))
    '2026-11-26T16:00:01Z'
    """
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def crawl_day(crawled_at: str) -> str:
    """The file name's day: the UTC date of the crawl, never anything a page printed.

    >>> crawl_day("2026-11-26T08:00:00Z")
    '2026-11-26'
    """
    if not _DAY.match(crawled_at):
        raise ValueError(f"crawled_at {crawled_at!r} is not an ISO 8601 time")
    return crawled_at[:10]


def source_dir(archive_dir: Path, source: str) -> Path:
    """A source's record directory; a name that could escape the archive is refused.

    >>> source_dir(Path("archive"), "jilin").as_posix()
    'archive/jilin'
    """
    if not _SAFE_NAME.match(source) or source in SIDE_DIRS:
        raise ValueError(f"refusing to derive a path from source={source!r}")
    return archive_dir / source


def record_files(archive_dir: Path) -> list[Path]:
    """Every JSONL file of accepted records in an archive."""
    return sorted(p for p in archive_dir.glob("*/*.jsonl") if p.parent.name not in SIDE_DIRS)
