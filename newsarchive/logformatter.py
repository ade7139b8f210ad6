"""Log lines for dropped items name the reason and the URL, not the whole article text."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class ArchiveLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> LogFormatterResult:
        level = getattr(exception, "log_level", None) or "WARNING"
        return {"level": getattr(logging, str(level).upper(), logging.WARNING), "msg": "Dropped: %(exception)s",
                "args": {"exception": exception}}
