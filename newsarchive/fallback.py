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

from newsarchive.blocks import BLOCK_TAGS, SKIP_TAGS, absolute, is_centred, text_of, xpath
from newsarchive.processors import (
    CRUMB_LABELS,
    SENTENCE_MARKS,
    Published,
    clean_origin,
    clean_text,
    is_caption_text,
    is_chrome_line,
    is_name,
    is_note_line,
    is_site_chrome,
    normalize_space,
    parse_published,
    read_byline,
    read_dateline,
    read_editors,
    read_source_label,
)

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# HTML5 sectioning elements are blocks too (the portal readers' list predates them).
_BLOCKS = BLOCK_TAGS | {"header", "footer", "main", "aside", "address", "hgroup", "details", "summary",
                        "fieldset", "hr", "menu"}
_TITLE_HINT = re.compile(r"title|(?<![a-z])tit(?![a-z])|headline|biaoti", re.I)
_CRUMB_LABEL = re.compile(CRUMB_LABELS)
_CRUMB_SEPARATORS = re.compile(r"\s*(?:>>|»|›|>|＞|→|/|\|)\s*")
_NOT_CRUMBS = frozenset({"浏览文章", "正文", "瀏覽文章", "详情", "文章详情", "内容"})
_INFO_MARKER = re.compile(r"来源|來源|时间|時間|日期|发布|發布|作者|稿源")
_AUTHOR_FIELD = re.compile(r"(?:作者|撰稿|记者|記者)\s*[:：]\s*(?P<names>[^:：|｜]{2,30}?)\s*(?=$|[|｜]|\S+\s*[:：])")
# Where the article ends: nothing after these is body text.
_CAPTION_MARKS = "◎▲△"
# A field of the article's head, labelled: 来源：…, 作者：…, 时间：…
_LABELLED_FIELD = re.compile(r"(?:来源|來源|作者|时间|時間|日期|发布|發布|编辑|編輯)\s*[:：]")
# A commentary signed by its paper, in brackets: （高原日报评论员）, （本报特约评论员）
_COMMENTATOR = re.compile(r"^[(（]\s*(?P<outlet>[^()（）\s]{2,12}?)(?:特约|特約)?(?:评论员|評論員)\s*[)）]$")
_END_MARKERS = ("上一篇", "下一篇", "相关新闻", "相关阅读", "相关文章", "延伸阅读", "推荐阅读", "猜你喜欢", "免责声明",
                "分享到", "【打印】", "【关闭】", "打印本页", "关闭窗口", "网友评论", "最新消息",
                # a copyright or infringement notice after the text: the article has ended
                "反侵权公告", "版权声明", "特别声明", "侵权举报")
_CAPTION_HINT = re.compile(
    r"caption|(?:pic|img|photo|image)[_-]?(?:txt|text|desc|note|info|title|sm)|tuwen|tpsm|tusm|desc", re.I)
# A line that only says where the text came from (来源：新华社, （来源：…）): a field, not body text.
_SOURCE_LINE = re.compile(
    r"^[（(【\[]?\s*(?:本文)?(?:来源|來源|稿源|出处)\s*[:：]\s*(?P<origin>[^\s:：（）()【】\[\]]{2,30})\s*[）)】\]]?$")
_SUBTITLE_HINT = re.compile(r"sub_?title|subtit|fu_?title|futi|yinti|sub-head|subhead|lead", re.I)
_ICON = re.compile(r"logo|icon|share|qrcode|erweima|ewm|weixin|wechat|banner|ad_|/ad/|spacer|blank\.gif|arrow", re.I)
_TITLE_SEPARATORS = re.compile(r"\s*[-_|｜—]+\s*")
# Never article text, whatever they hold: tickers, hidden blocks (share widgets repeat the title).
_SKIP = frozenset({*SKIP_TAGS, "marquee", "nav", "select", "form"})
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CLOSING = "。！？!?”」』…"
# A byline printed at the end of the last paragraph, after its closing sentence and some space.
_TRAILING_BYLINE = re.compile(rf"^(?P<text>.*[{_CLOSING}])\s+(?P<byline>[^{_CLOSING}]{{2,30}})$")
# A byline in brackets closing the last paragraph: …的决心。（记者 张三）
_CLOSING_BRACKETED = re.compile(rf"^(?P<text>.*[{_CLOSING}]\s*)(?P<byline>[(（][^()（）]{{2,40}}[)）])$")


