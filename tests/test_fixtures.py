"""Tests generated from the fixture tree: one replay crawl per portal, one test per case."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    FixtureCase,
    crawl,
    fixture_cases,
    fixture_dir,
    read_records,
    schema_errors,
    sources,
    spider_loader,
    without_run_fields,
)
from scrapy import Request
from scrapy.http import HtmlResponse

from newsarchive import counts
from newsarchive.archive.replay import build_response, read_case

_CRAWLS: dict[str, tuple[Path, dict[str, Any], list[dict[str, Any]]]] = {}


@pytest.fixture(scope="session")
def replay_crawl(tmp_path_factory: pytest.TempPathFactory):
    """A full replay crawl of a portal from its default list pages, run once per test run."""

    def run(source: str) -> tuple[Path, dict[str, Any], list[dict[str, Any]]]:
        if source not in _CRAWLS:
            archive = tmp_path_factory.mktemp(f"archive-{source}")
            stats = crawl(source, archive)
            _CRAWLS[source] = (archive, stats, read_records(archive, source))
        return _CRAWLS[source]

    return run


def spider_class(source: str) -> Any:
    return spider_loader().load(source)


@pytest.mark.crawl
@pytest.mark.parametrize("case", fixture_cases("article"), ids=str)
def test_article_record(case: FixtureCase, replay_crawl) -> None:
    _, _, records = replay_crawl(case.source)
    expected = case.expected
    found = [r for r in records if r["id"] == expected["id"]]
    assert len(found) == 1, f"{expected['id']} archived {len(found)} times by the replay crawl"
    record = found[0]
    assert schema_errors(record) == []
    actual = without_run_fields(record)
    for field in expected:
        assert actual.get(field) == expected[field], f"{case}: field {field!r}"
    assert set(actual) == set(expected), "the record has fields the expected output does not name"


@pytest.mark.parametrize("source", sources())
def test_every_portal_has_list_and_article_fixtures(source: str) -> None:
    kinds = Counter(case.kind for case in fixture_cases() if case.source == source)
    assert kinds["list"] >= 1 and kinds["article"] >= 2, (
        f"{source}: record at least one list page and two articles under {fixture_dir(source)} "
        "(scrapy savefixture URL), each article with an expected.json written from the page"
    )


@pytest.mark.crawl
@pytest.mark.parametrize("source", sources())
def test_crawl_archives_every_fixture_article_once(source: str, replay_crawl) -> None:
    _, stats, records = replay_crawl(source)
    seen = Counter(r["id"] for r in records)
    assert [i for i, n in seen.items() if n > 1] == []
    expected_ids = {c.expected["id"] for c in fixture_cases("article") if c.source == source}
    assert set(seen) == expected_ids
    assert stats["newsarchive/archived"] == len(expected_ids)
    assert stats.get("log_count/ERROR", 0) == 0
    # Every counter crawlall's verdict reads is written under the name it reads.
    for name in (
        counts.LIST_PAGES,
        counts.NEW_LINKS,
        counts.ARTICLES_FETCHED,
        counts.ARTICLES_EXTRACTED,
        counts.ARCHIVED,
        counts.extraction("portal"),
        counts.field("title"),
        counts.field("body"),
    ):
        assert stats.get(counts.key(name), 0) > 0, name
    for record in records:
        assert record["crawled_at"].endswith("Z")


@pytest.mark.parametrize("case", fixture_cases("list"), ids=str)
def test_list_page(case: FixtureCase) -> None:
    spider = spider_class(case.source)()
    meta = read_case(case.path)
    response = build_response(Request(meta.url), meta.status, meta.headers, meta.body())
    assert isinstance(response, HtmlResponse)
    page = spider.read_list(response)
    assert {"article_urls": page.article_urls, "next_pages": page.next_pages} == case.expected
