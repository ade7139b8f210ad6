"""``scrapy savefixture URL``: record a page, bytes as the server sent them, as a fixture case."""

from __future__ import annotations

import json
import re
from argparse import ArgumentParser, Namespace
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Request, Response
from w3lib.url import is_url

from newsarchive.archive.paths import utc_stamp
from newsarchive.archive.replay import CASE_BODY, CASE_META


class RawCapture:
    """Downloader middleware next to the downloader: keeps responses before decompression."""

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("savefixture"):
            headers = {k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()}
            request.meta["savefixture_raw"] = (response.status, headers, response.body)
        return response


def case_name(spiders: list[Any], url: str) -> tuple[str, str] | None:
    """(source, case directory name) for a URL one of the project's spiders claims.

    The name comes from the article id or the list page's column, reduced to ``[a-z0-9-]``.
    """
    for spider in spiders:
        ref = spider.article_ref(url)
        if ref is not None:
            suffix = f"_{ref.page}" if ref.page else ""
            kind = "part" if ref.page else "article"
            return spider.name, f"{kind}-{slug(ref.article_id)}{suffix}"
        canonical = spider.list_url(url)
        if canonical is not None:
            return spider.name, f"list-{list_case_name(urlsplit(canonical).path)}"
    return None


def list_case_name(path: str) -> str:
    """A list page's case name: its column (the last directory) and page number, as the
    portals' CMSs lay lists out (``/column/``, ``/column/index_N.html``).

    >>> list_case_name("/html/xw/dzyw/"), list_case_name("/jwyc/index_1.html"), list_case_name("/")
    ('dzyw', 'jwyc-1', 'home')
    """
    directory, _, page = path.rpartition("/")
    column = [part for part in directory.split("/") if part][-1:]
    number = re.match(r"index_(\d+)\.\w+$", page)
    return slug("-".join([*column, *([number[1]] if number else [])])) or "home"


def slug(text: str) -> str:
    """Lower-case letters, digits and single dashes only.

    >>> slug("/xw/dzyw/1"), slug("../../etc/passwd")
    ('xw-dzyw-1', 'etc-passwd')
    """
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")[:80]


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] URL"

    def short_desc(self) -> str:
        return "Record a live page as a fixture case (response.body, response.json)"

    def add_options(self, parser: ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-d", "--dir", default="fixtures", help="fixture tree to write into (default: fixtures)")
        parser.add_argument("--source", help="spider the case belongs to (default: the spider that claims the URL)")
        parser.add_argument("--name", help="case directory name (default: article-<id> or list-<path>)")
        parser.add_argument("--force", action="store_true", help="overwrite an existing case")

    def run(self, args: list[str], opts: Namespace) -> None:
        if len(args) != 1 or not is_url(args[0]):
            raise UsageError("give one absolute URL")
        url = args[0]
        assert self.crawler_process is not None
        loader = self.crawler_process.spider_loader
        spiders = [loader.load(name)() for name in loader.list()]
        named = case_name(spiders, url)
        source = opts.source or (named[0] if named else None)
        name = opts.name or (named[1] if named else None)
        if not source or not name:
            raise UsageError(f"no spider of this project claims {url}; pass --source and --name")
        if slug(source) != source or slug(name.replace("_", "-")) != name.replace("_", "-"):
            raise UsageError("--source and --name may hold only a-z, 0-9, '-' and '_'")
        target = Path(opts.dir) / source / name
        if (target / CASE_META).exists() and not opts.force:
            raise UsageError(f"{target} exists; pass --force to record it again")
        saved: dict[str, Any] = {}

        class Recorder(scrapy.Spider):
            name = "savefixture"
            custom_settings = {  # noqa: RUF012  (Scrapy declares it an instance attribute)
                "DOWNLOADER_MIDDLEWARES": {"newsarchive.commands.savefixture.RawCapture": 990}
            }

            async def start(self) -> AsyncIterator[Any]:
                yield Request(
                    url,
                    callback=self.keep,
                    errback=self.failed,
                    dont_filter=True,
                    meta={"savefixture": True, "handle_httpstatus_all": True, "dont_redirect": True},
                )

            def keep(self, response: Response) -> None:
                saved["raw"] = response.meta["savefixture_raw"]

            def failed(self, failure: Any) -> None:
                saved["error"] = repr(failure.value)

        self.crawler_process.crawl(Recorder)
        self.crawler_process.start()
        if "raw" not in saved:
            print(f"Nothing recorded for {url}: {saved.get('error', 'no response (robots.txt, offsite?)')}")
            self.exitcode = 1
            return
        status, headers, body = saved["raw"]
        target.mkdir(parents=True, exist_ok=True)
        (target / CASE_BODY).write_bytes(body)
        # "date": when it was recorded, which a replay gives its capture as WARC-Date.
        meta = {"url": url, "status": status, "headers": headers, "date": utc_stamp()}
        (target / CASE_META).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"Recorded {url} ({status}, {len(body)} bytes) in {target}.")
        print("Write its expected.json by reading the page, field by field (see README, 'Fixtures').")
