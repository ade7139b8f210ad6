"""The crawl's own counters: ``newsarchive/<name>`` in Scrapy's stats, bumped cheaply.

Scrapy's StatsCollector wraps every attribute access (it checks for a deprecated argument), which
costs more than the count itself; a page bumps some thirty counters, so the bound method is looked
up once here.
"""

from __future__ import annotations

from typing import Any

PREFIX = "newsarchive/"

# Counters written in one place and read in another (crawlall's health verdict, reparse): named
# once here, so a rename cannot leave a reader counting a name nobody writes.
LIST_PAGES = "list_pages"  # list pages read (304s included)
LIST_UNCHANGED = "list_unchanged"  # list pages that answered 304 Not Modified
NEW_LINKS = "new_links"  # article links the lists showed that no earlier run settled
ARTICLES_FETCHED = "articles_fetched"
ARTICLES_EXTRACTED = "articles_extracted"  # records finished by the spider (all pages read)
ARCHIVED = "archived"
DUPLICATE = "duplicate"  # duplicate/<id|content> beside it
REJECTED = "rejected"  # rejected/<reason> beside it
LISTS_PENDING = "lists_pending"  # list pages whose walk is owed at the end of the run (a value, not a count)
STATE_LOST = "state_lost"  # the shared (Redis) state lost its data during the run
WRITE_FAILED = "archive_write_failed"  # writes into the archive that failed (disk full, permissions)


def extraction(reader: str) -> str:
    """Records read by ``reader``: ``portal`` or ``fallback``."""
    return f"extraction/{reader}"


def rejected(reason: str) -> str:
    return f"{REJECTED}/{reason}"


def field(name: str) -> str:
    """Archived records carrying a value in ``name`` (field coverage)."""
    return f"field/{name}"


def published_on(day: str) -> str:
    """Records archived whose page printed ``day`` (``YYYY-MM-DD``) as its date."""
    return f"published/{day}"


def key(name: str) -> str:
    """The stats key of a counter, for readers of the final stats: ``newsarchive/<name>``."""
    return PREFIX + name


class Counts:
    """``counts("archived")`` adds one to ``newsarchive/archived``; without stats, nothing happens."""

    def __init__(self, stats: Any) -> None:
        self._inc = stats.inc_value if stats is not None else None

    def __call__(self, name: str, amount: int = 1) -> None:
        if self._inc is not None:
            self._inc(PREFIX + name, amount)
