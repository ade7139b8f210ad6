"""Publication dates as pages print them, read into ISO 8601 with the portals' +08:00.

Pure functions: each takes text and returns text (or a small value); none touches the network,
the clock or settings, so each is tested by its doctest and by property tests.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple

# --- dates -------------------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?![\d])\s*日?"
    r"(?:[\sT\u3000\xa0]*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?(?!\d))?"
)


class Published(NamedTuple):
    """A publication date as printed, with its normalised forms."""

    date: str  # YYYY-MM-DD
    at: str | None  # ISO 8601 with +08:00, or None when no time of day was printed
    raw: str  # the printed text


def parse_published(text: str) -> Published | None:
    """Find the first valid date (and time) printed in ``text``.

    The time always carries seconds (``:00`` when the page prints minutes only), so every reader
    (DuckDB, pandas, jq) parses it alike; ``raw`` keeps what was printed.

    >>> parse_published("2020-02-07 10:07:09来源:中国吉林网")
    Published(date='2020-02-07', at='2020-02-07T10:07:09+08:00', raw='2020-02-07 10:07:09')
    >>> parse_published("2020-02-07 10:07  来源：吉林日报")
    Published(date='2020-02-07', at='2020-02-07T10:07:00+08:00', raw='2020-02-07 10:07')
    >>> parse_published("甘孜日报    2020年02月02日")
    Published(date='2020-02-02', at=None, raw='2020年02月02日')
    >>> parse_published("2019-13-45") is None
    True
    """
    for m in _DATE.finditer(text):
        try:
            day = date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            continue
        at = None
        if m["H"] is not None:
            hour, minute = int(m["H"]), int(m["M"])
            second = int(m["S"]) if m["S"] is not None else None
            if hour > 23 or minute > 59 or (second is not None and second > 59):
                at = None
            else:
                # Always with seconds (00 when none are printed: every reader parses that form);
                # published_raw keeps what the page printed.
                at = f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second or 0:02d}+08:00"
        raw = m.group(0).strip() if at else _date_only(m)
        return Published(day.isoformat(), at, raw)
    return None


def _date_only(m: re.Match[str]) -> str:
    raw = m.group(0)
    if m["H"] is not None:
        raw = raw[: m.start("H") - m.start()]
    return raw.strip()


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 string as written by :func:`parse_published` (raises ValueError).

    >>> parse_iso("2020-02-07T10:07+08:00").utcoffset().total_seconds()
    28800.0
    """
    return datetime.fromisoformat(value)
