"""The page as lines, the way a browser lays it out: the one walker both readers read.

Block elements and ``<br>`` end a line; the inline text between nested blocks is a line of its own;
pictures are lines of their own; hidden blocks, tickers, navigation and forms are skipped. Each line
knows the element it sat in, how much of it was link text, whether it was centred or bold, and the
class and id around it (caption, subtitle hints). A portal walks the container its selectors found;
the generic reader walks the whole page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from newsarchive.reading.page import BLOCK_TAGS, SKIP_TAGS, absolute, is_centred, text_of
from newsarchive.reading.text import clean_text

# HTML5 sectioning elements are blocks too (the portal readers' list predates them).
_BLOCKS = BLOCK_TAGS | {
    "header",
    "footer",
    "main",
    "aside",
    "address",
    "hgroup",
    "details",
    "summary",
    "fieldset",
    "hr",
    "menu",
}
_ICON = re.compile(r"logo|icon|share|qrcode|erweima|ewm|weixin|wechat|banner|ad_|/ad/|spacer|blank\.gif|arrow", re.I)
# Never article text, whatever they hold: tickers, hidden blocks (share widgets repeat the title).
_SKIP = frozenset({*SKIP_TAGS, "marquee", "nav", "select", "form"})
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


@dataclass(slots=True)
class Line:
    """One line of the page as a reader sees it: text or a picture, with what it sat in."""

    text: str
    element: HtmlElement  # the innermost block element holding the line
    links: int = 0  # characters of the line inside <a>
    image: str | None = None
    strong: bool = False
    lead_link: int = 0  # characters of the link the line opens with (a teaser: headline, then summary)

    # Asked of few lines (a caption's, a subtitle's): worked out when asked.
    @property
    def centred(self) -> bool:
        return is_centred(self.element)

    @property
    def hint(self) -> str:
        """The class and id of the block and of its parent (caption, subtitle hints)."""
        return _hint(self.element)


# --- the page as lines ---------------------------------------------------------------------------


def container_lines(container: HtmlElement, base_url: str) -> list[Line]:
    """The lines of one element (a portal's body container), in reading order."""
    lines: list[Line] = []
    _walk(container, base_url, lines, 0)
    return lines


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
            lines.append(Line(text, self.block, min(self.links, len(text)), None, self.strong, self.lead_link))
        self.parts, self.links, self.lead_link, self.opening, self.strong = [], 0, 0, True, True

    def picture(self, img: HtmlElement, base_url: str, lines: list[Line]) -> None:
        src = (img.get("src") or img.get("data-src") or img.get("data-original") or "").strip()
        if src and not _is_icon(img, src):
            self.flush(lines)
            lines.append(Line("", self.block, image=absolute(base_url, src)))


# Below this many nested elements a subtree is read flat, as one run of text (text_of walks it
# without recursion): real pages nest a few dozen levels, a hostile one thousands.
_MAX_DEPTH = 60


def _walk(block: HtmlElement, base_url: str, lines: list[Line], depth: int) -> None:
    run = _Run(block)
    run.add(block.text, False, False)
    _children(block, base_url, run, lines, False, False, depth)
    run.flush(lines)


def _children(
    element: HtmlElement, base_url: str, run: _Run, lines: list[Line], link: bool, bold: bool, depth: int
) -> None:
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


def _inline(
    element: HtmlElement, base_url: str, run: _Run, lines: list[Line], link: bool, bold: bool, depth: int
) -> None:
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
