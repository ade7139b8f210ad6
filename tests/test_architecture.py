"""The package tree is the architecture: each package says its job, and imports point down the layers.

Every import in ``newsarchive/`` (module level or inside a function, absolute or relative) is read
from the source, so a lazy import cannot hide an upward edge.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from scrapy.utils.misc import load_object

import newsarchive
from newsarchive import settings as project

PACKAGE = Path(newsarchive.__file__).parent

# What each layer may import (itself included). The base modules sit under everything.
BASE = {
    "newsarchive",
    "newsarchive.config",
    "newsarchive.counts",
    "newsarchive.items",
    "newsarchive.moved",
    "newsarchive.settings",
}
ALLOWED = {
    "base": {"base"},
    "reading": {"base", "reading"},
    "archive": {"base", "archive"},
    "frontier": {"base", "archive", "frontier"},
    "crawl": {"base", "archive", "reading", "crawl"},
    "pipelines": {"base", "archive", "reading", "crawl", "pipelines"},
    "spiders": {"base", "archive", "reading", "crawl", "pipelines", "spiders"},
    "commands": {"base", "archive", "reading", "crawl", "frontier", "pipelines", "spiders", "commands"},
}
# Reading is pure: the same bytes give the same record, whatever the crawl around it does.
READING_MAY_NOT = ("scrapy.crawler", "scrapy.core", "scrapy.signals", "scrapy.utils.defer", "twisted")


def layer(module: str) -> str:
    if module in BASE:
        return "base"
    parts = module.split(".")
    assert parts[0] == "newsarchive" and len(parts) >= 2, f"{module}: a module outside any layer"
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, text: str | None = None) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement in the file (or in ``text``, read as it)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    source = path.read_text(encoding="utf-8") if text is None else text
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "newsarchive":  # from newsarchive import counts: the names are modules
                found += [(node.lineno, f"newsarchive.{a.name}") for a in node.names if a.name != "__version__"]
                found += [(node.lineno, "newsarchive") for a in node.names if a.name == "__version__"]
            else:
                found.append((node.lineno, base))
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def upward_imports(sources: list[Path], text: str | None = None) -> list[str]:
    wrong = []
    for path in sources:
        own = layer(module_name(path))
        for line, target in imports_of(path, text):
            if target.split(".")[0] == "newsarchive":
                theirs = layer(target)
                if theirs not in ALLOWED[own]:
                    wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {own} imports {target} ({theirs})")
            elif own == "reading" and target.startswith(READING_MAY_NOT):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: reading imports {target}")
    return wrong


def test_no_import_points_up_a_layer() -> None:
    assert upward_imports(SOURCES) == []


def test_the_check_sees_an_upward_import() -> None:
    """The walker is not blind: a lazy relative import of a spider in an archive module is caught,
    and so is a reader reaching for the crawler."""
    lazy = "def f():\n    from ..spiders.base import PortalSpider\n    return PortalSpider\n"
    assert upward_imports([PACKAGE / "archive" / "probe.py"], lazy) == [
        "newsarchive/archive/probe.py:2: archive imports newsarchive.spiders.base (spiders)"
    ]
    crawler = "from scrapy.crawler import Crawler\n"
    assert upward_imports([PACKAGE / "reading" / "probe.py"], crawler) == [
        "newsarchive/reading/probe.py:1: reading imports scrapy.crawler"
    ]


def test_every_package_states_its_job() -> None:
    for init in sorted(PACKAGE.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.split("\n")[0]) > 20, f"{init}: a package docstring saying what it owns"


def test_almost_nothing_at_the_top() -> None:
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top == {"__init__", "config", "counts", "items", "moved", "settings"}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_every_module_imports(source: Path) -> None:
    if source.parent.name == "frontier" and source.stem in ("scheduler", "redis_state"):
        pytest.importorskip("scrapy_redis")  # the redis extra
    importlib.import_module(module_name(source))


def test_every_dotted_path_in_the_settings_loads() -> None:
    paths = [project.ARCHIVE_STATE, project.LOG_FORMATTER]
    for name in (
        "ITEM_PIPELINES",
        "DOWNLOADER_MIDDLEWARES",
        "SPIDER_MIDDLEWARES",
        "EXTENSIONS",
        "ADDONS",
        "SPIDER_CONTRACTS",
    ):
        paths += [p for p in getattr(project, name) if p.startswith("newsarchive.")]
    assert len(paths) > 10
    for path in paths:
        load_object(path)
