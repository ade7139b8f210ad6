"""``scrapy shell``, writing nothing into the archive (see :mod:`newsarchive.commands.scratch`)."""

from __future__ import annotations

from scrapy.commands.shell import Command as ScrapyShell

from newsarchive.commands.scratch import ScratchArchive


class Command(ScratchArchive, ScrapyShell):
    command_name = "shell"
