"""Where an archive crawl spends its time: cProfile over a replay-speed crawl of a loopback site.

    .venv/bin/python bench/profile.py [--articles 5000] [--top 25] [--redis]

The site (the Ganzi layout, as in bench/crawl.py) is served on loopback with no latency; one
worker crawls it under cProfile (with ``--redis``, against a redis-server started here). Prints
the functions of the project and its libraries by their own time and by cumulative time, per
article; the profile is kept as ``profile-<n>.prof`` in the working directory for snakeviz or
pstats. cProfile roughly doubles the cost of Python calls: read the shares, not the totals.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import FAST, ROOT, SiteServer, machine, scrapy, sitegen
from redis_server import redis_server  # tests/ is on the path through common


def profile_crawl(server: SiteServer, archive: Path, out: Path, redis_url: str | None) -> float:
    args = [sys.executable, "-m", "cProfile", "-o", str(out), *scrapy("crawl", "ganzi")[1:],
            "-a", f"start_urls={sitegen.list_url(0)}", "-s", f"ARCHIVE_DIR={archive}", *FAST]
    if redis_url:
        args += ["-s", f"REDIS_URL={redis_url}", "-s", "RUN_ID=profile", "-s", "WORKER_ID=profile"]
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, env={**os.environ, "http_proxy": server.proxy, "no_proxy": ""},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return time.perf_counter() - start


def table(stats: pstats.Stats, order: str, top: int, articles: int) -> str:
    buffer = io.StringIO()
    stats.stream = buffer  # type: ignore[attr-defined]
    stats.sort_stats(order).print_stats(r"newsarchive|scrapy|twisted|lxml|parsel|warcio|jsonschema|itemloaders|redis",
                                        top)
    rows = [line for line in buffer.getvalue().splitlines() if line[:1] == " " and line.strip()[:1].isdigit()]
    head = f"{'calls':>9} {'own ms/art':>10} {'cum ms/art':>10}  function"
    lines = [head]
    for line in rows:
        parts = line.split(None, 5)
        if len(parts) < 6:
            continue
        calls, own, _, cum, _, where = parts
        lines.append(f"{calls:>9} {1000 * float(own) / articles:>10.3f} {1000 * float(cum) / articles:>10.3f}  "
                     f"{where.replace(str(ROOT) + '/', '')[-90:]}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--redis", action="store_true", help="profile a Redis-mode worker")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsarchive-profile-"))
    out = Path.cwd() / f"profile-{args.articles}.prof"
    with SiteServer(sitegen.site(args.articles), work / "requests.log") as server:
        if args.redis:
            with redis_server(work) as url:
                seconds = profile_crawl(server, work / "archive", out, url)
        else:
            seconds = profile_crawl(server, work / "archive", out, None)
    stats = pstats.Stats(str(out))
    print(f"machine: {machine()}")
    print(f"{args.articles} articles in {seconds:.1f} s under cProfile ({'Redis' if args.redis else 'SQLite'} state); "
          f"profile kept in {out}\n")
    print("by own time:\n" + table(stats, "tottime", args.top, args.articles) + "\n")
    print("by cumulative time:\n" + table(stats, "cumtime", args.top, args.articles))


if __name__ == "__main__":
    main()
