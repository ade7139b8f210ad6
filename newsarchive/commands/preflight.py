"""Checks a command runs before it crawls: the archive can be written and its state read.

A read-only or full file system, a file where ``ARCHIVE_DIR`` should be, or a damaged state is
said in one line naming the path and what to do, and the command exits 1, instead of a traceback
from the middle of a crawl's start-up.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from newsarchive.archive.faults import ArchiveWriteError, check_archive_dir, write_atomically
from newsarchive.archive.paths import utc_stamp
from newsarchive.archive.state import ArchiveState, ArchiveStateError
from newsarchive.config import bool_setting, setting
from newsarchive.crawl.contact import warn_if_anonymous

EXIT_FAILED = 1
# What an archive holds: captures fetched from the sites ("live") or pages replayed from
# recordings ("replay"), said on its first crawl. The two never mix: a replayed page stood in for a
# capture that never happened, and a live crawl would then skip the page as known.
KIND_FILE = "archive.json"


def before_crawl(settings: BaseSettings, command: str) -> bool:
    """The checks every crawling command runs first: the archive can be written and its state
    read (else the problem is said and False returned: exit 1), it holds this crawl's kind of
    capture (else a usage error: exit 2), and a live crawl says who runs it (else a warning)."""
    problem = archive_problem(settings)
    if problem is not None:
        print(f"{command}: {problem}", file=sys.stderr)
        return False
    mixed = kind_problem(settings)
    if mixed is not None:
        raise UsageError(mixed, print_help=False)
    warn_if_anonymous(settings)
    return True


def capture_kind(settings: BaseSettings) -> str:
    return "replay" if settings.get("REPLAY_DIR") else "live"


def kind_problem(settings: BaseSettings) -> str | None:
    """Why this crawl must not write into its archive (it holds the other kind of capture), or
    None; an archive without a say yet is marked with this crawl's kind."""
    archive = Path(setting(settings, "ARCHIVE_DIR"))
    kind = capture_kind(settings)
    path = archive / KIND_FILE
    try:
        held = json.loads(path.read_text(encoding="utf-8"))["captures"]
    except FileNotFoundError:
        write_atomically(path, json.dumps({"captures": kind, "since": utc_stamp()}).encode("utf-8"))
        return None
    except (ValueError, KeyError, TypeError):
        return f'{path} is damaged: it should say {{"captures": "live"}} or {{"captures": "replay"}}'
    if held == kind:
        return None
    doing = f"a replay of {settings.get('REPLAY_DIR')}" if kind == "replay" else "a live crawl"
    return (
        f"{archive} holds {held} captures and this is {doing}: the two never mix in one archive; give this "
        f"crawl an ARCHIVE_DIR of its own (-s ARCHIVE_DIR=…)"
    )


def archive_problem(settings: BaseSettings) -> str | None:
    """Why the crawl cannot use its archive, or None. Opens the SQLite state (recovering it), which
    the crawl then shares: the process opens one state per archive."""
    archive = Path(setting(settings, "ARCHIVE_DIR"))
    problem = check_archive_dir(archive)
    if problem is not None:
        return problem
    if settings.get("REDIS_URL") or not bool_setting(settings, "INCREMENTAL"):
        return None
    try:
        ArchiveState.from_settings(settings)
    except (ArchiveStateError, ArchiveWriteError) as exc:
        return str(exc)
    return None
