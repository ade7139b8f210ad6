"""``scrapy reparse PATH…``: rebuild records offline from WARC files with today's loaders.

Every article first page found in the WARC files is crawled again from them (replay), through the
same spiders and validation. With ``--jobs 1`` this process reads them all, then writes; with more,
that many worker processes (started first, so their start-up runs while this one indexes the WARC
files) claim batches of first pages in WARC order as they go, and this process writes their
records as they come, in WARC order (:mod:`newsarchive.pipelines.candidates`). No request leaves
the machine and nothing new is written to WARC. With ``--replace`` the records are rebuilt aside,
under the archive's lock, and switched in at once (:mod:`newsarchive.archive.switch`): the old
records, rejects, duplicates and state go to ``ARCHIVE_DIR/replaced/<time>/`` (never deleted), and
what the crawl knows (list pages, validators, payload digests, pending and owed work) is carried over.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import DontCloseSpider, UsageError
from scrapy.settings import Settings

from newsarchive.archive.faults import write_atomically
from newsarchive.archive.replay import DAMAGED, WARC_SUFFIXES, index_for, save_index
from newsarchive.archive.state import ArchiveState
from newsarchive.archive.switch import REBUILD, switch
from newsarchive.commands.crawlall import EXIT_LOCKED, take_lock
from newsarchive.commands.preflight import EXIT_FAILED, archive_problem
from newsarchive.config import bool_setting, float_setting, setting
from newsarchive.crawl.progress import duration
from newsarchive.pipelines.candidates import CandidateWriter, Tail, append_line, write_candidates_into
from newsarchive.spiders.base import PortalSpider

# Where a reparse keeps its workers' candidates until they are archived (inside the target archive).
WORK = "reparse-work"
# First pages per batch: small enough that processes end together, large enough that claiming one
# (a locked read and write of a tiny file) costs nothing beside reading its pages.
BATCH = 40


class Batches:
    """The first pages of one reparse, cut into batches in WARC order; each worker claims the next
    batch whenever it has read the last, so one that started later or met slower pages simply reads
    fewer, and all end together."""

    def __init__(self, work: Path) -> None:
        self.plan = work / "batches.json"
        self.claims = work / "claims.json"

    def publish(self, shares: dict[str, list[str]], processes: int) -> dict[str, list[list[str]]]:
        """Cut the shares into batches (smaller ones when there are few pages, so every process
        gets some); written whole, so a worker waiting for them never reads half."""
        size = max(1, min(BATCH, sum(len(urls) for urls in shares.values()) // (8 * processes)))
        batches = {name: [urls[i : i + size] for i in range(0, len(urls), size)] for name, urls in shares.items()}
        write_atomically(self.claims, json.dumps({name: 0 for name in batches}).encode("utf-8"))
        write_atomically(self.plan, json.dumps(batches).encode("utf-8"))
        return batches

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


class BatchFeeder:
    """A worker's crawl of one spider, fed one batch at a time: when the crawl has nothing left to
    do (``spider_idle``), every page of the batch it was given is settled, so the batch is marked
    done in the candidates file and the next one claimed."""

    def __init__(self, crawler: Any, name: str, batches: Batches, plan: dict[str, list[list[str]]], output: Path):
        self.crawler, self.name, self.batches, self.plan, self.output = crawler, name, batches, plan, output
        self.current: int | None = None

    def idle(self, spider: Any) -> None:
        if self.current is not None:
            append_line(self.output, {"done": [self.name, self.current]})
        k = self.batches.take(self.name)
        if k >= len(self.plan[self.name]):
            self.current = None
            return  # nothing left: the crawl closes
        self.current = k
        refs = [ref for url in self.plan[self.name][k] if (ref := spider.article_ref(url)) is not None]
        for request in spider.new_article_requests(refs):
            self.crawler.engine.crawl(request)
        raise DontCloseSpider


def die_with_parent() -> None:
    """In a worker, before it runs: a reparse killed outright takes its workers with it (Linux), so a
    run started again never meets the last one's workers."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def progress_line(archived: int, total: int, seconds: float) -> str:
    """How far a reparse is, like a crawl's progress line.

    >>> progress_line(1200, 3000, 3.0)
    'reparse: 1,200 of 3,000 articles settled (40%), 400/s, about 4 s left'
    """
    rate = archived / seconds if seconds > 0 else 0.0
    left = f"about {duration((total - archived) / rate)} left" if rate > 0 else "time left unknown"
    share = 100 * archived // max(total, 1)
    return f"reparse: {archived:,} of {total:,} articles settled ({share}%), {rate:.0f}/s, {left}"


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
            done = plan is not None and self.read_batches(batches, plan, Path(opts.candidates))
            self.exitcode = 0 if done else EXIT_FAILED
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
        """Rebuild records from the WARC files into ``archive``; the exit status. With one job this
        process reads every page, then writes; with more, workers read and this process writes
        what they hand over as it comes (:mod:`newsarchive.pipelines.candidates`)."""
        assert self.crawler_process is not None and self.settings is not None
        DAMAGED.clear()
        work = archive / WORK
        shutil.rmtree(work, ignore_errors=True)  # a reparse killed earlier: its candidates are redone
        work.mkdir(parents=True)
        # Workers start first: their start-up runs while this process indexes the WARC files.
        workers = self.start_workers(opts.jobs if opts.jobs > 1 else 0, work, opts)
        started = time.monotonic()
        try:
            shares = self.first_pages(opts)
            for path, parts in sorted(DAMAGED.items()):
                print(
                    f"reparse: skipped {parts} damaged part(s) of {path}: its whole records were read", file=sys.stderr
                )
            if not any(shares.values()):
                print("reparse: no article of this project's spiders in those WARC files")
                shutil.rmtree(work, ignore_errors=True)
                return 0
            if not workers and not self.read_pages(shares, work / "0.candidates"):
                return EXIT_FAILED
            state = ArchiveState.from_settings(self.settings)
            writer = CandidateWriter(
                archive, state, setting(self.settings, "WORKER_ID"), bool_setting(self.settings, "ARCHIVE_FSYNC")
            )
            try:
                if workers:
                    if not self.write_as_read(shares, workers, work, writer):
                        return EXIT_FAILED
                else:
                    write_candidates_into(writer, [work / "0.candidates"])
            finally:
                writer.close()
        finally:
            for proc, _ in workers:  # a reparse that stops early leaves no worker behind
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        seconds = time.monotonic() - started
        outcome = writer.outcome
        shutil.rmtree(work, ignore_errors=True)
        pages = sum(len(u) for u in shares.values())
        rejects = {k.split("/", 1)[1]: v for k, v in sorted(outcome.items()) if k.startswith("rejected/")}
        for name in shares:
            if outcome[f"archived/{name}"] or shares[name]:
                print(f"reparse: {name}: {outcome[f'archived/{name}']} record(s) archived into {archive}")
        print(
            f"reparse: {pages} article(s) read by {max(1, len(workers))} worker(s) in {seconds:.1f} s "
            f"({pages / max(seconds, 1e-6):.0f}/s); archived {outcome['archived']}, duplicates {outcome['duplicate']}, "
            f"rejected {outcome['rejected']}{' ' + json.dumps(rejects) if rejects else ''}, "
            f"already known {outcome['known']}; into {archive}"
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
        assert self.crawler_process is not None
        self.use_candidates(output)
        failed = self.watch_crawls([(name, {"start_urls": urls}) for name, urls in shares.items() if urls])
        self.crawler_process.start()
        return self.all_finished(failed)

    def read_batches(self, batches: Batches, plan: dict[str, list[list[str]]], output: Path) -> bool:
        """A worker: crawl the batches this process claims, one at a time per spider, their records
        and verdicts to ``output`` with a mark after each batch; whether every spider finished."""
        assert self.crawler_process is not None
        self.use_candidates(output)
        failed = self.watch_crawls(
            [(name, {"start_urls": iter(())}) for name in plan if plan[name]],  # fed on idle, not at start
            lambda crawler, name: BatchFeeder(crawler, name, batches, plan, output),
        )
        self.crawler_process.start()
        return self.all_finished(failed)

    def use_candidates(self, output: Path) -> None:
        assert self.settings is not None
        self.settings.set(
            "ITEM_PIPELINES", {"newsarchive.pipelines.candidates.CandidatePipeline": 300}, priority="cmdline"
        )
        self.settings.set("REPARSE_CANDIDATES", str(output), priority="cmdline")

    def watch_crawls(self, crawls: list[tuple[str, dict[str, Any]]], feeder: Any = None) -> list[str]:
        """Start a crawl per spider (fed by ``feeder(crawler, name)`` when given); the list that
        will name every crawl that did not finish."""
        assert self.crawler_process is not None
        failed: list[str] = []
        for name, kwargs in crawls:
            crawler = self.crawler_process.create_crawler(name)

            def closed(spider: Any, reason: str, _name: str = name) -> None:
                if reason != "finished":
                    failed.append(f"{_name} ({reason})")

            crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
            if feeder is not None:
                crawler.signals.connect(feeder(crawler, name).idle, signal=signals.spider_idle, weak=False)
            self.crawler_process.crawl(crawler, **kwargs)
        return failed

    @staticmethod
    def all_finished(failed: list[str]) -> bool:
        if failed:
            print(f"reparse: did not complete: {', '.join(failed)}", file=sys.stderr)
        return not failed

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

    def write_as_read(
        self,
        shares: dict[str, list[str]],
        workers: list[tuple[subprocess.Popen[bytes], Path]],
        work: Path,
        writer: CandidateWriter,
    ) -> bool:
        """Publish the first pages in batches for the workers, and archive their records while they
        read: a record is written once every batch that could hold an earlier one is done, so the
        order is the WARC order whatever the timing. Whether every worker finished."""
        assert self.settings is not None
        files = ",".join(str(f) for f in self.files)
        save_index(files, work / "index.pickle")  # read once, here, not once a worker
        index = index_for(files)
        batches = Batches(work)
        plan = batches.publish(shares, len(workers))
        starts = {name: [position(index.find(b[0])) for b in batches_of] for name, batches_of in plan.items()}
        done: set[tuple[str, int]] = set()
        lowest = dict.fromkeys(plan, 0)  # per spider, its first batch not done yet
        tails = [Tail(output) for _, output in workers]
        total = sum(len(u) for u in shares.values())
        interval = float_setting(self.settings, "PROGRESS_INTERVAL")
        began = next_report = time.monotonic()
        while True:
            running = [proc for proc, _ in workers if proc.poll() is None]
            for tail in tails:
                for line in tail.lines():
                    item = json.loads(line)
                    if "done" in item:
                        done.add((item["done"][0], int(item["done"][1])))
                    else:
                        writer.add(item)
            for name in plan:
                while lowest[name] < len(plan[name]) and (name, lowest[name]) in done:
                    lowest[name] += 1
            pending = [starts[name][lowest[name]] for name in plan if lowest[name] < len(plan[name])]
            writer.write_before(min(pending) if pending else None)
            if interval > 0 and time.monotonic() >= next_report + interval:
                next_report = time.monotonic()
                print(progress_line(writer.settled, total, next_report - began), file=sys.stderr, flush=True)
            codes = [proc.poll() for proc, _ in workers]
            if not running or any(codes):  # all ended, or one failed: no point in waiting for the rest
                break
            time.sleep(0.02)
        if any(codes) or pending:
            print(
                f"reparse: a worker failed (exit statuses {codes}); what was archived stays, and the same "
                "command run again completes it",
                file=sys.stderr,
            )
            return False
        return True

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
