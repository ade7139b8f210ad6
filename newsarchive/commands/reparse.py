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
import fcntl
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from argparse import SUPPRESS, ArgumentParser, Namespace
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from newsarchive.archive.faults import write_atomically
from newsarchive.archive.replay import DAMAGED, WARC_SUFFIXES, index_for, save_index
from newsarchive.archive.state import ArchiveState
from newsarchive.archive.switch import REBUILD, switch
from newsarchive.commands.crawlall import EXIT_LOCKED, take_lock
from newsarchive.commands.preflight import EXIT_FAILED, archive_problem
from newsarchive.config import bool_setting, float_setting, setting
from newsarchive.crawl.progress import duration
from newsarchive.pipelines.candidates import finish_candidates, write_candidates
from newsarchive.spiders.base import PortalSpider

# Where a reparse keeps its workers' candidates until they are archived (inside the target archive).
WORK = "reparse-work"
# First pages per batch: small enough that processes end together, large enough that claiming one
# (a locked read and write of a tiny file) costs nothing beside reading its pages.
BATCH = 40


class Batches:
    """The first pages of one reparse, cut into batches in WARC order; every process (the command's
    own and its workers) claims the next batch when its crawl asks for more, so one that started
    later or met slower pages simply reads fewer, and all end together."""

    def __init__(self, work: Path) -> None:
        self.plan = work / "batches.json"
        self.claims = work / "claims.json"

    def publish(self, shares: dict[str, list[str]], processes: int) -> None:
        """Cut the shares into batches (smaller ones when there are few pages, so every process
        gets some); written whole, so a worker waiting for them never reads half."""
        size = max(1, min(BATCH, sum(len(urls) for urls in shares.values()) // (8 * processes)))
        batches = {name: [urls[i : i + size] for i in range(0, len(urls), size)] for name, urls in shares.items()}
        write_atomically(self.claims, json.dumps({name: 0 for name in batches}).encode("utf-8"))
        write_atomically(self.plan, json.dumps(batches).encode("utf-8"))

    def wait(self) -> dict[str, list[list[str]]] | None:
        """The batches once the command has published them (a worker starts before they exist), or
        None when the command is gone."""
        parent = os.getppid()
        while not self.plan.exists():
            if os.getppid() != parent:
                return None
            time.sleep(0.01)
        plan: dict[str, list[list[str]]] = json.loads(self.plan.read_text(encoding="utf-8"))
        return plan

    def take(self, name: str) -> int:
        """Claim the next batch of ``name``: its number (past the last one when none is left)."""
        with self.claims.open("r+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # released when the file is closed
            taken = json.loads(fh.read())
            k = int(taken[name])
            taken[name] = k + 1
            fh.seek(0)
            fh.write(json.dumps(taken))
            fh.truncate()
        return k

    def urls(self, name: str, plan: dict[str, list[list[str]]]) -> Iterator[str]:
        """The URLs of the batches of ``name`` this process claims, one batch claimed at a time."""
        while (k := self.take(name)) < len(plan[name]):
            yield from plan[name][k]

    def handed_out(self, plan: dict[str, list[list[str]]]) -> int:
        """First pages claimed so far, by any process."""
        taken = json.loads(self.claims.read_text(encoding="utf-8"))
        return sum(len(batch) for name, batches in plan.items() for batch in batches[: int(taken[name])])


def die_with_parent() -> None:
    """In a worker, before it runs: a reparse killed outright takes its workers with it (Linux), so a
    run started again never meets the last one's workers."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class ReparseProgress:
    """Every ``PROGRESS_INTERVAL`` seconds, a line saying how far the reparse is: first pages handed
    out of the whole, the rate, the time left (the workers' own crawls log nothing the operator
    could add up)."""

    def __init__(self, batches: Batches, plan: dict[str, list[list[str]]], interval: float) -> None:
        self.batches, self.plan, self.interval = batches, plan, interval
        self.total = sum(len(b) for batches_of in plan.values() for b in batches_of)
        self.began = time.monotonic()

    def start(self) -> None:
        if self.interval > 0:
            from twisted.internet import task  # the crawl's reactor, installed by now

            task.LoopingCall(self.log).start(self.interval, now=False)

    def log(self) -> None:
        print(
            progress_line(self.batches.handed_out(self.plan), self.total, time.monotonic() - self.began),
            file=sys.stderr,
            flush=True,
        )


def progress_line(done: int, total: int, seconds: float) -> str:
    """
    >>> progress_line(1200, 3000, 3.0)
    'reparse: 1,200 of 3,000 articles handed out to the readers (40%), 400/s, about 4 s left'
    """
    rate = done / seconds if seconds > 0 else 0.0
    left = f"about {duration((total - done) / rate)} left" if rate > 0 else "time left unknown"
    return (
        f"reparse: {done:,} of {total:,} articles handed out to the readers ({100 * done // max(total, 1)}%), "
        f"{rate:.0f}/s, {left}"
    )


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
        # A worker's part (the command starts its workers with these): read the batches of first
        # pages it claims, write each record and validation's verdict to a candidates file, archive nothing.
        parser.add_argument("--candidates", help=SUPPRESS)
        parser.add_argument("--batches", help=SUPPRESS)

    def run(self, args: list[str], opts: Namespace) -> None:
        try:
            self.run_reparse(args, opts)
        finally:
            # The process ends now: spare it the collector's last passes over a heap of pages and
            # index (a third of a second for 3,000 articles), which only free what the OS takes back.
            gc.freeze()

    def run_reparse(self, args: list[str], opts: Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        if opts.candidates:  # a worker of a parallel reparse: read the batches it claims, archive nothing
            batches = Batches(Path(opts.batches))
            plan = batches.wait()
            if plan is None:
                self.exitcode = EXIT_FAILED
                return
            lazy = {name: batches.urls(name, plan) for name in plan}
            self.exitcode = 0 if self.read_pages(lazy, Path(opts.candidates)) else EXIT_FAILED
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
        work = archive / WORK
        shutil.rmtree(work, ignore_errors=True)  # a reparse killed earlier: its candidates are redone
        work.mkdir(parents=True)
        # Workers start first: their start-up runs while this process indexes the WARC files.
        workers = self.start_workers(max(1, opts.jobs) - 1, work, opts)
        try:
            started = time.monotonic()
            shares = self.first_pages(opts)
            for path, parts in sorted(DAMAGED.items()):
                print(
                    f"reparse: skipped {parts} damaged part(s) of {path}: its whole records were read", file=sys.stderr
                )
            if not any(shares.values()):
                print("reparse: no article of this project's spiders in those WARC files")
                return 0
            jobs = len(workers) + 1
            if workers:
                found = self.read_all(shares, workers, work)
                if found is None:
                    return EXIT_FAILED
                outputs = found
            else:
                outputs = [work / "0.candidates"]
                if not self.read_pages(shares, outputs[0]):
                    return EXIT_FAILED
            read = time.monotonic() - started
        finally:
            for proc, _ in workers:  # a reparse that stops early leaves no worker behind
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
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

    def read_pages(
        self,
        shares: dict[str, list[str]] | dict[str, Iterator[str]],
        output: Path,
        progress: ReparseProgress | None = None,
    ) -> bool:
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
        if progress is not None:
            progress.start()
        process.start()
        if failed:
            print(f"reparse: did not complete: {', '.join(failed)}", file=sys.stderr)
            return False
        finish_candidates(output)
        return True

    def start_workers(self, count: int, work: Path, opts: Namespace) -> list[tuple[subprocess.Popen[bytes], Path]]:
        """``count`` worker processes, each with its candidates file; they wait for the batches."""
        workers = []
        for k in range(1, count + 1):
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
                "--batches",
                str(work),
            ]
            args += [arg for pair in opts.set if not pair.startswith("ARCHIVE_DIR=") for arg in ("-s", pair)]
            args += ["-s", f"ARCHIVE_DIR={work / f'{k}.scratch'}", "-s", f"REPLAY_INDEX={work / 'index.pickle'}"]
            workers.append((subprocess.Popen(args, cwd=os.getcwd(), preexec_fn=die_with_parent), output))
        return workers

    def read_all(
        self, shares: dict[str, list[str]], workers: list[tuple[subprocess.Popen[bytes], Path]], work: Path
    ) -> list[Path] | None:
        """Publish the first pages in batches, read the batches this process claims while the
        workers read theirs (a multi-page article's further pages go with its first); every
        process's candidates file, or None when one failed."""
        assert self.settings is not None
        save_index(",".join(str(f) for f in self.files), work / "index.pickle")  # read once, not once a worker
        batches = Batches(work)
        batches.publish(shares, len(workers) + 1)
        plan = json.loads(batches.plan.read_text(encoding="utf-8"))
        own = work / "0.candidates"
        progress = ReparseProgress(batches, plan, float_setting(self.settings, "PROGRESS_INTERVAL"))
        done = self.read_pages({name: batches.urls(name, plan) for name in plan}, own, progress)
        codes = [proc.wait() for proc, _ in workers]
        if not done or any(codes):
            print(f"reparse: a worker failed (exit statuses {codes}); the archive is unchanged", file=sys.stderr)
            return None
        return [own, *(output for _, output in workers)]

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
