"""高原新闻网 (gaoyuan.example): an invented portal that exists only for the tests.

It is the worked example of README's "Adding a portal": this module and its fixtures
(``tests/testportals/fixtures/gaoyuan/``) are all it took, with no edit anywhere else. The tests
crawl it through the real engine; production's SPIDER_MODULES does not list it.
"""

from __future__ import annotations

import re

from newsarchive.spiders.base import ArticleRef, PortalSpider, list_page_name

HOME = "https://www.gaoyuan.example"


class GaoyuanSpider(PortalSpider):
    name = "gaoyuan"
    site = "高原新闻网"
    allowed_domains = ("gaoyuan.example",)
    default_start_urls = (f"{HOME}/news/yw/",)  # 要闻
    sample_article = f"{HOME}/news/yw/202405/1001.html"

    title_selectors = ("h1.headline",)
    date_selectors = ("div.meta",)
    crumb_selectors = ("div.crumb",)
    body_selectors = ("div.story",)

    host_pattern = re.compile(r"^(?:www\.)?gaoyuan\.example$")
    article_pattern = re.compile(r"^/news/(?P<column>[a-z]{1,12})/(?P<month>\d{6})/(?P<id>\d{3,9})\.html$")
    list_pattern = re.compile(r"^/news/(?P<column>[a-z]{1,12})/(?:index(?:_(?P<n>\d{1,4}))?\.html)?$")

    def canonical_article(self, host: re.Match[str], path: re.Match[str]) -> ArticleRef:
        return ArticleRef(path["id"], f"{HOME}/news/{path['column']}/{path['month']}/{path['id']}.html")

    def canonical_list(self, host: re.Match[str], path: re.Match[str]) -> str:
        return f"{HOME}/news/{path['column']}/{list_page_name(path['n'])}"
