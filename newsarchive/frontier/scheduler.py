"""Several crawler processes on one Redis frontier: the scheduler side (``newsarchive.frontier.addon``
switches to it when ``REDIS_URL`` is set; this module needs the ``redis`` extra).

scrapy-redis provides the shared request queue and the shared duplicate filter; this module adds
what an archive needs on top:

* :class:`ReliableScheduler` remembers every request a worker has taken until it has left that
  worker's downloader. A worker that dies (its heartbeat key expires) has its taken requests put
  back on the queue by the others, or by itself when it restarts, so nothing it held is lost. A
  worker also stays up while a live worker still holds requests that may yield more work.
* The duplicate filter is scoped to a run (``RUN_ID``, by default the UTC hour): within a run no
  URL is fetched twice by any worker; the next run walks the lists again, and the archive state
  (shared in Redis, see :mod:`newsarchive.frontier.redis_state`) keeps known articles from being fetched.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object
from scrapy.utils.reactor import CallLaterOnce
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newsarchive.archive.state import open_state
from newsarchive.config import int_setting, setting
from newsarchive.frontier.addon import PREFIX, redacted
from newsarchive.frontier.redis_state import alive_key

logger = logging.getLogger(__name__)

WAKE_INTERVAL = 0.05  # seconds before a worker that found the shared queue empty looks again
# Release what this worker is done with (ARGV: taken tokens), pop the best request and note it as
# taken, atomically: a kill between the steps cannot lose a request.
_POP_AND_TAKE = """
if #ARGV > 0 then redis.call('HDEL', KEYS[2], unpack(ARGV)) end
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return nil end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local token = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], token, found[1])
return {token, found[1]}
"""

# Mark a request seen and queue it, in one round trip (a request that must not be filtered passes
# no fingerprint).
_SEE_AND_PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


class ReliableScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis ships no types
    """scrapy-redis's scheduler with taken requests tracked per worker and recovered after a death."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReliableScheduler:
        instance: ReliableScheduler = super().from_crawler(crawler)
        instance.crawler = crawler
        # A request is released once its callback's output is all handed over (see
        # ReleaseTakenMiddleware), or when the scheduler refuses it; anything else taken
        # (a download that failed) is put back if the worker dies, or dropped at a normal end.
        crawler.signals.connect(instance.done, signal=signals.request_dropped)
        return instance

    def open(self, spider: Any) -> None:
        # scrapy-redis's own open() logs through the deprecated Spider.log(): the same, without it.
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name}, serializer=self.serializer
        )
        if not self.df:
            self.df: Any = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if len(self.queue):
            logger.info("Resuming: %d request(s) already on the shared queue", len(self.queue))
        settings = self.crawler.settings
        self.worker = settings.get("WORKER_ID")
        self.ttl = max(2, int_setting(settings, "WORKER_HEARTBEAT_TTL"))
        base = f"{PREFIX}:{spider.name}"
        self.taken_prefix = f"{base}:taken:"
        self.alive_prefix = f"{base}:alive:"
        self.taken_key = self.taken_prefix + self.worker
        self.alive_key = alive_key(spider.name, self.worker)
        self.token_key = f"{base}:tokens"
        self.pop_script = self.server.register_script(_POP_AND_TAKE)
        self.push_script = self.server.register_script(_SEE_AND_PUSH)
        self._others_checked = 0.0
        self.silent: dict[str, float] = {}  # workers holding requests, first seen without a heartbeat
        self._others_busy = False
        self.token = uuid.uuid4().hex  # this process, as its heartbeat key says
        # Taken requests this worker is done with, released with its next pop (one round trip
        # fewer per page). Lost in a kill, they are put back and fetched again: safe, not lost.
        self.released: list[str] = []
        self.waker = CallLaterOnce(self._wake_engine)
        self.claim_identity()
        self.server.expire(self.df.key, 7 * 24 * 3600)  # a run's seen-set outlives the run by a week
        # What this worker held when it last died is no longer held by anyone: back on the queue.
        self.requeue(self.taken_key, "restart")
        self.beat()
        self.loop = task.LoopingCall(self.beat)
        self.loop.start(self.ttl / 3, now=False)
        logger.info(
            "Worker %s on %s, run %s",
            self.worker,
            redacted(str(setting(settings, "REDIS_URL"))),
            settings.get("RUN_ID"),
        )

    def close(self, reason: str) -> None:
        if getattr(self, "loop", None) is not None and self.loop.running:
            self.loop.stop()
        if getattr(self, "waker", None) is not None:
            self.waker.cancel()
        self.release()
        if reason == "finished":
            # A normal end leaves nothing taken: entries left are requests dropped on the way.
            self.server.delete(self.taken_key)
        self.server.delete(self.alive_key)
        super().close(reason)

    def claim_identity(self) -> None:
        """Take WORKER_ID for this process. Held by another live worker, it is refused: a worker
        killed a moment ago has its heartbeat expire within WORKER_HEARTBEAT_TTL, so wait that long."""
        deadline = time.monotonic() + self.ttl + 1
        waited = False
        while not self.server.set(self.alive_key, self.token, nx=True, ex=self.ttl):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"WORKER_ID={self.worker} is in use by a live worker of {self.spider.name}: give each worker its "
                    "own WORKER_ID (or leave it unset: the default is the host name and process id)"
                )
            if not waited:
                logger.info("WORKER_ID %s has a heartbeat: waiting up to %s s for it to expire", self.worker, self.ttl)
                waited = True
            time.sleep(0.25)

    def beat(self) -> None:
        """Say this worker is alive, and put back what dead workers held."""
        self.server.set(self.alive_key, self.token, ex=self.ttl)
        self.release()
        self.sweep()

    def release(self) -> None:
        if self.released:
            self.server.hdel(self.taken_key, *self.released)
            self.released = []

    def sweep(self) -> bool:
        """One look at what the other workers hold: a dead worker's requests go back on the queue
        (after what it wrote is registered); returns whether a live one still holds any (their
        pages may add work for everyone)."""
        busy = False
        for key in self.server.scan_iter(match=f"{self.taken_prefix}*"):
            held = key.decode() if isinstance(key, bytes) else key
            name = held[len(self.taken_prefix) :]
            if name == self.worker or not self.server.hlen(held):
                continue
            if self.server.exists(self.alive_prefix + name):
                self.silent.pop(name, None)
                busy = True
            elif time.monotonic() - self.silent.setdefault(name, time.monotonic()) < self.ttl:
                # A missing key is no proof: it vanishes with a server that restarted. Dead is a
                # worker this one has watched stay silent for a whole heartbeat TTL.
                busy = True
            else:
                self.silent.pop(name, None)
                self.adopt(name)
                self.requeue(held, f"worker {name} stopped")
        return busy

    def adopt(self, worker: str) -> None:
        """Register what a dead worker wrote but had not registered, before its requests run again."""
        open_state(self.crawler).adopt_worker(worker)

    def requeue(self, key: str, why: str) -> None:
        held = self.server.hgetall(key)
        if not held:
            return
        pipe = self.server.pipeline()
        for data in held.values():
            pipe.execute_command("ZADD", self.queue.key, -1, data)
        pipe.delete(key)
        pipe.execute()
        if self.stats is not None:
            self.stats.inc_value("newsarchive/redis/requeued", len(held))
        logger.warning("Put %d request(s) back on the queue (%s)", len(held), why)

    def enqueue_request(self, request: Request) -> bool:
        # scrapy-redis's own version asks the seen-set and pushes in two round trips, and passes
        # spider= to the stats, which Scrapy 2.19 deprecates: one script instead.
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        data = self.queue._encode_request(request)
        if not self.push_script(keys=[self.df.key, self.queue.key], args=[fingerprint, -request.priority, data]):
            self.df.log(request, self.spider)
            return False
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        released, self.released = self.released, []
        found = self.pop_script(keys=[self.queue.key, self.taken_key, self.token_key], args=released)
        if not found:
            self.wake_soon()
            return None
        token, data = found
        request: Request = self.queue._decode_request(data)
        request.meta["taken_token"] = token.decode() if isinstance(token, bytes) else str(token)
        if self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def wake_soon(self) -> None:
        """Ask the engine for work again shortly. Left alone, an engine that found the queue empty
        asks again only on its slot heartbeat (5 s), while the other workers fill the shared queue."""
        self.waker.schedule(WAKE_INTERVAL)  # at most one wake-up pending at a time

    def _wake_engine(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    def has_pending_requests(self) -> bool:
        if len(self) > 0:
            return True
        # The engine asks often while idle: look at the other workers at most twice a second.
        now = time.monotonic()
        if now - self._others_checked >= 0.5:
            self._others_checked = now
            self.release()  # idle: nothing to pop, so say now what this worker is done with
            self._others_busy = self.sweep()
        return self._others_busy or len(self) > 0

    def done(self, request: Request, spider: Any = None) -> None:
        token = request.meta.get("taken_token")
        if token is not None:
            self.released.append(token)


class ReleaseTakenMiddleware:
    """Spider middleware: a taken request is released only after everything its callback yielded
    has been handed to the engine (new requests are on the shared queue by then). Released
    earlier, a worker killed mid-callback would lose the links of the page it was reading."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReleaseTakenMiddleware:
        return cls(crawler)

    def _release(self, response: Any) -> None:
        scheduler = getattr(getattr(self.crawler.engine, "_slot", None), "scheduler", None)
        request = getattr(response, "request", None)
        if isinstance(scheduler, ReliableScheduler) and request is not None:
            scheduler.done(request)

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterator[Any]:
        yield from result
        self._release(response)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in result:
            yield output
        self._release(response)
