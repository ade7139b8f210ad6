"""``scrapy fetch``, writing nothing into the archive (see :mod:`newsarchive.commands.scratch`)."""

from __future__ import annotations

from scrapy.commands.fetch import Command as ScrapyFetch

from newsarchive.commands.scratch import ScratchArchive


class Command(ScratchArchive, ScrapyFetch):
    command_name = "fetch"
