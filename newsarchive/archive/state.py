"""What the archive has seen, across runs: ``ARCHIVE_DIR/state.sqlite3`` (SQLite, WAL).

Every lookup is by key, so memory stays flat however large the archive grows. A record counts as
archived only once its JSONL line is written: the line first, then the state row together with
the file's new committed length, in the same transaction. On open, lines past a file's committed
length (a crash between the two steps) are read back into the state, so the state and the JSONL
files always agree and no article is archived twice.

In a crawl, writes are committed in groups (every ``STATE_COMMIT_EVERY`` writes, after
``STATE_COMMIT_INTERVAL`` seconds, and when the spider closes) instead of one transaction each.
All of a process's writes go through one connection in order, so whatever a crash leaves
committed is a prefix of what was written: the state of a crash a moment earlier, which the
recovery above already repairs. One process shares one connection per archive (``crawlall``
runs every spider in one process: two connections would wait on each other's open group).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, Protocol

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object

from newsarchive import counts
from newsarchive.archive.faults import ArchiveWriteError
from newsarchive.archive.jsonl import lines_after
from newsarchive.archive.paths import record_files, utc_stamp
from newsarchive.archive.switch import finish_switch
from newsarchive.config import float_setting, int_setting, setting

logger = logging.getLogger(__name__)
# reactor.callLater's shape: run a function after a delay in seconds.
Scheduler = Callable[..., Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,          -- <source>:<site article id>
    outcome TEXT NOT NULL,        -- archived | duplicate | rejected
    url TEXT NOT NULL,
    content_hash TEXT,
    duplicate_of TEXT,            -- for outcome duplicate: the archived id with the same content
    reason TEXT,                  -- for outcome rejected
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash) WHERE outcome = 'archived';
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, committed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS fetched (
    url TEXT PRIMARY KEY, status INTEGER NOT NULL, etag TEXT, last_modified TEXT, at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lists (url TEXT PRIMARY KEY, links TEXT NOT NULL, at TEXT NOT NULL);
-- articles a list showed that have no outcome yet (not fetched, failed, or cut off by a crash)
CREATE TABLE IF NOT EXISTS pending (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL
);
-- the first copy of each payload in the WARC files, for revisit records
CREATE TABLE IF NOT EXISTS warc_payloads (
    digest TEXT PRIMARY KEY, uri TEXT NOT NULL, date TEXT NOT NULL, record_id TEXT NOT NULL, file TEXT NOT NULL
);
-- list pages whose walk is owed: a page that could not be read (or kept), or where MAX_LIST_PAGES
-- stopped a walk; the next runs go on from it until it is read
CREATE TABLE IF NOT EXISTS owed_lists (
    url TEXT PRIMARY KEY, source TEXT NOT NULL, reason TEXT NOT NULL, runs INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL
);
-- pictures whose capture failed for a reason that can pass (a 5xx, a time-out): tried next run
CREATE TABLE IF NOT EXISTS owed_pictures (url TEXT PRIMARY KEY, source TEXT NOT NULL, reason TEXT NOT NULL,
    at TEXT NOT NULL);
-- the last full capture of each list page, for the revisit record of a 304 that confirms it
CREATE TABLE IF NOT EXISTS captures (
    url TEXT PRIMARY KEY, record_id TEXT NOT NULL, date TEXT NOT NULL, file TEXT NOT NULL
);
-- whether each source's last run ended normally (else the next run walks every list page)
CREATE TABLE IF NOT EXISTS runs (source TEXT PRIMARY KEY, completed INTEGER NOT NULL, at TEXT NOT NULL);
"""


class ArchiveStateError(RuntimeError):
    """The archive's state cannot be read; the message says which file and what to do."""


class StateLost(RuntimeError):
    """The shared state lost its data during the run: the run cannot be recorded as complete."""


class Admission(NamedTuple):
    """Whether a record may be archived: ``new``; ``known`` (its id is archived, or noted as a
    duplicate); or ``duplicate`` of ``original``, another id archived with the same text."""

    verdict: str
    original: str | None = None


# What each part of the crawl asks of an archive state, whichever store keeps it (SQLite or Redis):
# a component is typed with the part it uses, and both stores are checked against all of them.


class ArticleOutcomes(Protocol):
    """What became of each article: archived, duplicate or rejected (validation, dedupe, store)."""

    def outcome(self, article_id: str) -> str | None: ...
    def outcomes(self, article_ids: list[str]) -> dict[str, str]: ...
    def admit(self, article_id: str, content_hash: str) -> Admission: ...
    def record(
        self,
        article_id: str,
        outcome: str,
        url: str,
        content_hash: str | None = None,
        duplicate_of: str | None = None,
        reason: str | None = None,
        file: tuple[Path, int] | None = None,
    ) -> None: ...


