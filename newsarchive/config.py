"""Reading the project's settings: each default is stated once, in :mod:`newsarchive.settings`.

A value given with ``-s`` (or in a project's settings) wins; otherwise the default is the one
settings.py states, also where those settings were not loaded (a component built in a test, a
spider run outside the project). No read site restates a default of its own.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

from newsarchive import settings as project


def default(name: str) -> Any:
    """The default settings.py states for ``name`` (an AttributeError names a setting it lacks).

    >>> default("ARCHIVE_DIR"), default("WARC_GZIP_LEVEL")
    ('archive', 3)
    """
    return getattr(project, name)


def setting(settings: BaseSettings, name: str) -> Any:
    value = settings.get(name)
    return default(name) if value is None else value


def int_setting(settings: BaseSettings, name: str) -> int:
    return settings.getint(name, default(name))


def float_setting(settings: BaseSettings, name: str) -> float:
    return settings.getfloat(name, default(name))


def bool_setting(settings: BaseSettings, name: str) -> bool:
    return settings.getbool(name, default(name))
