"""One, two and four workers on one Redis frontier, on a loopback site of 2,000+ articles.

    .venv/bin/python bench/distributed.py [--articles 2000] [--latency 0.02] [--concurrency 8] [--workers 1,2,4]

The site server answers every page after ``--latency`` seconds (a stand-in for the network);
each worker keeps at most ``--concurrency`` requests in flight, as a polite crawler would. The
same crawl runs with each number of workers (a real redis-server on loopback, started here),
interleaved over two rounds, and the best wall times give the speed-ups over one worker.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from common import FAST, ROOT, SiteServer, machine, scrapy, sitegen

sys.path.insert(0, str(ROOT / "tests"))
from redis_server import redis_server


def crawl(workers: int, server: SiteServer, redis_url: str, archive: Path, run_id: str, concurrency: int) -> float:
    env = {"http_proxy": server.proxy, "no_proxy": ""}
    args = [*FAST, "-s", f"CONCURRENT_REQUESTS={concurrency}", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}"]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            scrapy(
                "crawl",
                "ganzi",
                "-a",
                f"start_urls={sitegen.list_url(0)}",
                "-s",
                f"ARCHIVE_DIR={archive}",
                "-s",
                f"REDIS_URL={redis_url}",
                "-s",
                f"RUN_ID={run_id}",
                "-s",
                f"WORKER_ID=w{n}",
                *args,
            ),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    for proc in procs:
        _, err = proc.communicate()
        assert proc.returncode == 0, err[-3000:]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts (the first is the base)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    work = Path(tempfile.mkdtemp(prefix="newsarchive-dist-"))
    pages = sitegen.site(args.articles)
    times: dict[int, list[float]] = {n: [] for n in counts}
    with SiteServer(pages, work / "requests.log", latency=args.latency) as server, redis_server(work) as url:
        for rnd in range(args.rounds):
            for workers in counts:
                archive = work / f"archive-{workers}-{rnd}"
                times[workers].append(crawl(workers, server, url, archive, f"bench-{workers}-{rnd}", args.concurrency))
                records = sum(1 for p in (archive / "ganzi").glob("*.jsonl") for _ in p.open())
                assert records == args.articles, f"{records} records for {args.articles} articles"
                shutil.rmtree(archive)
                # Each crawl starts from an empty state: forget what the previous one archived.
                redis.Redis.from_url(url).flushall()
    best = {n: min(t) for n, t in times.items()}
    base = best[counts[0]]
    print(f"machine: {machine()}")
    print(
        f"site: {args.articles} articles, {args.latency * 1000:.0f} ms per page, {args.concurrency} requests in "
        f"flight per worker; best of {args.rounds} runs each"
    )
    for n in counts:
        print(
            f"  {n} worker{'s' if n > 1 else ' '}: {best[n]:6.2f} s  {args.articles / best[n]:6.0f} articles/s  "
            f"{base / best[n]:.2f}x"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
