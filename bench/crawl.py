"""Crawl throughput, incremental runs and re-extraction on a generated loopback site.

    .venv/bin/python bench/crawl.py [--articles 5000] [--rounds 2]

A site of N articles in the Ganzi layout (list pages of 20, GBK, one picture each) is served on
loopback by a separate process acting as the forward proxy for www.kbcmw.com. Measured side by
side, best of each of the interleaved rounds:

1. the archive crawl (validation, dedupe, JSONL, WARC, state) against a bare Scrapy spider that
   only downloads the same pages, with the same concurrency; goal: throughput ratio >= 0.8;
2. a second archive run over the unchanged site: requests made (goal: list pages only) and its
   time against the first run;
3. ``scrapy reparse`` of the first run's WARC files: articles rebuilt per second.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from common import FAST, SiteServer, bare_download, machine, scrapy, sitegen, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    pages = sitegen.site(args.articles)
    lists = sum(1 for u in pages if "index" in u or u.endswith("/"))
    work = Path(tempfile.mkdtemp(prefix="newsarchive-bench-"))
    start = sitegen.list_url(0)
    full_times, bare_times = [], []
    with SiteServer(pages, work / "requests.log") as server:
        env = {"http_proxy": server.proxy, "no_proxy": ""}
        for n in range(args.rounds):
            bare_times.append(bare_download(start, work, env))
            archive = work / f"archive-{n}"
            full = timed(
                scrapy(
                    "crawl",
                    "ganzi",
                    "-a",
                    f"start_urls={start}",
                    "-s",
                    f"ARCHIVE_DIR={archive}",
                    "-s",
                    f"RUN_STATS_FILE={archive}/stats.json",
                    *FAST,
                ),
                env=env,
            )
            assert full.returncode == 0, full.stderr[-3000:]
            full_times.append(full.seconds)
        stats = json.loads((work / "archive-0" / "stats.json").read_text())
        archived = stats.get("newsarchive/archived", 0)
        before = len(server.requests())
        second = timed(
            scrapy(
                "crawl",
                "ganzi",
                "-a",
                f"start_urls={start}",
                "-s",
                f"ARCHIVE_DIR={work}/archive-0",
                "-s",
                f"RUN_STATS_FILE={work}/second.json",
                *FAST,
            ),
            env=env,
        )
        assert second.returncode == 0, second.stderr[-3000:]
        second_requests = server.requests()[before:]
    second_stats = json.loads((work / "second.json").read_text())
    reparse = timed(
        scrapy(
            "reparse", str(work / "archive-0" / "warc"), "-s", f"ARCHIVE_DIR={work}/rebuilt", "-s", "LOG_LEVEL=WARNING"
        )
    )
    assert reparse.returncode == 0, reparse.stderr[-3000:]
    rebuilt = sum(1 for p in (work / "rebuilt" / "ganzi").glob("*.jsonl") for _ in p.open())

    full_best, bare_best = min(full_times), min(bare_times)
    pages_fetched = args.articles + lists
    print(f"machine: {machine()}")
    print(f"site: {args.articles} articles, {lists} list pages; {args.rounds} interleaved rounds, best of each\n")
    print(f"bare Scrapy download     {bare_best:7.2f} s  {pages_fetched / bare_best:7.0f} pages/s")
    print(
        f"archive crawl            {full_best:7.2f} s  {pages_fetched / full_best:7.0f} pages/s ({archived} archived)"
    )
    ratio = bare_best / full_best
    print(f"throughput ratio (archive / bare): {ratio:.2f}  (goal >= 0.8: {'meets' if ratio >= 0.8 else 'MISSES'})\n")
    article_requests = [u for u in second_requests if not u.endswith(("/", ".txt")) and "index_" not in u]
    print(
        f"second run: {len(second_requests)} requests ({len(article_requests)} article pages, "
        f"{second_stats.get('newsarchive/list_unchanged', 0)} list pages answered 304), "
        f"{second_stats.get('newsarchive/archived', 0)} archived, {second.seconds:.2f} s"
    )
    print(
        f"second-to-first run time ratio: {second.seconds / full_times[0]:.3f}  "
        f"(goal: list pages only: {'meets' if not article_requests else 'MISSES'})\n"
    )
    print(
        f"reparse from WARC: {rebuilt} articles in {reparse.seconds:.2f} s = {rebuilt / reparse.seconds:.0f} "
        f"articles/s (whole command, start-up included)"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
