"""``scrapy parse``, writing nothing into the archive (see :mod:`newsarchive.commands.scratch`)."""

from __future__ import annotations

from scrapy.commands.parse import Command as ScrapyParse

from newsarchive.commands.scratch import ScratchArchive


class Command(ScratchArchive, ScrapyParse):
    command_name = "parse"
