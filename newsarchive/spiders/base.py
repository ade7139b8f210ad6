"""What every portal spider does: walk list pages, fetch articles, merge pages, finish records.

A portal module subclasses :class:`PortalSpider` and states only what :data:`PORTAL_DATA` and
:data:`PORTAL_HOOKS` list (and private helpers of its own, named with a leading ``_``): its names,
URL rules and selectors, and the hooks where its pages differ. The crawl is the same for every
portal; a subclass that overrides anything else is refused when the class is created, so a portal
cannot come to depend on the crawl's insides.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar, NamedTuple
from urllib.parse import SplitResult, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse

from newsarchive import counts
from newsarchive.archive.faults import ArchiveWriteError
from newsarchive.archive.paths import META_FETCHED_AT, META_WARC_RECORD, utc_stamp
from newsarchive.archive.replay import MISSING
from newsarchive.archive.state import State, StateLost, open_state
from newsarchive.config import bool_setting, int_setting
from newsarchive.counts import Counts
from newsarchive.items import Article
from newsarchive.reading.page import absolute
from newsarchive.reading.portal import PortalReader
from newsarchive.reading.text import unique
from newsarchive.spiders.records import finish_record, merge_page, provenance

_TEXT_TYPES = (b"application/xhtml+xml", b"application/xml")
# The order of the frontier: list pages, then the further pages of an article already begun (its
# record is held in memory until they come), then articles.
LIST_PRIORITY, PART_PRIORITY, ARTICLE_PRIORITY = 3, 2, 1


class ArticleRef(NamedTuple):
    """Where an article URL points: the article's id, its first page's URL, which page."""

    article_id: str
    url: str
    page: int = 0


class ListPage(NamedTuple):
    """What a list page links to: article first pages and further list pages, canonical."""

    article_urls: list[str]
    next_pages: list[str]


# The portal contract. What a portal states (class data; ``*_selectors`` of its own are allowed too):
PORTAL_DATA = frozenset(
    {
        "name",
        "site",
        "site_names",
        "outlets",
        "allowed_domains",
        "default_start_urls",
        "sample_article",
        "host_pattern",
        "article_pattern",
        "list_pattern",  # URL rules
        "title_selectors",
        "date_selectors",
        "crumb_selectors",
        "body_selectors",
        "date_label",
        "date_lines",
        "loader_class",
        "custom_settings",
    }
)
# What it may override: the URL hooks (below) and the reading hooks (PortalReader, LineRules).
PORTAL_HOOKS = frozenset(
    {
        "canonical_article",
        "canonical_list",
        "next_links",
        "more_pages",
        "related_articles",
        "read_more",
        "is_caption",
        "skip_line",
        "is_subtitle",
        "byline",
        "ends_a_report",
        "body_line",
    }
)
# What a portal must state itself (the base has no sensible value for them).
PORTAL_REQUIRED = (
    "name",
    "site",
    "allowed_domains",
    "default_start_urls",
    "sample_article",
    "host_pattern",
    "article_pattern",
    "list_pattern",
    "canonical_article",
    "canonical_list",
)


class PortalSpider(PortalReader, scrapy.Spider):
    """Base of the portal spiders: the crawl. A portal declares its URL rules here, and its
    selectors and reading predicates on :class:`~newsarchive.reading.portal.PortalReader`."""

    def __init_subclass__(cls, portal: bool = True, **kwargs: Any) -> None:
        """Hold a portal to the contract; ``portal=False`` marks a harness that measures the
        crawl's parts (bench/ceiling) and may replace them."""
        super().__init_subclass__(**kwargs)
        if not portal:
            return
        stray = sorted(
            name
            for name in vars(cls)
            if not name.startswith("_")
            and not name.endswith("_selectors")
            and name not in PORTAL_DATA
            and name not in PORTAL_HOOKS
        )
        if stray:
            raise TypeError(
                f"{cls.__name__} states {', '.join(stray)}: a portal states only "
                f"{', '.join(sorted(PORTAL_DATA))}, its own *_selectors and _private helpers, and "
                f"overrides only {', '.join(sorted(PORTAL_HOOKS))}"
            )
        if not getattr(cls, "name", None):
            return  # a base for a family of portals: Scrapy lists no spider without a name
        missing = [
            name
            for name in PORTAL_REQUIRED
            if getattr(cls, name, None) in (None, "") or getattr(cls, name) is getattr(PortalSpider, name, None)
        ]
        if missing:
            raise TypeError(f"{cls.__name__} must state {', '.join(missing)}")
        for name in ("host_pattern", "article_pattern", "list_pattern"):
            if not isinstance(getattr(cls, name), re.Pattern):
                raise TypeError(f"{cls.__name__}.{name}: a compiled regular expression (re.compile(...))")

    allowed_domains: ClassVar[tuple[str, ...]]  # hosts (and their sub-domains) the crawl stays on
    default_start_urls: ClassVar[tuple[str, ...]]
    sample_article: ClassVar[str]  # a one-page article that `scrapy check` reads (see newsarchive/spiders/contracts.py)

    def __init__(
        self, *args: Any, start_urls: str | Iterable[str] | None = None, full: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(start_urls, str):
            start_urls = start_urls.split(",")
        if isinstance(start_urls, Iterator):  # taken as the crawl asks for more (reparse hands out batches)
            self.start_urls = []
            self.start_pages: Iterable[str] = (u.strip() for u in start_urls if u and u.strip())
        else:
            self.start_urls = [u.strip() for u in (start_urls or self.default_start_urls) if u and u.strip()]
            self.start_pages = self.start_urls
        # -a full=1: walk every list page, ignoring what earlier runs saw.
        self.full = str(full or "").lower() not in ("", "0", "false", "no")
        self.resume_walk = False
        self.retrying: set[str] = set()  # pending articles this run already requested again
        self.owed: set[str] = set()  # list pages whose walk is owed (read from the state, kept current)
        self.list_requests = 0  # list pages this run asked for (MAX_LIST_PAGES)

    # --- URL rules: a portal declares its patterns and writes the canonical forms --------------
    # Matched against the host name, and against the path (``/`` when empty); http(s) only.
    host_pattern: ClassVar[re.Pattern[str]]
    article_pattern: ClassVar[re.Pattern[str]]
    list_pattern: ClassVar[re.Pattern[str]]

    def article_ref(self, url: str) -> ArticleRef | None:
        """The article a URL points to, or None when it is not one of this portal's articles."""
        found = self._match(url, self.article_pattern)
        return self.canonical_article(*found) if found else None

    def list_url(self, url: str) -> str | None:
        """The canonical form of a list page URL, or None when it is not one."""
        found = self._match(url, self.list_pattern)
        return self.canonical_list(*found) if found else None

    def canonical_article(self, host: re.Match[str], path: re.Match[str]) -> ArticleRef:
        """The article's id and first-page URL from the matched host and path."""
        raise NotImplementedError

    def canonical_list(self, host: re.Match[str], path: re.Match[str]) -> str:
        """A list page's canonical URL from the matched host and path."""
        raise NotImplementedError

    def _match(self, url: str, pattern: re.Pattern[str]) -> tuple[re.Match[str], re.Match[str]] | None:
        parts = split_url(url)
        if parts is None or parts.scheme not in ("http", "https"):
            return None
        host = self.host_pattern.match(parts.hostname or "")
        path = pattern.match(parts.path or "/")
        return (host, path) if host and path else None

    # --- hooks a portal may implement -----------------------------------------------------------

    def read_list(self, response: TextResponse) -> ListPage:
        """Every article the page links to (canonical, first link per id) and the next list pages."""
        articles: dict[str, str] = {}
        for href in response.xpath("//body//a/@href").getall():
            ref = self.article_ref(absolute(response.url, href))
            if ref is not None:
                articles.setdefault(ref.article_id, ref.url)
        own = self.list_url(response.url)
        nexts = (self.list_url(url) for url in self.next_links(response))
        return ListPage(list(articles.values()), unique(n for n in nexts if n and n != own))

    def next_links(self, response: TextResponse) -> list[str]:
        """Where a list page continues: by default its 下一页 link."""
        return [
            absolute(response.url, href) for href in response.xpath("//a[normalize-space(.)='下一页']/@href").getall()
        ]

    def more_pages(self, response: TextResponse) -> list[str]:
        """URLs of an article's further pages, read from its first page (most articles: none)."""
        return []

    def related_articles(self, response: TextResponse) -> list[str]:
        """Article URLs an article page links to that the crawl should follow (上一篇/下一篇 …)."""
        return []

    # --- the crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        state = self.archive_state
        if state is not None:
            # A run that did not end normally may have left list pages unread: walk them all now.
            self.resume_walk = not state.begin_run(self.name)
            retry, dropped = state.take_pending(self.name, int_setting(self.settings, "PENDING_MAX_ATTEMPTS"))
            for record_id in dropped:
                self.count("pending_given_up")
                self.logger.warning(
                    "Giving up on %s: no outcome after %s runs",
                    record_id,
                    int_setting(self.settings, "PENDING_MAX_ATTEMPTS"),
                )
            for _record_id, url in retry:
                ref = self.article_ref(url)
                if ref is not None:
                    self.count("pending_retried")
                    self.retrying.add(self.record_id(ref))
                    # A retry on purpose: a seen-set shared with the run that lost it must not refuse it.
                    yield self.article_request(ref).replace(dont_filter=True)
            # List pages an earlier run could not read: the walk below each is owed, so it goes on
            # from there whatever this run finds above it.
            if bool_setting(self.settings, "CAPTURE_IMAGES"):
                for url in state.owed_pictures(self.name):  # pictures an earlier run could not capture
                    self.count("images/retried")
                    yield self.picture_request(url, self.picture_retried, self.picture_retry_failed)
            for url, runs in state.owed_lists(self.name):
                self.owe(url, None)
                self.count("lists_owed_retried")
                self.logger.info("Walking on from list page %s, owed for %d run(s)", url, runs)
                yield self.list_request(url, meta={"owed": True}, dont_filter=True)
        for url in self.start_pages:
            ref = self.article_ref(url)
            if ref is not None:
                for request in self.new_article_requests([ref]):
                    yield request
                continue
            yield self.list_request(self.list_url(url) or url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Any page: an article page is read as one, anything else as a list page."""
        if self.article_ref(response.url) is not None:
            yield from self.parse_article(response)
        else:
            yield from self.parse_list(response)

    def text_response(self, response: Response) -> TextResponse | None:
        """The response as text, or None (counted, logged) when it is not a page of text.

        Scrapy guesses an HtmlResponse from a ``.html`` URL whatever the server declared; an
        archive believes the declared type when there is one.
        """
        declared = (response.headers.get("Content-Type") or b"").split(b";")[0].strip().lower()
        textual = not declared or declared.startswith(b"text/") or declared in _TEXT_TYPES
        if isinstance(response, TextResponse) and textual:
            return response
        self.count("not_text")
        self.logger.warning(
            "Not a text page, skipped: %s (%s)",
            response.url,
            (response.headers.get("Content-Type") or b"").decode("latin-1"),
        )
        return None

    def parse_list(self, response: Response) -> Iterator[Any]:
        """A channel list page: its new articles, then its next pages.

        @sample list
        @returns requests 1
        @returns items 0 0
        """
        state = self.archive_state
        if response.url in self.owed and state is not None:
            self.settle(response.url)
        if response.status == 304:  # unchanged since the last run: what it showed then still holds
            self.count(counts.LIST_UNCHANGED)
            page = self.remembered_list(response.url)
        else:
            text = self.text_response(response)
            if text is None:
                return
            page = self.read_list(text)
            if state is not None:
                state.remember_list(response.url, {"articles": page.article_urls, "next": page.next_pages})
        self.count(counts.LIST_PAGES)
        self.count("list_links", len(page.article_urls))
        new = self.new_article_requests(ref for ref in map(self.article_ref, page.article_urls) if ref is not None)
        self.count(counts.NEW_LINKS, len(new))
        yield from new
        # Pagination stops after INCREMENTAL_DEPTH list pages in a row that showed nothing new,
        # unless the last run was cut short (it may not have read the pages further on) or the walk
        # below this page is owed (an earlier run could not read a page above the ones below).
        streak = 0 if new else response.meta.get("known_streak", 0) + 1
        owed = bool(response.meta.get("owed"))
        if (
            self.full
            or self.resume_walk
            or owed
            or state is None
            or streak < int_setting(self.settings, "INCREMENTAL_DEPTH")
        ):
            for url in page.next_pages:
                if self.list_requests >= int_setting(self.settings, "MAX_LIST_PAGES"):
                    # An endless pager, or a backlog too long for one run: the next run goes on from here.
                    self.count("list_pages_limited")
                    if state is not None:
                        self.owe(url, "max_list_pages")
                    continue
                yield self.list_request(url, meta={"known_streak": streak, "owed": owed})
        elif page.next_pages:
            self.count("pagination_stopped")

    def owe(self, url: str, reason: str | None) -> None:
        """Remember that the walk from list page ``url`` is owed (``reason`` None: it already is)."""
        state = self.archive_state
        if reason is not None and state is not None:
            state.owe_list(self.name, url, reason)
        self.owed.add(url)
        self.set_count(counts.LISTS_PENDING, len(self.owed))

    def settle(self, url: str) -> None:
        state = self.archive_state
        if state is not None:
            state.settle_list(url)
        self.owed.discard(url)
        self.set_count(counts.LISTS_PENDING, len(self.owed))

    def retry_not_sent(self, request: scrapy.Request) -> None:
        """A retry the crawl closed before sending (a pause, a limit): a list page's walk is owed to
        the next run; an article is pending already."""
        if request.meta.get("list_page") and self.archive_state is not None:
            self.owe(request.url, "retry not sent")

    def list_failed(self, failure: Any) -> None:
        """A list page that could not be read or kept: gone (404, 410: the end of a column), refused
        by robots.txt, or owed: the next runs walk on from it until it is read."""
        request = failure.request
        response = getattr(failure.value, "response", None)
        status = getattr(response, "status", None)
        if status in (404, 410):
            self.count("list_gone")
            if request.url in self.owed:
                self.settle(request.url)
            self.logger.info("List page gone (%s), not walked: %s", status, request.url)
            return
        if failure.check(IgnoreRequest) and response is None:  # robots.txt, or a filter of the crawl
            self.count("list_ignored")
            self.logger.info("List page not requested (%s): %s", failure.value, request.url)
            return
        self.count("list_failed")
        if self.archive_state is not None:
            self.owe(request.url, f"HTTP {status}" if status else type(failure.value).__name__)
        self.logger.error(
            "List page not read, the walk below it is owed to the next run: %s (%s)",
            request.url,
            f"HTTP {status}" if status else repr(failure.value),
        )

    def remembered_list(self, url: str) -> ListPage:
        state = self.archive_state
        shown = state.list_links(url) if state is not None else None
        if not isinstance(shown, dict):
            return ListPage([], [])
        return ListPage(list(shown.get("articles", [])), list(shown.get("next", [])))

    def list_request(
        self, url: str, callback: Any = None, meta: dict[str, Any] | None = None, dont_filter: bool = False
    ) -> scrapy.Request:
        # List pages go ahead of articles: they are few, and each one read puts a page of articles
        # on the queue. Behind the articles they would be read one at a time, and the frontier
        # (every worker's share of it) would hold only the last list page's articles.
        self.list_requests += 1
        return scrapy.Request(
            url,
            callback=callback or self.parse_list,
            errback=self.list_failed,
            priority=LIST_PRIORITY,
            dont_filter=dont_filter,
            meta={"list_page": True, "handle_httpstatus_list": [304], **(meta or {})},
        )

    def article_request(self, ref: ArticleRef) -> scrapy.Request:
        return scrapy.Request(
            ref.url,
            callback=self.parse_article,
            errback=self.article_failed,
            priority=ARTICLE_PRIORITY,
            meta={"record_id": self.record_id(ref)},
        )

    def new_article_requests(self, refs: Iterable[ArticleRef]) -> list[scrapy.Request]:
        """Requests for the articles not known yet, each noted as pending first (a crash between
        the two cannot lose it)."""
        new = self.unknown(refs)
        state = self.archive_state
        if new and state is not None:
            state.add_pending(self.name, [(self.record_id(r), r.url) for r in new])
        return [self.article_request(r) for r in new]

    def article_failed(self, failure: Any) -> None:
        """An article page that could not be fetched: gone (404, 410) or kept pending for the next run."""
        request = failure.request
        response = getattr(failure.value, "response", None)
        status = getattr(response, "status", None)
        if status in (404, 410):
            self.count("article_gone")
            if self.archive_state is not None:
                # Remembered: a dead link is not requested again by later runs (only by -a full=1).
                self.archive_state.record(request.meta["record_id"], "gone", request.url, reason=f"http_{status}")
            self.logger.info("Article gone (%s), not tried again: %s", status, request.url)
            return
        if failure.check(IgnoreRequest) and response is None:  # robots.txt (or a filter) refused it
            self.count("article_refused")
            if self.archive_state is not None:
                # Not pending, not an error: asked again only by a full walk (-a full=1).
                self.archive_state.record(request.meta["record_id"], "refused", request.url, reason=str(failure.value))
            self.logger.info("Article not requested (%s): %s", failure.value, request.url)
            return
        self.count("article_failed")
        self.logger.error(
            "Article not fetched, tried again next run: %s (%s)",
            request.url,
            f"HTTP {status}" if status else repr(failure.value),
        )

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    def request_dropped(self, request: scrapy.Request, spider: Any = None) -> None:
        """The scheduler refused a redirected article request (a redirect loop, or a redirect to an
        article already requested): worth a line, and the article stays pending. A plain link to an
        article already requested is refused the same way, and is no news."""
        if "record_id" in request.meta and request.meta.get("redirect_urls"):
            self.count("article_dropped")
            self.logger.info(
                "Article request dropped as already seen in this run: %s (redirected from %s)",
                request.url,
                ", ".join(request.meta["redirect_urls"]),
            )

    def closed(self, reason: str) -> None:
        if reason == "finished" and self.archive_state is not None:
            try:
                self.archive_state.end_run(self.name)
            except ArchiveWriteError as error:  # the run is not marked complete: the next one walks everything
                self.count(counts.WRITE_FAILED)
                self.logger.error("The run's end was not recorded: %s", error)
            except StateLost as error:
                self.count(counts.STATE_LOST)
                self.logger.error("%s", error)

    def record_id(self, ref: ArticleRef) -> str:
        return f"{self.name}:{ref.article_id}"

    @property
    def archive_state(self) -> State | None:
        """The archive's state (None when INCREMENTAL is off). Not ``state``: Scrapy's JOBDIR keeps
        a spider's ``state`` dict between a paused crawl and its resumption."""
        crawler = getattr(self, "crawler", None)
        if crawler is None:
            return None
        if "_archive_state" not in self.__dict__:  # asked several times a page: resolved once a crawl
            incremental = bool_setting(crawler.settings, "INCREMENTAL")
            self.__dict__["_archive_state"] = open_state(crawler) if incremental else None
        state: State | None = self.__dict__["_archive_state"]
        return state

    def unknown(self, refs: Iterable[ArticleRef]) -> list[ArticleRef]:
        """The articles to request, one per id: not archived (or a duplicate) in an earlier
        run, not rejected then unless this run is a full one, and not already requested again by
        this run as pending. The state is asked once for all of them."""
        wanted = {self.record_id(r): r for r in refs}
        wanted = {i: r for i, r in wanted.items() if i not in self.retrying}
        state = self.archive_state
        if state is None or not wanted:
            return list(wanted.values())
        known = ("archived", "duplicate") if self.full else ("archived", "duplicate", "rejected", "gone", "refused")
        outcomes = state.outcomes(list(wanted))
        return [r for i, r in wanted.items() if outcomes.get(i) not in known]

    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article's first page: its record (or a request for its next page).

        @sample article
        @returns items 1 1
        @valid_record
        """
        text = self.text_response(response)
        if text is None:
            return
        response = text
        ref = self.article_ref(response.url)
        if ref is None:  # redirected somewhere that is not an article of ours
            self.count("not_an_article")
            self.logger.warning("Not an article of %s: %s", self.name, response.url)
            return
        self.count(counts.ARTICLES_FETCHED)
        item = self.read_article_page(response)
        item["warc"] = [provenance(response)]
        links = self.related_articles(response) if bool_setting(self.settings, "FOLLOW_RELATED") else []
        related = (self.article_ref(url) for url in links)
        yield from self.new_article_requests(r for r in related if r is not None and r.article_id != ref.article_id)
        parts = [u for u in self.more_pages(response) if u != response.url]
        state = {"ref": ref, "crawled_at": response.meta.get(META_FETCHED_AT) or utc_stamp(), "total": len(parts) + 1}
        if parts:
            yield self.part_request(dict(item), parts, state)
        else:
            record = self.finish(item, state)
            if record is not None:
                yield self.with_pictures(record)

    def part_request(self, item: dict[str, Any], parts: list[str], state: dict[str, Any]) -> scrapy.Request:
        return scrapy.Request(
            parts[0],
            callback=self.parse_part,
            errback=self.part_failed,
            priority=PART_PRIORITY,
            # Not filtered: a part is asked for only when its first page was, and a shared seen-set
            # of an earlier run may still hold it.
            dont_filter=True,
            cb_kwargs={"item": item, "parts": parts[1:], "state": state},
        )

    def parse_part(
        self, response: Response, item: dict[str, Any], parts: list[str], state: dict[str, Any]
    ) -> Iterator[Any]:
        text = self.text_response(response)
        if text is None:
            self.count("article_part_failed")
            return
        page = self.read_article_page(text)
        page["warc"] = [provenance(text)]
        merge_page(item, page)
        if parts:
            yield self.part_request(item, parts, state)
        else:
            record = self.finish(Article(item), state)
            if record is not None:
                yield self.with_pictures(record)

    # --- pictures: each record's images captured into the same WARC before the record goes on -------

    def with_pictures(self, record: Article) -> Article | scrapy.Request:
        """The record, or the request for its first picture still to capture: each picture of
        ``images`` is fetched (as politely as any page) and kept in WARC, its entry gaining the
        pointer to its record, or the reason it was not (``off_domain``, ``robots``, ``http_404``,
        ``too_large``…). A picture never rejects a record, and a failed one is not retried now."""
        images = record.get("images") or []
        if not images or not hasattr(self, "crawler") or not bool_setting(self.settings, "CAPTURE_IMAGES"):
            return record
        todo = []
        for n, image in enumerate(images):
            if self.picture_allowed(image["url"]):
                todo.append(n)
            else:
                image["capture"] = "off_domain"
                self.count("images/not_captured/off_domain")
        return self.next_picture(record, todo)

    def picture_allowed(self, url: str) -> bool:
        return bool_setting(self.settings, "IMAGES_OTHER_HOSTS") or on_domains(url, self.allowed_domains)

    def next_picture(self, record: Article, todo: list[int]) -> Article | scrapy.Request:
        if not todo:
            return record
        url = record["images"][todo[0]]["url"]
        return self.picture_request(url, self.picture_captured, self.picture_failed, {"record": record, "todo": todo})

    def picture_request(
        self, url: str, callback: Any, errback: Any, cb_kwargs: dict[str, Any] | None = None
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback,
            priority=PART_PRIORITY,
            dont_filter=True,
            meta={
                "dont_retry": True,
                "handle_httpstatus_all": True,
                "picture": True,
                "download_maxsize": int_setting(self.settings, "IMAGES_MAX_SIZE"),
            },
            cb_kwargs=cb_kwargs or {},
        )

    def picture_outcome(self, url: str, reason: str | None) -> None:
        """Count a picture's capture or the reason it failed; one that may pass (a 5xx, a time-out)
        is owed to the next run, which captures it into the archive (its record already says why
        it was missing then)."""
        state = self.archive_state
        if reason is None:
            self.count("images/captured")
            if state is not None:
                state.settle_picture(url)
            return
        self.count(f"images/not_captured/{reason}")
        if state is not None and (reason.startswith("failed_") or reason.startswith("http_5")):
            state.owe_picture(self.name, url, reason)

    def picture_retried(self, response: Response) -> Iterator[Any]:
        self.picture_outcome(
            response.url,
            None if response.status == 200 and response.meta.get(META_WARC_RECORD) else f"http_{response.status}",
        )
        return iter(())

    def picture_retry_failed(self, failure: Any) -> None:
        self.picture_outcome(failure.request.url, f"failed_{type(failure.value).__name__}")

    def picture_captured(self, response: Response, record: Article, todo: list[int]) -> Iterator[Any]:
        image = record["images"][todo[0]]
        kept = response.meta.get(META_WARC_RECORD)
        if response.status == 200 and kept:
            image.update({k: kept[k] for k in ("warc_file", "warc_record_id", "warc_offset", "warc_length")})
            self.picture_outcome(image["url"], None)
        else:
            reason = (
                "not_recorded"
                if MISSING in response.flags
                else (f"http_{response.status}" if response.status != 200 else "not_kept")
            )
            image["capture"] = reason
            self.picture_outcome(image["url"], reason)
        yield self.next_picture(record, todo[1:])

    def picture_failed(self, failure: Any) -> Iterator[Any]:
        request = failure.request
        record, todo = request.cb_kwargs["record"], request.cb_kwargs["todo"]
        if failure.check(IgnoreRequest):
            reason = "robots" if "robots" in str(failure.value).lower() else "ignored"
        elif failure.check(DownloadCancelledError) or "max size" in str(failure.value):
            reason = "too_large"
        else:
            reason = f"failed_{type(failure.value).__name__}"
        record["images"][todo[0]]["capture"] = reason
        self.picture_outcome(request.url, reason)
        self.logger.info("Picture not captured (%s): %s", reason, request.url)
        yield self.next_picture(record, todo[1:])

    def part_failed(self, failure: Any) -> None:
        # A record missing a page is not archived; the next run tries the whole article again.
        self.count("article_part_failed")
        self.logger.error(
            "Page of a multi-page article failed, article not archived: %s (%s)", failure.request.url, failure.value
        )

    def finish(self, item: Article, state: dict[str, Any]) -> Article | None:
        """The record, with what the crawl knows (id, canonical URL, pages, hash, script, time);
        None, loudly, when the portal's canonical form left its own domains (a portal bug)."""
        ref: ArticleRef = state["ref"]
        if not on_domains(ref.url, self.allowed_domains):
            self.count(counts.REJECTED)
            self.count(counts.rejected("offsite_url"))
            self.logger.error(
                "Not archived: %s gave the canonical URL %s, which is not on its allowed_domains %s; "
                "fix canonical_article",
                self.name,
                ref.url,
                ", ".join(self.allowed_domains),
            )
            return None
        finish_record(
            item,
            record_id=self.record_id(ref),
            source=self.name,
            site=self.site,
            url=ref.url,
            pages=state["total"],
            crawled_at=state["crawled_at"],
            add_simplified=hasattr(self, "crawler") and bool_setting(self.settings, "ADD_SIMPLIFIED"),
        )
        self.count(counts.ARTICLES_EXTRACTED)
        self.count(counts.extraction(item["extraction"]))
        return item

    def set_count(self, key: str, value: int) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.set_value(counts.key(key), value)

    def count(self, key: str, amount: int = 1) -> None:
        counter = self.__dict__.get("_counter")
        if counter is None:
            crawler = getattr(self, "crawler", None)
            counter = self.__dict__["_counter"] = Counts(crawler.stats if crawler is not None else None)
        counter(key, amount)


def on_domains(url: str, domains: Iterable[str]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or below one.

    >>> on_domains("https://news.cnjiwang.com/a/1.html", ("cnjiwang.com",)), on_domains("http://evil.example/", ())
    (True, False)
    """
    parts = split_url(url)
    host = (parts.hostname or "") if parts is not None else ""
    return bool(host) and any(host == d or host.endswith(f".{d}") for d in domains)


def list_page_name(number: str | None) -> str:
    """The file name of list page ``number`` in a column (both portals' CMSs name them alike).

    >>> list_page_name(None), list_page_name("0"), list_page_name("3")
    ('', '', 'index_3.html')
    """
    return f"index_{number}.html" if number and number != "0" else ""


def split_url(url: str) -> SplitResult | None:
    """``urlsplit`` that answers None for a URL it cannot read (``http://[``) instead of raising."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018  (raises for a malformed host)
    except ValueError:
        return None
    return parts
