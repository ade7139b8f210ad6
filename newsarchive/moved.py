"""Old module paths, still importable: ``newsarchive.state`` and the like moved into packages.

Scripts and settings written against the old flat layout (``from newsarchive.export import
dataframe``, ``ARCHIVE_STATE = "newsarchive.redis_state.RedisState"``) keep working: the old name is
the same module object as the new one, and importing it warns once.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings
from collections.abc import Sequence


class NewsarchiveDeprecationWarning(Warning):
    """A setting or path the project still reads under an old name (shown by default, like Scrapy's)."""


MOVED = {
    "newsarchive.archive_paths": "newsarchive.archive.paths",
    "newsarchive.archive_switch": "newsarchive.archive.switch",
    "newsarchive.faults": "newsarchive.archive.faults",
    "newsarchive.jsonl": "newsarchive.archive.jsonl",
    "newsarchive.state": "newsarchive.archive.state",
    "newsarchive.warcmembers": "newsarchive.archive.warcmembers",
    "newsarchive.warc": "newsarchive.archive.warc",
    "newsarchive.replay": "newsarchive.archive.replay",
    "newsarchive.export": "newsarchive.archive.export",
    "newsarchive.report": "newsarchive.archive.report",
    "newsarchive.distributed": "newsarchive.frontier.scheduler",
    "newsarchive.redis_state": "newsarchive.frontier.redis_state",
    "newsarchive.retry": "newsarchive.crawl.retry",
    "newsarchive.conditional": "newsarchive.crawl.conditional",
    "newsarchive.sitechrome": "newsarchive.crawl.sitechrome",
    "newsarchive.progress": "newsarchive.crawl.progress",
    "newsarchive.statsdump": "newsarchive.crawl.statsdump",
    "newsarchive.contact": "newsarchive.crawl.contact",
    "newsarchive.robots": "newsarchive.crawl.robots",
    "newsarchive.logformatter": "newsarchive.crawl.logformatter",
    "newsarchive.loaders": "newsarchive.reading.loaders",
    "newsarchive.contracts": "newsarchive.spiders.contracts",
}
# The text processors were one module; their names now live in four.
SPLIT = {
    "newsarchive.processors": (
        "newsarchive.reading.text",
        "newsarchive.reading.dates",
        "newsarchive.reading.bylines",
        "newsarchive.reading.chrome",
    )
}


class MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module name and hands over the module that replaced it."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in MOVED or fullname in SPLIT:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if spec.name in MOVED:
            new = MOVED[spec.name]
            warnings.warn(f"{spec.name} is deprecated: import {new}", NewsarchiveDeprecationWarning, stacklevel=2)
            return importlib.import_module(new)
        parts = SPLIT[spec.name]
        warnings.warn(
            f"{spec.name} is deprecated: import {', '.join(parts)}", NewsarchiveDeprecationWarning, stacklevel=2
        )
        module = types.ModuleType(spec.name)
        for name in parts:
            part = importlib.import_module(name)
            module.__dict__.update((k, v) for k, v in vars(part).items() if not k.startswith("__"))
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module was made whole by create_module."""


def install() -> None:
    if not any(isinstance(finder, MovedModules) for finder in sys.meta_path):
        sys.meta_path.append(MovedModules())
