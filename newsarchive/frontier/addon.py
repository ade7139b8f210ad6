"""``-s REDIS_URL=redis://host:port/db``: several crawler processes on one Redis frontier.

This add-on only switches settings; what it switches to (:mod:`newsarchive.frontier.scheduler`,
:mod:`newsarchive.frontier.redis_state`) needs the ``redis`` extra (``pip install 'newsarchive[redis]'``:
scrapy-redis and redis-py). A single-machine install does without both, and a crawl that does not
set ``REDIS_URL`` never imports them.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from scrapy.settings import BaseSettings

from newsarchive.config import setting

PREFIX = "newsarchive"
# What the redis extra installs; REDIS_URL without them is a clear error, not an ImportError later.
REDIS_PACKAGES = ("scrapy_redis", "redis")


def redacted(url: str) -> str:
    """A Redis URL fit for logs: the password replaced.

    >>> redacted("redis://:s3cret@10.0.0.5:6379/0"), redacted("redis://user:pw@host/1")
    ('redis://:***@10.0.0.5:6379/0', 'redis://user:***@host/1')
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))


class SecretUrl(str):
    """A URL whose repr hides its password: Scrapy logs overridden settings with repr."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(redacted(str(self)))


def default_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H")


class RedisAddon:
    """Switches scheduler, duplicate filter and archive state to Redis when ``REDIS_URL`` is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = setting(settings, "REDIS_URL")
        if not url:
            return
        missing = [name for name in REDIS_PACKAGES if importlib.util.find_spec(name) is None]
        if missing:
            # Not NotConfigured: Scrapy would disable the add-on with a warning and crawl alone.
            raise ImportError(
                f"REDIS_URL is set but {', '.join(missing)} is not installed: install the "
                "redis extra (pip install 'newsarchive[redis]')"
            )
        run_id = settings.get("RUN_ID") or default_run_id()
        # One identity per process: two workers on one host must never share one (each would take
        # the other's requests for its own and put them back on the queue, fetching them twice).
        worker = settings.get("WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"
        for key, value in (
            ("SCHEDULER", "newsarchive.frontier.scheduler.ReliableScheduler"),
            ("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter"),
            ("SCHEDULER_PERSIST", True),
            ("SCHEDULER_QUEUE_KEY", f"{PREFIX}:%(spider)s:requests"),
            ("SCHEDULER_DUPEFILTER_KEY", f"{PREFIX}:%(spider)s:seen:{run_id}"),
            ("ARCHIVE_STATE", "newsarchive.frontier.redis_state.RedisState"),
            (
                "SPIDER_MIDDLEWARES",
                {**settings.getdict("SPIDER_MIDDLEWARES"), "newsarchive.frontier.scheduler.ReleaseTakenMiddleware": 1},
            ),
            ("WORKER_ID", worker),
            ("RUN_ID", run_id),
        ):
            settings.set(key, value, priority="project")
        # Scrapy logs every overridden setting: keep the password out of the log.
        settings.set("REDIS_URL", SecretUrl(url), priority="cmdline")
