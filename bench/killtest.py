"""Crash consistency at scale: SIGKILLs at random moments during a 2,000-article crawl.

    .venv/bin/python bench/killtest.py [--articles 2000] [--kills 10] [--seed 1]

Each round starts (or resumes) the crawl on the same archive and kills it with SIGKILL at a
random moment; a last run completes it. Then: every article archived exactly once, no torn JSONL
line, every WARC file passing ``warcio check`` and holding only whole members (by their bytes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import FAST, ROOT, machine, scrapy, sitegen

from newsarchive.archive.warcmembers import whole_members


def lines(archive: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in (archive / "ganzi").glob("*.jsonl")) if archive.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="newsarchive-kill-"))
    site = sitegen.write_replay(sitegen.site(args.articles), work / "site")
    archive = work / "archive"
    command = scrapy(
        "crawl",
        "ganzi",
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        "-s",
        f"REPLAY_DIR={site}",
        "-s",
        f"ARCHIVE_DIR={archive}",
        *FAST,
    )
    kills = 0
    for _ in range(args.kills):
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        delay = rng.uniform(1.0, 6.0)  # start-up takes about a second: some kills land before any record
        deadline = time.monotonic() + delay
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        print(f"  kill after {delay:4.1f} s: {lines(archive):5d} records so far", flush=True)
    final = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr[-3000:]

    torn = 0
    ids: Counter[str] = Counter()
    for path in (archive / "ganzi").glob("*.jsonl"):
        data = path.read_bytes()
        torn += 0 if not data or data.endswith(b"\n") else 1
        ids.update(json.loads(line)["id"] for line in data.splitlines())
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    unreadable = [
        p.name
        for p in warcs
        if subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(p)], capture_output=True).returncode != 0
    ]
    # warcio reads a member cut inside its payload without a word: count torn members by their bytes.
    torn_members = [p.name for p in warcs if whole_members(p.read_bytes())[1] != p.stat().st_size]
    left_open = list((archive / "warc").glob("*.open"))
    lost = args.articles - len(ids)
    duplicated = sum(n - 1 for n in ids.values() if n > 1)
    print(f"\nmachine: {machine()}")
    print(f"{args.articles} articles, {kills} SIGKILLs at random moments (seed {args.seed}), then one run to the end")
    print(
        f"records lost: {lost}, duplicated: {duplicated}, torn lines: {torn}, "
        f"WARC files: {len(warcs)} ({len(unreadable)} unreadable, {len(torn_members)} with a torn member, "
        f"{len(left_open)} left open)"
    )
    ok = lost == duplicated == torn == len(unreadable) == len(torn_members) == len(left_open) == 0
    print("verdict:", "consistent" if ok else "INCONSISTENT")
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("NEWSARCHIVE_STRICT_WARNINGS", "1")
    main()
