"""Reading an article's markup as a sequence of blocks: the part of extraction all portals share.

A portal's loader decides what each block is (subtitle, caption, byline, body); this module only
turns lxml elements into text and pictures in reading order, the same way for every portal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

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


@lru_cache(maxsize=256)
def xpath(expression: str) -> etree.XPath:
    """``expression`` compiled once: lxml compiles the string given to ``.xpath()`` on every call,
    which costs as much as evaluating a short expression over a whole page. Call the result with
    the context node and any ``$variables`` as keywords.

    >>> xpath("count(//p[@class=$c])")(etree.fromstring("<div><p class='a'/><p/></div>"), c="a")
    1.0
    """
    return etree.XPath(expression)


def absolute(base: str, href: str) -> str:
    """``href`` resolved against ``base``; empty when it cannot be (a malformed link is no link).

    >>> absolute("http://www.kbcmw.com/html/xw/", " ../wh/1.html "), absolute("http://a/", "http://[")
    ('http://www.kbcmw.com/html/wh/1.html', '')
    """
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return ""


@dataclass(slots=True)
class Block:
    """One paragraph of text, or one picture, in reading order."""

    text: str = ""
    image: str | None = None  # the picture's absolute URL ('' when its src could not be read)
    centred: bool = False
    strong: bool = False  # all of the text is bold


def text_of(element: HtmlElement) -> str:
    """All text under ``element`` except scripts, styles and ruby annotations, uncleaned.

    Iterative, so a page nested thousands of levels deep costs time, not the stack.
    """
    if not len(element):  # a leaf, as most paragraphs are: its own text is all of it
        return (element.text or "") if element.tag not in SKIP_TAGS else ""
    parts: list[str] = []
    if element.text and element.tag not in SKIP_TAGS:
        parts.append(element.text)
    # (node, closing): a node's own text on the way in, its tail once its children are done.
    stack: list[tuple[HtmlElement, bool]] = [(child, False) for child in reversed(element)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if node.tail:
                parts.append(node.tail)
            continue
        tag = node.tag if isinstance(node.tag, str) else ""
        if not tag or tag in SKIP_TAGS:
            if node.tail:
                parts.append(node.tail)
            continue
        if tag == "br":
            parts.append("\n")
        elif node.text:
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(parts)


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


def _all_strong(element: HtmlElement, depth: int = 0) -> bool:
    own = (element.text or "").strip()
    if element.tag in ("strong", "b"):
        return bool(text_of(element).strip())
    if own:
        return False
    children = [c for c in element if isinstance(c.tag, str) and c.tag not in SKIP_TAGS and c.tag != "br"]
    if not children:
        return False
    if depth > 8:  # bold text is a shallow thing; deeper nesting is not a heading
        return False
    for child in children:
        if not _all_strong(child, depth + 1) or (child.tail or "").strip():
            return False
    return True


def blocks(container: HtmlElement, base_url: str) -> Iterator[Block]:
    """The paragraphs and pictures under ``container``, in reading order, text cleaned, picture
    addresses resolved against ``base_url``.

    A block element holding other blocks is descended into; text directly beside nested blocks,
    and lines split by ``<br>``, become paragraphs of their own.
    """
    yield from _walk(container, container, base_url, 0)


def _has_block_child(element: HtmlElement) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in element)


# Below this many nested blocks a subtree is read as one paragraph: real articles nest a few
# levels, and a hostile page must not exhaust the stack.
MAX_DEPTH = 60


def _walk(element: HtmlElement, container: HtmlElement, base_url: str, depth: int) -> Iterator[Block]:
    if depth < MAX_DEPTH and _has_block_child(element):
        if element.text and element.text.strip():
            yield from _text_blocks(element.text, element, container)
        for child in element:
            if not isinstance(child.tag, str) or child.tag in SKIP_TAGS:
                if child.tail and child.tail.strip():
                    yield from _text_blocks(child.tail, element, container)
                continue
            if child.tag in BLOCK_TAGS:
                yield from _walk(child, container, base_url, depth + 1)
            else:
                yield from _leaf(child, container, base_url)
            if child.tail and child.tail.strip():
                yield from _text_blocks(child.tail, element, container)
        return
    yield from _leaf(element, container, base_url)


def _leaf(element: HtmlElement, container: HtmlElement, base_url: str) -> Iterator[Block]:
    centred = is_centred(element, container)
    for img in element.iter("img"):
        src = (img.get("src") or img.get("data-src") or "").strip()
        if src:
            yield Block(image=absolute(base_url, src), centred=centred)
    raw = text_of(element)
    strong = _all_strong(element)
    for line in raw.split("\n"):
        text = clean_text(line)
        if text:
            yield Block(text=text, centred=centred, strong=strong)


def _text_blocks(text: str, parent: HtmlElement, container: HtmlElement) -> Iterator[Block]:
    centred = is_centred(parent, container)
    for line in text.split("\n"):
        cleaned = clean_text(line)
        if cleaned:
            yield Block(text=cleaned, centred=centred)


class Page:
    """One parsed page with its elements indexed by class, built in a single pass.

    Selectors are written ``tag.class`` (``.class`` for any tag), optionally followed by
    ``/child`` tags (``div.article_title/h3``), or as XPath when they start with ``/``. Class
    lookups are dictionary hits; only XPath selectors walk the tree.
    """

    def __init__(self, root: HtmlElement) -> None:
        self.root = root
        self.by_class: dict[str, list[HtmlElement]] = {}
        # Only the elements with a class, found by libxml2: no Python object for the others.
        for element in xpath("descendant-or-self::*[@class]")(root):
            for token in element.get("class").split():
                self.by_class.setdefault(token, []).append(element)

    def select(self, selector: str) -> HtmlElement | None:
        if selector.startswith("/"):
            found = [n for n in xpath(selector)(self.root) if isinstance(n, etree._Element)]
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
    for node in xpath("//body//*[contains(text(), $m)]")(root, m=marker):
        if node.tag not in SKIP_TAGS and len(text_of(node)) <= max_chars:
            return node
    return None
