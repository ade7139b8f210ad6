"""Faults an archive really meets: a list page that fails, a pager without end, dead links, a disk
that fills, writes cut short. Each ends with nothing lost after the next runs, nothing archived
twice, nothing torn, and a run that could not do its job saying so."""

from __future__ import annotations

import contextlib
import errno
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections import Counter
from contextlib import chdir
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sitegen
from helpers import crawl, read_records, scrapy_cmd
from scrapy.settings import Settings
from sitegen import Page

from newsarchive.archive.faults import ArchiveWriteError
from newsarchive.archive.jsonl import DailyFiles, dump_line
from newsarchive.archive.replay import read_warc
from newsarchive.archive.state import ArchiveState
from newsarchive.archive.switch import switch
from newsarchive.archive.warc import WarcFile, repair_warc
from newsarchive.archive.warcmembers import whole_members

FAST = ("-s", "RETRY_TIMES=1", "-s", "BACKOFF_BASE=0.05", "-s", "FOLLOW_RELATED=False")


def site_crawl(archive: Path, pages: dict[str, Page], replay: Path, *extra: str) -> dict:
    """One crawl of ``pages`` (written as replay cases under ``replay``) from the first list page."""
    return crawl(
        "ganzi",
        archive,
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        *FAST,
        *extra,
        replay=sitegen.write_replay(pages, replay),
    )


def archived_ids(archive: Path) -> Counter[str]:
    return Counter(r["id"] for r in read_records(archive))


def owed(archive: Path) -> list[str]:
    with sqlite3.connect(archive / "state.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT url FROM owed_lists")]


@pytest.mark.crawl
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


@pytest.mark.crawl
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


@pytest.mark.crawl
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


@pytest.mark.crawl
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


# --- a write that fails part-way -----------------------------------------------------------------


def failing_write_after(monkeypatch: pytest.MonkeyPatch, allowed: int) -> None:
    """``os.write`` writes at most ``allowed`` bytes in all, then fails with ENOSPC (a disk filling)."""
    real = os.write
    left = [allowed]

    def write(fd: int, data: Any) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real(fd, bytes(data)[: left[0]])
        left[0] -= n
        return n

    monkeypatch.setattr(os, "write", write)


def test_a_jsonl_append_failing_half_way_leaves_no_fragment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = DailyFiles(tmp_path / "ganzi")
    path, size = files.append("2026-12-06", {"id": "ganzi:1", "url": "http://a/1", "body": "一" * 100})
    failing_write_after(monkeypatch, 50)
    with pytest.raises(ArchiveWriteError) as raised:
        files.append("2026-12-06", {"id": "ganzi:2", "url": "http://a/2", "body": "二" * 100})
    assert str(path) in str(raised.value) and "free" in str(raised.value)
    assert path.stat().st_size == size  # cut back to the last whole line
    monkeypatch.undo()
    _, after = files.append("2026-12-06", {"id": "ganzi:3", "url": "http://a/3", "body": "三"})
    assert [json.loads(line)["id"] for line in path.read_bytes().splitlines()] == ["ganzi:1", "ganzi:3"]
    assert after == path.stat().st_size


def test_a_warc_append_failing_half_way_keeps_every_offset_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warc = WarcFile(tmp_path / "a.warc.gz")
    first = gzip.compress(b"WARC/1.1\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n")
    warc.append(first)
    failing_write_after(monkeypatch, 10)
    with pytest.raises(ArchiveWriteError):
        warc.append(first)
    monkeypatch.undo()
    assert warc.size == len(first) == warc.path.stat().st_size
    offset = warc.size
    warc.append(first)
    members, end = whole_members(warc.path.read_bytes())
    assert members == [(0, len(first)), (offset, len(first))] and end == warc.size
    warc.close()


# --- torn WARC members ------------------------------------------------------------------------------


def warc_record(uri: str, payload: bytes) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + payload
    head = (
        f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        f"WARC-Date: 2026-12-06T00:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
    ).encode()
    return head + http + b"\r\n\r\n"


