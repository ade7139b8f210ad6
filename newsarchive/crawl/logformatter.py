"""Log lines for dropped items name the reason and the URL, not the whole article text."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

from newsarchive.archive.faults import ArchiveWriteError


class ArchiveLogFormatter(LogFormatter):
    """Dropped items in a line; a failed archive write (its own error says what and where) without
    a traceback, which would only bury the message."""

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> LogFormatterResult:
        if isinstance(exception, ArchiveWriteError):
            return {"level": logging.ERROR, "msg": "Not archived: %(exception)s", "args": {"exception": exception}}
        return super().item_error(item, exception, response, spider)

    def spider_error(self, failure: Any, request: Any, response: Any, spider: Any = None) -> LogFormatterResult:
        if isinstance(failure.value, ArchiveWriteError):
            return {
                "level": logging.ERROR,
                "msg": "Page not handled: %(exception)s",
                "args": {"exception": failure.value},
            }
        return super().spider_error(failure, request, response, spider)

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> LogFormatterResult:
        level = getattr(exception, "log_level", None) or "WARNING"
        return {
            "level": getattr(logging, str(level).upper(), logging.WARNING),
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }
