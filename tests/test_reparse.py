"""Parallel re-extraction: the same archive whatever the number of workers, and after kills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sitegen
from helpers import ROOT, STRICT, crawl, scrapy_cmd
from scrapy.settings import Settings

from newsarchive.archive.state import ArchiveState
from newsarchive.commands.reparse import Batches, progress_line
from newsarchive.pipelines.candidates import CandidateWriter, Tail


def archive_lines(archive: Path) -> dict[str, list[dict]]:
    """Every JSONL line of an archive (records, rejects, duplicates), per directory, sorted."""
    found: dict[str, list[dict]] = {}
    for path in sorted(archive.glob("*/*.jsonl")):
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        found.setdefault(path.parent.name, []).extend(lines)
    return {k: sorted(v, key=lambda r: json.dumps(r, sort_keys=True)) for k, v in found.items()}


@pytest.fixture(scope="module")
def warcs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The WARC files of a crawl of both portals' fixtures and of a generated site holding a
    story published twice (a content duplicate) and a page with no date (a reject)."""
    root = tmp_path_factory.mktemp("warcs")
    archive = root / "archive"
    for source in ("jilin", "ganzi"):
        crawl(source, archive)
    site = sitegen.site(60)
    site[sitegen.article_url(100059)] = site[sitegen.article_url(100003)]  # the same story, second id
    status, headers, body = site[sitegen.article_url(100010)]
    site[sitegen.article_url(100010)] = (status, headers, body.replace("2021年".encode("gbk"), b"", 1))
    crawl(
        "ganzi",
        root / "generated",
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        replay=sitegen.write_replay(site, root / "site"),
    )
    (root / "all").mkdir()
    for path in [*(archive / "warc").glob("*.warc.gz"), *(root / "generated" / "warc").glob("*.warc.gz")]:
        (root / "all" / path.name).write_bytes(path.read_bytes())
    return root / "all"


@pytest.mark.crawl
def test_the_same_archive_whatever_the_number_of_workers(warcs: Path, tmp_path: Path) -> None:
    one = scrapy_cmd("reparse", str(warcs), "--jobs", "1", "-s", f"ARCHIVE_DIR={tmp_path / 'one'}")
    three = scrapy_cmd("reparse", str(warcs), "--jobs", "3", "-s", f"ARCHIVE_DIR={tmp_path / 'three'}")
    assert "read by 3 worker(s)" in three.stdout and "read by 1 worker(s)" in one.stdout
    first, second = archive_lines(tmp_path / "one"), archive_lines(tmp_path / "three")
    assert first == second  # records (provenance included), rejects and duplicates, field by field
    assert len(first["jilin"]) == 8 and len(first["rejects"]) >= 1 and len(first["duplicates"]) == 1
    assert not (tmp_path / "three" / "reparse-work").exists()


