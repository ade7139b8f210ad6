"""The crawl's own counters: ``newsarchive/<name>`` in Scrapy's stats, bumped cheaply.

Scrapy's StatsCollector wraps every attribute access (it checks for a deprecated argument), which
costs more than the count itself; a page bumps some thirty counters, so the bound method is looked
up once here.
"""

from __future__ import annotations

from typing import Any

PREFIX = "newsarchive/"


class Counts:
    """``counts("archived")`` adds one to ``newsarchive/archived``; without stats, nothing happens."""

    def __init__(self, stats: Any) -> None:
        self._inc = stats.inc_value if stats is not None else None

    def __call__(self, name: str, amount: int = 1) -> None:
        if self._inc is not None:
            self._inc(PREFIX + name, amount)
