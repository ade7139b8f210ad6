"""``scrapy reparse PATH…``: rebuild records offline from WARC files with today's loaders.

Every article first page found in the WARC files is crawled again from them (replay), through the
same spiders and validation, by ``--jobs`` processes, and one writer settles duplicates and stores
the records into ``ARCHIVE_DIR`` in WARC order (:mod:`newsarchive.pipelines.candidates`). No
request leaves the machine and nothing new is written to WARC. With ``--replace`` the records are
rebuilt aside, under the archive's lock, and switched in at once (:mod:`newsarchive.archive.switch`): the old records,
rejects, duplicates and state go to ``ARCHIVE_DIR/replaced/<time>/`` (never deleted), and what the
crawl knows (list pages, validators, payload digests, pending and owed work) is carried over.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from argparse import SUPPRESS, ArgumentParser, Namespace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from newsarchive.archive.replay import DAMAGED, WARC_SUFFIXES, index_for, save_index
from newsarchive.archive.state import ArchiveState
from newsarchive.archive.switch import REBUILD, switch
from newsarchive.commands.crawlall import EXIT_LOCKED, take_lock
from newsarchive.commands.preflight import EXIT_FAILED, archive_problem
from newsarchive.config import bool_setting, setting
from newsarchive.pipelines.candidates import finish_candidates, write_candidates
from newsarchive.spiders.base import PortalSpider

# Where a reparse keeps its workers' candidates until they are archived (inside the target archive).
WORK = "reparse-work"


def die_with_parent() -> None:
    """In a worker, before it runs: a reparse killed outright takes its workers with it (Linux), so a
    run started again never meets the last one's workers."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def position(case: Any) -> tuple[str, int]:
    """Where a replayed page lies in the WARC files (file name, offset): the order of first pages."""
    return (getattr(case, "warc_file", ""), getattr(case, "record_offset", -1))


