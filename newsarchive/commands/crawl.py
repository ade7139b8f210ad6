"""``scrapy crawl``, with an exit status an operator can trust.

Scrapy's own ``crawl`` exits 0 whenever the crawl started, even when the archive could not be
written or no page could be read. This one checks the archive first (see
:mod:`newsarchive.commands.preflight`), holds the archive's lock while it writes (exit 75 when
another run holds it), and exits 1 when the crawl could not do its job.
"""

from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from newsarchive.archive.faults import CLOSE_REASON
from newsarchive.commands.crawlall import EXIT_LOCKED, take_lock
from newsarchive.commands.preflight import EXIT_FAILED, before_crawl
from newsarchive.config import setting
from newsarchive.counts import key
from newsarchive.spiders.base import on_domains

# A run that counted none of these read nothing: a list page gone (404) is not a page read.
PAGES_READ = ("list_pages", "articles_fetched", "article_gone")


def failure(stats: dict[str, Any], reason: str | None, shared: bool = False) -> str | None:
    """Why a finished crawl failed its job, from its final stats, or None. A worker of a shared
    frontier (``shared``) may rightly read nothing: the other workers took every page.

    >>> failure({"newsarchive/list_pages": 2}, "finished") is None
    True
    >>> failure({}, "finished")
    'no page could be read (see the errors above)'
    """
    if reason == CLOSE_REASON or stats.get(key("archive_write_failed")):
        return "the archive could not be written (see the error above)"
    if stats.get(key("state_lost")):
        return "the Redis state lost its data during the run (see the error above)"
    if reason == "finished" and not shared and not any(stats.get(key(name)) for name in PAGES_READ):
        return "no page could be read (see the errors above)"
    return None


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: Namespace) -> None:
        if len(args) != 1:
            raise UsageError(
                "give one spider name"
                if not args
                else "running 'scrapy crawl' with more than one spider is not supported"
            )
        assert self.crawler_process is not None and self.settings is not None
        self.check_start_urls(args[0], opts.spargs.get("start_urls"))
        if not before_crawl(self.settings, "crawl"):
            self.exitcode = EXIT_FAILED
            return
        # One writer per archive: a crawlall, a reparse --replace or another crawl holding the lock
        # would share its files and state (workers of a shared frontier write their own files).
        lock = None
        if not self.settings.get("REDIS_URL"):
            lock = take_lock(Path(setting(self.settings, "ARCHIVE_DIR")), "crawl")
            if lock is None:
                self.exitcode = EXIT_LOCKED
                return
        try:
            self._crawl(args[0], opts)
        finally:
            if lock is not None:
                lock.release()

    def check_start_urls(self, name: str, value: str | None) -> None:
        """A start URL off the portal's domains would be dropped without a word: refuse it."""
        assert self.crawler_process is not None
        spidercls = self.crawler_process.spider_loader.load(name)
        domains = getattr(spidercls, "allowed_domains", None)
        if not value or not domains:
            return
        for url in (u.strip() for u in value.split(",")):
            if url and not on_domains(url, domains):
                raise UsageError(
                    f"start URL {url} is not on the domains of {name} ({', '.join(domains)})", print_help=False
                )

    def _crawl(self, name: str, opts: Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        crawler = self._create_crawler(name)
        ended: dict[str, str] = {}

        def closed(spider: Any, reason: str) -> None:
            ended["reason"] = reason

        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        shared = bool(self.settings.get("REDIS_URL"))
        why = failure(stats, ended["reason"], shared) if ended else "the crawl did not start (see the errors above)"
        if self.crawler_process.bootstrap_failed or why is not None:
            print(f"crawl: {name}: {why or 'the crawl did not start'}; exit status {EXIT_FAILED}", file=sys.stderr)
            self.exitcode = EXIT_FAILED