class CrawlProgress(Protocol):
    """Articles a list showed that have no outcome yet, and whether each run ended (the spider)."""

    def add_pending(self, source: str, articles: Iterable[tuple[str, str]]) -> None: ...
    def forget_pending(self, article_id: str) -> None: ...
    def take_pending(self, source: str, max_attempts: int) -> tuple[list[tuple[str, str]], list[str]]: ...
    def begin_run(self, source: str) -> bool: ...
    def end_run(self, source: str) -> None: ...
    def owe_list(self, source: str, url: str, reason: str) -> None: ...
    def settle_list(self, url: str) -> None: ...
    def owed_lists(self, source: str) -> list[tuple[str, int]]: ...
    def owe_picture(self, source: str, url: str, reason: str) -> None: ...
    def settle_picture(self, url: str) -> None: ...
    def owed_pictures(self, source: str) -> list[str]: ...


class ListMemory(Protocol):
    """List pages' validators and the links they showed (conditional requests, the spider on a 304)."""

    def validators(self, url: str) -> tuple[str | None, str | None]: ...
    def remember_fetch(self, url: str, status: int, etag: str | None, last_modified: str | None) -> None: ...
    def list_links(self, url: str) -> dict[str, list[str]] | None: ...
    def remember_list(self, url: str, links: dict[str, list[str]]) -> None: ...


class WarcPayloads(Protocol):
    """The first copy of each payload in the WARC files (WARC capture's revisit records)."""

    def warc_payload(self, digest: str) -> dict[str, str] | None: ...
    def remember_warc_payload(self, digest: str, uri: str, date: str, record_id: str, file: str) -> None: ...
    def last_capture(self, url: str) -> dict[str, str] | None: ...
    def remember_capture(self, url: str, record_id: str, date: str, file: str) -> None: ...


class RecoveringState(Protocol):
    """What crash recovery needs of a state: how much of a file it registered, and a way to
    register the lines past that."""

    def committed(self, path: Path) -> int: ...
    def register_lines(self, path: Path, records: list[dict[str, Any]], size: int) -> None: ...


class SharedArchive(Protocol):
    """Several workers writing one archive (the Redis scheduler): take over a dead one's records."""

    def adopt_worker(self, worker: str) -> int: ...


class State(ArticleOutcomes, CrawlProgress, ListMemory, WarcPayloads, RecoveringState, SharedArchive, Protocol):
    """The whole state of an archive: what ``open_state`` gives, and what each store provides."""

    recovered: int  # records recovery registered on open (counted once, by the store)

    def flush(self) -> None: ...
    def close(self) -> None: ...


def open_state(crawler: Crawler) -> State:
    """The crawler's one state object (``ARCHIVE_STATE``), shared by its middlewares and pipelines.

    SQLite by default; :class:`newsarchive.frontier.redis_state.RedisState` with ``REDIS_URL``. Both keep the
    same contract, so the components never know which one they talk to.
    """
    state = getattr(crawler, "_newsarchive_state", None)
    if state is None:
        cls = load_object(setting(crawler.settings, "ARCHIVE_STATE"))
        state = cls.from_settings(crawler.settings)
        if isinstance(state, ArchiveState):
            from twisted.internet import reactor  # the crawler's, installed by now

            state.group_commits(
                int_setting(crawler.settings, "STATE_COMMIT_EVERY"),
                float_setting(crawler.settings, "STATE_COMMIT_INTERVAL"),
                reactor.callLater,
            )  # type: ignore[attr-defined,unused-ignore]

        # After the pipelines' close_spider: what they wrote last is committed before the process ends.
        def flush(spider: Any = None) -> None:
            flush_at_close(state, crawler)

        crawler.signals.connect(flush, signal=signals.spider_closed, weak=False)
        crawler._newsarchive_state = state  # type: ignore[attr-defined]
    return state  # type: ignore[no-any-return]


def flush_at_close(state: State, crawler: Crawler) -> None:
    """Commit what the crawl wrote last; a failure is the run's (logged, counted, exit status 1)."""
    try:
        state.flush()
    except ArchiveWriteError as error:
        crawler.stats.inc_value(counts.key(counts.WRITE_FAILED))
        logger.error("The crawl's last state writes were not committed: %s", error)