def warc_files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.name.endswith(WARC_SUFFIXES):
            found.append(path)
        elif path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES))
        else:
            raise UsageError(f"{raw}: not a WARC file or a directory")
    if not found:
        raise UsageError("no WARC files (*.warc, *.warc.gz) under the given paths")
    return found


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] PATH [PATH ...]"

    def short_desc(self) -> str:
        return "Re-extract records from WARC files with today's loaders (offline)"

    def add_options(self, parser: ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="rebuild ARCHIVE_DIR's records in place (the old ones kept in ARCHIVE_DIR/replaced/<time>/)",
        )
        parser.add_argument("--spiders", help="comma-separated subset of spiders (default: all)")
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="worker processes reading the pages (default: the machine's cores); one "
            "writer archives their records in the same order whatever the number",
        )
        # A worker's part (the command starts its workers with these): read the listed first pages,
        # write each record and validation's verdict to a candidates file, archive nothing.
        parser.add_argument("--candidates", help=SUPPRESS)
        parser.add_argument("--urls-file", help=SUPPRESS)

    def run(self, args: list[str], opts: Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        if opts.candidates:  # a worker of a parallel reparse: read its share, archive nothing
            shares = json.loads(Path(opts.urls_file).read_text(encoding="utf-8"))
            self.exitcode = 0 if self.read_pages(shares, Path(opts.candidates)) else EXIT_FAILED
            return
        archive = Path(setting(self.settings, "ARCHIVE_DIR"))
        problem = archive_problem(self.settings)
        if problem is not None:
            print(f"reparse: {problem}", file=sys.stderr)
            self.exitcode = EXIT_FAILED
            return
        if not opts.replace:
            self.exitcode = self.reparse(opts, archive)
            return
        # In place: under the archive's lock (no crawl writes meanwhile), into rebuild/, then one switch.
        lock = take_lock(archive, "reparse")
        if lock is None:
            self.exitcode = EXIT_LOCKED
            return
        try:
            rebuilt = archive / REBUILD
            shutil.rmtree(rebuilt, ignore_errors=True)  # a rebuild killed before its switch: never used
            self.settings.set("ARCHIVE_DIR", str(rebuilt), priority="cmdline")
            self.exitcode = self.reparse(opts, rebuilt)
            if self.exitcode:
                print(f"reparse: the archive in {archive} is unchanged", file=sys.stderr)
                return
            new_state = ArchiveState.from_settings(self.settings)
            old_state = archive / "state.sqlite3"
            if old_state.exists():
                ArchiveState.from_settings(Settings({"ARCHIVE_DIR": str(archive)})).close()  # checkpointed
                new_state.carry_crawl_state(old_state)
            new_state.close()
            aside = archive / "replaced" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            switch(archive, rebuilt, aside)
            print(
                f"reparse: {archive} now holds the rebuilt records; the previous records and state are kept in {aside}"
            )
        finally:
            lock.release()

    def reparse(self, opts: Namespace, archive: Path) -> int:
        """Rebuild records from the WARC files into ``archive`` (workers read, this process writes:
        :mod:`newsarchive.pipelines.candidates`); the exit status."""
        assert self.crawler_process is not None and self.settings is not None
        DAMAGED.clear()
        shares = self.first_pages(opts)
        for path, parts in sorted(DAMAGED.items()):
            print(f"reparse: skipped {parts} damaged part(s) of {path}: its whole records were read", file=sys.stderr)
        if not any(shares.values()):
            print("reparse: no article of this project's spiders in those WARC files")
            return 0
        work = archive / WORK
        shutil.rmtree(work, ignore_errors=True)  # a reparse killed earlier: its candidates are redone
        work.mkdir(parents=True)
        jobs = max(1, min(opts.jobs, sum(len(u) for u in shares.values())))
        started = time.monotonic()
        outputs: list[Path] | None = [work / "0.candidates"]
        if jobs == 1:
            if not self.read_pages(shares, work / "0.candidates"):
                return EXIT_FAILED
        else:
            outputs = self.run_workers(shares, jobs, work, opts)
        if outputs is None:
            return EXIT_FAILED
        read = time.monotonic() - started
        state = ArchiveState.from_settings(self.settings)
        outcome = write_candidates(
            archive, outputs, state, setting(self.settings, "WORKER_ID"), bool_setting(self.settings, "ARCHIVE_FSYNC")
        )
        shutil.rmtree(work, ignore_errors=True)
        pages = sum(len(u) for u in shares.values())
        rejects = {k.split("/", 1)[1]: v for k, v in sorted(outcome.items()) if k.startswith("rejected/")}
        for name in shares:
            if outcome[f"archived/{name}"] or shares[name]:
                print(f"reparse: {name}: {outcome[f'archived/{name}']} record(s) archived into {archive}")
        rate = pages / max(read, 1e-6)
        print(
            f"reparse: {pages} article(s) read by {jobs} worker(s) in {read:.1f} s ({rate:.0f}/s); "
            f"archived {outcome['archived']}, duplicates {outcome['duplicate']}, rejected {outcome['rejected']}"
            f"{' ' + json.dumps(rejects) if rejects else ''}, already known {outcome['known']}; into {archive}"
        )
        return 0

    def first_pages(self, opts: Namespace) -> dict[str, list[str]]:
        """Each spider's article first pages in the WARC files, in the order they lie there."""
        assert self.crawler_process is not None
        index = index_for(",".join(str(f) for f in self.files))
        loader = self.crawler_process.spider_loader
        names = [n.strip() for n in (opts.spiders or "").split(",") if n.strip()] or loader.list()
        shares: dict[str, list[str]] = {}
        for name in names:
            spider = loader.load(name)()
            if isinstance(spider, PortalSpider):
                shares[name] = sorted(
                    (
                        u
                        for u in index.urls()
                        if (ref := spider.article_ref(u)) is not None and ref.page == 0 and ref.url == u
                    ),
                    key=lambda u: position(index.find(u)),
                )
        return shares

    def read_pages(self, shares: dict[str, list[str]], output: Path) -> bool:
        """Crawl the first pages from the WARC files in this process, their records and verdicts
        to ``output``; whether every spider finished."""
        assert self.crawler_process is not None and self.settings is not None
        self.settings.set(
            "ITEM_PIPELINES", {"newsarchive.pipelines.candidates.CandidatePipeline": 300}, priority="cmdline"
        )
        self.settings.set("REPARSE_CANDIDATES", str(output), priority="cmdline")
        process = self.crawler_process
        failed: list[str] = []
        for name, urls in shares.items():
            if not urls:
                continue
            crawler = process.create_crawler(name)

            def closed(spider: Any, reason: str, _name: str = name) -> None:
                if reason != "finished":
                    failed.append(f"{_name} ({reason})")

            crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
            process.crawl(crawler, start_urls=urls)
        process.start()
        if failed:
            print(f"reparse: did not complete: {', '.join(failed)}", file=sys.stderr)
            return False
        finish_candidates(output)
        return True

    def run_workers(self, shares: dict[str, list[str]], jobs: int, work: Path, opts: Namespace) -> list[Path] | None:
        """Read every ``jobs``-th first page of each spider in each of ``jobs`` shares (a
        multi-page article's further pages go with its first): ``jobs - 1`` worker processes and
        this one; their candidates files."""
        index = work / "index.pickle"
        save_index(",".join(str(f) for f in self.files), index)  # read once, here, not once a worker
        outputs, procs = [], []
        for k in range(1, jobs):
            urls_file = work / f"{k}.urls.json"
            urls_file.write_text(json.dumps({name: urls[k::jobs] for name, urls in shares.items()}), encoding="utf-8")
            output = work / f"{k}.candidates"
            args = [
                sys.executable,
                "-m",
                "scrapy",
                "reparse",
                *map(str, self.files),
                "--jobs",
                "1",
                "--candidates",
                str(output),
                "--urls-file",
                str(urls_file),
            ]
            args += [arg for pair in opts.set if not pair.startswith("ARCHIVE_DIR=") for arg in ("-s", pair)]
            args += ["-s", f"ARCHIVE_DIR={work / f'{k}.scratch'}", "-s", f"REPLAY_INDEX={index}"]
            procs.append(subprocess.Popen(args, cwd=os.getcwd(), preexec_fn=die_with_parent))
            outputs.append(output)
        own = work / "0.candidates"  # this process reads the first share meanwhile
        done = self.read_pages({name: urls[0::jobs] for name, urls in shares.items()}, own)
        codes = [proc.wait() for proc in procs]
        if not done or any(codes):
            print(f"reparse: a worker failed (exit statuses {codes}); the archive is unchanged", file=sys.stderr)
            return None
        return [own, *outputs]

    def process_options(self, args: list[str], opts: Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if not args:
            raise UsageError("give WARC files or directories of them")
        self.files = warc_files(args)
        paths = ",".join(str(f) for f in self.files)
        # Offline, from the archive's own bytes: replay the WARC files, write no new WARC, ask no robots.txt,
        # follow no links beyond the pages kept, and re-extract even what the state already knows.
        for key, value in (
            ("REPLAY_DIR", paths),
            ("ARCHIVE_WARC", False),
            ("ROBOTSTXT_OBEY", False),
            ("FOLLOW_RELATED", False),
            ("INCREMENTAL", False),
        ):
            self.settings.set(key, value, priority="cmdline")
