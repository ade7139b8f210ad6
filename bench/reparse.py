"""Re-extraction on every core: the same WARC set reparsed with 1, 2 and 4 jobs, side by side.

    .venv/bin/python bench/reparse.py [--articles 3000] [--rounds 2]

A generated site is crawled (offline) into an archive; its WARC files are then reparsed into fresh
archives with ``--jobs 1``, ``2`` and ``4`` in interleaved rounds (a noisy machine slows each
alike), the best of each kept. Prints articles per second of the whole command and the speed-up
over one job, and checks the archives are the same.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import FAST, ROOT, machine, scrapy, sitegen


def records(archive: Path) -> list[str]:
    return sorted(line for path in archive.glob("*/*.jsonl") for line in path.read_text(encoding="utf-8").splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsarchive-reparse-"))
    try:
        site = sitegen.write_replay(sitegen.site(args.articles), work / "site")
        subprocess.run(
            scrapy(
                "crawl",
                "ganzi",
                "-a",
                f"start_urls={sitegen.list_url(0)}",
                "-s",
                f"REPLAY_DIR={site}",
                "-s",
                f"ARCHIVE_DIR={work / 'archive'}",
                *FAST,
            ),
            cwd=ROOT,
            check=True,
        )
        best: dict[int, float] = {}
        kept: dict[int, list[str]] = {}
        for _ in range(args.rounds):
            for jobs in (1, 2, 4):
                target = work / f"jobs-{jobs}"
                shutil.rmtree(target, ignore_errors=True)
                started = time.perf_counter()
                subprocess.run(
                    scrapy(
                        "reparse",
                        str(work / "archive" / "warc"),
                        "--jobs",
                        str(jobs),
                        "-s",
                        f"ARCHIVE_DIR={target}",
                        "-s",
                        "LOG_LEVEL=WARNING",
                    ),
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
                seconds = time.perf_counter() - started
                best[jobs] = min(best.get(jobs, seconds), seconds)
                kept[jobs] = records(target)
        print(f"machine: {machine()}")
        print(
            f"{args.articles} articles, best of {args.rounds} interleaved rounds, whole command (start-up included)\n"
        )
        print(f"{'jobs':>5} {'seconds':>9} {'articles/s':>11} {'speed-up':>9}")
        for jobs, seconds in best.items():
            print(f"{jobs:>5} {seconds:>9.2f} {args.articles / seconds:>11.0f} {best[1] / seconds:>8.2f}x")
        same = kept[1] == kept[2] == kept[4]
        print(f"\nthe three archives are {'the same' if same else 'DIFFERENT'} ({len(kept[1])} records)")
        ratio = best[1] / best[2]
        print(f"--jobs 2 is {ratio:.2f}x --jobs 1 (goal >= 1.7x: {'meets' if ratio >= 1.7 else 'MISSES'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
