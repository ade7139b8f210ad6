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


def is_centred(element: HtmlElement) -> bool:
    for node in (element, *element.iterancestors()):
        if node.tag == "center" or (node.get("align") or "").lower() == "center":
            return True
        if _CENTRED.search(node.get("style") or ""):
            return True
        if node.tag in ("body", "html") or (node.get("class") or "").find("content") >= 0:
            return False
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
    """The paragraphs and pictures under ``container``, in reading order.

    A block element holding other blocks is descended into; text directly beside nested blocks,
    and lines split by ``<br>``, become paragraphs of their own.
    """
    yield from _walk(container)


def _has_block_child(element: HtmlElement) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in element)


def _walk(element: HtmlElement) -> Iterator[Block]:
    if _has_block_child(element):
        if element.text and element.text.strip():
            yield from _text_blocks(element.text, element, False)
        for child in element:
            if not isinstance(child.tag, str) or child.tag in SKIP_TAGS:
                if child.tail and child.tail.strip():
                    yield from _text_blocks(child.tail, element, False)
                continue
            if child.tag in BLOCK_TAGS:
                yield from _walk(child)
            else:
                yield from _leaf(child)
            if child.tail and child.tail.strip():
                yield from _text_blocks(child.tail, element, False)
        return
    yield from _leaf(element)


def _leaf(element: HtmlElement) -> Iterator[Block]:
    centred = is_centred(element)
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


def _text_blocks(text: str, parent: HtmlElement, strong: bool) -> Iterator[Block]:
    centred = is_centred(parent)
    for line in text.split("\n"):
        cleaned = clean_text(line)
        if cleaned:
            yield Block(text=cleaned, centred=centred, strong=strong, raw=line)


def first(root: HtmlElement, selectors: tuple[str, ...]) -> HtmlElement | None:
    """The first element matched by the first XPath in ``selectors`` that matches anything."""
    for xpath in selectors:
        found = root.xpath(xpath)
        for node in found:
            if isinstance(node, etree._Element):
                return node
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
