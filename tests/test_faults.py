"""Faults an archive really meets: a list page that fails, a pager without end, dead links, a disk
that fills, writes cut short. Each ends with nothing lost after the next runs, nothing archived
twice, nothing torn, and a run that could not do its job saying so."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import sitegen
from helpers import crawl, read_records
from sitegen import Page

FAST = ("-s", "RETRY_TIMES=1", "-s", "RETRY_BACKOFF_BASE=0.05", "-s", "FOLLOW_RELATED=False")


def site_crawl(archive: Path, pages: dict[str, Page], replay: Path, *extra: str) -> dict:
    """One crawl of ``pages`` (written as replay cases under ``replay``) from the first list page."""
    return crawl("ganzi", archive, "-a", f"start_urls={sitegen.list_url(0)}", *FAST, *extra,
                 replay=sitegen.write_replay(pages, replay))


def archived_ids(archive: Path) -> Counter[str]:
    return Counter(r["id"] for r in read_records(archive))


def owed(archive: Path) -> list[str]:
    with sqlite3.connect(archive / "state.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT url FROM owed_lists")]


def test_a_list_page_failing_once_is_walked_on_from_by_the_next_run(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    site = sitegen.site(300)  # 15 list pages of 20
    broken = dict(site)
    broken[sitegen.list_url(5)] = (500, {"Content-Type": "text/html"}, b"server error")
    first = site_crawl(archive, broken, tmp_path / "run1")
    assert first["newsarchive/archived"] == 100  # list pages 0-4; nothing below the broken one was reachable
    assert first["newsarchive/list_failed"] == 1
    assert first["newsarchive/lists_pending"] == 1
    assert owed(archive) == [sitegen.list_url(5)]
    # The site is well again. Its first list page shows nothing new: without the owed walk the run
    # would stop there and the 200 articles below the broken page would never be archived.
    second = site_crawl(archive, site, tmp_path / "run2")
    assert second["newsarchive/archived"] == 200
    assert second["newsarchive/lists_pending"] == 0
    assert owed(archive) == []
    ids = archived_ids(archive)
    assert len(ids) == 300 and set(ids.values()) == {1}
    third = site_crawl(archive, site, tmp_path / "run3")
    assert third.get("newsarchive/archived", 0) == 0
    assert third.get("newsarchive/list_pages") == 1  # an ordinary incremental run again


def test_a_list_page_failing_every_run_stays_owed(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    site = sitegen.site(60)
    site[sitegen.list_url(1)] = (503, {"Content-Type": "text/html"}, b"busy")
    for n in range(3):
        stats = site_crawl(archive, site, tmp_path / f"run{n}")
        assert stats["newsarchive/lists_pending"] == 1
    with sqlite3.connect(archive / "state.sqlite3") as db:
        [(url, runs, reason)] = db.execute("SELECT url, runs, reason FROM owed_lists").fetchall()
    assert (url, runs, reason) == (sitegen.list_url(1), 3, "HTTP 503")


def test_an_endless_pager_is_walked_a_bounded_step_each_run(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    site = sitegen.site(40, per_page=2)  # 20 list pages
    first = site_crawl(archive, site, tmp_path / "run1", "-s", "MAX_LIST_PAGES=6")
    assert first["newsarchive/list_pages"] == 6
    assert first["newsarchive/list_pages_limited"] == 1
    assert first["newsarchive/archived"] == 12
    assert owed(archive) == [sitegen.list_url(6)]
    runs = 1
    while owed(archive):
        site_crawl(archive, site, tmp_path / f"run{runs + 1}", "-s", "MAX_LIST_PAGES=6")
        runs += 1
        assert runs < 10
    ids = archived_ids(archive)
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert runs == 4  # 6 + 5 + 5 + 5 list pages (each later run also re-reads the first page)


def test_dead_article_links_are_not_requested_again(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    site = sitegen.site(20)
    for aid in (100003, 100007):
        site[sitegen.article_url(aid)] = (404, {"Content-Type": "text/html"}, b"not found")
    first = site_crawl(archive, site, tmp_path / "run1", "-a", "full=1")
    assert first["newsarchive/article_gone"] == 2
    assert first["newsarchive/archived"] == 18
    second = site_crawl(archive, site, tmp_path / "run2", "-s", "INCREMENTAL_DEPTH=5")
    assert second.get("newsarchive/article_gone", 0) == 0
    assert second.get("newsarchive/articles_fetched", 0) == 0
    with sqlite3.connect(archive / "state.sqlite3") as db:
        gone = dict(db.execute("SELECT id, reason FROM articles WHERE outcome = 'gone'").fetchall())
    assert gone == {"ganzi:100003": "http_404", "ganzi:100007": "http_404"}
    # A full walk asks again: a link that died by mistake can come back.
    third = site_crawl(archive, site, tmp_path / "run3", "-a", "full=1")
    assert third["newsarchive/article_gone"] == 2


def test_summary_names_owed_lists_and_robots(tmp_path: Path) -> None:
    from scrapy.settings import Settings

    from newsarchive.commands.crawlall import summarise

    settings = Settings()
    settings.setmodule("newsarchive.settings")
    owed_stats = {"finish_reason": "finished", "newsarchive/list_pages": 4, "newsarchive/lists_pending": 1}
    summary = summarise("ganzi", owed_stats, settings)
    assert not summary["healthy"] and summary["lists_pending"] == 1
    assert any("owed" in p for p in summary["problems"])
    robots = summarise("ganzi", {"finish_reason": "finished", "robotstxt/forbidden": 3}, settings)
    assert any("robots.txt" in p for p in robots["problems"])
    settings.set("HEALTH_MAX_LISTS_PENDING", 1)
    assert summarise("ganzi", owed_stats, settings)["healthy"]
    assert json.dumps(summary)
