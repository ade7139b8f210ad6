"""Memory stays flat as the archive grows: peak RSS of a run with 1,000,000 archived ids vs 1,000.

    .venv/bin/python bench/memory.py [--big 1000000] [--small 1000] [--articles 300]

Two archive states are filled with that many archived ids (and as many content hashes), then the
same replay crawl of a generated site runs into each, side by side, twice, alternating; the peak
resident memory of each crawl process (from wait4) is compared. Goal: a difference under 30 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from pathlib import Path

from common import crawl_generated, machine, sitegen, timed

from newsarchive.archive.state import ArchiveState


def fill(archive: Path, count: int) -> None:
    state = ArchiveState(archive / "state.sqlite3")
    rows = (
        (
            f"ganzi:{n}",
            "archived",
            f"http://www.kbcmw.com/html/xw/dzyw/{n}.html",
            hashlib.sha256(str(n).encode()).hexdigest(),
            None,
            None,
            "2026-01-01T00:00:00Z",
        )
        for n in range(1, count + 1)
    )
    with state.db:
        state.db.execute("BEGIN")
        state.db.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    state.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsarchive-mem-"))
    site = sitegen.write_replay(sitegen.site(args.articles, first_id=5_000_000), work / "site")
    peaks: dict[int, list[float]] = {args.small: [], args.big: []}
    for rnd in range(2):
        for count in (args.small, args.big):
            archive = work / f"archive-{count}-{rnd}"
            fill(archive, count)
            run = timed(crawl_generated(archive, "-s", f"REPLAY_DIR={site}"))
            assert run.returncode == 0, run.stderr[-3000:]
            peaks[count].append(run.peak_rss_mb)
            shutil.rmtree(archive)
    small, big = min(peaks[args.small]), min(peaks[args.big])
    print(f"machine: {machine()}")
    print(f"crawl of {args.articles} articles into a state already holding N archived ids (best of 2 runs each)")
    print(f"  N = {args.small:>9,}: peak RSS {small:7.1f} MB")
    print(f"  N = {args.big:>9,}: peak RSS {big:7.1f} MB")
    print(f"difference: {big - small:+.1f} MB  (goal < 30 MB: {'meets' if big - small < 30 else 'MISSES'})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
