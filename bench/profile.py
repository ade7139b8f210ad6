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
    args = [
        sys.executable,
        "-m",
        "cProfile",
        "-o",
        str(out),
        *scrapy("crawl", "ganzi")[1:],
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        "-s",
        f"ARCHIVE_DIR={archive}",
        *FAST,
    ]
    if redis_url:
        args += ["-s", f"REDIS_URL={redis_url}", "-s", "RUN_ID=profile", "-s", "WORKER_ID=profile"]
    start = time.perf_counter()
    proc = subprocess.run(
        args, cwd=ROOT, env={**os.environ, "http_proxy": server.proxy, "no_proxy": ""}, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return time.perf_counter() - start


LIBRARIES = (
    "newsarchive",
    "scrapy",
    "twisted",
    "lxml",
    "parsel",
    "warcio",
    "jsonschema",
    "itemloaders",
    "redis",
    "sqlite3",
    "zlib",
    "json",
)


def table(stats: pstats.Stats, column: int, top: int, articles: int) -> str:
    """The ``top`` functions of the project and its libraries by own (column 2) or cumulative
    (column 3) time, in milliseconds per article."""
    rows = [
        (where, data)
        for where, data in stats.stats.items()  # type: ignore[attr-defined]
        if any(name in f"{where[0]}{where[2]}" for name in LIBRARIES)
    ]
    rows.sort(key=lambda row: row[1][column], reverse=True)
    lines = [f"{'calls':>9} {'own ms/art':>10} {'cum ms/art':>10}  function"]
    for (path, line, name), (_, calls, own, cum, _) in rows[:top]:
        where = f"{path.replace(str(ROOT) + '/', '').split('site-packages/')[-1]}:{line}({name})"
        lines.append(f"{calls:>9} {1000 * own / articles:>10.3f} {1000 * cum / articles:>10.3f}  {where[-90:]}")
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
    print(
        f"{args.articles} articles in {seconds:.1f} s under cProfile ({'Redis' if args.redis else 'SQLite'} state); "
        f"profile kept in {out}\n"
    )
    print("by own time:\n" + table(stats, 2, args.top, args.articles) + "\n")
    print("by cumulative time:\n" + table(stats, 3, args.top, args.articles))


if __name__ == "__main__":
    main()
