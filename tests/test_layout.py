"""Layout drift: pages in templates no portal selector targets are read by the generic reader, site
chrome is never archived as an article, and a source whose template changed is flagged by crawlall.

The ``layout-*`` fixture cases are pages written in markup families the portals' selectors do not
know (HTML5 article/section, old tables with ``<br/>`` paragraphs, spans and ``<i>`` separators);
their expected records were written from the page text, like every other case.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import sitegen
from helpers import (
    FIXTURES,
    body_f1,
    crawl,
    fixture_cases,
    fixture_dir,
    read_records,
    schema_errors,
    scrapy_cmd,
    sources,
    without_run_fields,
)

from newsarchive.crawl.sitechrome import SiteChrome

LAYOUT_CASES = fixture_cases("layout")
# The fields a page says something about (the rest are derived or the same on every record).
READ_FIELDS = (
    "title",
    "subtitle",
    "published_date",
    "published_at",
    "published_raw",
    "origin",
    "authors",
    "editors",
    "section",
    "breadcrumbs",
    "body",
    "images",
)
SPIDERS = sources()


@pytest.fixture(scope="module")
def layout_records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """One replay crawl per portal, started at its layout cases' URLs, through the real engine."""
    found: dict[str, dict[str, Any]] = {}
    for source in sorted({case.source for case in LAYOUT_CASES}):
        archive = tmp_path_factory.mktemp(f"layout-{source}")
        urls = ",".join(case.url for case in LAYOUT_CASES if case.source == source)
        stats = crawl(source, archive, "-a", f"start_urls={urls}", "-s", "FOLLOW_RELATED=0")
        assert stats.get("log_count/ERROR", 0) == 0
        found.update((r["id"], r) for r in read_records(archive, source))
    return found


@pytest.mark.parametrize("source", SPIDERS)
def test_every_portal_has_at_least_three_unseen_layouts(source: str) -> None:
    cases = [c for c in LAYOUT_CASES if c.source == source]
    assert len(cases) >= 3, f"add layout-* cases under {fixture_dir(source)} (pages in templates no selector targets)"


@pytest.mark.crawl
@pytest.mark.parametrize("case", LAYOUT_CASES, ids=str)
def test_unseen_layout_is_read_right_by_the_fallback(case: Any, layout_records: dict[str, dict[str, Any]]) -> None:
    expected = case.expected
    record = layout_records.get(expected["id"])
    assert record is not None, f"{case}: not archived"
    assert schema_errors(record) == []
    actual = without_run_fields(record)
    assert actual["extraction"] == "fallback"
    for name in expected:
        assert actual.get(name) == expected[name], f"{case}: field {name!r}"
    assert set(actual) == set(expected)


@pytest.mark.crawl
def test_unseen_layouts_meet_the_accuracy_goal(layout_records: dict[str, dict[str, Any]]) -> None:
    """The goal: at least 80% of the fields exactly right, body F1 at least 0.95, no chrome body."""
    right = total = 0
    f1s = []
    for case in LAYOUT_CASES:
        expected = case.expected
        record = layout_records.get(expected["id"], {})
        right += sum(record.get(f) == expected[f] for f in READ_FIELDS)
        total += len(READ_FIELDS)
        f1s.append(body_f1(record.get("body", ""), expected["body"]))
    print(f"unseen layouts: {right}/{total} fields exactly right, mean body F1 {sum(f1s) / len(f1s):.3f}")
    assert right / total >= 0.8
    assert min(f1s) >= 0.95


# --- chrome is never an article ------------------------------------------------------------------------

H = "http://www.kbcmw.com"
FOOTER = (
    '<div class="foot"><p><a href="/about.html">关于我们</a> | <a href="/contact.html">联系方式</a></p>'
    "<p>甘孜日报社主办 康巴传媒网版权所有</p><p>地址：四川省康定市向阳街12号 电话：0836-2822222</p>"
    "<p>违法和不良信息举报电话：0836-2822223</p><p>蜀ICP备05004405号</p></div>"
)
PARAS = [
    "本网讯 9月23日，炉霍县在宜木乡举办农民丰收节，青稞、土豆、菌子等农产品摆满展台，吸引了不少游客选购。",
    "当天，各村还组织了割青稞比赛和锅庄表演，现场欢声笑语不断。",
]


def html_page(title: str, inner: str) -> bytes:
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312" />'
        f"<title>{title}_康巴传媒网</title></head><body>{inner}</body></html>"
    ).encode("gbk")


