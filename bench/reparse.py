"""Re-extraction on every core: the same WARC set reparsed with 1, 2 and 4 jobs, side by side.

    .venv/bin/python bench/reparse.py [--articles 3000] [--rounds 3] [--rev REV]

A generated site is crawled (offline) into an archive; its WARC files are then reparsed into fresh
archives with ``--jobs 1``, ``2`` and ``4`` in interleaved rounds (a noisy machine slows each
alike), the best of each kept. Prints articles per second of the whole command (start-up, index,
reading and writing) and the speed-up over one job, and checks the archives are the same. With
``--rev``, each round also runs ``--jobs 1`` of that revision (checked out into a temporary git
worktree), so a change is judged against the code before it on the same WARC set.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import ROOT, checked_out, crawl_generated, machine, scrapy, sitegen, timed


def records(archive: Path) -> list[str]:
    return sorted(line for path in archive.glob("*/*.jsonl") for line in path.read_text(encoding="utf-8").splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rev", help="also time --jobs 1 of this revision, in the same rounds")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsarchive-reparse-"))
    try:
        site = sitegen.write_replay(sitegen.site(args.articles), work / "site")
        subprocess.run(
            crawl_generated(work / "archive", "-s", f"REPLAY_DIR={site}"),
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with checked_out(args.rev) if args.rev else contextlib.nullcontext(None) as before:
            runs = [(f"--jobs {jobs}", ROOT, jobs) for jobs in (1, 2, 4)]
            if before is not None:
                runs.insert(1, (f"--jobs 1 at {args.rev}", before, 1))
            times: dict[str, list[float]] = {name: [] for name, _, _ in runs}
            kept: dict[str, list[str]] = {}
            for _ in range(args.rounds):
                for name, tree, jobs in runs:
                    target = work / "out"
                    shutil.rmtree(target, ignore_errors=True)
                    run = timed(
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
                        cwd=tree,  # the tree's scrapy.cfg and newsarchive package come first
                    )
                    assert run.returncode == 0, run.stderr[-3000:]
                    times[name].append(run.seconds)
                    kept[name] = records(target)
        print(f"machine: {machine()}")
        print(f"{args.articles} articles, {args.rounds} interleaved rounds, best of each; whole command\n")
        one = min(times["--jobs 1"])
        print(f"{'':<24} {'best s':>7} {'articles/s':>11} {'speed-up':>9}  rounds")
        for name, seconds in times.items():
            best = min(seconds)
            print(
                f"{name:<24} {best:>7.2f} {args.articles / best:>11.0f} {one / best:>8.2f}x  "
                f"{' '.join(f'{s:.2f}' for s in seconds)}"
            )
        same = kept["--jobs 1"] == kept["--jobs 2"] == kept["--jobs 4"]
        print(
            f"\nthe archives of 1, 2 and 4 jobs are {'the same' if same else 'DIFFERENT'} "
            f"({len(kept['--jobs 1'])} records)"
        )
        ratio = one / min(times["--jobs 2"])
        print(f"--jobs 2 is {ratio:.2f}x --jobs 1 (goal >= 1.7x: {'meets' if ratio >= 1.7 else 'MISSES'})")
        if before is not None:
            then = min(times[f"--jobs 1 at {args.rev}"])
            print(
                f"--jobs 1 takes {one / then:.2f} of the time --jobs 1 took at {args.rev} (goal: no slower, within "
                f"the 3% runs of the same code differ by here: {'meets' if one <= then * 1.03 else 'MISSES'})"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
