"""Honest captures, through the real engine against a loopback server: robots.txt for every request,
start pages included, and its Crawl-delay; a refusal counted, not an error; parked retries kept
across a JOBDIR pause; replayed and live captures never mixed in one archive."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sitegen
from helpers import ROOT, STRICT, crawl_args, read_records
from loopback import serve

pytestmark = pytest.mark.crawl

ROBOTS = "http://www.kbcmw.com/robots.txt"


def crawl_live(archive: Path, routes: dict, *extra: str) -> tuple[subprocess.CompletedProcess[str], list[str], dict]:
    with serve(routes) as (proxy, requested):
        env = {**os.environ, **STRICT, "http_proxy": proxy, "no_proxy": ""}
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "ganzi",
                "-s",
                f"ARCHIVE_DIR={archive}",
                "-s",
                f"RUN_STATS_FILE={archive}/stats.json",
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "FOLLOW_RELATED=False",
                "-s",
                "LOG_LEVEL=INFO",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        stats = json.loads((archive / "stats.json").read_text(encoding="utf-8"))
        return proc, list(requested), stats


def test_no_start_page_leaves_before_robots_txt_and_disallowed_ones_never(tmp_path: Path) -> None:
    """The portal's five default list pages start together; robots.txt disallows the fifth's
    column. Scrapy's own middleware let the third and later ones through unchecked."""
    site = sitegen.site(6)
    routes = dict(site)
    routes[ROBOTS] = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /html/wh/\n")
    proc, requested, stats = crawl_live(tmp_path / "a", routes)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert requested[0] == ROBOTS
    assert not any("/html/wh/" in u for u in requested)
    assert stats["newsarchive/robots_disallowed"] == 1
    assert "ERROR" not in proc.stderr


def test_crawl_delay_spaces_the_requests_to_a_host(tmp_path: Path) -> None:
    site = sitegen.site(4)
    routes = {u: v for u, v in site.items()}
    routes[ROBOTS] = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nCrawl-delay: 0.6\n")
    times: list[float] = []
    stamped = {}
    for url, answer in routes.items():

        def route(h, answer=answer):  # type: ignore[no-untyped-def]
            from loopback import send

            times.append(time.monotonic())
            send(h, *answer)

        stamped[url] = route
    proc, _, stats = crawl_live(tmp_path / "a", stamped, "-a", f"start_urls={sitegen.list_url(0)}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    gaps = [b - a for a, b in itertools.pairwise(times[1:])]  # after robots.txt itself
    assert len(gaps) >= 4 and min(gaps) >= 0.5, gaps
    assert stats["newsarchive/crawl_delay_waits"] >= 3


def test_an_article_refused_by_robots_is_counted_not_an_error_and_not_asked_again(tmp_path: Path) -> None:
    site = sitegen.site(5)
    routes = dict(site)
    routes[ROBOTS] = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /html/xw/dzyw/100002.html\n")
    archive = tmp_path / "a"
    args = ("-a", f"start_urls={sitegen.list_url(0)}")
    proc, requested, stats = crawl_live(archive, routes, *args)
    assert proc.returncode == 0 and "ERROR" not in proc.stderr, proc.stderr[-3000:]
    assert sitegen.article_url(100002) not in requested
    assert stats["newsarchive/article_refused"] == 1
    assert len(read_records(archive)) == 4
    again, _, stats = crawl_live(archive, routes, *args, "-s", "INCREMENTAL_DEPTH=3")
    assert again.returncode == 0 and stats.get("newsarchive/article_refused", 0) == 0


def test_a_retry_parked_when_a_job_is_paused_is_fetched_when_it_resumes(tmp_path: Path) -> None:
    """A list page answers 503 asking for a long wait; the job is paused (Ctrl-C) while its retry
    waits; resumed with the same JOBDIR, whose seen-set already holds the page, it reads it."""
    import signal

    site = sitegen.site(4)
    busy = dict(site)
    busy[sitegen.list_url(0)] = (503, {"Content-Type": "text/html", "Retry-After": "30"}, b"busy")
    busy[ROBOTS] = (404, {}, b"")
    archive, job = tmp_path / "a", tmp_path / "job"
    args = crawl_args(
        sitegen.list_url(0),
        archive,
        f"JOBDIR={job}",
        "AUTOTHROTTLE_ENABLED=False",
        "DOWNLOAD_DELAY=0",
        "FOLLOW_RELATED=False",
        "LOG_LEVEL=INFO",
    )
    with serve(busy) as (proxy, requested):
        env = {**os.environ, **STRICT, "http_proxy": proxy, "no_proxy": ""}
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while sitegen.list_url(0) not in requested and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the retry is parked now
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert "not sent: the crawl closed first" in err, err[-3000:]
    routes = dict(site)
    routes[ROBOTS] = (404, {}, b"")
    with serve(routes) as (proxy, requested):
        env = {**os.environ, **STRICT, "http_proxy": proxy, "no_proxy": ""}
        resumed = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert sitegen.list_url(0) in requested
    assert len(read_records(archive)) == 4


def test_replayed_and_live_captures_never_mix_in_one_archive(tmp_path: Path) -> None:
    """A replay marks its archive as replayed and says so in every WARC file, dating each capture
    when its page was recorded; a live crawl into it stops at once (exit 2), and so does a replay
    into a live archive."""
    from helpers import crawl, fixture_dir, scrapy_cmd
    from warcio.archiveiterator import ArchiveIterator

    demo = tmp_path / "demo"
    crawl("ganzi", demo)
    assert json.loads((demo / "archive.json").read_text())["captures"] == "replay"
    recorded = {
        json.loads(p.read_text())["url"]: json.loads(p.read_text())["date"]
        for p in fixture_dir("ganzi").glob("*/response.json")
    }
    dates = {}
    for path in (demo / "warc").glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "warcinfo":
                    assert b"replayed from" in record.content_stream().read()
                elif record.rec_type == "response":
                    dates[record.rec_headers.get_header("WARC-Target-URI")] = record.rec_headers.get_header("WARC-Date")
    assert dates and all(dates[u][:19] == recorded[u][:19] for u in dates if u in recorded)
    site = sitegen.site(3)
    with serve(site) as (proxy, requested):
        env = {**os.environ, **STRICT, "http_proxy": proxy, "no_proxy": ""}
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "ganzi", "-s", f"ARCHIVE_DIR={demo}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2 and requested == []
    assert f"{demo} holds replay captures and this is a live crawl" in proc.stderr
    live = tmp_path / "live"
    live_run, _, _ = crawl_live(live, {**site, ROBOTS: (404, {}, b"")}, "-a", f"start_urls={sitegen.list_url(0)}")
    assert live_run.returncode == 0
    replay = scrapy_cmd("crawl", "ganzi", "-s", f"ARCHIVE_DIR={live}", "-s", "REPLAY_DIR=fixtures", check=False)
    assert replay.returncode == 2 and "holds live captures and this is a replay of fixtures" in replay.stderr
