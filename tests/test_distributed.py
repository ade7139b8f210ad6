"""Several crawler processes on one Redis frontier, with a real redis-server on loopback."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sitegen
from helpers import ROOT, STRICT, read_records
from loopback import serve
from redis_server import redis_server


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path, password="s3cret-pw") as url:
        yield url


def worker(archive: Path, redis_url: str, proxy: str, name: str, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, **STRICT, "http_proxy": proxy, "no_proxy": ""}
    args = [sys.executable, "-m", "scrapy", "crawl", "ganzi", "-a", f"start_urls={sitegen.list_url(0)}",
            "-s", f"ARCHIVE_DIR={archive}", "-s", f"REDIS_URL={redis_url}", "-s", "RUN_ID=test-run",
            "-s", f"WORKER_ID={name}", "-s", "WORKER_HEARTBEAT_TTL=2", "-s", "LOG_LEVEL=INFO",
            "-s", "CONCURRENT_REQUESTS=4", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4", *extra]
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str], timeout: float = 180) -> str:
    _, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-4000:]
    assert "Traceback" not in err, err[-4000:]
    return err


def pages_requested(requested: list[str]) -> Counter[str]:
    # robots.txt is read by each process for itself: it is politeness, not the frontier.
    return Counter(u for u in requested if not u.endswith("/robots.txt"))


def test_two_workers_archive_everything_once_and_fetch_nothing_twice(tmp_path: Path, redis_url: str) -> None:
    site = sitegen.site(200)
    archive = tmp_path / "archive"
    with serve(site, delay=0.1) as (proxy, requested):
        # A generous heartbeat: on a loaded machine a 2 s one can expire under a busy worker, and
        # its requests would be put back and fetched twice (safe, but not what is measured here).
        procs = [worker(archive, redis_url, proxy, name, "-s", "WORKER_HEARTBEAT_TTL=30") for name in ("w1", "w2")]
        logs = [finish(p) for p in procs]
    records = read_records(archive)
    counts = Counter(r["id"] for r in records)
    assert len(counts) == 200 and set(counts.values()) == {1}
    fetched = pages_requested(requested)
    assert [u for u, n in fetched.items() if n > 1] == []
    assert set(fetched) == set(site)
    # Each worker wrote its own files, and both did part of the work.
    by_worker = Counter(p.name.split(".")[-2] for p in (archive / "ganzi").glob("*.jsonl") for _ in p.open())
    assert set(by_worker) == {"w1", "w2"}
    assert all("-w1-" in p.name or "-w2-" in p.name for p in (archive / "warc").glob("*.warc.gz"))
    for log in logs:
        assert "s3cret-pw" not in log, "the Redis password reached the log"


def own_records(archive: Path, worker: str) -> int:
    return sum(p.read_bytes().count(b"\n") for p in (archive / "ganzi").glob(f"*.{worker}.jsonl")) \
        if (archive / "ganzi").exists() else 0


def test_a_killed_worker_loses_nothing(tmp_path: Path, redis_url: str) -> None:
    total = 300
    site = sitegen.site(total)
    archive = tmp_path / "archive"
    with serve(site, delay=0.05) as (proxy, _requested):
        w1 = worker(archive, redis_url, proxy, "w1")
        w2 = worker(archive, redis_url, proxy, "w2")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and w1.poll() is None and own_records(archive, "w1") < 5:
            time.sleep(0.02)
        if w1.poll() is not None:
            raise AssertionError(f"w1 ended before it could be killed mid-run: {w1.communicate()[1][-3000:]}")
        w1.send_signal(signal.SIGKILL)
        w1.wait()
        survivor = finish(w2)
        # The killed worker, restarted, puts back what it still held and retries what it left pending.
        restarted = finish(worker(archive, redis_url, proxy, "w1"))
        assert re.search(r"Put \d+ request\(s\) back on the queue \((worker w1 stopped|restart)\)",
                         survivor + restarted), "nothing the killed worker held was put back"
    counts = Counter(r["id"] for r in read_records(archive))
    assert len(counts) == total, f"{total - len(counts)} article(s) lost"
    assert set(counts.values()) == {1}
