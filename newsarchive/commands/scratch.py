"""Debugging commands read pages; they never write captures into the archive.

``scrapy parse``, ``shell`` and ``fetch`` run the crawl's components, WARC capture included; here
``ARCHIVE_DIR`` is a temporary directory, removed when the command ends, so a page fetched to look
at it is never taken for a capture of the archive (and a shell that is not closed cleanly leaves no
``.open`` file behind). Pictures are not fetched: the callback hands over its record at once.
"""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from newsarchive.archive.scratch import use_scratch_archive


class ScratchArchive:
    """Mixin for a Scrapy command: its crawl writes into a temporary archive."""

    settings: Any
    command_name = ""

    def process_options(self, args: list[str], opts: Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        use_scratch_archive(self.settings, self.command_name)