@pytest.mark.crawl
@pytest.mark.parametrize("victim", ["parent", "worker"])
def test_a_killed_reparse_run_again_gives_the_whole_archive(warcs: Path, tmp_path: Path, victim: str) -> None:
    reference = tmp_path / "reference"
    scrapy_cmd("reparse", str(warcs), "--jobs", "2", "-s", f"ARCHIVE_DIR={reference}")
    archive = tmp_path / "archive"
    args = [sys.executable, "-m", "scrapy", "reparse", str(warcs), "--jobs", "2", "-s", f"ARCHIVE_DIR={archive}"]
    env = {**os.environ, **STRICT, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    for delay in (0.8, 1.6, 2.4):
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if victim == "parent":
            proc.send_signal(signal.SIGKILL)
        else:
            workers = subprocess.run(["pgrep", "-f", "--candidates"], capture_output=True, text=True).stdout.split()
            for pid in workers[:1]:
                os.kill(int(pid), signal.SIGKILL)
        proc.wait(timeout=120)
    final = scrapy_cmd("reparse", str(warcs), "--jobs", "2", "-s", f"ARCHIVE_DIR={archive}")
    assert "reparse:" in final.stdout
    assert archive_lines(archive)["jilin"] == archive_lines(reference)["jilin"]
    got = archive_lines(archive)
    for name, lines in archive_lines(reference).items():
        assert got[name] == lines, name  # nothing lost, nothing twice, nothing torn


@pytest.mark.crawl
def test_a_parallel_reparse_says_how_far_it_is(warcs: Path, tmp_path: Path) -> None:
    done = scrapy_cmd(
        "reparse", str(warcs), "--jobs", "2", "-s", f"ARCHIVE_DIR={tmp_path / 'out'}", "-s", "PROGRESS_INTERVAL=0.05"
    )
    lines = [line for line in done.stderr.splitlines() if "articles settled" in line]
    assert lines, done.stderr[-2000:]
    total = int(lines[-1].split(" of ")[1].split()[0].replace(",", ""))
    # Every first page settled ends as one line: a record, a reject or a duplicate.
    assert total == sum(len(lines) for lines in archive_lines(tmp_path / "out").values())


def test_batches_are_handed_out_once_each_in_warc_order_to_whoever_asks(tmp_path: Path) -> None:
    urls = [f"http://www.kbcmw.com/html/xw/dzyw/{n}.html" for n in range(1, 101)]
    published = Batches(tmp_path).publish({"ganzi": urls, "jilin": []}, processes=3)
    plan = Batches(tmp_path).wait()
    assert plan == published and all(len(b) == 4 for b in plan["ganzi"])  # 100 pages, 3 processes: small batches
    first, second = Batches(tmp_path), Batches(tmp_path)  # two processes' views of one reparse
    taken = [first.take("ganzi"), first.take("ganzi"), second.take("ganzi"), first.take("ganzi")]
    assert taken == [0, 1, 2, 3]  # in order, each once, whoever asks
    while second.take("ganzi") < len(plan["ganzi"]):
        pass
    assert first.take("ganzi") >= len(plan["ganzi"]) and first.take("jilin") >= len(plan["jilin"])


def test_the_progress_line_reads_as_a_crawl_s() -> None:
    assert progress_line(0, 3000, 1.0) == "reparse: 0 of 3,000 articles settled (0%), 0/s, time left unknown"


def test_the_writer_waits_for_every_earlier_batch_and_writes_in_warc_order(tmp_path: Path) -> None:
    """Candidates arrive in any order; the writer settles those before the bound, in WARC order."""
    state = ArchiveState.from_settings(Settings({"ARCHIVE_DIR": str(tmp_path)}))
    writer = CandidateWriter(tmp_path, state)

    def candidate(n: int) -> dict[str, Any]:
        record = {
            "id": f"ganzi:{n}",
            "source": "ganzi",
            "url": f"http://www.kbcmw.com/html/xw/dzyw/{n}.html",
            "content_hash": f"{n:064x}",
            "crawled_at": "2026-12-01T08:00:00Z",
            "published_date": "2026-11-30",
            "warc": [{"warc_file": "a.warc.gz", "warc_offset": n * 100}],
        }
        return {"reasons": [], "record": record}

    for n in (5, 1, 3, 2):
        writer.add(candidate(n))
    writer.write_before(("a.warc.gz", 250))  # a batch starting at 250 is not done: 1 and 2 only
    assert writer.settled == 2
    writer.add(candidate(4))
    writer.write_before(None)
    writer.close()
    ids = [json.loads(line)["id"] for path in sorted((tmp_path / "ganzi").glob("*.jsonl")) for line in path.open()]
    assert ids == ["ganzi:1", "ganzi:2", "ganzi:3", "ganzi:4", "ganzi:5"]


def test_a_tail_gives_whole_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "1.candidates"
    tail = Tail(path)
    assert tail.lines() == []
    path.write_bytes(b'{"a": 1}\n{"b"')
    assert tail.lines() == [b'{"a": 1}']
    with path.open("ab") as fh:
        fh.write(b": 2}\n")
    assert tail.lines() == [b'{"b": 2}'] and tail.lines() == []
