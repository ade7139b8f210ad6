"""The page's markup as both readers query it: elements' text, centring, compiled XPath, selectors."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin

from lxml import etree
from lxml.html import HtmlElement

# Elements whose text is never article text (ruby annotations included: rt holds the pinyin).
SKIP_TAGS = frozenset({"script", "style", "noscript", "rt", "rp", "iframe", "object", "select", "textarea", "button"})
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "center",
        "section",
        "article",
        "blockquote",
        "table",
        "tbody",
        "thead",
        "tr",
        "td",
        "th",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "pre",
    }
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


# The class form: tag.class or .class, then /child tags (div.article_title/h3).
_CLASS_SELECTOR = re.compile(r"(?:[a-z][a-z0-9]*)?\.[A-Za-z_][\w-]*(?:/[a-z][a-z0-9]*)*")
SELECTOR_FORMS = (
    "tag.class or .class, optionally followed by /child tags (div.article_title/h3), "
    "or an XPath expression starting with / (//h1)"
)


def selector_problem(selector: object) -> str | None:
    """Why ``selector`` is not one :class:`Page` can take (it would silently select nothing), or None.

    >>> selector_problem("div.article_title/h3") is None, selector_problem("//h1[@id='t']") is None
    (True, True)
    >>> selector_problem("div.art_title > h1")
    "'div.art_title > h1' is not a selector this reader takes: write tag.class or .class, ..."
    """
    if not isinstance(selector, str):
        return f"{selector!r} is not a string"
    if selector.startswith("/"):
        try:
            etree.XPath(selector)
        except etree.XPathSyntaxError as error:
            return f"{selector!r} is not a valid XPath expression ({error})"
        return None
    if _CLASS_SELECTOR.fullmatch(selector):
        return None
    return f"{selector!r} is not a selector this reader takes: write {SELECTOR_FORMS}"


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
