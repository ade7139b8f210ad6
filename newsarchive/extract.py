"""Reading an article's markup as a sequence of blocks: the part of extraction all portals share.

A portal's loader decides what each block is (subtitle, caption, byline, body); this module only
turns lxml elements into text and pictures in reading order, the same way for every portal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from newsarchive.processors import clean_text

# Elements whose text is never article text (ruby annotations included: rt holds the pinyin).
SKIP_TAGS = frozenset({"script", "style", "noscript", "rt", "rp", "iframe", "object", "select", "textarea", "button"})
BLOCK_TAGS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "center", "section", "article",
     "blockquote", "table", "tbody", "thead", "tr", "td", "th", "dl", "dt", "dd", "figure", "figcaption", "pre"}
)
_CENTRED = re.compile(r"text-align\s*:\s*center", re.I)


@dataclass(slots=True)
class Block:
    """One paragraph of text, or one picture, in reading order."""

    text: str = ""
    image: str | None = None  # the src as written, for pictures
    centred: bool = False
    strong: bool = False  # all of the text is bold
    raw: str = ""  # the text before cleaning (keeps indentation, for quirks that need it)


def text_of(element: HtmlElement) -> str:
    """All text under ``element`` except scripts, styles and ruby annotations, uncleaned."""
    parts: list[str] = []
    _collect(element, parts, top=True)
    return "".join(parts)


def _collect(element: HtmlElement, parts: list[str], top: bool = False) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in SKIP_TAGS or not tag:
        if not top and element.tail:
            parts.append(element.tail)
        return
    if tag == "br":
        parts.append("\n")
    elif element.text:
        parts.append(element.text)
    for child in element:
        _collect(child, parts)
    if not top and element.tail:
        parts.append(element.tail)


def is_centred(element: HtmlElement, container: HtmlElement | None = None) -> bool:
    """Whether the element, or an ancestor up to ``container``, is centred."""
    node: HtmlElement | None = element
    while node is not None:
        if node.tag == "center" or (node.get("align") or "").lower() == "center":
            return True
        style = node.get("style")
        if style and _CENTRED.search(style):
            return True
        if node is container or node.tag in ("body", "html"):
            return False
        node = node.getparent()
    return False


def _all_strong(element: HtmlElement) -> bool:
    own = (element.text or "").strip()
    if element.tag in ("strong", "b"):
        return bool(text_of(element).strip())
    if own:
        return False
    children = [c for c in element if isinstance(c.tag, str) and c.tag not in SKIP_TAGS and c.tag != "br"]
    if not children:
        return False
    for child in children:
        if not _all_strong(child) or (child.tail or "").strip():
            return False
    return True


def blocks(container: HtmlElement) -> Iterator[Block]:
    """The paragraphs and pictures under ``container``, in reading order, text cleaned.

    A block element holding other blocks is descended into; text directly beside nested blocks,
    and lines split by ``<br>``, become paragraphs of their own.
    """
    yield from _walk(container, container)


def _has_block_child(element: HtmlElement) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in element)


def _walk(element: HtmlElement, container: HtmlElement) -> Iterator[Block]:
    if _has_block_child(element):
        if element.text and element.text.strip():
            yield from _text_blocks(element.text, element, container)
        for child in element:
            if not isinstance(child.tag, str) or child.tag in SKIP_TAGS:
                if child.tail and child.tail.strip():
                    yield from _text_blocks(child.tail, element, container)
                continue
            if child.tag in BLOCK_TAGS:
                yield from _walk(child, container)
            else:
                yield from _leaf(child, container)
            if child.tail and child.tail.strip():
                yield from _text_blocks(child.tail, element, container)
        return
    yield from _leaf(element, container)


def _leaf(element: HtmlElement, container: HtmlElement) -> Iterator[Block]:
    centred = is_centred(element, container)
    for img in element.iter("img"):
        src = (img.get("src") or img.get("data-src") or "").strip()
        if src:
            yield Block(image=src, centred=centred)
    raw = text_of(element)
    strong = _all_strong(element)
    for line in raw.split("\n"):
        text = clean_text(line)
        if text:
            yield Block(text=text, centred=centred, strong=strong, raw=line)


def _text_blocks(text: str, parent: HtmlElement, container: HtmlElement) -> Iterator[Block]:
    centred = is_centred(parent, container)
    for line in text.split("\n"):
        cleaned = clean_text(line)
        if cleaned:
            yield Block(text=cleaned, centred=centred, raw=line)


class Page:
    """One parsed page with its elements indexed by class, built in a single pass.

    Selectors are written ``tag.class`` (``.class`` for any tag), optionally followed by
    ``/child`` tags (``div.article_title/h3``), or as XPath when they start with ``/``. Class
    lookups are dictionary hits; only XPath selectors walk the tree.
    """

    def __init__(self, root: HtmlElement) -> None:
        self.root = root
        self.by_class: dict[str, list[HtmlElement]] = {}
        for element in root.iter(etree.Element):
            classes = element.get("class")
            if classes:
                for token in classes.split():
                    self.by_class.setdefault(token, []).append(element)

    def select(self, selector: str) -> HtmlElement | None:
        if selector.startswith("/"):
            found = [n for n in self.root.xpath(selector) if isinstance(n, etree._Element)]
            return found[0] if found else None
        head, *children = selector.split("/")
        tag, _, cls = head.partition(".")
        for element in self.by_class.get(cls, ()):
            if tag and element.tag != tag:
                continue
            for child_tag in children:
                element = next(element.iterchildren(child_tag), None)
                if element is None:
                    break
            if element is not None:
                return element
        return None

    def first(self, selectors: tuple[str, ...]) -> HtmlElement | None:
        """The element the first matching selector finds."""
        for selector in selectors:
            found = self.select(selector)
            if found is not None:
                return found
        return None


def element_with_text(root: HtmlElement, marker: str, max_chars: int = 400) -> HtmlElement | None:
    """The innermost element whose own text contains ``marker`` (a label the site always prints)."""
    best: HtmlElement | None = None
    for node in root.xpath("//body//*[contains(text(), $m)]", m=marker):
        if node.tag in SKIP_TAGS:
            continue
        if len(text_of(node)) <= max_chars:
            best = node
            break
    return best


def largest_text_block(root: HtmlElement) -> HtmlElement | None:
    """The element whose direct paragraphs hold the most text: the body when no selector fits."""
    best, best_len = None, 0
    for parent in root.xpath("//body//*[p]"):
        if parent.tag in SKIP_TAGS:
            continue
        size = sum(len(text_of(p).strip()) for p in parent.iterchildren("p"))
        if size > best_len:
            best, best_len = parent, size
    return best
