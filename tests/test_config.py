"""newsarchive.config and newsarchive.moved: defaults stated once, renamed settings and moved
modules still read under their old names, with a warning."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newsarchive import settings as project
from newsarchive.config import RENAMED, float_setting, setting
from newsarchive.crawl.statsdump import StatsDump
from newsarchive.moved import MOVED, NewsarchiveDeprecationWarning


def test_a_default_comes_from_the_settings_module() -> None:
    assert float_setting(Settings(), "BACKOFF_BASE") == project.BACKOFF_BASE
    assert float_setting(Settings({"BACKOFF_BASE": 7}), "BACKOFF_BASE") == 7.0


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED.items()))
def test_an_old_setting_name_is_still_read_with_a_warning(old: str, new: str) -> None:
    assert not hasattr(project, old), "the old name is no default of its own"
    settings = Settings()
    settings.set(old, "9", priority="cmdline")
    with pytest.warns(NewsarchiveDeprecationWarning, match=f"{old} is deprecated: use {new}"):
        assert setting(settings, new) == "9"


def test_the_new_name_wins_at_the_same_or_a_higher_priority() -> None:
    settings = Settings()
    settings.set("RETRY_BACKOFF_BASE", 9, priority="project")
    settings.set("BACKOFF_BASE", 2, priority="cmdline")
    with pytest.warns(NewsarchiveDeprecationWarning):
        assert float_setting(settings, "BACKOFF_BASE") == 2.0
    # A default of settings.py (project priority) does not outrank an old name given with -s.
    settings = Settings()
    settings.set("BACKOFF_BASE", 1, priority="project")
    settings.set("RETRY_BACKOFF_BASE", 9, priority="cmdline")
    with pytest.warns(NewsarchiveDeprecationWarning):
        assert float_setting(settings, "BACKOFF_BASE") == 9.0


def test_the_stats_dump_honours_its_old_setting_name(tmp_path: Path) -> None:
    out = tmp_path / "stats.json"
    crawler = get_crawler(settings_dict={"STATS_DUMP_FILE": str(out)})
    with pytest.warns(NewsarchiveDeprecationWarning):
        ext = StatsDump.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.set_value("newsarchive/x", 3)
    ext.spider_closed(None, "finished")
    assert json.loads(out.read_text())["newsarchive/x"] == 3


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_module_path_is_the_new_module(old: str, new: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if new.startswith("newsarchive.frontier.") and not new.endswith("addon"):
        pytest.importorskip("scrapy_redis")  # the redis extra
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(NewsarchiveDeprecationWarning, match=f"import {new}"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)


def test_the_old_processors_module_holds_every_processor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "newsarchive.processors", raising=False)
    with pytest.warns(NewsarchiveDeprecationWarning):
        old = importlib.import_module("newsarchive.processors")
    from newsarchive.reading import bylines, chrome, dates, text

    assert old.read_byline is bylines.read_byline and old.parse_published is dates.parse_published
    assert old.clean_text is text.clean_text and old.chrome_share is chrome.chrome_share


def test_no_read_of_a_project_setting_restates_its_default() -> None:
    """A project setting is read through newsarchive.config, so a component built with other
    settings (a test crawler, a spider run outside the project) gets settings.py's default, not
    the ``0``/``False``/``{}`` of a bare ``getint``/``getbool``/``getdict``."""
    import ast

    from scrapy.settings import default_settings

    import newsarchive

    # Settings whose default is empty or zero read the same through a bare get: only the others.
    ours = {n for n in vars(project) if n.isupper() and not hasattr(default_settings, n) and getattr(project, n)}
    package = Path(newsarchive.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.name in ("config.py", "settings.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "getint", "getfloat", "getbool", "getlist", "getdict")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in ours
            ):
                found.append(f"{path.relative_to(package.parent)}:{node.lineno}: {node.args[0].value}")
    assert found == []


def test_the_version_is_stated_once() -> None:
    import importlib.metadata
    import tomllib

    import newsarchive

    root = Path(newsarchive.__file__).parent.parent
    project_table = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project_table and project_table["dynamic"] == ["version"]
    assert importlib.metadata.version("newsarchive") == newsarchive.__version__
