"""Debugging commands read pages; they never write captures into the archive.

``scrapy parse``, ``shell`` and ``fetch`` run the crawl's components, WARC capture included; here
``ARCHIVE_DIR`` is a temporary directory, removed when the command ends, so a page fetched to look
at it is never taken for a capture of the archive (and a shell that is not closed cleanly leaves no
``.open`` file behind). Pictures are not fetched: the callback hands over its record at once.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from argparse import Namespace
from typing import Any

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


class ScratchArchive:
    """Mixin for a Scrapy command: its crawl writes into a temporary archive."""

    settings: Any
    command_name = ""

    def process_options(self, args: list[str], opts: Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        use_scratch_archive(self.settings, self.command_name)
