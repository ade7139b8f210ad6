"""Faults at scale: a disk that fills at a different write each round, and a list page that fails.

    .venv/bin/python bench/faults.py [--articles 1500] [--sizes 300k,700k,1100k,1500k,1900k]

Needs root (each round mounts a small tmpfs as ARCHIVE_DIR). For each size: a crawl that runs
out of space (it must stop, say so and exit 1), then the same crawl after the file system is
grown (it must complete the site). Then a list page answering 500 through its retries, and the
runs after it. Every round reports articles lost, archived twice, torn JSONL lines, WARC files
with a torn member, and records whose WARC pointer does not hold their page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from common import FAST, ROOT, machine, scrapy, sitegen

from newsarchive.archive.warcmembers import whole_members


def check(archive: Path, expected: int) -> dict[str, int]:
    ids: Counter[str] = Counter()
    torn_lines = misplaced = 0
    for path in archive.rglob("*.jsonl"):
        data = path.read_bytes()
        torn_lines += bool(data) and not data.endswith(b"\n")
        if path.parent.name != "ganzi":
            continue
        for line in data.splitlines():
            record = json.loads(line)
            ids[record["id"]] += 1
            for page in record["warc"]:
                blob = (archive / "warc" / page["warc_file"]).read_bytes()
                member = blob[page["warc_offset"] : page["warc_offset"] + page["warc_length"]]
                try:
                    misplaced += page["url"].encode() not in gzip.decompress(member)[:2000]
                except OSError:
                    misplaced += 1
    torn_warc = sum(whole_members(p.read_bytes())[1] != p.stat().st_size for p in (archive / "warc").glob("*.gz"))
    return {
        "lost": expected - len(ids),
        "twice": sum(n > 1 for n in ids.values()),
        "torn_lines": torn_lines,
        "torn_warc_files": torn_warc,
        "misplaced_warc_pointers": misplaced,
    }


def crawl(archive: Path, site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = scrapy(
        "crawl",
        "ganzi",
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        "-s",
        f"ARCHIVE_DIR={archive}",
        "-s",
        f"REPLAY_DIR={site}",
        "-s",
        "FOLLOW_RELATED=False",
        "-s",
        "RETRY_TIMES=1",
        "-s",
        "BACKOFF_BASE=0.05",
        *FAST,
        *extra,
    )
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1500)
    parser.add_argument("--sizes", default="300k,700k,1100k,1500k,1900k")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("faults.py mounts tmpfs file systems: run it as root")
    work = Path(tempfile.mkdtemp(prefix="newsarchive-faults-"))
    site = sitegen.write_replay(sitegen.site(args.articles), work / "site")
    print(f"{machine()}; {args.articles} articles")
    print(
        f"{'fault':<34} {'exit':>4} {'then':>4} {'lost':>5} {'twice':>5} {'torn lines':>10} {'torn WARC':>9} "
        f"{'bad pointers':>12}"
    )
    failures = 0
    try:
        for size in args.sizes.split(","):
            mount = work / f"disk-{size}"
            mount.mkdir()
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=True)
            try:
                full = crawl(mount / "archive", site)
                subprocess.run(["mount", "-o", "remount,size=512m", str(mount)], check=True)
                then = crawl(mount / "archive", site)
                found = check(mount / "archive", args.articles)
            finally:
                subprocess.run(["umount", "-l", str(mount)], check=False)
            ok = full.returncode == 1 and then.returncode == 0 and not any(found.values())
            failures += not ok
            print(
                f"{'disk full at ' + size:<34} {full.returncode:>4} {then.returncode:>4} {found['lost']:>5} "
                f"{found['twice']:>5} {found['torn_lines']:>10} {found['torn_warc_files']:>9} "
                f"{found['misplaced_warc_pointers']:>12}{'' if ok else '  FAILED'}"
            )
        pages = sitegen.site(args.articles)
        pages[sitegen.list_url(5)] = (500, {"Content-Type": "text/html"}, b"error")
        broken = sitegen.write_replay(pages, work / "broken")
        archive = work / "list-archive"
        first = crawl(archive, broken)
        then = crawl(archive, site)
        again = crawl(archive, site)
        found = check(archive, args.articles)
        ok = then.returncode == 0 and again.returncode == 0 and not any(found.values())
        failures += not ok
        print(
            f"{'list page 5 failing, then well':<34} {first.returncode:>4} {then.returncode:>4} {found['lost']:>5} "
            f"{found['twice']:>5} {found['torn_lines']:>10} {found['torn_warc_files']:>9} "
            f"{found['misplaced_warc_pointers']:>12}{'' if ok else '  FAILED'}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
