"""Crash consistency at scale: SIGKILLs at random moments during a 2,000-article crawl, or reparse.

    .venv/bin/python bench/killtest.py [--articles 2000] [--kills 10] [--seed 1]
    .venv/bin/python bench/killtest.py --reparse [--jobs 2] [--articles 2000] [--kills 10]

Each round starts (or resumes) the crawl on the same archive and kills it with SIGKILL at a
random moment; a last run completes it. Then: every article archived exactly once, no torn JSONL
line, every WARC file passing ``warcio check`` and holding only whole members (by their bytes).

With ``--reparse`` the site is crawled once, and ``scrapy reparse --jobs N`` of its WARC files is
killed instead: the command itself, or one of its workers, in turn. The same command run to the
end must then give exactly the records of an uninterrupted reparse: none lost, none twice, none
torn, no worker left behind.
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

from common import ROOT, crawl_generated, machine, scrapy, sitegen

from newsarchive.archive.warcmembers import whole_members


def lines(archive: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in (archive / "ganzi").glob("*.jsonl")) if archive.exists() else 0


def records(archive: Path) -> list[bytes]:
    return sorted(line for p in (archive / "ganzi").glob("*.jsonl") for line in p.read_bytes().splitlines())


def written(archive: Path) -> int:
    """Bytes of records in the archive (they grow only while a reparse writes)."""
    return sum(p.stat().st_size for p in (archive / "ganzi").glob("*.jsonl")) if archive.exists() else 0


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its reaper does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def workers_of(pid: int) -> list[int]:
    """The child processes of ``pid`` (a reparse's workers)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def reparse_mode(args: argparse.Namespace, rng: random.Random, work: Path, site: Path) -> bool:
    crawled = work / "crawled"
    subprocess.run(
        crawl_generated(crawled, "-s", f"REPLAY_DIR={site}"),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    warc = str(crawled / "warc")
    reference, target = work / "reference", work / "reparsed"
    began = time.monotonic()
    subprocess.run(
        scrapy("reparse", warc, "--jobs", str(args.jobs), "-s", f"ARCHIVE_DIR={reference}"),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    whole = time.monotonic() - began  # kills land anywhere in a run: start-up, reading, writing
    command = scrapy("reparse", warc, "--jobs", str(args.jobs), "-s", f"ARCHIVE_DIR={target}")
    kills = {"command": 0, "worker": 0}
    strays = 0
    for round_ in range(args.kills):
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if round_ % 4 == 2:  # every fourth round kills the command while it writes the records
            before = written(target)
            while proc.poll() is None and written(target) <= before:
                time.sleep(0.002)
            delay = rng.uniform(0.0, 0.1)
            when = "while writing"
        else:
            delay = rng.uniform(0.3, whole)
            when = f"after {delay:4.1f} s"
        deadline = time.monotonic() + delay
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        victim = "worker" if round_ % 2 and args.jobs > 1 else "command"
        children = workers_of(proc.pid)
        if proc.poll() is None:
            if victim == "worker" and children:
                os.kill(rng.choice(children), signal.SIGKILL)
            else:
                victim = "command"
                proc.send_signal(signal.SIGKILL)
            kills[victim] += 1
        proc.wait()
        time.sleep(0.2)  # a worker whose command was killed dies with it (PR_SET_PDEATHSIG)
        stray = [c for c in children if alive(c)]
        strays += len(stray)
        print(
            f"  {victim} killed {when}: {len(records(target)):5d} records so far, {len(stray)} worker(s) left behind",
            flush=True,
        )
    final = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr[-3000:]
    got, expected = records(target), records(reference)
    ids = Counter(json.loads(line)["id"] for line in got)
    torn = sum(1 for p in (target / "ganzi").glob("*.jsonl") if not p.read_bytes().endswith(b"\n"))
    lost = len(set(json.loads(line)["id"] for line in expected) - set(ids))
    duplicated = sum(n - 1 for n in ids.values() if n > 1)
    print(f"\nmachine: {machine()}")
    print(
        f"reparse --jobs {args.jobs} of {args.articles} articles, {kills['command']} SIGKILLs of the command and "
        f"{kills['worker']} of a worker at random moments (seed {args.seed}), then one run to the end"
    )
    print(
        f"records lost: {lost}, duplicated: {duplicated}, torn lines: {torn}, "
        f"differing from an uninterrupted reparse: {len(set(got) ^ set(expected))}, "
        f"workers left running: {strays}, work left behind: {(target / 'reparse-work').exists()}"
    )
    return (
        lost == duplicated == torn == len(set(got) ^ set(expected)) == strays == 0
        and not (target / "reparse-work").exists()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reparse", action="store_true", help="kill a parallel reparse instead of a crawl")
    parser.add_argument("--jobs", type=int, default=2, help="with --reparse: its --jobs")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.reparse:
        work = Path(tempfile.mkdtemp(prefix="newsarchive-kill-"))
        ok = reparse_mode(args, rng, work, sitegen.write_replay(sitegen.site(args.articles), work / "site"))
        print("verdict:", "consistent" if ok else "INCONSISTENT")
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(0 if ok else 1)
    work = Path(tempfile.mkdtemp(prefix="newsarchive-kill-"))
    site = sitegen.write_replay(sitegen.site(args.articles), work / "site")
    archive = work / "archive"
    command = crawl_generated(archive, "-s", f"REPLAY_DIR={site}")
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
