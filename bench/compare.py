"""Crawl throughput of an earlier revision and of the working tree, side by side in one run.

    .venv/bin/python bench/compare.py [--rev HEAD~1] [--articles 3000] [--rounds 3]

A change meant to speed the crawl up is measured against the code before it on the same loopback
site (as in bench/crawl.py), in interleaved rounds with the bare Scrapy download, so the machine's
noise (here: ±10% between runs of the same code) touches all three alike. The revision is checked
out into a temporary git worktree; both trees run in this checkout's virtualenv.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from common import FAST, ROOT, SiteServer, bare_download, checked_out, machine, scrapy, sitegen, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD~1", help="the revision to compare against (default: HEAD~1)")
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsarchive-compare-"))
    start = sitegen.list_url(0)
    times: dict[str, list[float]] = {"bare Scrapy download": []}
    try:
        with checked_out(args.rev) as before, SiteServer(sitegen.site(args.articles), work / "requests.log") as server:
            trees = {f"archive crawl at {args.rev}": before, "archive crawl, working tree": ROOT}
            env = {"http_proxy": server.proxy, "no_proxy": ""}
            for n in range(args.rounds):
                times["bare Scrapy download"].append(bare_download(start, work, env))
                for i, (name, tree) in enumerate(trees.items()):
                    # Run from the tree: its scrapy.cfg and its newsarchive package come first on the path.
                    run = timed(
                        scrapy(
                            "crawl",
                            "ganzi",
                            "-a",
                            f"start_urls={start}",
                            "-s",
                            f"ARCHIVE_DIR={work}/archive-{n}-{i}",
                            *FAST,
                        ),
                        cwd=tree,
                        env=env,
                    )
                    assert run.returncode == 0, run.stderr[-3000:]
                    times.setdefault(name, []).append(run.seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bare_best = min(times["bare Scrapy download"])
    print(f"machine: {machine()}")
    print(f"site: {args.articles} articles; {args.rounds} interleaved rounds, best of each\n")
    for name, seconds in times.items():
        print(
            f"{name:<34} best {min(seconds):6.2f} s  (rounds: {' '.join(f'{s:.2f}' for s in seconds)})  "
            f"ratio to bare {bare_best / min(seconds):.3f}"
        )


if __name__ == "__main__":
    main()