def recover(state: RecoveringState, files: Iterable[Path]) -> int:
    """Register the records JSONL files hold past what ``state`` heard of (a crash between the line
    and the state); return how many. A torn last line is cut off first."""
    recovered = 0
    for path in files:
        records, size = lines_after(path, state.committed(path))
        if records:
            state.register_lines(path, records, size)
            recovered += len(records)
            logger.warning("Recovered %d record(s) of %s that the state had not registered", len(records), path)
    return recovered


class ArchiveState:
    """The SQLite state of one archive directory."""

    # One per archive directory and process (see the module's docstring).
    _open: ClassVar[dict[Path, ArchiveState]] = {}

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive = path.parent
        self.broken: ArchiveWriteError | None = None  # the write that failed; no write after it
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a committed row survives a killed process; only a power cut can lose the last
            # ones, and recovery from the JSONL files puts those back.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=30000")
            self.db.executescript(SCHEMA)
            self._migrate_file_keys()
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise ArchiveStateError(
                    f"{path} is damaged ({exc}): move it aside (mv {path} {path}.damaged) and run the crawl "
                    "with -a full=1; the records in the JSONL files are registered again from them"
                ) from exc
            raise ArchiveWriteError(path, exc) from exc
        except OSError as exc:
            raise ArchiveWriteError(path, exc) from exc
        self.recovered = 0
        self.rebuilt = False  # the state was empty while the archive held records (see recover)
        # Group commits (off until group_commits()): every write is its own transaction.
        self.commit_every = 1
        self.commit_interval = 0.0
        self.call_later: Scheduler | None = None
        self.pending_writes = 0
        self.group_started = 0.0

    @classmethod
    def from_settings(cls, settings: Any) -> ArchiveState:
        archive = Path(setting(settings, "ARCHIVE_DIR"))
        path = (archive / "state.sqlite3").resolve()
        state = cls._open.get(path)
        if state is None:
            finish_switch(archive)  # a reparse --replace killed mid-switch: its new archive goes in whole
            state = cls._open[path] = cls(path)
            # Before anything asks what is known: lines a crash left unregistered count as archived.
            # A state that knows no file while the archive holds records was lost (deleted, moved
            # aside): rebuilt from the records, and the next run walks every list page.
            files = record_files(archive)
            state.rebuilt = bool(files) and not state.knows_files()
            state.recovered = recover(state, files)
            if state.rebuilt:
                logger.warning(
                    "%s knew no record file of %s: rebuilt from the records; this run walks every list page",
                    path,
                    archive,
                )
        return state

    def close(self) -> None:
        with suppress(ArchiveWriteError):
            self.flush()
        self.db.close()
        if self._open.get(self.path) is self:
            del self._open[self.path]

    # --- transactions -----------------------------------------------------------------------------

    def group_commits(self, every: int, interval: float, call_later: Scheduler) -> None:
        """Commit writes in groups: every ``every`` writes, and ``interval`` seconds after a group
        began (``call_later`` schedules that), so an idle crawl never holds the write lock long."""
        self.commit_every = max(1, every)
        self.commit_interval = interval
        self.call_later = call_later

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write, or nothing: on a failure (disk full, I/O) the open group is rolled back and the
        state takes no write again in this process. Its rows are then a prefix of what was written,
        and the JSONL lines written after that prefix are past the committed lengths, where the next
        start's recovery registers them."""
        if self.broken is not None:
            raise self.broken
        try:
            yield
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                with suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            self.broken = ArchiveWriteError(self.path, exc)
            raise self.broken from exc

    def _write(self, sql: str, params: Iterable[Any] = ()) -> None:
        """One write, in the open group (a new group begins when none is open)."""
        with self._writing():
            if not self.db.in_transaction:
                self.db.execute("BEGIN IMMEDIATE")
                self.group_started = time.monotonic()
                if self.call_later is not None and self.commit_every > 1:
                    self.call_later(self.commit_interval, self._commit_if_due)
            self.db.execute(sql, tuple(params))

    def _wrote(self) -> None:
        """One logical write done (a record, a list's pending notes): commit when the group is full."""
        self.pending_writes += 1
        if self.pending_writes >= self.commit_every:
            self.flush()

    def _commit_if_due(self) -> None:
        if (
            self.broken is None
            and self.db.in_transaction
            and time.monotonic() - self.group_started >= self.commit_interval * 0.99
        ):
            with suppress(ArchiveWriteError):  # logged where the crawl next writes
                self.flush()

    def flush(self) -> None:
        """Commit the open group, if any (nothing, once a write has failed)."""
        if self.broken is not None:
            return
        with self._writing():
            if self.db.in_transaction:
                self.db.execute("COMMIT")
        self.pending_writes = 0

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """A transaction of its own, after the open group is committed."""
        self.flush()
        with self._writing(), self.db:
            self.db.execute("BEGIN IMMEDIATE")
            yield

    # --- articles -----------------------------------------------------------------------------

    def outcome(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT outcome FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def outcomes(self, article_ids: list[str]) -> dict[str, str]:
        """The outcome of each id that has one: one query for all the links of a page."""
        found: dict[str, str] = {}
        for start in range(0, len(article_ids), 500):  # under SQLite's limit on bound parameters
            chunk = article_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(f"SELECT id, outcome FROM articles WHERE id IN ({marks})", chunk))
        return found

    def archived_id_with_hash(self, content_hash: str) -> str | None:
        row = self.db.execute(
            "SELECT id FROM articles WHERE content_hash = ? AND outcome = 'archived' LIMIT 1", (content_hash,)
        ).fetchone()
        return row[0] if row else None

    def admit(self, article_id: str, content_hash: str) -> Admission:
        """Whether the record may be archived. One process owns a SQLite archive (crawlall's lock)
        and its pipelines check and store an item in one go, so two lookups are safe here."""
        if self.outcome(article_id) in ("archived", "duplicate"):
            return Admission("known")
        original = self.archived_id_with_hash(content_hash)
        return Admission("duplicate", original) if original not in (None, article_id) else Admission("new")

    def record(
        self,
        article_id: str,
        outcome: str,
        url: str,
        content_hash: str | None = None,
        duplicate_of: str | None = None,
        reason: str | None = None,
        file: tuple[Path, int] | None = None,
    ) -> None:
        """Note an article's outcome; with ``file``, also the file's new committed length, atomically."""
        self._write(
            "INSERT INTO articles (id, outcome, url, content_hash, duplicate_of, reason, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET outcome = excluded.outcome, "
            "url = excluded.url, content_hash = excluded.content_hash, duplicate_of = excluded.duplicate_of, "
            "reason = excluded.reason, at = excluded.at "
            "WHERE articles.outcome != 'archived'",
            (article_id, outcome, url, content_hash, duplicate_of, reason, utc_stamp()),
        )
        self._write("DELETE FROM pending WHERE id = ?", (article_id,))
        if file is not None:
            self._commit_file(*file)
        self._wrote()

    def count(self, outcome: str = "archived") -> int:
        return int(self.db.execute("SELECT count(*) FROM articles WHERE outcome = ?", (outcome,)).fetchone()[0])

    # --- JSONL files ----------------------------------------------------------------------------

    def file_key(self, path: Path) -> str:
        """How the state names a record file: ``<source>/<file>``, relative to the archive, so the
        archive can be moved, or reached by a relative path or a symlink, and still be known."""
        return f"{path.parent.name}/{path.name}"

    def _migrate_file_keys(self) -> None:
        """Rows keyed by a path as once typed (``archive/ganzi/….jsonl``, an absolute path) become
        relative keys; where two name one file, the longer committed length holds (files only grow)."""
        rows = self.db.execute("SELECT path, committed FROM files WHERE path LIKE '%/%/%'").fetchall()
        if not rows:
            return
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for path, committed in rows:
                self.db.execute("DELETE FROM files WHERE path = ?", (path,))
                self.db.execute(
                    "INSERT INTO files (path, committed) VALUES (?, ?) ON CONFLICT(path) DO UPDATE "
                    "SET committed = max(committed, excluded.committed)",
                    (self.file_key(Path(path)), committed),
                )

    def _commit_file(self, path: Path, length: int) -> None:
        self._write(
            "INSERT INTO files (path, committed) VALUES (?, ?) "
            "ON CONFLICT(path) DO UPDATE SET committed = excluded.committed",
            (self.file_key(path), length),
        )

    def committed(self, path: Path) -> int:
        row = self.db.execute("SELECT committed FROM files WHERE path = ?", (self.file_key(path),)).fetchone()
        return int(row[0]) if row else 0

    def knows_files(self) -> bool:
        return self.db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is not None

    def adopt_worker(self, worker: str) -> int:
        """Nothing to adopt: one process writes a SQLite archive (crawlall's lock)."""
        return 0

    def register_lines(self, path: Path, records: list[dict[str, Any]], size: int) -> None:
        """Count records a crash left unregistered as archived, and ``path`` committed to ``size``."""
        with self._transaction():
            for record in records:
                self.db.execute(
                    "INSERT OR IGNORE INTO articles (id, outcome, url, content_hash, at) "
                    "VALUES (?, 'archived', ?, ?, ?)",
                    (record["id"], record["url"], record.get("content_hash"), utc_stamp()),
                )
                self.db.execute("DELETE FROM pending WHERE id = ?", (record["id"],))
            self._commit_file(path, size)

    # --- articles waiting for an outcome, and runs ------------------------------------------------

    def add_pending(self, source: str, articles: Iterable[tuple[str, str]]) -> None:
        """Note (id, url) pairs a list showed, before they are requested: a crash cannot lose them."""
        now = utc_stamp()
        for i, u in articles:
            self._write("INSERT OR IGNORE INTO pending (id, source, url, at) VALUES (?, ?, ?, ?)", (i, source, u, now))
        self._wrote()

    def forget_pending(self, article_id: str) -> None:
        self._write("DELETE FROM pending WHERE id = ?", (article_id,))
        self._wrote()

    def take_pending(self, source: str, max_attempts: int) -> tuple[list[tuple[str, str]], list[str]]:
        """Pending articles to request again (attempt counted), and those given up after too many."""
        with self._transaction():
            self.db.execute("UPDATE pending SET attempts = attempts + 1 WHERE source = ?", (source,))
            dropped = [
                r[0]
                for r in self.db.execute(
                    "SELECT id FROM pending WHERE source = ? AND attempts > ?", (source, max_attempts)
                )
            ]
            self.db.execute("DELETE FROM pending WHERE source = ? AND attempts > ?", (source, max_attempts))
            retry = [
                (r[0], r[1])
                for r in self.db.execute("SELECT id, url FROM pending WHERE source = ? ORDER BY at, id", (source,))
            ]
        return retry, dropped

    def begin_run(self, source: str) -> bool:
        """Start a run; return whether the previous one ended normally (True when there was none)."""
        with self._transaction():
            row = self.db.execute("SELECT completed FROM runs WHERE source = ?", (source,)).fetchone()
            self.db.execute(
                "INSERT INTO runs (source, completed, at) VALUES (?, 0, ?) ON CONFLICT(source) "
                "DO UPDATE SET completed = 0, at = excluded.at",
                (source, utc_stamp()),
            )
        if self.rebuilt:
            return False  # the state was lost: what earlier runs left unread is unknown
        return row is None or bool(row[0])

    def end_run(self, source: str) -> None:
        """The run ended normally: committed with everything written before it. Every list page
        still owed has now been owed one run more."""
        self._write("UPDATE runs SET completed = 1, at = ? WHERE source = ?", (utc_stamp(), source))
        self._write("UPDATE owed_lists SET runs = runs + 1 WHERE source = ?", (source,))
        self.flush()

    # --- list pages whose walk is owed ------------------------------------------------------------

    def owe_list(self, source: str, url: str, reason: str) -> None:
        """Note that the walk from list page ``url`` is owed (kept, with its run count, if it was)."""
        self._owe("owed_lists", source, url, reason)

    def settle_list(self, url: str) -> None:
        """List page ``url`` was read: its walk goes on from here in this run."""
        self._settle("owed_lists", url)

    def owe_picture(self, source: str, url: str, reason: str) -> None:
        """A picture whose capture failed for a reason that can pass: the next run tries it again."""
        self._owe("owed_pictures", source, url, reason)

    def settle_picture(self, url: str) -> None:
        self._settle("owed_pictures", url)

    def _owe(self, table: str, source: str, url: str, reason: str) -> None:
        self._write(
            f"INSERT INTO {table} (url, source, reason, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET reason = excluded.reason",
            (url, source, reason, utc_stamp()),
        )
        self._wrote()

    def _settle(self, table: str, url: str) -> None:
        self._write(f"DELETE FROM {table} WHERE url = ?", (url,))
        self._wrote()

    def owed_pictures(self, source: str) -> list[str]:
        return [
            r[0] for r in self.db.execute("SELECT url FROM owed_pictures WHERE source = ? ORDER BY at, url", (source,))
        ]

    def owed_lists(self, source: str) -> list[tuple[str, int]]:
        """The list pages whose walk is owed, oldest first, with how many runs ended owing each."""
        return [
            (r[0], int(r[1]))
            for r in self.db.execute("SELECT url, runs FROM owed_lists WHERE source = ? ORDER BY at, url", (source,))
        ]

    # --- WARC payloads ---------------------------------------------------------------------------

    def warc_payload(self, digest: str) -> dict[str, str] | None:
        row = self.db.execute(
            "SELECT uri, date, record_id, file FROM warc_payloads WHERE digest = ?", (digest,)
        ).fetchone()
        return dict(zip(("uri", "date", "record_id", "file"), row, strict=True)) if row else None

    def remember_warc_payload(self, digest: str, uri: str, date: str, record_id: str, file: str) -> None:
        self._write(
            "INSERT OR IGNORE INTO warc_payloads (digest, uri, date, record_id, file) VALUES (?, ?, ?, ?, ?)",
            (digest, uri, date, record_id, file),
        )
        self._wrote()

    def last_capture(self, url: str) -> dict[str, str] | None:
        """The last full capture of ``url`` (a list page): what a 304 for it confirms."""
        row = self.db.execute("SELECT record_id, date, file FROM captures WHERE url = ?", (url,)).fetchone()
        return dict(zip(("record_id", "date", "file"), row, strict=True)) if row else None

    def remember_capture(self, url: str, record_id: str, date: str, file: str) -> None:
        self._write(
            "INSERT INTO captures (url, record_id, date, file) VALUES (?, ?, ?, ?) ON CONFLICT(url) "
            "DO UPDATE SET record_id = excluded.record_id, date = excluded.date, file = excluded.file",
            (url, record_id, date, file),
        )
        self._wrote()

    # --- fetched URLs and list pages ------------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified to send back, only when the page's links are remembered too: a
        304 is read from those, and a crash can leave the validators without them (the fetch is
        noted in the downloader, the links in the callback after it)."""
        row = self.db.execute(
            "SELECT etag, last_modified FROM fetched JOIN lists USING (url) WHERE url = ? AND status = 200", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def remember_fetch(self, url: str, status: int, etag: str | None, last_modified: str | None) -> None:
        if status == 304:
            self._write("UPDATE fetched SET at = ? WHERE url = ?", (utc_stamp(), url))
        else:
            self._write(
                "INSERT INTO fetched (url, status, etag, last_modified, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET status = excluded.status, etag = excluded.etag, "
                "last_modified = excluded.last_modified, at = excluded.at",
                (url, status, etag, last_modified, utc_stamp()),
            )
        self._wrote()

    def list_links(self, url: str) -> dict[str, list[str]] | None:
        """What a list page showed when it was last read: {"articles": [...], "next": [...]}."""
        row = self.db.execute("SELECT links FROM lists WHERE url = ?", (url,)).fetchone()
        return dict(json.loads(row[0])) if row else None

    def remember_list(self, url: str, links: dict[str, list[str]]) -> None:
        self._write(
            "INSERT INTO lists (url, links, at) VALUES (?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET links = excluded.links, at = excluded.at",
            (url, json.dumps(links), utc_stamp()),
        )
        self._wrote()

    def carry_crawl_state(self, old: Path) -> None:
        """Take over what the crawl knows from the state at ``old`` (list pages and their links,
        validators, payload digests, owed lists, pending articles, runs, dead links), for an archive
        whose records were rebuilt from WARC: the next crawl goes on as if nothing had happened."""
        self.flush()
        with self._writing():
            self.db.execute("ATTACH DATABASE ? AS old", (str(old),))
            try:
                with self.db:
                    self.db.execute("BEGIN IMMEDIATE")
                    for table in (
                        "lists",
                        "fetched",
                        "warc_payloads",
                        "captures",
                        "owed_lists",
                        "owed_pictures",
                        "runs",
                    ):
                        self.db.execute(f"INSERT OR IGNORE INTO main.{table} SELECT * FROM old.{table}")
                    self.db.execute(
                        "INSERT OR IGNORE INTO main.articles SELECT * FROM old.articles WHERE outcome = 'gone'"
                    )
                    self.db.execute(
                        "INSERT OR IGNORE INTO main.pending SELECT * FROM old.pending "
                        "WHERE id NOT IN (SELECT id FROM main.articles)"
                    )
            finally:
                self.db.execute("DETACH DATABASE old")

    def summary(self) -> dict[str, Any]:
        rows = self.db.execute("SELECT outcome, count(*) FROM articles GROUP BY outcome").fetchall()
        return {outcome: n for outcome, n in rows}


def _conforms(state: ArchiveState) -> State:
    return state  # mypy checks the SQLite store against every protocol above
