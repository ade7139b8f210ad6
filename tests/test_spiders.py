"""newsarchive.spiders: the portal contract, checked when a portal's class is created, and every
portal's callbacks on its recorded pages, in-process."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import FixtureCase, fixture_cases, read_in_process, without_run_fields

from newsarchive.spiders.base import PORTAL_DATA, PORTAL_HOOKS, PortalSpider
from newsarchive.spiders.ganzi import GanziSpider
from newsarchive.spiders.jilin import JilinSpider


def portal(**attrs: Any) -> type[PortalSpider]:
    """A minimal portal class with ``attrs`` added (created here, so the checks run now)."""
    base: dict[str, Any] = {
        "name": "probe",
        "site": "探针网",
        "allowed_domains": ("probe.example",),
        "default_start_urls": ("http://probe.example/news/",),
        "sample_article": "http://probe.example/news/1.html",
        "host_pattern": re.compile(r"^probe\.example$"),
        "article_pattern": re.compile(r"^/news/(?P<id>\d+)\.html$"),
        "list_pattern": re.compile(r"^/news/$"),
        "canonical_article": lambda self, host, path: None,
        "canonical_list": lambda self, host, path: "http://probe.example/news/",
    }
    return type("ProbeSpider", (PortalSpider,), {**base, **attrs})


def test_the_portals_keep_to_the_contract() -> None:
    for cls in (JilinSpider, GanziSpider):
        own = {n for n in vars(cls) if not n.startswith("_") and not n.endswith("_selectors")}
        assert own <= PORTAL_DATA | PORTAL_HOOKS
    assert portal().name == "probe"


def test_a_selector_in_a_form_the_reader_does_not_take_is_refused_at_class_creation() -> None:
    with pytest.raises(
        ValueError,
        match=r"ProbeSpider.title_selectors: 'div.art_title > h1' is not a selector"
        r".*tag.class or .class",
    ):
        portal(title_selectors=("div.art_title > h1",))
    with pytest.raises(ValueError, match="body_selectors: 'article' is not a selector"):
        portal(body_selectors=("div.story", "article"))  # a bare tag: no class to look up
    with pytest.raises(ValueError, match=r"crumb_selectors: '//div\[' is not a valid XPath"):
        portal(crumb_selectors=("//div[",))
    with pytest.raises(TypeError, match="a tuple of selectors"):
        portal(body_selectors="div.story")  # a string would be read one character at a time
    with pytest.raises(ValueError, match="editor_selectors"):
        portal(editor_selectors=(".bianji", "p#editor"))  # a portal's own selectors are checked too
    assert portal(title_selectors=("div.art_box/h1", ".sp_zwtt", "//h1/span")).title_selectors[0] == "div.art_box/h1"


def test_overriding_the_crawl_is_refused() -> None:
    with pytest.raises(TypeError, match=r"ProbeSpider states parse_article: a portal states only .*overrides only"):
        portal(parse_article=lambda self, response: iter(()))
    with pytest.raises(TypeError, match="states helper"):
        portal(helper=lambda self: None)  # a public helper: a name the crawl could be taken to call
    assert portal(_helper=lambda self: None, skip_line=lambda self, line: False)


def test_what_a_portal_must_state() -> None:
    with pytest.raises(TypeError, match="ProbeSpider must state site"):
        portal(site="")
    with pytest.raises(TypeError, match="must state canonical_list"):
        portal(canonical_list=PortalSpider.canonical_list)
    with pytest.raises(TypeError, match=r"article_pattern: a compiled regular expression"):
        portal(article_pattern=r"^/news/(?P<id>\d+)\.html$")


def test_a_measuring_harness_may_replace_the_crawl() -> None:
    class Harness(GanziSpider, portal=False):
        def parse_article(self, response: Any) -> Any:
            return iter(())

    assert Harness.name == "ganzi"


@pytest.mark.parametrize("case", [c for c in fixture_cases() if c.kind != "list"], ids=str)
def test_every_fixture_article_read_in_process_is_its_expected_record(case: FixtureCase, tmp_path: Path) -> None:
    """The callbacks alone, on the recorded bytes: the same record the replay crawl archives (the
    crawl tests prove the engine around them), field by field."""
    records = read_in_process(case.source, case.url, tmp_path)
    assert len(records) == 1
    found, expected = without_run_fields(records[0]), case.expected
    assert {k: found.get(k) for k in expected} == expected
    assert set(found) == set(expected)
    assert records[0]["warc"][0]["url"] == records[0]["url"]


def test_start_pages_given_as_an_iterator_are_taken_only_as_the_crawl_asks() -> None:
    taken: list[str] = []

    def pages() -> Any:
        for n in (58225, 58226):
            taken.append(str(n))
            yield f" http://www.kbcmw.com/html/xw/dzyw/{n}.html "

    spider = GanziSpider(start_urls=pages())
    assert taken == [] and spider.start_urls == []
    assert next(iter(spider.start_pages)) == "http://www.kbcmw.com/html/xw/dzyw/58225.html" and taken == ["58225"]
    listed = GanziSpider(start_urls="http://www.kbcmw.com/html/xw/dzyw/, ")
    assert listed.start_urls == ["http://www.kbcmw.com/html/xw/dzyw/"] == list(listed.start_pages)
