"""Shared test helpers: run real crawls in a subprocess, read archives, walk the fixture tree."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from scrapy import Request
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.test import get_crawler

from newsarchive.archive.paths import record_files
from newsarchive.archive.replay import CASE_META, build_response, read_case
from newsarchive.spiders.base import PortalSpider

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
FIXTURES = ROOT / "fixtures"
# Spider packages and where their fixtures live: the project's portals, and a portal that exists
# only for the tests (an invented site showing that a portal is one module plus its fixtures).
# Every test that walks portals walks these; production's SPIDER_MODULES knows only the first.
PORTAL_PACKAGES = {"newsarchive.spiders": FIXTURES, "testportals.spiders": TESTS / "testportals" / "fixtures"}
SPIDER_MODULES = ",".join(PORTAL_PACKAGES)
SCHEMA_PATH = ROOT / "newsarchive" / "schema" / "article.schema.json"
# Scrapy's deprecations are errors in every crawl the tests start, as in the test process itself
# (newsarchive.settings turns them into errors when this is set).
STRICT = {"NEWSARCHIVE_STRICT_WARNINGS": "1"}


@dataclass(frozen=True)
class FixtureCase:
    source: str
    kind: str
    name: str
    path: Path

    @property
    def expected(self) -> dict[str, Any]:
        return json.loads((self.path / "expected.json").read_text(encoding="utf-8"))

    @property
    def url(self) -> str:
        return str(json.loads((self.path / "response.json").read_text(encoding="utf-8"))["url"])

    def __str__(self) -> str:
        return f"{self.source}/{self.name}"


@cache
def spider_loader() -> SpiderLoader:
    return SpiderLoader(Settings({"SPIDER_MODULES": list(PORTAL_PACKAGES)}))


def sources() -> list[str]:
    """Every portal spider the tests know, production's and the test-only ones."""
    return sorted(spider_loader().list())


def fixture_dir(source: str) -> Path:
    """A portal's fixture directory, beside the spider package it comes from."""
    module = spider_loader().load(source).__module__
    root = next(root for package, root in PORTAL_PACKAGES.items() if module.startswith(f"{package}."))
    return root / source


def fixture_cases(kind: str | None = None) -> list[FixtureCase]:
    """Every case with an expected.json, of every portal (one test per case)."""
    cases = []
    for source in sources():
        for expected in sorted(fixture_dir(source).glob("*/expected.json")):
            case_dir = expected.parent
            case_kind = case_dir.name.split("-", 1)[0]
            if kind is None or case_kind == kind:
                cases.append(FixtureCase(source, case_kind, case_dir.name, case_dir))
    return cases


@cache
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def schema_errors(record: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator().iter_errors(record)]


def crawl_args(start: str, archive: Path, *settings: str, extra: tuple[str, ...] = ()) -> list[str]:
    """``scrapy crawl ganzi`` from list page ``start`` into ``archive``, each of ``settings``
    (``NAME=VALUE``) given with ``-s``, then the raw ``extra`` arguments."""
    args = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "ganzi",
        "-a",
        f"start_urls={start}",
        "-s",
        f"ARCHIVE_DIR={archive}",
    ]
    for pair in settings:
        args += ["-s", pair]
    return [*args, *extra]


def scrapy_cmd(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 300, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``scrapy ARGS`` in a child process, as a user would, with deprecations as errors."""
    full_env = {**os.environ, **STRICT, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), str(TESTS), full_env.get("PYTHONPATH", "")]))
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"scrapy {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-6000:]}")
    return proc


def crawl(spider: str, archive: Path, *extra: str, replay: Path | None = None, **kwargs: Any) -> dict[str, Any]:
    """A replay crawl; returns the final stats (dumped by the StatsDump extension into the archive)."""
    stats_file = archive / f"stats-{spider}.json"
    args = [
        "crawl",
        spider,
        "-s",
        f"SPIDER_MODULES={SPIDER_MODULES}",
        "-s",
        f"ARCHIVE_DIR={archive}",
        "-s",
        f"REPLAY_DIR={replay or fixture_dir(spider)}",
        "-s",
        f"RUN_STATS_FILE={stats_file}",
        "-s",
        "LOG_LEVEL=INFO",
        *extra,
    ]
    proc = scrapy_cmd(*args, **kwargs)
    assert "Traceback" not in proc.stderr, proc.stderr[-6000:]
    return dict(json.loads(stats_file.read_text(encoding="utf-8")))


def read_records(archive: Path, source: str | None = None) -> list[dict[str, Any]]:
    records = []
    for path in record_files(archive):
        if source and path.parent.name != source:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            records.append(json.loads(line))
    return records


# Fields that say when and where a run kept the page, not what the page says (and, in each
# picture's entry, where the run kept the picture or why not).
RUN_FIELDS = ("crawled_at", "warc")
PICTURE_CAPTURE = ("warc_file", "warc_record_id", "warc_offset", "warc_length", "capture")


def without_run_fields(record: dict[str, Any]) -> dict[str, Any]:
    found = {k: v for k, v in record.items() if k not in RUN_FIELDS}
    if "images" in found:
        found["images"] = [{k: v for k, v in image.items() if k not in PICTURE_CAPTURE} for image in found["images"]]
    return found


def squash(text: str) -> str:
    """Text without whitespace, for comparing bodies whatever their line breaks."""
    return re.sub(r"\s+", "", text or "")


def body_f1(found: str, expected: str) -> float:
    """Character-level F1 of two bodies (Chinese has no word spaces to count tokens by).

    >>> body_f1("甲乙丙", "甲乙丙"), round(body_f1("甲乙", "甲乙丙丁"), 3), body_f1("", "甲")
    (1.0, 0.667, 0.0)
    """
    a, b = Counter(squash(found)), Counter(squash(expected))
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def read_in_process(source: str, url: str, archive: Path, **settings: Any) -> list[dict[str, Any]]:
    """The records a portal's callbacks make of a fixture article, without the engine: the first
    page's recorded bytes go to ``parse_article``, each further page a callback asks for (a part of
    a multi-page article) to the callback it names. Pictures are not fetched, related articles not
    followed; the state lives in ``archive``."""
    spider_cls = spider_loader().load(source)
    crawler = get_crawler(
        spider_cls, {"ARCHIVE_DIR": str(archive), "CAPTURE_IMAGES": False, "FOLLOW_RELATED": False, **settings}
    )
    spider = spider_cls.from_crawler(crawler)
    assert isinstance(spider, PortalSpider)
    cases = {
        case.url: case for case in (read_case(d) for d in fixture_dir(source).iterdir() if (d / CASE_META).exists())
    }
    queue = [Request(url, callback=spider.parse_article)]
    records = []
    while queue:
        request = queue.pop(0)
        case = cases[request.url]
        response = build_response(request, case.status, case.headers, case.body())
        assert request.callback is not None
        for out in request.callback(response, **request.cb_kwargs) or ():
            if isinstance(out, Request):
                if out.url in cases:
                    queue.append(out)
            else:
                records.append(dict(out))
    spider.closed("finished")
    return records
