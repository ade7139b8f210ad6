"""The archive state in Redis, shared by every worker of a distributed crawl.

The same contract as :class:`newsarchive.archive.state.ArchiveState` (SQLite), kept in Redis hashes under
``newsarchive:state:``. Every lookup is by key on the server, so a worker's memory stays flat.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import redis

from newsarchive.archive.paths import record_files, utc_stamp
from newsarchive.archive.state import Admission, State, StateLost, recover
from newsarchive.config import bool_setting, setting

logger = logging.getLogger(__name__)
P = "newsarchive:state:"
GENERATION = P + "generation"

# Admit a record: known if its id is archived (or a duplicate), else the first id to claim its
# text owns it. One step on the server, so two workers archiving the same text under two ids at
# the same instant cannot both keep it.
_ADMIT = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then
  local outcome = cjson.decode(raw)['outcome']
  if outcome == 'archived' or outcome == 'duplicate' then return {'known'} end
end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[1]) == 1 then return {'new'} end
local owner = redis.call('HGET', KEYS[2], ARGV[2])
if owner == ARGV[1] then return {'new'} end
return {'duplicate', owner}
"""
# Note articles pending; an entry left by an earlier run becomes this run's (its attempts kept),
# so a worker starting later sees it held by a live worker and leaves it alone.
_ADD_PENDING = """
for i = 1, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  local fresh = cjson.decode(ARGV[i + 1])
  if not old then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  else
    local entry = cjson.decode(old)
    if entry['run'] ~= fresh['run'] then
      entry['run'] = fresh['run']
      entry['worker'] = fresh['worker']
      redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(entry))
    end
  end
end
"""
# Take a pending article for a retry only if no other worker changed it since it was read.
_CLAIM_PENDING = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
"""


def alive_key(source: str, worker: str) -> str:
    """The key a live worker keeps refreshing (see newsarchive.frontier.scheduler)."""
    return f"newsarchive:{source}:alive:{worker}"


class RedisState:
    """Articles, file lengths, pending articles, runs, list pages and WARC payloads in Redis."""

    def __init__(self, url: str, archive: Path, worker: str, run: str = "") -> None:
        self.db = redis.Redis.from_url(url)
        self.archive = archive
        self.worker = worker
        self.run = run
        self.recovered = 0
        self.rebuilt = False  # the server had lost its data: rebuilt from the records (see from_settings)
        self.generation: Any = None  # the marker as read at start
        self._admit = self.db.register_script(_ADMIT)
        self._add_pending = self.db.register_script(_ADD_PENDING)
        self._claim_pending = self.db.register_script(_CLAIM_PENDING)

    @classmethod
    def from_settings(cls, settings: Any) -> RedisState:
        archive = Path(setting(settings, "ARCHIVE_DIR"))
        state = cls(
            setting(settings, "REDIS_URL"), archive, setting(settings, "WORKER_ID"), setting(settings, "RUN_ID")
        )
        state.check_persistence(bool_setting(settings, "REDIS_REQUIRE_PERSISTENCE"))
        files = record_files(archive)
        # The state's generation: set once when the state begins. Missing while the archive holds
        # records, the server lost its data (a restart without persistence): nothing it says about
        # what is known or pending can be believed. It is rebuilt from every worker's records, and
        # this run walks every list page.
        if state.db.set(GENERATION, uuid.uuid4().hex, nx=True) and files:
            state.rebuilt = True
            logger.error(
                "The Redis state held nothing while %s holds records: the server lost its data (restarted "
                "without persistence?). Rebuilding it from the records; this run walks every list page.",
                archive,
            )
        state.generation = state.db.get(GENERATION)
        state.recovered = recover(state, files if state.rebuilt else state.worker_files(files))
        return state

    def check_persistence(self, required: bool) -> None:
        """Say (or refuse, with REDIS_REQUIRE_PERSISTENCE) when the server keeps nothing across a
        restart: the frontier and the archive state would be lost with it."""
        try:
            aof = self.db.config_get("appendonly").get("appendonly")
            save = self.db.config_get("save").get("save")
        except redis.exceptions.ResponseError:  # CONFIG disabled (a managed server)
            logger.warning(
                "Could not ask Redis whether it persists its data (CONFIG is disabled); it must "
                "(appendonly yes), or a restart loses the frontier and the archive state"
            )
            return
        if aof == "yes" or save:
            return
        message = (
            "Redis keeps no data across a restart (appendonly no, no save points): a restart loses the "
            "frontier and the archive state (detected and rebuilt, at the cost of a full walk); "
            "run it with appendonly yes"
        )
        if required:
            raise RuntimeError(message + " (REDIS_REQUIRE_PERSISTENCE is set)")
        logger.warning(message)

    def flush(self) -> None:
        """Nothing to do: every Redis write is applied at once."""

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _s(value: Any) -> str | None:
        return value.decode("utf-8") if isinstance(value, bytes) else value

    # --- articles -----------------------------------------------------------------------------

    def _article(self, article_id: str) -> dict[str, Any] | None:
        raw = self.db.hget(P + "articles", article_id)
        return json.loads(raw) if raw else None

    def outcome(self, article_id: str) -> str | None:
        found = self._article(article_id)
        return found["outcome"] if found else None

    def outcomes(self, article_ids: list[str]) -> dict[str, str]:
        """The outcome of each id that has one: one round trip for all the links of a page."""
        if not article_ids:
            return {}
        raws = self.db.hmget(P + "articles", article_ids)
        return {i: json.loads(raw)["outcome"] for i, raw in zip(article_ids, raws, strict=True) if raw}

    def admit(self, article_id: str, content_hash: str) -> Admission:
        """Whether the record may be archived, decided in one atomic step. A claim on a text whose
        record was never written (the worker died) stays this id's: the article is still pending
        and is archived under it on its retry."""
        verdict, *original = (
            self._s(v) for v in self._admit(keys=[P + "articles", P + "hashes"], args=[article_id, content_hash])
        )
        return Admission(verdict or "new", original[0] if original else None)

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
        if outcome != "archived" and self.outcome(article_id) == "archived":
            return
        value = json.dumps(
            {
                "outcome": outcome,
                "url": url,
                "content_hash": content_hash,
                "duplicate_of": duplicate_of,
                "reason": reason,
                "at": utc_stamp(),
            }
        )
        pipe = self.db.pipeline(transaction=True)
        pipe.hset(P + "articles", article_id, value)
        if outcome == "archived" and content_hash:
            pipe.hsetnx(P + "hashes", content_hash, article_id)
        pipe.hdel(P + "pending", article_id)
        if file is not None:
            pipe.hset(P + "files", self._key(file[0]), file[1])
        pipe.execute()

    def count(self, outcome: str = "archived") -> int:
        return sum(1 for _, v in self.db.hscan_iter(P + "articles") if json.loads(v)["outcome"] == outcome)

    # --- JSONL files ----------------------------------------------------------------------------

    def _key(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.archive.resolve()))
        except ValueError:
            return str(path)

    def committed(self, path: Path) -> int:
        return int(self.db.hget(P + "files", self._key(path)) or 0)

    def worker_files(self, files: Iterable[Path], worker: str | None = None) -> list[Path]:
        """A worker's JSONL files (by default this one's): a live worker's files are only ever
        recovered by that worker, a dead one's by whoever notices."""
        worker = self.worker if worker is None else worker
        return [path for path in files if not worker or path.name.endswith(f".{worker}.jsonl")]

    def adopt_worker(self, worker: str) -> int:
        """Register what a dead worker wrote but had not registered, before its requests run again."""
        return recover(self, self.worker_files(record_files(self.archive), worker))

    def register_lines(self, path: Path, records: list[dict[str, Any]], size: int) -> None:
        pipe = self.db.pipeline(transaction=True)
        for record in records:
            pipe.hsetnx(
                P + "articles",
                record["id"],
                json.dumps(
                    {
                        "outcome": "archived",
                        "url": record["url"],
                        "content_hash": record.get("content_hash"),
                        "at": utc_stamp(),
                    }
                ),
            )
            if record.get("content_hash"):
                pipe.hsetnx(P + "hashes", record["content_hash"], record["id"])
            pipe.hdel(P + "pending", record["id"])
        pipe.hset(P + "files", self._key(path), size)
        pipe.execute()

    # --- pending articles and runs ----------------------------------------------------------------

    def add_pending(self, source: str, articles: Iterable[tuple[str, str]]) -> None:
        args: list[str] = []
        for article_id, url in articles:
            args += [
                article_id,
                json.dumps({"source": source, "url": url, "attempts": 0, "run": self.run, "worker": self.worker}),
            ]
        if args:  # one round trip for all the links of a page
            self._add_pending(keys=[P + "pending"], args=args)

    def forget_pending(self, article_id: str) -> None:
        self.db.hdel(P + "pending", article_id)

    def take_pending(self, source: str, max_attempts: int) -> tuple[list[tuple[str, str]], list[str]]:
        """Pending articles to retry: left by an earlier run, by this worker's previous life, or by a
        worker of this run that died; not those a live worker of this run is working on."""
        retry, dropped = [], []
        for key, raw in self.db.hscan_iter(P + "pending"):
            entry = json.loads(raw)
            if entry["source"] != source:
                continue
            owner = entry.get("worker", "")
            if entry.get("run") == self.run and owner != self.worker and self.db.exists(alive_key(source, owner)):
                continue
            article_id = self._s(key) or ""
            entry.update(attempts=entry["attempts"] + 1, run=self.run, worker=self.worker)
            given_up = entry["attempts"] > max_attempts
            # Two workers starting together both read the entry; only the one whose claim lands
            # retries it (it is this worker's now, in this run: the other sees it held).
            if not self._claim_pending(
                keys=[P + "pending"], args=[article_id, raw, "" if given_up else json.dumps(entry)]
            ):
                continue
            if given_up:
                dropped.append(article_id)
            else:
                retry.append((article_id, entry["url"]))
        return retry, dropped

    def begin_run(self, source: str) -> bool:
        key = f"{source}:{self.worker}"
        previous = self.db.hget(P + "runs", key)
        self.db.hset(P + "runs", key, 0)
        if self.rebuilt:
            return False
        return previous is None or previous == b"1"

    def end_run(self, source: str) -> None:
        if self.db.get(GENERATION) != self.generation:
            # The server lost its data during the run (its queue too): this run is not complete,
            # and the next one, finding the marker gone or new, rebuilds and walks everything.
            raise StateLost(
                "the Redis server lost its data during the run (restarted without persistence?): "
                "the run is not complete; the next run rebuilds the state and walks every list page"
            )
        pipe = self.db.pipeline(transaction=True)
        pipe.hset(P + "runs", f"{source}:{self.worker}", 1)
        for url, raw in self.db.hscan_iter(P + "owed_lists"):
            entry = json.loads(raw)
            if entry["source"] == source:
                entry["runs"] += 1
                pipe.hset(P + "owed_lists", url, json.dumps(entry))
        pipe.execute()

    # --- list pages whose walk is owed ------------------------------------------------------------

    def owe_list(self, source: str, url: str, reason: str) -> None:
        raw = self.db.hget(P + "owed_lists", url)
        entry = json.loads(raw) if raw else {"source": source, "runs": 0, "at": utc_stamp()}
        entry["reason"] = reason
        self.db.hset(P + "owed_lists", url, json.dumps(entry))

    def settle_list(self, url: str) -> None:
        self.db.hdel(P + "owed_lists", url)

    def owe_picture(self, source: str, url: str, reason: str) -> None:
        self.db.hset(P + "owed_pictures", url, json.dumps({"source": source, "reason": reason, "at": utc_stamp()}))

    def settle_picture(self, url: str) -> None:
        self.db.hdel(P + "owed_pictures", url)

    def owed_pictures(self, source: str) -> list[str]:
        owed = [(self._s(url) or "", json.loads(raw)) for url, raw in self.db.hscan_iter(P + "owed_pictures")]
        return [url for url, e in sorted(owed, key=lambda o: (o[1]["at"], o[0])) if e["source"] == source]

    def owed_lists(self, source: str) -> list[tuple[str, int]]:
        owed = [(self._s(url) or "", json.loads(raw)) for url, raw in self.db.hscan_iter(P + "owed_lists")]
        return [
            (url, int(e["runs"])) for url, e in sorted(owed, key=lambda o: (o[1]["at"], o[0])) if e["source"] == source
        ]

    # --- WARC payloads, fetched URLs, list pages -------------------------------------------------

    def warc_payload(self, digest: str) -> dict[str, str] | None:
        raw = self.db.hget(P + "warc", digest)
        return dict(json.loads(raw)) if raw else None

    def remember_warc_payload(self, digest: str, uri: str, date: str, record_id: str, file: str) -> None:
        self.db.hsetnx(P + "warc", digest, json.dumps({"uri": uri, "date": date, "record_id": record_id, "file": file}))

    def last_capture(self, url: str) -> dict[str, str] | None:
        raw = self.db.hget(P + "captures", url)
        return dict(json.loads(raw)) if raw else None

    def remember_capture(self, url: str, record_id: str, date: str, file: str) -> None:
        self.db.hset(P + "captures", url, json.dumps({"record_id": record_id, "date": date, "file": file}))

    def validators(self, url: str) -> tuple[str | None, str | None]:
        # Only with the page's links remembered: a 304 must find what the page showed (see ArchiveState).
        pipe = self.db.pipeline(transaction=False)
        pipe.hget(P + "fetched", url)
        pipe.hexists(P + "lists", url)
        raw, links = pipe.execute()
        if not raw or not links:
            return None, None
        entry = json.loads(raw)
        if entry.get("status") != 200:
            return None, None
        return entry.get("etag"), entry.get("last_modified")

    def remember_fetch(self, url: str, status: int, etag: str | None, last_modified: str | None) -> None:
        if status == 304:
            return
        self.db.hset(P + "fetched", url, json.dumps({"status": status, "etag": etag, "last_modified": last_modified}))

    def list_links(self, url: str) -> dict[str, list[str]] | None:
        raw = self.db.hget(P + "lists", url)
        return dict(json.loads(raw)) if raw else None

    def remember_list(self, url: str, links: dict[str, list[str]]) -> None:
        self.db.hset(P + "lists", url, json.dumps(links))


def _conforms(state: RedisState) -> State:
    return state  # mypy checks the Redis store against every protocol of newsarchive.archive.state
