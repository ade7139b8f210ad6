"""A temporary archive for a run that must never write into the real one (a page looked at, a check).

``ARCHIVE_DIR`` points at a new temporary directory, removed when the process ends, so a page
fetched to look at it is never taken for a capture of the archive.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile

from scrapy.settings import BaseSettings


def use_scratch_archive(settings: BaseSettings | None, command: str) -> str:
    """Point ``ARCHIVE_DIR`` at a new temporary directory, removed at exit; return it."""
    assert settings is not None
    scratch = tempfile.mkdtemp(prefix=f"newsarchive-{command}-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    settings.set("ARCHIVE_DIR", scratch, priority="cmdline")
    # A page is read to look at it: its record comes straight from the callback, pictures unfetched.
    settings.set("CAPTURE_IMAGES", False, priority="cmdline")
    return scratch
