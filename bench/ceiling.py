"""How far the crawl's throughput ratio can go as the crawl is built: parts of it removed in turn.

    .venv/bin/python bench/ceiling.py [--articles 3000] [--rounds 3]

On the loopback site of bench/crawl.py, in interleaved rounds (best of each), against the bare
Scrapy download:

1. the archive crawl as it is;
2. the same without WARC capture (``ARCHIVE_WARC=False``);
3. the same with reading article pages made free (bench/ceiling/free_reading.py: every record after
   the first is a copy; links, finishing, validation, dedupe, JSONL, state and WARC all run);
4. capture only (bench/ceiling/capture_only.py: article pages fetched and kept in WARC, not read).

Line 3 bounds what any speed-up of extraction can give; line 4 what is left when nothing is read
in the crawl's process at all.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

from common import FAST, ROOT, SiteServer, bare_download, machine, scrapy, sitegen, timed

VARIANTS: dict[str, tuple[list[str], str | None]] = {
    "archive crawl": ([], None),
    "archive crawl, no WARC": (["-s", "ARCHIVE_WARC=False"], None),
    "reading free": ([], "free_reading"),
    "capture only (nothing read)": ([], "capture_only"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsarchive-ceiling-"))
    start = sitegen.list_url(0)
    times: dict[str, list[float]] = {"bare Scrapy download": []}
    done: dict[str, tuple[int, int]] = {}  # articles fetched and archived, last round
    python_path = os.pathsep.join(p for p in (str(ROOT / "bench" / "ceiling"), os.environ.get("PYTHONPATH")) if p)
    try:
        with SiteServer(sitegen.site(args.articles), work / "requests.log") as server:
            env = {"http_proxy": server.proxy, "no_proxy": "", "PYTHONPATH": python_path}
            for n in range(args.rounds):
                times["bare Scrapy download"].append(bare_download(start, work, env))
                for i, (name, (settings, module)) in enumerate(VARIANTS.items()):
                    if module:
                        settings = [*settings, "-s", f"SPIDER_MODULES={module}"]
                    archive = work / f"archive-{n}-{i}"
                    run = timed(
                        scrapy(
                            "crawl",
                            "ganzi",
                            "-a",
                            f"start_urls={start}",
                            "-s",
                            f"ARCHIVE_DIR={archive}",
                            "-s",
                            f"RUN_STATS_FILE={archive}/stats.json",
                            *settings,
                            *FAST,
                        ),
                        env=env,
                    )
                    assert run.returncode == 0, run.stderr[-3000:]
                    times.setdefault(name, []).append(run.seconds)
                    stats = json.loads((archive / "stats.json").read_text())
                    done[name] = (stats.get("newsarchive/articles_fetched", 0), stats.get("newsarchive/archived", 0))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bare_best = min(times["bare Scrapy download"])
    print(f"machine: {machine()}")
    print(f"site: {args.articles} articles; {args.rounds} interleaved rounds, best of each\n")
    for name, seconds in times.items():
        work_done = f"  {done[name][0]} articles fetched, {done[name][1]} archived" if name in done else ""
        print(
            f"{name:<30} best {min(seconds):6.2f} s  (rounds: {' '.join(f'{s:.2f}' for s in seconds)})  "
            f"ratio to bare {bare_best / min(seconds):.3f}{work_done}"
        )


if __name__ == "__main__":
    main()
