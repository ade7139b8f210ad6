"""Several crawler processes on one Redis frontier, with a real redis-server on loopback."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sitegen
from helpers import ROOT, STRICT, crawl_args, read_records
from loopback import serve
from redis_server import redis_server
from scrapy.settings import Settings

from newsarchive.frontier.redis_state import RedisState

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path, password="s3cret-pw") as url:
        yield url


def worker(
    archive: Path, redis_url: str, proxy: str, name: str | None, *extra: str, run: str = "test-run"
) -> subprocess.Popen[str]:
    """A ``scrapy crawl ganzi`` worker; ``name=None`` leaves WORKER_ID to its default, as a user would."""
    env = {**os.environ, **STRICT, "http_proxy": proxy, "no_proxy": ""}
    args = crawl_args(
        sitegen.list_url(0),
        archive,
        f"REDIS_URL={redis_url}",
        f"RUN_ID={run}",
        *([f"WORKER_ID={name}"] if name else []),
        "WORKER_HEARTBEAT_TTL=2",
        "LOG_LEVEL=INFO",
        "CONCURRENT_REQUESTS=4",
        "DOWNLOAD_DELAY=0",
        "AUTOTHROTTLE_ENABLED=False",
        "CONCURRENT_REQUESTS_PER_DOMAIN=4",
        extra=extra,
    )
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
    # Every page of the site, and each article's picture (the generated site holds no picture bytes).
    pictures = {u for u in fetched if "/uploadfile/" in u}
    assert set(fetched) - pictures == set(site) and len(pictures) == 200
    # Each worker wrote its own files, and both did part of the work.
    by_worker = Counter(p.name.split(".")[-2] for p in (archive / "ganzi").glob("*.jsonl") for _ in p.open())
    assert set(by_worker) == {"w1", "w2"}
    assert all("-w1-" in p.name or "-w2-" in p.name for p in (archive / "warc").glob("*.warc.gz"))
    for log in logs:
        assert "s3cret-pw" not in log, "the Redis password reached the log"


def own_records(archive: Path, worker: str) -> int:
    return (
        sum(p.read_bytes().count(b"\n") for p in (archive / "ganzi").glob(f"*.{worker}.jsonl"))
        if (archive / "ganzi").exists()
        else 0
    )


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
        assert re.search(
            r"Put \d+ request\(s\) back on the queue \((worker w1 stopped|restart)\)", survivor + restarted
        ), "nothing the killed worker held was put back"
    counts = Counter(r["id"] for r in read_records(archive))
    assert len(counts) == total, f"{total - len(counts)} article(s) lost"
    assert set(counts.values()) == {1}


def test_workers_started_apart_never_fetch_a_url_twice(tmp_path: Path, redis_url: str) -> None:
    """Ten two-worker starts, the second 0-2 s after the first (seeded: the same offsets every run),
    with WORKER_ID left to its default on one host: no URL is fetched twice, nothing is lost. It
    used to be the host name for both, and the later worker took the first one's requests and
    pending articles for its own."""
    import redis

    site = sitegen.site(40)
    offsets = random.Random(12).sample([i / 10 for i in range(21)], 10)
    with serve(site, delay=0.05) as (proxy, requested):
        for trial, offset in enumerate(offsets):
            redis.Redis.from_url(redis_url).flushall()
            requested.clear()
            archive = tmp_path / f"archive-{trial}"
            first = worker(archive, redis_url, proxy, None, run=f"trial-{trial}")
            time.sleep(offset)
            second = worker(archive, redis_url, proxy, None, run=f"trial-{trial}")
            logs = [finish(first), finish(second)]
            fetched = pages_requested(requested)
            twice = [u for u, n in fetched.items() if n > 1]
            assert twice == [], f"trial {trial} (second worker {offset} s later): fetched twice: {twice[:5]}"
            counts = Counter(r["id"] for r in read_records(archive))
            assert len(counts) == 40 and set(counts.values()) == {1}, f"trial {trial}"
            assert not any("pending_retried" in log for log in logs)


def race(states: list[RedisState], digest: str, ids: list[str]) -> list[str]:
    """Each state claims ``digest`` for its id in its own thread, released at the same instant."""
    barrier = threading.Barrier(len(states))
    won: list[str] = []

    def claim(state: RedisState, article_id: str) -> None:
        barrier.wait()
        if state.admit(article_id, digest).verdict == "new":
            won.append(article_id)

    threads = [threading.Thread(target=claim, args=pair) for pair in zip(states, ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won


def test_one_text_under_two_ids_at_the_same_instant_is_kept_once(tmp_path: Path, redis_url: str) -> None:
    """The content-hash check is one atomic step: of two workers claiming one text for two ids at
    the same instant, exactly one wins."""
    states = [RedisState(redis_url, tmp_path, worker=f"w{n}") for n in (1, 2)]
    winners = [race(states, f"{round_:064x}", [f"ganzi:{round_}1", f"ganzi:{round_}2"]) for round_ in range(200)]
    assert all(len(w) == 1 for w in winners), [w for w in winners if len(w) != 1][:3]
    for state in states:
        state.close()


def test_two_workers_keep_one_copy_of_a_text_published_twice(tmp_path: Path, redis_url: str) -> None:
    """Thirty stories each published under two ids, crawled by two workers at once: one copy each
    is archived, the other noted as its duplicate."""
    site = sitegen.site(60, first_id=500000)
    for i in range(30):
        site[sitegen.article_url(500030 + i)] = site[sitegen.article_url(500000 + i)]
    archive = tmp_path / "archive"
    with serve(site, delay=0.02) as (proxy, _requested):
        procs = [worker(archive, redis_url, proxy, name) for name in ("w1", "w2")]
        for proc in procs:
            finish(proc)
    archived = {r["id"] for r in read_records(archive)}
    pairs = [{f"ganzi:{500000 + i}", f"ganzi:{500030 + i}"} for i in range(30)]
    assert [len(pair & archived) for pair in pairs] == [1] * 30
    duplicates = [line for p in (archive / "duplicates").glob("*.jsonl") for line in p.read_text().splitlines()]
    assert len(duplicates) == 30


def test_a_redis_that_lost_its_data_is_not_believed(tmp_path: Path, redis_url: str) -> None:
    """A list page fails, so its walk is owed; then Redis restarts without persistence and forgets
    that (and everything else). The next run must not conclude 'nothing new' from the first list
    page: it finds the state's generation marker gone, rebuilds from the records, walks everything."""
    import redis

    site = sitegen.site(60)
    broken = dict(site)
    broken[sitegen.list_url(1)] = (500, {"Content-Type": "text/html"}, b"error")
    archive = tmp_path / "archive"
    extra = ("-s", "RETRY_TIMES=0", "-s", "FOLLOW_RELATED=False")
    with serve(broken) as (proxy, _):
        proc = worker(archive, redis_url, proxy, "w1", *extra, run="r1")
        proc.communicate(timeout=180)
    assert len(read_records(archive)) == 20
    redis.Redis.from_url(redis_url).flushall()  # what a restart without persistence leaves
    with serve(site) as (proxy, requested):
        err = finish(worker(archive, redis_url, proxy, "w1", *extra, run="r2"))
    assert "lost its data" in err and "keeps no data across a restart" in err
    counts = Counter(r["id"] for r in read_records(archive))
    assert len(counts) == 60 and set(counts.values()) == {1}
    # What was archived before the loss was known again, not fetched a second time.
    assert not any(u.endswith(f"/{100000 + 59}.html") for u in pages_requested(requested))


def test_a_run_during_which_redis_lost_its_data_is_not_complete(tmp_path: Path, redis_url: str) -> None:
    import redis

    from newsarchive.archive.state import StateLost

    settings = Settings({"ARCHIVE_DIR": str(tmp_path), "REDIS_URL": redis_url, "WORKER_ID": "w1", "RUN_ID": "r"})
    state = RedisState.from_settings(settings)
    assert state.begin_run("ganzi")
    redis.Redis.from_url(redis_url).flushall()
    with pytest.raises(StateLost):
        state.end_run("ganzi")
    settings.set("REDIS_REQUIRE_PERSISTENCE", True)
    with pytest.raises(RuntimeError, match="appendonly"):
        RedisState.from_settings(settings)
