"""A trustworthy archive: repeated runs, new articles, reposts, crashes, rejects and cron runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sitegen
from helpers import FIXTURES, ROOT, STRICT, crawl, crawl_args, read_records, scrapy_cmd
from sitegen import Page

from newsarchive.archive.jsonl import dump_line
from newsarchive.archive.state import ArchiveState
from newsarchive.items import Article


def all_lines_whole(archive: Path) -> list[dict]:
    """Every JSONL line in the archive parses: nothing torn."""
    records = []
    for path in archive.rglob("*.jsonl"):
        data = path.read_bytes()
        assert not data or data.endswith(b"\n"), f"{path} ends in a torn line"
        for line in data.splitlines():
            records.append(json.loads(line))
    return records


@pytest.mark.crawl
def test_second_run_fetches_list_pages_only(tmp_path: Path) -> None:
    for source in ("jilin", "ganzi"):
        first = crawl(source, tmp_path)
        assert first["newsarchive/archived"] > 0
        second = crawl(source, tmp_path)
        assert second.get("newsarchive/articles_fetched", 0) == 0
        assert second.get("newsarchive/archived", 0) == 0
        # Only list pages (answered 304 from their ETags) and robots.txt were requested.
        assert second["newsarchive/list_unchanged"] == second["newsarchive/list_pages"] > 0
        robots = second.get("robotstxt/request_count", 0)
        assert second["downloader/request_count"] == second["newsarchive/list_pages"] + robots
        assert second.get("newsarchive/pagination_stopped", 0) >= 1
    counts = Counter(r["id"] for r in read_records(tmp_path))
    assert counts and set(counts.values()) == {1}


def gen_crawl(archive: Path, site_dir: Path, *extra: str) -> dict:
    return crawl("ganzi", archive, "-a", f"start_urls={sitegen.list_url(0)}", *extra, replay=site_dir)


@pytest.mark.crawl
def test_exactly_the_new_articles_are_fetched(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    first = gen_crawl(archive, sitegen.write_replay(sitegen.site(60), tmp_path / "site1"))
    assert first["newsarchive/archived"] == 60
    second = gen_crawl(archive, sitegen.write_replay(sitegen.site(63), tmp_path / "site2"))
    assert second["newsarchive/articles_fetched"] == 3
    assert second["newsarchive/archived"] == 3
    ids = Counter(r["id"] for r in read_records(archive))
    assert len(ids) == 63 and set(ids.values()) == {1}
    assert {f"ganzi:{n}" for n in range(100060, 100063)} <= set(ids)


@pytest.mark.crawl
def test_repost_under_a_new_id_is_caught_by_content_hash(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    gen_crawl(archive, sitegen.write_replay(sitegen.site(10), tmp_path / "site1"))
    site = sitegen.site(11)
    site[sitegen.article_url(100010)] = site[sitegen.article_url(100003)]  # same story, second id
    stats = gen_crawl(archive, sitegen.write_replay(site, tmp_path / "site2"))
    assert stats["newsarchive/duplicate/content"] == 1
    assert stats.get("newsarchive/archived", 0) == 0
    assert len(read_records(archive)) == 10
    [dup] = [json.loads(line) for p in (archive / "duplicates").glob("*.jsonl") for line in p.read_text().splitlines()]
    assert dup["id"] == "ganzi:100010" and dup["duplicate_of"] == "ganzi:100003"
    # Known as a duplicate: a third run does not fetch it again.
    third = gen_crawl(archive, tmp_path / "site2")
    assert third.get("newsarchive/articles_fetched", 0) == 0


def count_lines(archive: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in (archive / "ganzi").glob("*.jsonl")) if archive.exists() else 0


def crawl_process(archive: Path, site_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **STRICT}
    args = crawl_args(
        sitegen.list_url(0), archive, f"REPLAY_DIR={site_dir}", "LOG_LEVEL=WARNING", "CONCURRENT_REQUESTS=4"
    )
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_after(archive: Path, site_dir: Path, lines: int, deadline: float = 60) -> bool:
    """Start a crawl and SIGKILL it once the archive holds ``lines`` records; False if it ended first."""
    proc = crawl_process(archive, site_dir)
    end = time.monotonic() + deadline
    while proc.poll() is None and time.monotonic() < end:
        if count_lines(archive) >= lines:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    proc.wait()
    return False


@pytest.mark.crawl
def test_sigkill_at_several_points_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    total = 300
    site_dir = sitegen.write_replay(sitegen.site(total), tmp_path / "site")
    archive = tmp_path / "archive"
    killed = [kill_after(archive, site_dir, n) for n in (1, 90, 200)]
    assert any(killed), "the crawl finished before any kill point: make the site larger"
    stats = gen_crawl(archive, site_dir)
    records = all_lines_whole(archive)
    ids = Counter(r["id"] for r in records if "id" in r and "duplicate_of" not in r)
    assert len(ids) == total, f"{total - len(ids)} article(s) lost"
    assert set(ids.values()) == {1}, "an article was archived twice"
    assert stats.get("newsarchive/duplicate/id", 0) == 0
    assert not list((archive / "warc").glob("*.open")), "a WARC file killed mid-write was not closed out"
    for path in (archive / "warc").glob("*.warc.gz"):
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True)
        assert check.returncode == 0, f"{path.name} is not readable"


@pytest.mark.crawl
def test_torn_last_line_is_repaired_and_its_article_fetched_again(tmp_path: Path) -> None:
    site_dir = sitegen.write_replay(sitegen.site(5), tmp_path / "site")
    archive = tmp_path / "archive"
    gen_crawl(archive, site_dir)
    [path] = (archive / "ganzi").glob("*.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    last = json.loads(lines[-1])
    # Simulate a crash in the middle of the last line, before the state heard of it.
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][:40])
    import sqlite3

    with sqlite3.connect(archive / "state.sqlite3") as db:
        db.execute("DELETE FROM articles WHERE id = ?", (last["id"],))
        db.execute("UPDATE files SET committed = ?", (len(b"".join(lines[:-1])),))
    stats = gen_crawl(archive, site_dir, "-a", "full=1")
    assert stats["newsarchive/archived"] == 1
    records = all_lines_whole(archive)
    assert Counter(r["id"] for r in records)[last["id"]] == 1
    assert len(records) == 5


@pytest.mark.crawl
def test_lines_written_before_a_crash_are_registered_on_the_next_run(tmp_path: Path) -> None:
    """A line written but not yet in the state (killed in between) is recovered, not fetched twice."""
    site_dir = sitegen.write_replay(sitegen.site(3), tmp_path / "site")
    archive = tmp_path / "archive"
    gen_crawl(archive, site_dir)
    import sqlite3

    with sqlite3.connect(archive / "state.sqlite3") as db:
        db.execute("DELETE FROM articles")
        db.execute("DELETE FROM files")
    stats = gen_crawl(archive, site_dir)
    assert stats["newsarchive/recovered"] == 3
    assert stats.get("newsarchive/articles_fetched", 0) == 0
    assert len(all_lines_whole(archive)) == 3


# --- rejects ---------------------------------------------------------------------------------------


def bad_site() -> tuple[dict[str, Page], dict[int, str]]:
    """Ganzi-layout pages, each broken in one way, and the reason each must be rejected for."""
    base = sitegen.site(12, first_id=200000)
    body_ok = "本网讯 会议要求,各级各部门要把各项任务抓具体、抓细致、抓到位,确保各项措施落到实处。"

    def page(
        aid: int,
        title: str = "一条测试新闻的标题",
        date: str = "2021年05月06日",
        body: str = body_ok,
        raw: bytes | None = None,
    ) -> Page:
        html = (
            f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312" />'
            f"<title>{title}</title></head><body>"
            f'<div class="position">您所在的位置:康巴传媒网 &gt;&gt; 新闻 &gt;&gt; 党政要闻 &gt;&gt; 浏览文章</div>'
            f'<div class="article_title"><h3>{title}</h3><p>甘孜日报&nbsp;&nbsp;{date}</p></div>'
            f'<div class="article_content"><p>{body}</p>@@RAW@@</div></body></html>'
        )
        data = html.encode("gbk")
        data = data.replace(b"@@RAW@@", raw or b"")
        return 200, {"Content-Type": "text/html"}, data

    reasons = {
        200000: "missing_title",
        200001: "missing_published_date",
        200002: "short_body",
        200003: "future_date",
        200004: "ancient_date",
        200005: "title_length",
        200006: "replacement_char",
        200007: "mojibake",
        200008: "chrome_in_body",
        200009: "missing_body",
    }
    pages = {
        200000: page(200000, title=""),
        200001: page(200001, date="日期不详"),
        200002: page(200002, body="本网讯 短讯。"),
        200003: page(200003, date="2099年01月01日"),
        200004: page(200004, date="1990年01月01日"),
        200005: page(200005, title="长" * 250),
        200006: page(200006, raw=b"<p>\xff\xfe\xff\xfe\xa1</p>"),
        200007: page(200007, body=body_ok + "锟斤拷锟斤拷"),
        200008: page(200008, body=body_ok + "报料电话:0836-2822222。"),
        200009: page(200009, body=""),
    }
    for aid, content in pages.items():
        base[sitegen.article_url(aid)] = content
    return base, reasons


@pytest.mark.crawl
def test_every_reject_reason_from_a_bad_page(tmp_path: Path) -> None:
    site, reasons = bad_site()
    archive = tmp_path / "archive"
    stats = gen_crawl(archive, sitegen.write_replay(site, tmp_path / "site"))
    rejects = {r["url"]: r for r in all_lines_whole(archive / "rejects")}
    for aid, reason in reasons.items():
        line = rejects.get(sitegen.article_url(aid))
        assert line is not None, f"{aid} was not rejected"
        assert line["reason"] == reason, (aid, line["reasons"])
        assert line["source"] == "ganzi" and line["item"]["url"] == sitegen.article_url(aid)
        assert stats[f"newsarchive/rejected/{reason}"] >= 1
    assert stats["newsarchive/archived"] == 2  # the two intact pages of the twelve
    assert not (archive / "ganzi").exists() or len(read_records(archive)) == 2
    # Rejected pages are not fetched again, unless the run walks everything.
    again = gen_crawl(archive, tmp_path / "site")
    assert again.get("newsarchive/articles_fetched", 0) == 0
    full = gen_crawl(archive, tmp_path / "site", "-a", "full=1")
    assert full["newsarchive/articles_fetched"] == len(reasons)


# --- crawlall -----------------------------------------------------------------------------------------


@pytest.mark.crawl
def test_crawlall_archives_both_portals_and_writes_a_summary(tmp_path: Path) -> None:
    proc = scrapy_cmd("crawlall", "-s", f"REPLAY_DIR={FIXTURES}", "-s", f"ARCHIVE_DIR={tmp_path}")
    [run] = list((tmp_path / "runs").glob("*.json"))
    report = json.loads(run.read_text(encoding="utf-8"))
    assert report["healthy"] and report["exit_status"] == 0
    by_source = {s["source"]: s for s in report["sources"]}
    assert by_source["jilin"]["archived"] == 8 and by_source["ganzi"]["archived"] == 10
    assert by_source["ganzi"]["field_coverage_percent"]["title"] == 100.0
    assert "jilin: healthy" in proc.stdout
    # Per published day, as the records say.
    for source in ("jilin", "ganzi"):
        days = Counter(r["published_date"] for r in read_records(tmp_path, source))
        assert by_source[source]["archived_by_published_day"] == dict(days)
        newest = max(days)
        assert f"(published {newest}: {days[newest]}" in proc.stdout


@pytest.mark.crawl
def test_crawlall_exits_nonzero_for_a_dead_source_and_runs_the_others(tmp_path: Path) -> None:
    only_jilin = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "jilin", only_jilin / "jilin")
    proc = scrapy_cmd("crawlall", "-s", f"REPLAY_DIR={only_jilin}", "-s", f"ARCHIVE_DIR={tmp_path / 'a'}", check=False)
    assert proc.returncode == 1
    report = json.loads(next((tmp_path / "a" / "runs").glob("*.json")).read_text(encoding="utf-8"))
    by_source = {s["source"]: s for s in report["sources"]}
    assert by_source["jilin"]["healthy"] and by_source["jilin"]["archived"] == 8
    assert not by_source["ganzi"]["healthy"]
    assert "no list page could be read" in by_source["ganzi"]["problems"]


@pytest.mark.crawl
def test_crawlall_exits_nonzero_when_rejects_are_too_many(tmp_path: Path) -> None:
    site, _ = bad_site()
    sitegen.write_replay(site, tmp_path / "site")
    proc = scrapy_cmd(
        "crawlall",
        "--spiders",
        "ganzi",
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        "-s",
        f"REPLAY_DIR={tmp_path / 'site'}",
        "-s",
        f"ARCHIVE_DIR={tmp_path / 'a'}",
        check=False,
    )
    assert proc.returncode == 1
    assert "reject rate" in proc.stdout


@pytest.mark.crawl
def test_two_simultaneous_crawlall_runs(tmp_path: Path) -> None:
    site_dir = sitegen.write_replay(sitegen.site(40), tmp_path / "site")
    archive = tmp_path / "a"
    env = {**os.environ, **STRICT}
    args = [
        sys.executable,
        "-m",
        "scrapy",
        "crawlall",
        "--spiders",
        "ganzi",
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        "-s",
        f"REPLAY_DIR={site_dir}",
        "-s",
        f"ARCHIVE_DIR={archive}",
        "-s",
        "DOWNLOAD_DELAY=0.1",
        "-s",
        "CONCURRENT_REQUESTS=1",
        "-s",
        "LOG_LEVEL=WARNING",
    ]
    first = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = archive / "crawlall.lock"
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    second = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 75, second.stderr
    assert "another run holds" in second.stderr
    assert time.monotonic() - started < 15
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err[-3000:]
    assert len(read_records(archive)) == 40


@pytest.mark.parametrize("bad", ["missing_id", "malformed_host", "bad_url", "bad_published_at", "bad_image_url"])
def test_reasons_no_page_can_produce_are_still_checked(bad: str) -> None:
    """Guards against spider bugs: a record no loader of ours can produce from a page."""
    from datetime import date

    from newsarchive.pipelines.validate import problems

    good: dict[str, Any] = {
        "id": "ganzi:1",
        "source": "ganzi",
        "url": "http://www.kbcmw.com/html/xw/dzyw/1.html",
        "title": "标题",
        "published_date": "2021-01-01",
        "published_at": None,
        "body": "正文，" * 10,
        "images": [],
    }
    broken = {
        "missing_id": {**good, "id": ""},
        "malformed_host": {**good, "url": "http://[www.kbcmw.com/html/xw/dzyw/1.html"},
        "bad_url": {**good, "url": "/html/xw/dzyw/1.html"},
        "bad_published_at": {**good, "published_at": "2021-01-01T10:00:00Z"},
        "bad_image_url": {**good, "images": [{"url": "javascript:alert(1)", "caption": None}]},
    }[bad]
    assert problems(good, date(2026, 1, 1)) == []
    assert problems(broken, date(2026, 1, 1)) == ["bad_url" if bad == "malformed_host" else bad]
    assert dump_line(broken).endswith(b"\n")


def test_a_portal_whose_canonical_url_leaves_its_domains_archives_nothing_and_says_so() -> None:
    """The offsite guard sits in the spider, which knows its domains (a pipeline knows items only)."""
    from newsarchive.spiders.base import ArticleRef
    from newsarchive.spiders.ganzi import GanziSpider

    spider = GanziSpider()
    state = {
        "ref": ArticleRef("1", "http://evil.example/html/xw/dzyw/1.html"),
        "total": 1,
        "crawled_at": "2026-12-02T00:00:00Z",
    }
    assert spider.finish(Article(extraction="portal", body="正文。"), state) is None
    state["ref"] = ArticleRef("1", "http://www.kbcmw.com/html/xw/dzyw/1.html")
    record = spider.finish(Article(extraction="portal", body="正文。"), state)
    assert record is not None and record["id"] == "ganzi:1"


@pytest.mark.crawl
def test_an_article_that_failed_is_fetched_once_on_the_next_run(tmp_path: Path) -> None:
    site = sitegen.site(5)
    broken = dict(site)
    broken[sitegen.article_url(100002)] = (500, {"Content-Type": "text/html"}, b"down for maintenance")
    archive = tmp_path / "archive"
    first = gen_crawl(archive, sitegen.write_replay(broken, tmp_path / "broken"))
    assert first["newsarchive/archived"] == 4 and first["newsarchive/article_failed"] == 1
    second = gen_crawl(archive, sitegen.write_replay(site, tmp_path / "fixed"))
    # Requested again from the pending list at start, and not a second time from the list page.
    assert second["newsarchive/pending_retried"] == 1
    assert second["newsarchive/articles_fetched"] == 1 and second["newsarchive/archived"] == 1
    assert Counter(r["id"] for r in read_records(archive))["ganzi:100002"] == 1


def test_validators_are_sent_only_with_the_links_they_stand_for(tmp_path: Path) -> None:
    """A crash between noting a list page's fetch (downloader) and its links (callback) must not
    make the next run send validators: a 304 would then show no articles and stop the walk."""
    state = ArchiveState(tmp_path / "state.sqlite3")
    url = "http://www.kbcmw.com/html/xw/dzyw/index_11.html"
    state.remember_fetch(url, 200, '"l11"', None)
    assert state.validators(url) == (None, None)
    state.remember_list(url, {"articles": [], "next": []})
    assert state.validators(url) == ('"l11"', None)


def test_group_commits_are_a_prefix_of_the_writes(tmp_path: Path) -> None:
    """Writes wait in an open group until it is full; what another connection sees is always
    the writes up to a commit, in order, never a later write without an earlier one."""
    path = tmp_path / "state.sqlite3"
    state = ArchiveState(path)
    state.group_commits(3, 60.0, lambda delay, call: None)
    reader = sqlite3.connect(path)
    seen = []
    for n in range(7):
        state.record(f"ganzi:{n}", "archived", f"http://www.kbcmw.com/html/xw/dzyw/{n}.html", f"h{n}")
        seen.append(reader.execute("SELECT count(*) FROM articles").fetchone()[0])
    assert seen == [0, 0, 3, 3, 3, 6, 6]
    state.flush()
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 7
    state.close()


@pytest.mark.crawl
def test_a_crawl_paused_with_jobdir_resumes_and_archives_everything_once(tmp_path: Path) -> None:
    """Scrapy's pause and resume (JOBDIR): the first SIGINT stops the crawl gracefully and keeps its
    queue and the spider's ``state`` dict; the same command resumes it."""
    site = sitegen.write_replay(sitegen.site(300), tmp_path / "site")
    archive, job = tmp_path / "archive", tmp_path / "job"

    def run() -> subprocess.Popen[str]:
        args = crawl_args(
            sitegen.list_url(0),
            archive,
            f"REPLAY_DIR={site}",
            f"JOBDIR={job}",
            "LOG_LEVEL=INFO",
            "CONCURRENT_REQUESTS=2",
        )
        return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **STRICT}, stderr=subprocess.PIPE, text=True)

    first = run()
    deadline = time.monotonic() + 60
    while count_lines(archive) < 50 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGINT)
    err = first.communicate(timeout=60)[1]
    assert first.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert "'finish_reason': 'shutdown'" in err, "the crawl finished before it could be paused: make the site larger"
    paused_at = count_lines(archive)
    second = run()
    err = second.communicate(timeout=120)[1]
    assert second.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert "Resuming crawl" in err and "'finish_reason': 'finished'" in err
    ids = Counter(r["id"] for r in read_records(archive))
    assert len(ids) == 300 and set(ids.values()) == {1}
    assert paused_at < 300
