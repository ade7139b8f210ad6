"""The generic article reader, for pages in a template no portal selector targets.

The main text is found by where sentence punctuation is densest: every line of the page scores
its non-link characters when it reads as a sentence, and loses points when it is a link list, a
short label or site chrome; the element whose lines score highest is the body. Every other field
comes from the text markers Chinese news pages always print: 来源/时间/日期 lines, 您的位置 crumbs,
编辑 lines, bylines with ■◎□▉ or 记者/通讯员, 上一篇/下一篇, the ``<title>`` minus the site's name.
Like the portal readers it sees only the page: the same bytes always give the same reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from newsarchive.reading.body import (
    CRUMB_LABEL,
    END_MARKERS,
    SUBTITLE_HINT,
    BodyParts,
    LineRules,
    read_body,
    read_head_line,
)
from newsarchive.reading.bylines import clean_origin, is_name, read_byline, read_editors, read_source_label
from newsarchive.reading.chrome import is_chrome_line, is_site_chrome
from newsarchive.reading.dates import Published, parse_published
from newsarchive.reading.lines import Line, own_names, page_lines
from newsarchive.reading.page import SKIP_TAGS, text_of, xpath
from newsarchive.reading.text import SENTENCE_MARKS, clean_text, normalize_space

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_TITLE_HINT = re.compile(r"title|(?<![a-z])tit(?![a-z])|headline|biaoti", re.I)
_CRUMB_SEPARATORS = re.compile(r"\s*(?:>>|»|›|>|＞|→|/|\|)\s*")
_NOT_CRUMBS = frozenset({"浏览文章", "正文", "瀏覽文章", "详情", "文章详情", "内容"})
_INFO_MARKER = re.compile(r"来源|來源|时间|時間|日期|发布|發布|作者|稿源")
_AUTHOR_FIELD = re.compile(r"(?:作者|撰稿|记者|記者)\s*[:：]\s*(?P<names>[^:：|｜]{2,30}?)\s*(?=$|[|｜]|\S+\s*[:：])")
_TITLE_SEPARATORS = re.compile(r"\s*[-_|｜—]+\s*")
GENERIC = LineRules()  # the classifier's predicates as most Chinese news pages need them


@dataclass
class Reading(BodyParts):
    """What the generic reader found on a page; empty fields where it found nothing."""

    published: Published | None = None
    breadcrumbs: list[str] = field(default_factory=list)


# --- the main text -------------------------------------------------------------------------------


def line_score(line: Line) -> int:
    """How much a line says this is the article: its characters outside links when it reads as a
    sentence; a little less than nothing for a label or a heading; its length against it for a
    link list; a fixed cost for chrome."""
    if line.image is not None:
        return 0
    text = line.text
    if is_site_chrome(text) or is_chrome_line(text) or text.startswith(END_MARKERS):
        return -max(20, len(text))
    if line.links * 2 > len(text) or line.lead_link >= 4:
        return -len(text)  # a link list, or a teaser (a headline link, then its summary)
    if not SENTENCE_MARKS.search(text):
        byline = read_byline(text)
        if (byline is not None and byline.marked) or (len(text) <= 60 and read_editors(text)):
            return 5  # the article's own byline or editor line: it belongs with the text
        return -3
    if text.count(" ") >= 6 and text.count(" ") * 60 > len(text):
        return -len(text)  # headlines run together with spaces: a ticker or a list, not prose
    return len(text) - line.links


def main_container(lines: list[Line], scores: list[int]) -> HtmlElement | None:
    """The element whose lines score highest: the body, without the frame around it; None on a
    page with no prose at all."""
    totals: dict[HtmlElement, int] = {}
    depth: dict[HtmlElement, int] = {}
    for line, score in zip(lines, scores, strict=True):
        node: HtmlElement | None = line.element
        chain = []
        while node is not None and node.tag != "html":
            chain.append(node)
            node = node.getparent()
        for level, node in enumerate(reversed(chain)):
            totals[node] = totals.get(node, 0) + score
            depth[node] = level
    best = max(totals, key=lambda n: (totals[n], depth[n]), default=None)
    return best if best is not None and totals[best] > 0 else None


def _inside(element: HtmlElement, container: HtmlElement) -> bool:
    node: HtmlElement | None = element
    while node is not None:
        if node is container:
            return True
        node = node.getparent()
    return False


# --- the reader ----------------------------------------------------------------------------------


def read_page(
    root: HtmlElement, base_url: str, site_names: tuple[str, ...] = (), rules: LineRules = GENERIC
) -> Reading:
    """Read an article page whose template no selector knows (the text column's lines through
    the one classifier, with ``rules``: a portal's own, whose outlets its datelines name)."""
    lines = page_lines(root, base_url)
    scores = [line_score(line) for line in lines]
    reading = Reading()
    container = main_container(lines, scores)
    inside = [container is not None and _inside(line.element, container) for line in lines]
    first_body = inside.index(True) if any(inside) else len(lines)
    # The headline stands before the first line of prose (a container as wide as the page holds
    # the headline too).
    first_prose = next((i for i, ok in enumerate(inside) if ok and scores[i] > 5), first_body)

    title_at = _read_title(root, lines, first_prose, site_names, reading)
    info_at = _read_info(lines, title_at, first_body, reading)
    if not reading.title and info_at is not None:  # no heading, no <title>: the line above the date line
        title_at = _headline_above(lines, info_at, reading)
    if reading.published is None:  # an e-paper's edition date, a <time>, at last the page's <meta>
        reading.published = _date_anywhere(root)
    _read_crumbs(root, reading)
    skip = {i for i in (title_at, info_at) if i is not None}
    # Between the headline and the body: subtitles and bylines printed apart from the text.
    for i in range(title_at + 1 if title_at is not None else first_body, first_body):
        if i not in skip and lines[i].image is None:
            read_head_line(lines[i], reading)
    if container is not None:
        column = [
            line
            for i, (line, ok) in enumerate(zip(lines, inside, strict=True))
            if ok and i not in skip and (title_at is None or i > title_at)
        ]
    else:  # no prose anywhere: what follows the headline is all there is, and validation judges it
        column = lines[max(skip, default=-1) + 1 :]
    read_body(column, rules, reading)
    # Editor, author and source lines outside the body: under it or in the page's foot.
    for line in lines[first_body:]:
        if len(line.text) > 60:
            continue
        if not reading.editors:
            reading.editors += read_editors(line.text)
        if not reading.authors:
            field = _AUTHOR_FIELD.search(line.text)
            byline = read_byline(field["names"]) if field else None
            reading.authors += byline.names if byline is not None else []
        if not reading.origin_labelled:
            origin = read_source_label(normalize_space(line.text))
            if origin:
                reading.origin, reading.origin_labelled = origin, True
    return reading


def _read_title(
    root: HtmlElement, lines: list[Line], first_prose: int, site_names: tuple[str, ...], reading: Reading
) -> int | None:
    """The headline: the heading the ``<title>`` starts with, else the first heading or centred
    bold line above the body's first line of prose, else the ``<title>`` without the site's name.
    Returns its line."""
    page_title = clean_text(" ".join(xpath("//head/title//text()")(root)))
    squashed = page_title.replace(" ", "")
    candidates = [
        i
        for i, line in enumerate(lines[: first_prose + 1])
        if line.image is None
        and 2 <= len(line.text) <= 80
        and not line.links * 2 > len(line.text)
        and (
            line.element.tag in _HEADINGS
            or (line.strong and line.centred)
            or (_TITLE_HINT.search(own_names(line.element)) and not SUBTITLE_HINT.search(line.hint))
            or (len(line.text) >= 4 and squashed.startswith(line.text.replace(" ", "")))
        )
        and line.text not in site_names
        and not is_site_chrome(line.text)
        and not (len(line.text) <= 40 and parse_published(line.text))
    ]  # a date line is no headline
    matching = [i for i in candidates if squashed.startswith(lines[i].text.replace(" ", ""))]
    if not matching:
        matching = [i for i in candidates if len(lines[i].text) >= 6 and lines[i].text.replace(" ", "") in squashed]
    chosen = max(matching, key=lambda i: len(lines[i].text)) if matching else None
    if chosen is None and candidates:  # the <title> names only the site: the h1 nearest the body
        headings = [i for i in candidates if lines[i].element.tag == "h1"] or candidates
        chosen = headings[-1]
    if chosen is not None:
        reading.title = lines[chosen].text
        return chosen
    reading.title = strip_site_name(page_title, site_names)
    return None


def strip_site_name(title: str, site_names: tuple[str, ...]) -> str:
    """``标题_栏目_站名`` -> ``标题``: everything from the first separator on, when a later part is the
    site's name.

    >>> strip_site_name("甘孜州召开会议_新闻_康巴传媒网", ("康巴传媒网",))
    '甘孜州召开会议'
    >>> strip_site_name("长春-吉林 新变化", ("中国吉林网",))
    '长春-吉林 新变化'
    """
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1 and any(name in part for part in parts[1:] for name in site_names):
        return parts[0]
    return title


def _read_info(lines: list[Line], title_at: int | None, first_body: int, reading: Reading) -> int | None:
    """The date line: the first short line after the headline that prints a date, one with a
    来源/时间 label first; else any such labelled line on the page. Returns its line."""
    start = title_at + 1 if title_at is not None else 0
    near = range(start, min(len(lines), start + 12))
    labelled = [i for i in near if len(lines[i].text) <= 120 and _INFO_MARKER.search(lines[i].text)]
    # Unlabelled, a date line is short ("甘孜日报 2020年02月02日"): a paragraph opening with a date is not one.
    bare = [i for i in near if len(_URL.sub("", lines[i].text)) <= 40]
    anywhere = [i for i, line in enumerate(lines) if len(line.text) <= 120 and _INFO_MARKER.search(line.text)]
    for i in (*labelled, *bare, *anywhere):
        text = normalize_space(lines[i].text)
        published = parse_published(text)
        if published is None:
            continue
        reading.published = published
        # The outlet: after a 来源 label on the date line or a line beside it; else the name printed
        # before the date (甘孜日报 2020年02月02日) or right after it (2020-02-02 10:07 高原晚报).
        sources = [
            read_source_label(normalize_space(lines[j].text))
            for j in (i, i + 1, i - 1, i + 2)
            if 0 <= j < len(lines) and len(lines[j].text) <= 120
        ]
        origin = next((o for o in sources if o), None)
        if origin:
            reading.origin = origin
            reading.origin_labelled = True
        else:
            at = text.find(published.raw)
            before = clean_origin(text[:at].strip(" |｜/-—")) or ""
            after = text[at + len(published.raw) :].split()
            above = lines[i - 1].text if i - 1 > (title_at if title_at is not None else -1) else ""
            if _outlet_like(before):
                reading.origin = before
            elif after and _outlet_like(after[0]) and len(after) <= 2:
                reading.origin = after[0]
            elif _outlet_like(above) and not is_name(above):  # the outlet on its own line above the date
                reading.origin = above
        authors = _AUTHOR_FIELD.search(text)
        if authors:
            byline = read_byline(authors["names"])
            reading.authors += byline.names if byline else []
        reading.editors += read_editors(text)
        return i
    return None


_URL = re.compile(r"https?://\S+|www\.\S+")
# Elements named for a date: an e-paper's edition date, a date line built by a script.
_DATE_HINT = re.compile(r"date|time|riqi|shijian|fbsj|publish", re.I)
_META_DATES = (
    "article:published_time",
    "pubdate",
    "publishdate",
    "PubDate",
    "publish_time",
    "datePublished",
    "og:release_date",
    "created",
)


def _headline_above(lines: list[Line], info_at: int, reading: Reading) -> int | None:
    """A page with no heading markup and no ``<title>`` (an old table layout): the headline is the
    line printed right above the date line. Returns its line."""
    for i in range(info_at - 1, max(-1, info_at - 3), -1):
        text = lines[i].text
        if (
            lines[i].image is None
            and 4 <= len(text) <= 80
            and not lines[i].links * 2 > len(text)
            and "。" not in text
            and not is_site_chrome(text)
            and not CRUMB_LABEL.search(text)
        ):
            reading.title = text
            return i
    return None


def _date_anywhere(root: HtmlElement) -> Published | None:
    """The page's date when no date line prints one: an element named for a date, a ``<time>``'s
    ``datetime``, and as a last resort a ``<meta>`` publication date."""
    for element in xpath("//body//*[@id or @class]")(root):
        if element.tag not in SKIP_TAGS and _DATE_HINT.search(own_names(element)):
            text = normalize_space(text_of(element))
            published = parse_published(text) if len(text) <= 60 else None
            if published is not None:
                return published
    for value in xpath("//time/@datetime")(root):
        published = parse_published(str(value))
        if published is not None:
            return published
    for name in _META_DATES:
        for value in xpath("//meta[@property=$n or @name=$n or @itemprop=$n]/@content")(root, n=name):
            published = parse_published(str(value))
            if published is not None:
                return published
    return None


_NOT_OUTLET_WORDS = re.compile(r"浏览|阅读|点击|字号|分享|打印|收藏|评论|关闭|发布|星期|作者|编辑|记者|[大中小]$")


def _outlet_like(text: str) -> bool:
    """Whether a piece of a date line beside the date can be an outlet's name (not a label, a
    counter, a button or a day of the week)."""
    if not (2 <= len(text) <= 20) or re.search(r"[:：()（）]", text) or _NOT_OUTLET_WORDS.search(text):
        return False
    if not re.search(r"[\u4e00-\u9fffA-Za-z]{2}", text):  # a counter, a number: no name
        return False
    byline = read_byline(text)  # people's names beside the date are its authors, not an outlet
    return byline is None or not (byline.marked or all(is_name(n) for n in byline.names))


def _read_crumbs(root: HtmlElement, reading: Reading) -> None:
    """The trail after a 位置 label: link texts and the words between separators, in order."""
    for node in xpath("//body//*[text()[contains(., '位置')]]")(root):
        if node.tag in SKIP_TAGS or not CRUMB_LABEL.search(text_of(node)):
            continue
        holder = node
        for _ in range(3):  # the label may sit in a <span> of its own beside the links
            label_only = not CRUMB_LABEL.sub("", text_of(holder)).strip(" :：\u3000\xa0")
            if not label_only or holder.find(".//a") is not None or holder.getparent() is None:
                break
            holder = holder.getparent()
        if len(text_of(holder)) > 300:
            continue
        reading.breadcrumbs = _trail(holder)
        return


def _trail(holder: HtmlElement) -> list[str]:
    pieces: list[str] = []

    def words(text: str | None) -> None:
        if not text:
            return
        label = CRUMB_LABEL.search(text)
        if label:
            text = text[label.end() :].lstrip(" :：\u3000\xa0")
        pieces.extend(p for p in (clean_text(t) for t in _CRUMB_SEPARATORS.split(text)) if p)

    def visit(element: HtmlElement, depth: int) -> None:
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "a":
                text = clean_text(text_of(child))
                if text:
                    pieces.append(text)
            elif tag and tag not in SKIP_TAGS:
                if depth > 8:  # crumbs are shallow; deeper markup is read as plain words
                    words(text_of(child))
                else:
                    words(child.text)
                    visit(child, depth + 1)
            words(child.tail)

    words(holder.text)
    visit(holder, 0)
    return [p for p in pieces if p not in _NOT_CRUMBS and not CRUMB_LABEL.fullmatch(p) and p.strip(" :：")]
