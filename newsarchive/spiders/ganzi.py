"""康巴传媒网 (kbcmw.com): the Ganzi portal's URL rules, selectors, and the byline rules only its pages have."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scrapy.http import TextResponse

from newsarchive.reading.body import BodyParts
from newsarchive.reading.bylines import BYLINE_MARKS, read_byline
from newsarchive.reading.chrome import is_chrome_line
from newsarchive.reading.lines import Line
from newsarchive.reading.page import absolute, xpath
from newsarchive.spiders.base import ArticleRef, PortalSpider, list_page_name

_SENTENCE_END = "。！？!?”」』…"
# A byline printed at the end of the last paragraph, after the closing sentence and some spaces.
_TRAILING = re.compile(rf"^(?P<text>.*[{_SENTENCE_END}])\s+(?P<byline>[^{_SENTENCE_END}]{{2,30}})$")


def _dirs(path: str) -> str:
    """Column directories with a doubled column collapsed: ``xw/dzyw/dzyw/`` -> ``xw/dzyw/``."""
    parts = [p for p in path.split("/") if p]
    kept = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    return "".join(f"{p}/" for p in kept)


class GanziSpider(PortalSpider):
    name = "ganzi"
    site = "康巴传媒网"
    outlets = ("甘孜日报", "四川日报")
    allowed_domains = ("www.kbcmw.com",)
    default_start_urls = (
        "http://www.kbcmw.com/html/xw/dzyw/",  # 党政要闻
        "http://www.kbcmw.com/html/xw/jjgz/",  # 聚焦甘孜
        "http://www.kbcmw.com/html/xw/gxdt/",  # 各县动态
        "http://www.kbcmw.com/html/xw/shms/",  # 社会民生
        "http://www.kbcmw.com/html/wh/xkbrw/",  # 康巴人文
    )
    sample_article = "http://www.kbcmw.com/html/xw/dzyw/58225.html"  # the seed page

    title_selectors = ("div.article_title/h3", "div.article_title/h1", "//h1")
    date_selectors = ("div.article_title/p",)
    crumb_selectors = ("div.position",)
    body_selectors = ("div.article_content",)

    # --- URLs ---------------------------------------------------------------------------------

    host_pattern = re.compile(r"^(?:www\.)?kbcmw\.com$")
    article_pattern = re.compile(r"^/html/(?P<dirs>(?:[a-z]{1,12}/){1,4})(?P<id>\d{1,9})\.html$")
    list_pattern = re.compile(r"^/html/(?P<dirs>(?:[a-z]{1,12}/){1,4})(?:index(?:_(?P<n>\d{1,5}))?\.html)?$")

    def canonical_article(self, host: re.Match[str], path: re.Match[str]) -> ArticleRef:
        return ArticleRef(path["id"], f"http://www.kbcmw.com/html/{_dirs(path['dirs'])}{path['id']}.html")

    def canonical_list(self, host: re.Match[str], path: re.Match[str]) -> str:
        return f"http://www.kbcmw.com/html/{_dirs(path['dirs'])}{list_page_name(path['n'])}"

    def related_articles(self, response: TextResponse) -> list[str]:
        found: list[str] = []
        for label in xpath("//body//text()[contains(., '上一篇') or contains(., '下一篇')]")(response.selector.root):
            node = label.getparent()
            if label.is_tail:  # "上一篇:<a>" where the label is the tail of an earlier element
                node = node.getparent()
            found += xpath(".//a/@href | following-sibling::a[1]/@href")(node)
        return [absolute(response.url, str(h)) for h in found]

    # --- article pages: only the byline rules differ from the template -------------------------

    def byline(self, text: str, parts: Sequence[Line], i: int) -> list[str] | None:
        # Without a mark or role word, a line is a byline only where one ends a report, and only
        # when it names people: a sub-head (产业兴旺) before 本网讯 is no byline.
        found = read_byline(text)
        if found is None or not found.plausible or (found.bare and not _bare_byline_here(text, parts, i)):
            return None
        return found.names

    def body_line(self, text: str, read: BodyParts) -> str:
        text = super().body_line(text, read)
        trailing = _TRAILING.match(text)  # the closing sentence, then a byline after some spaces
        tail = read_byline(trailing["byline"]) if trailing else None
        if trailing and tail is not None and tail.plausible:
            read.authors += tail.names
            return trailing["text"]
        return text


def _bare_byline_here(text: str, parts: Sequence[Line], i: int) -> bool:
    """Bare names are a byline at the end of the article or of a round-up county section.

    They must follow body text and be followed by nothing, by a sub-head (a short line with no
    closing punctuation, like 道孚县) or by the next report's 本网讯.
    """
    if i == 0 or text[0] in BYLINE_MARKS:
        return False
    following = next((p for p in parts[i + 1 :] if not p.image and not is_chrome_line(p.text)), None)
    if following is None:
        return True
    nxt = following.text
    return nxt.startswith("本网讯") or (len(nxt) <= 15 and nxt[-1] not in _SENTENCE_END + "。,，:：")