@dataclass(slots=True)
class Line:
    """One line of the page as a reader sees it: text or a picture, with what it sat in."""

    text: str
    element: HtmlElement  # the innermost block element holding the line
    links: int = 0  # characters of the line inside <a>
    image: str | None = None
    centred: bool = False
    strong: bool = False
    hint: str = ""  # the class and id of the block and its parent (caption, subtitle hints)
    lead_link: int = 0  # characters of the link the line opens with (a teaser: headline, then summary)


@dataclass
class Reading:
    """What the generic reader found on a page; empty fields where it found nothing."""

    title: str = ""
    subtitle: list[str] = field(default_factory=list)
    published: Published | None = None
    origin: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    breadcrumbs: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    origin_labelled: bool = False  # the origin came from a 来源 label, which wins over a dateline


# --- the page as lines ---------------------------------------------------------------------------


def page_lines(root: HtmlElement, base_url: str) -> list[Line]:
    """Every line of the page's body in reading order: block elements and ``<br>`` end a line, the
    inline text between nested blocks is a line of its own (as a browser lays it out)."""
    body = root.find("body")
    lines: list[Line] = []
    _walk(root if body is None else body, base_url, lines, 0)
    return lines


def own_names(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _hint(element: HtmlElement) -> str:
    parent = element.getparent()
    names = [element.get("class"), element.get("id")]
    if parent is not None:
        names += [parent.get("class"), parent.get("id")]
    return " ".join(n for n in names if n)


class _Run:
    """Inline content gathered into one line until a block, a picture or ``<br>`` ends it."""

    def __init__(self, block: HtmlElement) -> None:
        self.block = block
        self.parts: list[str] = []
        self.links = 0
        self.lead_link = 0
        self.opening = True
        self.strong = True

    def add(self, text: str | None, link: bool, bold: bool) -> None:
        if not text:
            return
        if not text.strip():  # the space between two inline elements still parts their words
            if self.parts:
                self.parts.append(" ")
            return
        if link:
            chars = len(clean_text(text))
            self.links += chars
            if self.links == self.lead_link + chars and self.opening:
                self.lead_link += chars  # still only link text since the line began
        else:
            self.opening = False
        self.parts.append(text)
        self.strong = self.strong and bold

    def flush(self, lines: list[Line]) -> None:
        text = clean_text("".join(self.parts))
        if text:
            lines.append(Line(text, self.block, min(self.links, len(text)), None, is_centred(self.block),
                              self.strong, _hint(self.block), self.lead_link))
        self.parts, self.links, self.lead_link, self.opening, self.strong = [], 0, 0, True, True

    def picture(self, img: HtmlElement, base_url: str, lines: list[Line]) -> None:
        src = (img.get("src") or img.get("data-src") or img.get("data-original") or "").strip()
        if src and not _is_icon(img, src):
            self.flush(lines)
            lines.append(Line("", self.block, image=absolute(base_url, src), centred=is_centred(self.block),
                              hint=_hint(self.block)))


# Below this many nested elements a subtree is read flat, as one run of text (text_of walks it
# without recursion): real pages nest a few dozen levels, a hostile one thousands.
_MAX_DEPTH = 60


def _walk(block: HtmlElement, base_url: str, lines: list[Line], depth: int) -> None:
    run = _Run(block)
    run.add(block.text, False, False)
    _children(block, base_url, run, lines, False, False, depth)
    run.flush(lines)


def _children(element: HtmlElement, base_url: str, run: _Run, lines: list[Line], link: bool, bold: bool,
              depth: int) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag or tag in _SKIP or _HIDDEN.search(child.get("style") or ""):
            pass
        elif depth >= _MAX_DEPTH:
            run.add(text_of(child), link, bold)
        elif tag in _BLOCKS:
            run.flush(lines)
            _walk(child, base_url, lines, depth + 1)
        else:
            _inline(child, base_url, run, lines, link, bold, depth + 1)
        run.add(child.tail, link, bold)


def _inline(element: HtmlElement, base_url: str, run: _Run, lines: list[Line], link: bool, bold: bool,
            depth: int) -> None:
    """An inline element, in document order: pictures and ``<br>`` end the line, text joins it."""
    tag = element.tag
    if tag == "img":
        run.picture(element, base_url, lines)
        return
    if tag == "br":
        run.flush(lines)
        return
    link = link or tag == "a"
    bold = bold or tag in ("strong", "b")
    run.add(element.text, link, bold)
    _children(element, base_url, run, lines, link, bold, depth)


def _is_icon(img: HtmlElement, src: str) -> bool:
    for size in (img.get("width"), img.get("height")):
        if size and size.strip().isdigit() and int(size) < 60:
            return True
    return bool(_ICON.search(src))


# --- the main text -------------------------------------------------------------------------------


def line_score(line: Line) -> int:
    """How much a line says this is the article: its characters outside links when it reads as a
    sentence; a little less than nothing for a label or a heading; its length against it for a
    link list; a fixed cost for chrome."""
    if line.image is not None:
        return 0
    text = line.text
    if is_site_chrome(text) or is_chrome_line(text) or text.startswith(_END_MARKERS):
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


def read_page(root: HtmlElement, base_url: str, site_names: tuple[str, ...] = (),
              outlets: tuple[str, ...] = ()) -> Reading:
    """Read an article page whose template no selector knows."""
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
            _read_head_line(lines[i], reading)
    if container is not None:
        _read_body(lines, scores, [i for i, ok in enumerate(inside) if ok and i not in skip and
                                   (title_at is None or i > title_at)], reading, outlets)
    else:  # no prose anywhere: what follows the headline is all there is, and validation judges it
        _read_body(lines, scores, list(range(max(skip, default=-1) + 1, len(lines))), reading, outlets)
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


def _read_title(root: HtmlElement, lines: list[Line], first_prose: int, site_names: tuple[str, ...],
                reading: Reading) -> int | None:
    """The headline: the heading the ``<title>`` starts with, else the first heading or centred
    bold line above the body's first line of prose, else the ``<title>`` without the site's name.
    Returns its line."""
    page_title = clean_text(" ".join(xpath("//head/title//text()")(root)))
    squashed = page_title.replace(" ", "")
    candidates = [i for i, line in enumerate(lines[: first_prose + 1])
                  if line.image is None and 2 <= len(line.text) <= 80 and not line.links * 2 > len(line.text)
                  and (line.element.tag in _HEADINGS or (line.strong and line.centred)
                       or (_TITLE_HINT.search(own_names(line.element)) and not _SUBTITLE_HINT.search(line.hint))
                       or (len(line.text) >= 4 and squashed.startswith(line.text.replace(" ", ""))))
                  and line.text not in site_names and not is_site_chrome(line.text)
                  and not (len(line.text) <= 40 and parse_published(line.text))]  # a date line is no headline
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
        sources = [read_source_label(normalize_space(lines[j].text)) for j in (i, i + 1, i - 1, i + 2)
                   if 0 <= j < len(lines) and len(lines[j].text) <= 120]
        origin = next((o for o in sources if o), None)
        if origin:
            reading.origin = origin
            reading.origin_labelled = True
        else:
            at = text.find(published.raw)
            before = clean_origin(text[:at].strip(" |｜/-—")) or ""
            after = text[at + len(published.raw):].split()
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
_META_DATES = ("article:published_time", "pubdate", "publishdate", "PubDate", "publish_time", "datePublished",
               "og:release_date", "created")


def _headline_above(lines: list[Line], info_at: int, reading: Reading) -> int | None:
    """A page with no heading markup and no ``<title>`` (an old table layout): the headline is the
    line printed right above the date line. Returns its line."""
    for i in range(info_at - 1, max(-1, info_at - 3), -1):
        text = lines[i].text
        if (lines[i].image is None and 4 <= len(text) <= 80 and not lines[i].links * 2 > len(text)
                and "。" not in text and not is_site_chrome(text) and not _CRUMB_LABEL.search(text)):
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
        if node.tag in SKIP_TAGS or not _CRUMB_LABEL.search(text_of(node)):
            continue
        holder = node
        for _ in range(3):  # the label may sit in a <span> of its own beside the links
            label_only = not _CRUMB_LABEL.sub("", text_of(holder)).strip(" :：\u3000\xa0")
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
        label = _CRUMB_LABEL.search(text)
        if label:
            text = text[label.end():].lstrip(" :：\u3000\xa0")
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
    return [p for p in pieces if p not in _NOT_CRUMBS and not _CRUMB_LABEL.fullmatch(p) and p.strip(" :：")]


def _read_head_line(line: Line, reading: Reading) -> None:
    """A line between headline and body: a subtitle, a byline or an editor line, or nothing of ours."""
    text = line.text
    byline = read_byline(text)
    editors = read_editors(text)
    origin = read_source_label(normalize_space(text)) if not reading.origin_labelled else None
    if origin:
        reading.origin, reading.origin_labelled = origin, True
    if byline is not None and byline.marked:
        reading.authors += byline.names
    elif editors:
        reading.editors += editors
    elif (_SUBTITLE_HINT.search(line.hint) or line.element.tag in ("h2", "h3", "h4")
          or text.startswith("——") or text.endswith("——")) and not is_site_chrome(text) \
            and not _CRUMB_LABEL.search(text) and len(text) <= 80:
        reading.subtitle.append(text)


def _read_body(lines: list[Line], scores: list[int], indexes: list[int], reading: Reading,
               outlets: tuple[str, ...]) -> None:
    body = reading.body
    chrome: list[str] = []  # what was left out as the site's frame
    expect_caption = False
    for n, i in enumerate(indexes):
        line = lines[i]
        if line.image is not None:
            reading.images.append({"url": line.image, "caption": None})
            expect_caption = True
            continue
        text = line.text
        # A writer's byline is no caption, even beside a picture credit (记者 某某/文 某某供图); a
        # photographer's credit (…记者 某某 摄) is one, however it is marked.
        credit = is_caption_text(text) and not _writers_byline(text)
        if expect_caption and (credit or ((_is_caption(line) or _reads_as_caption(text))
                                          and not _writers_byline(text))):
            reading.images[-1]["caption"] = text
            expect_caption = False
            continue
        expect_caption = False
        if credit or is_note_line(text):  # a credit or a note away from its picture
            continue
        if text.startswith(_END_MARKERS) and body:
            break
        if body == [] and reading.title and text.replace(" ", "") == reading.title.replace(" ", ""):
            continue  # the headline printed again above the text
        if not body and len(text) <= 80 and _LABELLED_FIELD.search(text):  # 来源：… 作者：… above the text
            _read_head_line(line, reading)
            continue
        # A line that is chrome goes; a sentence with a chrome phrase inside stays, and validation
        # rejects the record as chrome_in_body rather than the text being cut.
        if is_site_chrome(text) or is_chrome_line(text) or _CRUMB_LABEL.match(text) \
                or line.links * 2 > len(text) or text.startswith(_END_MARKERS):
            chrome.append(text)
            continue
        editors = read_editors(text) if len(text) <= 60 else []
        if editors:  # an editor line, perhaps closing a byline line (摄影/某某 编辑/某某)
            reading.editors += editors
            byline = read_byline(text)
            reading.authors += byline.names if byline is not None and byline.marked else []
            continue
        commentator = _COMMENTATOR.match(text)
        if commentator:  # （某某日报评论员）: the paper's own voice, no person named
            if reading.origin is None:
                reading.origin = commentator["outlet"]
            continue
        source = _SOURCE_LINE.match(text)
        if source:
            if not reading.origin_labelled:
                reading.origin, reading.origin_labelled = source["origin"], True
            continue
        if not body and (text.startswith("——") or text.endswith("——") or _SUBTITLE_HINT.search(line.hint)
                         or (line.centred and line.strong and not reading.images)):
            reading.subtitle.append(text)
            continue
        byline = read_byline(text)
        if byline is not None and (byline.marked or (byline.plausible and _ends_a_report(lines, scores, indexes, n))):
            reading.authors += byline.names
            continue
        if not body:
            dateline = read_dateline(text, outlets)
            if dateline is not None:
                reading.authors += dateline.authors
                if reading.origin is None:
                    reading.origin = dateline.origin
        body.append(text)
    if not body:
        # Nothing but the frame where the body should be: say so, and validation rejects it as
        # chrome_body, rather than as a page with no text.
        body += chrome
        return
    trailing = _TRAILING_BYLINE.match(body[-1]) or _CLOSING_BRACKETED.match(body[-1])
    byline = read_byline(trailing["byline"]) if trailing else None
    if trailing and byline is not None and byline.plausible:
        reading.authors += byline.names
        body[-1] = trailing["text"].rstrip()
    elif trailing and is_note_line(trailing["byline"]):  # …传奇。（刊于《某刊》2019年第24期）
        body[-1] = trailing["text"].rstrip()
    elif trailing and (signed := _COMMENTATOR.match(trailing["byline"])):  # …的决心。（某报评论员）
        body[-1] = trailing["text"].rstrip()
        reading.origin = reading.origin or signed["outlet"]


def _writers_byline(text: str) -> bool:
    """A marked byline of the people who wrote the text (not a photographer's credit)."""
    byline = read_byline(text)
    return byline is not None and byline.marked and not text.rstrip(")） ").endswith(("摄", "攝"))


def _reads_as_caption(text: str) -> bool:
    """A short line right under a picture says what the picture shows: no sentence in it, or one
    short sentence of a single clause (搜救现场。).

    >>> [_reads_as_caption(t) for t in ("活动现场", "搜救现场。", "会议开始了，大家都很高兴。", "据了解：")]
    [True, True, False, False]
    """
    if text.endswith(("：", ":")) or len(text) > 30:
        return False
    if text.endswith("。"):
        return len(text) <= 20 and not SENTENCE_MARKS.search(text[:-1])
    return "。" not in text


def _is_caption(line: Line) -> bool:
    """A line under a picture marked as its caption (centred, bracketed, a figcaption, a caption
    class); a centred paragraph of several clauses is text that happens to be centred."""
    text = line.text
    if text[:1] in _CAPTION_MARKS:  # ◎ 图为…: a marked caption, however long
        return True
    bracketed = text[:1] in "(（" and text[-1:] in ")）"
    if len(text) > 120 or (not bracketed and len(SENTENCE_MARKS.findall(text)) > 4):
        return False
    return line.centred or bracketed or line.element.tag == "figcaption" or bool(_CAPTION_HINT.search(line.hint))


def _ends_a_report(lines: list[Line], scores: list[int], indexes: list[int], n: int) -> bool:
    """Bare names close an article or a round-up's report: nothing but chrome after them, or the
    next report's sub-head or 本网讯."""
    if n == 0:
        return False
    following = next((i for i in indexes[n + 1:] if lines[i].image is None and scores[i] > -20
                      and not lines[i].text.startswith(_END_MARKERS)), None)
    if following is None:
        return True
    text = lines[following].text
    return text.startswith("本网讯") or (len(text) <= 15 and not SENTENCE_MARKS.search(text))