def chrome_site(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Article pages whose text is the site's frame only, and one round-up with sub-heads."""
    pages = {
        # The portal's own template, but the article box holds nothing but the footer.
        f"{H}/html/xw/dzyw/90001.html": html_page(
            "通知",
            (
                '<div class="article_title"><h3>通知</h3><p>甘孜日报&nbsp;&nbsp;2023年09月25日</p></div>'
                f'<div class="article_content">{FOOTER}</div>'
            ),
        ),
        # A template no selector knows, with a title and a date and nothing else but chrome.
        f"{H}/html/xw/dzyw/90002.html": html_page(
            "专题",
            (
                '<div class="top"><a href="/">首页</a> <a href="/html/xw/">新闻</a> <a href="/html/wh/">文化</a> '
                '<a href="/html/ly/">旅游</a> <a href="/html/tp/">图片</a></div>'
                "<h1>专题</h1><p>来源：甘孜日报 2023年09月25日</p>" + FOOTER
            ),
        ),
        # The portal's template: four-character sub-heads before 本网讯 are sub-heads, not people.
        f"{H}/html/xw/dzyw/90003.html": sitegen.ganzi_page(
            "各地喜迎丰收节", "2023年09月25日", ["乡村振兴", PARAS[0], "杨洋 邓珠拉姆", "产业兴旺", PARAS[1], "何勇"]
        ),
    }
    site = {url: (200, {"Content-Type": "text/html"}, body) for url, body in pages.items()}
    return sitegen.write_replay(site, tmp_path / "site"), {
        "chrome_portal": f"{H}/html/xw/dzyw/90001.html",
        "chrome_unknown": f"{H}/html/xw/dzyw/90002.html",
        "roundup": f"{H}/html/xw/dzyw/90003.html",
    }


def rejects(archive: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in (archive / "rejects").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            found[entry["url"]] = entry
    return found


@pytest.mark.crawl
def test_a_page_of_chrome_only_is_rejected_as_chrome_body(tmp_path: Path) -> None:
    site, urls = chrome_site(tmp_path)
    archive = tmp_path / "archive"
    stats = crawl("ganzi", archive, "-a", f"start_urls={','.join(urls.values())}", replay=site)
    assert stats["newsarchive/rejected/chrome_body"] == 2
    rejected = rejects(archive)
    for key in ("chrome_portal", "chrome_unknown"):
        assert rejected[urls[key]]["reason"] == "chrome_body", rejected[urls[key]]
    archived = {r["url"]: r for r in read_records(archive, "ganzi")}
    assert set(archived) == {urls["roundup"]}
    # Sub-heads stay in the body; only the lines that name people are bylines.
    roundup = archived[urls["roundup"]]
    assert roundup["authors"] == ["杨洋", "邓珠拉姆", "何勇"]
    assert roundup["body"].split("\n") == ["乡村振兴", PARAS[0], "产业兴旺", PARAS[1]]


@pytest.mark.crawl
def test_lines_the_site_prints_on_many_pages_are_chrome(tmp_path: Path) -> None:
    """Chrome no word list knows: lines on every page of the site. One article's box holds only those.

    It is linked from the last list page only, and list pages are read before articles, so the
    site's frame has been seen on every list page by the time it is read, in any crawl order."""
    frame = ["甘孜日报社全媒体中心出品", "康巴传媒网 甘孜州融媒体中心 联合制作"]
    frame_html = f'<div class="foot">{"".join(f"<p>{line}</p>" for line in frame)}</div>'.encode("gbk")
    site = sitegen.site(8, per_page=2)  # four list pages, each showing the frame
    odd = sitegen.article_url(99999)
    last = sitegen.list_url(3)
    site[last] = (
        200,
        {"Content-Type": "text/html"},
        site[last][2].replace(b"</ul>", f'<li class="newscontent"><a href="{odd}">x</a></li></ul>'.encode()),
    )
    site = {
        url: (status, headers, body.replace(b"</body>", frame_html + b"</body>"))
        for url, (status, headers, body) in site.items()
    }
    site[odd] = (
        200,
        {"Content-Type": "text/html"},
        html_page(
            "本网简介",
            (
                '<div class="article_title"><h3>本网简介</h3><p>甘孜日报&nbsp;&nbsp;2023年09月25日</p></div>'
                f'<div class="article_content">{frame_html.decode("gbk")}</div>'
            ),
        ),
    )
    archive = tmp_path / "archive"
    stats = crawl(
        "ganzi",
        archive,
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        "-s",
        "CHROME_MIN_PAGES=4",
        replay=sitegen.write_replay(site, tmp_path / "site"),
    )
    assert stats["newsarchive/list_pages"] == 4
    assert stats["newsarchive/archived"] == 8
    assert stats["newsarchive/rejected/chrome_body"] == 1
    assert rejects(archive)[odd]["reason"] == "chrome_body"


@pytest.mark.crawl
def test_crawlall_says_when_a_template_changed(tmp_path: Path) -> None:
    """Ganzi redesigned overnight: the records still come out right, and cron mail names the source."""
    replay = tmp_path / "replay"
    shutil.copytree(FIXTURES / "jilin", replay / "jilin")
    sitegen.write_replay(sitegen.site(12, template=sitegen.REDESIGNED), replay / "ganzi")
    archive = tmp_path / "archive"
    proc = scrapy_cmd("crawlall", "-s", f"REPLAY_DIR={replay}", "-s", f"ARCHIVE_DIR={archive}", check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    report = json.loads(next((archive / "runs").glob("*.json")).read_text(encoding="utf-8"))
    by_source = {s["source"]: s for s in report["sources"]}
    assert by_source["jilin"]["healthy"] and not by_source["jilin"]["layout_changed"]
    ganzi = by_source["ganzi"]
    assert not ganzi["healthy"] and ganzi["layout_changed"]
    assert ganzi["extraction"] == {"portal": 0, "fallback": 12}
    assert any(p.startswith("layout changed?") for p in ganzi["problems"])
    assert re.search(r"^ganzi: UNHEALTHY.*layout changed\?", proc.stdout, re.M)
    records = read_records(archive, "ganzi")
    assert len(records) == 12 and all(r["authors"] == ["张涛"] and r["origin"] == "甘孜日报" for r in records)


def test_the_frame_model_counts_pages_and_samples_long_crawls() -> None:
    model = SiteChrome(min_pages=3, learn_all=4, then_every=2)
    assert [model.wants_page() for _ in range(10)] == [True] * 4 + [False, True] * 3
    for _ in range(2):
        model.learn(["版头", "版头", "一行正文"])  # a line a page repeats counts once for that page
    assert not model.is_chrome("版头")
    model.learn(["版头"])
    assert model.is_chrome("版头") and not model.is_chrome("一行正文")
