"""Checks a command runs before it crawls: the archive can be written and its state read.

A read-only or full file system, a file where ``ARCHIVE_DIR`` should be, or a damaged state is
said in one line naming the path and what to do, and the command exits 1, instead of a traceback
from the middle of a crawl's start-up.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import BaseSettings

from newsarchive.config import setting
from newsarchive.faults import ArchiveWriteError, check_archive_dir
from newsarchive.state import ArchiveState, ArchiveStateError

EXIT_FAILED = 1


def archive_problem(settings: BaseSettings) -> str | None:
    """Why the crawl cannot use its archive, or None. Opens the SQLite state (recovering it), which
    the crawl then shares: the process opens one state per archive."""
    archive = Path(setting(settings, "ARCHIVE_DIR"))
    problem = check_archive_dir(archive)
    if problem is not None:
        return problem
    if settings.get("REDIS_URL") or not settings.getbool("INCREMENTAL"):
        return None
    try:
        ArchiveState.from_settings(settings)
    except (ArchiveStateError, ArchiveWriteError) as exc:
        return str(exc)
    return None
