"""Reading an article page through a portal's selectors: the template every portal fills in.

A portal states its selectors as class data: they only find things faster and surer (the
headline, the date line, the crumbs, the text column). Everything after is the shared code: the
column's lines (:mod:`newsarchive.reading.lines`) go through the one classifier
(:mod:`newsarchive.reading.body`), whose predicates a portal overrides only where its pages
differ. Pages its selectors cannot read, or that do not name the portal, go to the generic reader
(:mod:`newsarchive.reading.generic`) by themselves. Everything here is a pure function of the
response: no network, clock or settings.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lxml.html import HtmlElement
from scrapy.http import TextResponse

from newsarchive.items import Article
from newsarchive.reading.body import BodyParts, LineRules, read_body
from newsarchive.reading.bylines import read_source_label
from newsarchive.reading.chrome import read_breadcrumbs, site_chrome_lines
from newsarchive.reading.dates import Published, parse_published
from newsarchive.reading.generic import read_page
from newsarchive.reading.lines import container_lines
from newsarchive.reading.loaders import ArticleLoader
from newsarchive.reading.page import Page, element_with_text, selector_problem, text_of, xpath
from newsarchive.reading.text import clean_text, normalize_space


def load_parts(read: BodyParts, loader: ArticleLoader) -> None:
    """What the classifier read, into the record at once; the outlet only when the date line
    named none."""
    for name, values in (
        ("subtitle", read.subtitles),
        ("authors", read.authors),
        ("editors", read.editors),
        ("body", read.body),
        ("images", read.images),
    ):
        if values:  # an empty list adds nothing: not worth the loader's processing
            loader.add_value(name, values)
    if read.origin and not loader.get_collected_values("origin"):
        loader.add_value("origin", read.origin)


class PortalReader(LineRules):
    """The article-page half of a portal spider: selectors, the reading template, its predicates."""

    site: ClassVar[str]  # the portal's own name, as records carry it
    site_names: ClassVar[tuple[str, ...]] = ()  # further names the site prints in <title> (吉网)
    outlets: ClassVar[tuple[str, ...]] = ()  # its region's papers, as datelines print them (吉林日报)
    loader_class: ClassVar[type[ArticleLoader]] = ArticleLoader
    # Selectors (the form is newsarchive.reading.page.Page's), each tried in order.
    title_selectors: ClassVar[tuple[str, ...]] = ("//h1",)
    date_selectors: ClassVar[tuple[str, ...]] = ()  # the line printing the date (and 来源)
    crumb_selectors: ClassVar[tuple[str, ...]] = ()
    body_selectors: ClassVar[tuple[str, ...]] = ()
    date_label: ClassVar[str | None] = None  # a label marking the date line where no selector finds it
    date_lines: ClassVar[int] = 6  # text lines after the headline searched for a date otherwise

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every ``*_selectors`` the class states is checked now: a selector in a form
        :class:`~newsarchive.reading.page.Page` does not take would select nothing, silently, on
        every page (which then goes to the generic reader)."""
        super().__init_subclass__(**kwargs)
        for name, value in vars(cls).items():
            if not name.endswith("_selectors"):
                continue
            if not isinstance(value, tuple):
                raise TypeError(f"{cls.__name__}.{name}: a tuple of selectors, tried in order (not {value!r})")
            for selector in value:
                problem = selector_problem(selector)
                if problem is not None:
                    raise ValueError(f"{cls.__name__}.{name}: {problem}")

    def read_article_page(self, response: TextResponse) -> Article:
        """One page of an article, through the portal's selectors, or through the generic reader
        when they find no body or a suspicious one (a template no selector knows)."""
        item = self.extract(response)
        if portal_reading_holds(item) and self.owns_page(response):
            item["extraction"] = "portal"
            return item
        generic = self.read_generic(response)
        generic["extraction"] = "fallback"
        return generic

    def owns_page(self, response: TextResponse) -> bool:
        """Whether the page is the portal's own: it names the portal somewhere (its ``<title>``, its
        frame). A selector matching is not proof: every site of the same CMS has a ``.TRS_Editor``,
        and a page of another site served at a portal URL is read by the generic reader."""
        text = response.text
        return any(name in text for name in (self.site, *self.site_names))

    def extract(self, response: TextResponse) -> Article:
        """One page of an article, as a partial record (no id, url, hash or crawl time yet)."""
        page = Page(response.selector.root)
        loader = self.loader(response)
        headline = self.read_title(page, response, loader)
        self.read_crumbs(page, loader)
        self.read_date_line(page, headline, loader)
        body = self.find_body(page)
        if body is not None:
            collected = loader.get_collected_values("origin")
            read = BodyParts(
                title=loader.get_output_value("title") or "",
                origin=collected[0] if collected else None,
                origin_labelled=bool(collected),
            )
            load_parts(read_body(container_lines(body, response.url), self, read), loader)
        self.read_more(page, response, loader)
        return loader.load_item()

    def read_generic(self, response: TextResponse) -> Article:
        """The page read by :func:`newsarchive.reading.generic.read_page` (the classifier's own
        predicates, the portal's outlets), cleaned by the portal's loader."""
        reading = read_page(
            response.selector.root, response.url, (self.site, *self.site_names), LineRules.with_outlets(self.outlets)
        )
        loader = self.loader(response)
        loader.add_value("title", reading.title)
        loader.add_value("subtitle", reading.subtitles)
        self.add_published(loader, reading.published)
        loader.add_value("origin", reading.origin)
        loader.add_value("authors", reading.authors)
        loader.add_value("editors", reading.editors)
        loader.add_value("breadcrumbs", reading.breadcrumbs)
        loader.add_value("section", reading.breadcrumbs[-1] if len(reading.breadcrumbs) > 1 else None)
        loader.add_value("body", reading.body)
        loader.add_value("images", reading.images)
        return loader.load_item()

    # --- the parts of the template --------------------------------------------------------------

    def read_title(self, page: Page, response: TextResponse, loader: ArticleLoader) -> HtmlElement | None:
        """The headline from ``title_selectors``, else the page's ``<title>`` (the loader strips the
        site suffix); returns the headline element, the anchor for text markers near it."""
        title_el = page.first(self.title_selectors)
        title = text_of(title_el) if title_el is not None else ""
        if not clean_text(title):
            title = " ".join(xpath("//title//text()")(page.root))
        loader.add_value("title", title)
        return title_el

    def read_crumbs(self, page: Page, loader: ArticleLoader) -> None:
        """Breadcrumbs from ``crumb_selectors``, else the element holding the 位置 label; the last
        crumb is the section."""
        crumbs_el = page.first(self.crumb_selectors)
        if crumbs_el is None:
            crumbs_el = element_with_text(page.root, "位置")
        crumbs = read_breadcrumbs(text_of(crumbs_el)) if crumbs_el is not None else []
        loader.add_value("breadcrumbs", crumbs)
        loader.add_value("section", crumbs[-1] if len(crumbs) > 1 else None)

    def read_date_line(self, page: Page, headline: HtmlElement | None, loader: ArticleLoader) -> None:
        """The date (and time) from the date line (``date_selectors``, else the element holding
        ``date_label``), else from the first dated line after the headline; the outlet is the one
        named after 来源 on that line, else what precedes the date (甘孜日报    2020年02月02日)."""
        element = page.first(self.date_selectors)
        if element is None and self.date_label:
            element = element_with_text(page.root, self.date_label)
        line = normalize_space(text_of(element)) if element is not None else ""
        published = parse_published(line)
        if published is None:
            near = self.date_after(headline, self.date_lines)
            if near is not None:
                line, published = near
        self.add_published(loader, published)
        origin = read_source_label(line)
        if origin is None and published is not None:
            origin = line[: line.find(published.raw)]
        loader.add_value("origin", origin)

    def find_body(self, page: Page) -> HtmlElement | None:
        """The body container from ``body_selectors``; None sends the page to the generic reader."""
        return page.first(self.body_selectors)

    def read_more(self, page: Page, response: TextResponse, loader: ArticleLoader) -> None:
        """Whatever else the portal prints outside the body (Jilin's editor line)."""

    # The predicates of the one classifier (newsarchive.reading.body.LineRules: is_caption,
    # skip_line, is_subtitle, byline, body_line) are inherited; a portal overrides one only where
    # its pages differ from what most Chinese news pages print.

    # --- helpers ------------------------------------------------------------------------------------

    @staticmethod
    def date_after(element: HtmlElement | None, lines: int) -> tuple[str, Published] | None:
        """The first of the ``lines`` text lines after ``element`` (the headline) that prints a
        date, with the date read from it."""
        if element is None:
            return None
        for text in xpath("following::text()[normalize-space()][position() <= $n]")(element, n=lines):
            line = normalize_space(str(text))
            published = parse_published(line)
            if published:
                return line, published
        return None

    @staticmethod
    def add_published(loader: ArticleLoader, published: Published | None) -> None:
        if published is not None:
            loader.add_value("published_date", published.date)
            loader.add_value("published_at", published.at)
            loader.add_value("published_raw", published.raw)

    def loader(self, response: TextResponse) -> ArticleLoader:
        # The response's own selector: the page is parsed once, not again for the loader.
        return self.loader_class(
            selector=response.selector, response=response, site_names=(self.site, *self.site_names)
        )


def portal_reading_holds(item: Article) -> bool:
    """Whether the portal's selectors read the page: a title, a date and a body, none of whose lines
    is the site's frame (a selector that matched a wrapper of the whole page reads the footer too)."""
    body = item.get("body") or ""
    if not (body and item.get("title") and item.get("published_date")):
        return False
    return not any(site_chrome_lines(body.split("\n")))