def test_torn_warc_members_are_found_cut_and_never_replayed(tmp_path: Path) -> None:
    whole = [
        gzip.compress(warc_record(f"http://www.kbcmw.com/html/xw/dzyw/{n}.html", os.urandom(900))) for n in range(3)
    ]
    short = warc_record("http://www.kbcmw.com/html/xw/dzyw/9.html", os.urandom(900))
    # A member whose gzip stream ends but whose record stops inside the payload (warcio reads it as
    # if whole), in the middle of a file; and one cut inside its gzip stream at the end (a kill).
    middle = gzip.compress(short[: len(short) - 300])
    tail = whole[0][: len(whole[0]) * 2 // 3]
    path = tmp_path / "t.warc.gz"
    path.write_bytes(whole[0] + middle + whole[1] + whole[2] + tail)
    members, end = whole_members(path.read_bytes())
    offsets = [0, len(whole[0]) + len(middle), len(whole[0]) + len(middle) + len(whole[1])]
    assert [m[0] for m in members] == offsets
    replayed = read_warc(path)
    assert [c.record_offset for c in replayed] == offsets  # the short and the torn one are not served
    assert all(len(c.body()) == 900 for c in replayed)
    cut = repair_warc(path)
    assert cut == len(tail) and path.stat().st_size == end


# --- the state: paths as typed, damaged lines, a damaged database -----------------------------------


def test_the_state_knows_its_files_however_the_archive_is_reached(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    files = DailyFiles(archive / "ganzi")
    state = ArchiveState.from_settings(Settings({"ARCHIVE_DIR": str(archive)}))
    for n in range(3):
        written = files.append("2026-12-06", {"id": f"ganzi:{n}", "url": f"http://a/{n}", "content_hash": str(n)})
        state.record(f"ganzi:{n}", "archived", f"http://a/{n}", str(n), file=written)
    state.close()
    link = tmp_path / "link"
    link.symlink_to(archive)
    moved = tmp_path / "moved"
    for reached in (link, archive.relative_to(tmp_path), moved):
        if reached == moved:
            archive.rename(moved)
        with chdir(tmp_path):
            again = ArchiveState.from_settings(Settings({"ARCHIVE_DIR": str(reached)}))
            assert again.recovered == 0 and not again.rebuilt, reached
            assert again.outcome("ganzi:2") == "archived"
            again.close()


def test_a_damaged_line_is_quarantined_and_counted_and_the_rest_recovered(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    path = archive / "ganzi" / "2026-12-06.jsonl"
    path.parent.mkdir(parents=True)
    lines = [
        dump_line({"id": "ganzi:1", "url": "http://a/1"}),
        b'{"id": "ganzi:2", "ur\xff\xfe garbage\n',
        dump_line({"id": "ganzi:3", "url": "http://a/3"}),
    ]
    path.write_bytes(b"".join(lines))
    state = ArchiveState.from_settings(Settings({"ARCHIVE_DIR": str(archive)}))
    assert state.recovered == 2 and state.outcome("ganzi:3") == "archived"
    assert path.read_bytes() == lines[0] + lines[2]
    [kept] = (archive / "quarantine" / "ganzi").iterdir()
    assert kept.read_bytes() == lines[1]
    assert state.committed(path) == path.stat().st_size
    state.close()


@pytest.mark.crawl
def test_a_damaged_state_or_an_unwritable_archive_is_named_with_what_to_do(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "state.sqlite3").write_bytes(b"this is not a database" * 100)
    proc = scrapy_cmd("crawl", "ganzi", "-s", f"ARCHIVE_DIR={archive}", "-s", "REPLAY_DIR=fixtures", check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{archive / 'state.sqlite3'} is damaged" in proc.stderr and "full=1" in proc.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for command in ("crawl", "crawlall"):
        args = [command, "ganzi"] if command == "crawl" else [command]
        proc = scrapy_cmd(*args, "-s", f"ARCHIVE_DIR={blocker}", "-s", "REPLAY_DIR=fixtures", check=False)
        assert proc.returncode == 1, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr and f"cannot write {blocker}" in proc.stderr


@pytest.mark.crawl
def test_a_crawl_reading_no_page_exits_non_zero(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = scrapy_cmd("crawl", "ganzi", "-s", f"ARCHIVE_DIR={tmp_path / 'a'}", "-s", f"REPLAY_DIR={empty}", check=False)
    assert proc.returncode == 1 and "no page could be read" in proc.stderr


# --- reparse --replace, killed at each step of its switch ---------------------------------------------


@pytest.fixture(scope="module")
def crawled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    archive = root / "archive"
    site_crawl(archive, sitegen.site(40), root / "replay")
    return archive


def table_sizes(archive: Path) -> dict[str, int]:
    with sqlite3.connect(archive / "state.sqlite3") as db:
        return {
            t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("articles", "lists", "fetched", "warc_payloads")
        }


@pytest.mark.crawl
def test_reparse_replace_keeps_the_crawl_state(crawled_site: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(crawled_site, archive)
    before, sizes = read_records(archive), table_sizes(archive)
    scrapy_cmd("reparse", "--replace", str(archive / "warc"), "-s", f"ARCHIVE_DIR={archive}")
    assert sorted(map(json.dumps, read_records(archive))) == sorted(map(json.dumps, before))
    assert table_sizes(archive) == sizes
    again = site_crawl(archive, sitegen.site(40), tmp_path / "replay")
    assert again.get("newsarchive/articles_fetched", 0) == 0 and again["newsarchive/list_unchanged"] >= 1


@pytest.mark.crawl
@pytest.mark.parametrize("renames", [0, 1, 3, 5, 99])
def test_reparse_replace_killed_mid_switch_leaves_one_whole_archive(
    crawled_site: Path, tmp_path: Path, renames: int
) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(crawled_site, archive)
    before = sorted(map(json.dumps, read_records(archive)))
    rebuilt = archive / "rebuild"
    rebuilt.mkdir()
    for name in ("ganzi", "rejects", "state.sqlite3"):
        src = archive / name
        if src.exists():
            (shutil.copytree if src.is_dir() else shutil.copy)(src, rebuilt / name)
    real, done = os.rename, [0]

    def rename(src: Any, dst: Any) -> None:
        if done[0] >= renames:
            raise KeyboardInterrupt  # the process dies here
        done[0] += 1
        real(src, dst)

    with mock.patch("os.rename", rename), contextlib.suppress(KeyboardInterrupt):
        switch(archive, rebuilt, archive / "replaced" / "t")
    # Whatever opens the archive next finishes the switch.
    state = ArchiveState.from_settings(Settings({"ARCHIVE_DIR": str(archive)}))
    assert sorted(map(json.dumps, read_records(archive))) == before
    assert state.count() == len(before) and state.recovered == 0
    state.close()
    assert not rebuilt.exists() and not (archive / "switch.json").exists()
    assert (archive / "replaced" / "t" / "state.sqlite3").exists()


# --- a disk that fills, then gets space back ------------------------------------------------------------


def integrity(archive: Path) -> Counter[str]:
    """Every JSONL line whole, every WARC member whole, every record's WARC pointer right; the ids."""
    ids: Counter[str] = Counter()
    for path in archive.rglob("*.jsonl"):
        data = path.read_bytes()
        assert not data or data.endswith(b"\n"), f"{path} ends in a torn line"
        for line in data.splitlines():
            record = json.loads(line)
            if path.parent.name == "ganzi":
                ids[record["id"]] += 1
                for page in record["warc"]:
                    blob = (archive / "warc" / page["warc_file"]).read_bytes()
                    member = blob[page["warc_offset"] : page["warc_offset"] + page["warc_length"]]
                    assert page["url"].encode() in gzip.decompress(member)[:2000], page
    for path in (archive / "warc").glob("*.warc.gz"):
        data = path.read_bytes()
        assert whole_members(data)[1] == len(data), f"{path} holds a torn member"
    return ids


@pytest.mark.skipif(
    os.geteuid() != 0,
    reason="mounting a small tmpfs needs root; the injected faults above cover each write site without it",
)
@pytest.mark.crawl
@pytest.mark.parametrize("size", ["200k", "450k", "700k", "950k"])
def test_a_disk_that_fills_then_gets_space_back(tmp_path: Path, size: str) -> None:
    """The disk fills at a different write each time (state, record, reject, WARC): the run stops
    and says so, the archive stays whole, and the next run with space completes the site."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=True)
    try:
        archive = mount / "archive"
        site = sitegen.write_replay(sitegen.site(300), tmp_path / "replay")
        args = [
            "crawl",
            "ganzi",
            "-a",
            f"start_urls={sitegen.list_url(0)}",
            *FAST,
            "-s",
            f"ARCHIVE_DIR={archive}",
            "-s",
            f"REPLAY_DIR={site}",
            "-s",
            "LOG_LEVEL=INFO",
        ]
        full = scrapy_cmd(*args, check=False)
        assert full.returncode == 1, full.stderr[-3000:]
        assert "No space left on device" in full.stderr and "bytes free there" in full.stderr
        assert "Traceback" not in full.stderr, full.stderr[-6000:]
        first = integrity(archive)
        assert len(first) < 300 and set(first.values()) <= {1}
        subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)
        scrapy_cmd(*args)
        done = integrity(archive)
        assert len(done) == 300 and set(done.values()) == {1}
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.crawl
def test_reparse_skips_a_damaged_warc_file_and_names_it(crawled_site: Path, tmp_path: Path) -> None:
    warcs = tmp_path / "warc"
    shutil.copytree(crawled_site / "warc", warcs)
    [original] = sorted(warcs.glob("*.warc.gz"))
    data = original.read_bytes()
    members, _ = whole_members(data)
    # An article's response record, in the middle of the file.
    responses = [
        (start, length)
        for start, length in members
        if b"WARC-Type: response" in (head := gzip.decompress(data[start : start + length])[:600])
        and b"/html/xw/dzyw/1000" in head
    ]
    start, length = responses[len(responses) // 2]
    damaged = warcs / "damaged.warc.gz"
    damaged.write_bytes(data[:start] + b"\x1f\x8b\x08garbage" + data[start + length :])
    original.unlink()
    proc = scrapy_cmd("reparse", str(warcs), "-s", f"ARCHIVE_DIR={tmp_path / 'rebuilt'}")
    assert f"skipped 1 damaged part(s) of {damaged}" in proc.stderr
    records = read_records(tmp_path / "rebuilt")
    assert len(records) == 39  # every article but the one whose record was damaged


@pytest.mark.crawl
def test_a_second_writer_is_refused_while_a_crawl_holds_the_archive(tmp_path: Path) -> None:
    from newsarchive.commands.crawlall import ArchiveLock

    archive = tmp_path / "archive"
    lock = ArchiveLock(archive / "crawlall.lock")
    assert lock.acquire()
    try:
        warc = tmp_path / "x.warc.gz"
        warc.write_bytes(b"")
        for args in (["crawl", "ganzi"], ["reparse", "--replace", str(warc)]):
            proc = scrapy_cmd(*args, "-s", f"ARCHIVE_DIR={archive}", "-s", "REPLAY_DIR=fixtures", check=False)
            assert proc.returncode == 75, (args, proc.stderr[-2000:])
    finally:
        lock.release()


def test_a_summary_write_that_fails_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsarchive.archive.faults import write_atomically

    path = tmp_path / "runs" / "a.json"
    write_atomically(path, b'{"healthy": true}\n')
    failing_write_after(monkeypatch, 0)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")))
    with pytest.raises(ArchiveWriteError, match="No space left"):
        write_atomically(path, b'{"healthy": false, "sources": []}\n' * 1000)
    monkeypatch.undo()
    assert json.loads(path.read_bytes()) == {"healthy": True}
    assert [p.name for p in path.parent.iterdir()] == ["a.json"]  # no temporary file left behind
