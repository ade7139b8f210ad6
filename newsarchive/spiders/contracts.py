"""``scrapy check``: contracts on the shared callbacks, run against each portal's own sample pages.

The callbacks live in :class:`newsarchive.spiders.base.PortalSpider`, so their docstrings name no
URL; ``@sample list`` asks the portal for its first channel page and ``@sample article`` for its
``sample_article`` (a one-page article). ``@valid_record`` holds every record the callback gives
to what validation would demand of it (the rules and the JSON Schema).

Offline, over the recorded pages: ``scrapy check -s REPLAY_DIR=fixtures``. Checks never touch the
archive: :class:`CheckAddon` points ``ARCHIVE_DIR`` at a temporary directory while Scrapy's check
command runs (it sets ``SCRAPY_CHECK``), removed at exit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from itemadapter import ItemAdapter
from scrapy.contracts import Contract
from scrapy.exceptions import ContractFail
from scrapy.settings import BaseSettings

from newsarchive.archive.scratch import use_scratch_archive
from newsarchive.items import SCHEMA
from newsarchive.pipelines.store import ordered
from newsarchive.pipelines.validate import SchemaCheck, refusals, rules


class SampleContract(Contract):
    """``@sample list|article``: request the portal's own sample page of that kind."""

    name = "sample"

    def __init__(self, method: Callable[..., Any], *args: Any) -> None:
        super().__init__(method, *args)
        self.spider: Any = method.__self__  # type: ignore[attr-defined]  # a callback bound to the spider checked

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        [kind] = self.args
        if kind == "list":
            url = next(iter(getattr(spider, "default_start_urls", ())), None)
        elif kind == "article":
            url = getattr(spider, "sample_article", None)
        else:
            raise ValueError(f"@sample takes list or article, not {kind!r}")
        if not url:
            raise ValueError(f"portal {spider.name} names no sample {kind} page (default_start_urls, sample_article)")
        args["url"] = url
        return args


class ValidRecordContract(Contract):
    """``@valid_record``: every record passes validation's rules and the JSON Schema."""

    name = "valid_record"

    def __init__(self, method: Callable[..., Any], *args: Any) -> None:
        super().__init__(method, *args)
        self.limits = rules(method.__self__.settings)  # type: ignore[attr-defined]  # the checked spider's crawl

    def post_process(self, output: list[Any]) -> None:
        schema = SchemaCheck(SCHEMA)
        for item in output:
            if ItemAdapter.is_item(item):
                record = ordered(item)
                reasons, errors = refusals(record, schema, **self.limits)
                if reasons:
                    raise ContractFail(f"{record.get('url')}: {', '.join(reasons + errors)}")


class CheckAddon:
    """While ``scrapy check`` runs, the archive is a temporary directory: contracts test reading,
    and must neither write into the real archive nor be skewed by what it already knows."""

    def update_settings(self, settings: BaseSettings) -> None:
        if os.environ.get("SCRAPY_CHECK") != "true":
            return
        use_scratch_archive(settings, "check")
