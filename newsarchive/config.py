"""Reading the project's settings: each default is stated once, in :mod:`newsarchive.settings`.

A value given with ``-s`` (or in a project's settings) wins; otherwise the default is the one
settings.py states, also where those settings were not loaded (a component built in a test, a
spider run outside the project). No read site restates a default of its own.
"""

from __future__ import annotations

import warnings
from typing import Any

from scrapy.settings import BaseSettings

from newsarchive import settings as project
from newsarchive.moved import NewsarchiveDeprecationWarning


def default(name: str) -> Any:
    """The default settings.py states for ``name`` (an AttributeError names a setting it lacks).

    >>> default("ARCHIVE_DIR"), default("WARC_GZIP_LEVEL")
    ('archive', 3)
    """
    return getattr(project, name)


# Settings that sat in Scrapy's own namespaces (where a Scrapy release could give the name a
# meaning of its own), renamed: the old name is still read, with a warning, while no newer value
# (of the same or a higher priority) is given under the new one.
RENAMED = {
    "RETRY_BACKOFF_BASE": "BACKOFF_BASE",
    "RETRY_BACKOFF_MAX": "BACKOFF_MAX",
    "STATS_DUMP_FILE": "RUN_STATS_FILE",
}
_OLD_NAME = {new: old for old, new in RENAMED.items()}


def _named(settings: BaseSettings, name: str) -> str:
    """The name to read ``name`` under: its old name when only that was given."""
    old = _OLD_NAME.get(name)
    if old is None or settings.get(old) is None:
        return name
    warnings.warn(f"setting {old} is deprecated: use {name}", NewsarchiveDeprecationWarning, stacklevel=3)
    if settings.get(name) is None or (settings.getpriority(old) or 0) > (settings.getpriority(name) or 0):
        return old
    return name


def setting(settings: BaseSettings, name: str) -> Any:
    value = settings.get(_named(settings, name))
    return default(name) if value is None else value


def int_setting(settings: BaseSettings, name: str) -> int:
    return settings.getint(_named(settings, name), default(name))


def float_setting(settings: BaseSettings, name: str) -> float:
    return settings.getfloat(_named(settings, name), default(name))


def bool_setting(settings: BaseSettings, name: str) -> bool:
    return settings.getbool(_named(settings, name), default(name))
