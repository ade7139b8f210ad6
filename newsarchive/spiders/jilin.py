"""中国吉林网 (cnjiwang.com): the Jilin portal's URL rules, TRS pagers, selectors, captions and editor search."""

from __future__ import annotations

import re

from scrapy.http import TextResponse

from newsarchive.reading.body import BodyParts
from newsarchive.reading.bylines import read_byline, read_editors
from newsarchive.reading.lines import Line
from newsarchive.reading.loaders import ArticleLoader
from newsarchive.reading.page import Page, absolute, text_of, xpath
from newsarchive.reading.text import normalize_space
from newsarchive.spiders.base import ArticleRef, PortalSpider, list_page_name

# TRS writes pagers with a script call: createPageHTML(page count, current page, "name", "ext").
_PAGER = re.compile(
    r"createPageHTML\(\s*(\d{1,5})\s*,\s*(\d{1,5})\s*,\s*[\"']([\w-]{1,40})[\"']\s*,\s*[\"'](\w{1,6})[\"']\s*\)"
)


def _host(sub: str | None) -> str:
    return f"{sub or 'www'}.cnjiwang.com"


class JilinSpider(PortalSpider):
    name = "jilin"
    site = "中国吉林网"
    site_names = ("吉网",)
    outlets = ("吉林日报",)
    allowed_domains = ("cnjiwang.com", "chinajilin.com.cn")
    default_start_urls = (
        "https://news.cnjiwang.com/jwyc/",  # 吉网原创
        "https://news.cnjiwang.com/jlxwdt/sn/",  # 省内新闻
        "https://news.cnjiwang.com/jlxwdt/cc/",  # 长春
    )
    sample_article = "https://news.cnjiwang.com/jwyc/201902/2823600.html"

    # One selector per template generation, newest first; text markers back them up.
    title_selectors = ("div.art_title", "div.art_box/h1", "//h1/span", ".sp_zwtt", "//h1")
    date_selectors = (".art_data", ".art_info", ".zxdata", ".sp_zwdate")
    date_label = "来源"
    date_lines = 12
    crumb_selectors = (".crumbs", ".weizhi", ".path", ".sp_dqwz")
    body_selectors = (".TRS_Editor", "div.art_txt", "div.art_con", "div.content", "div.sp_zwleft")
    editor_selectors = (".art_editor", ".bianji")

    # --- URLs ---------------------------------------------------------------------------------

    # Any sub-site of either name but the mobile one (m.), whose pages copy the main site's.
    host_pattern = re.compile(r"^(?:(?!m\.)(?P<sub>[a-z0-9-]+)\.)?(?:cnjiwang\.com|chinajilin\.com\.cn)$")
    article_pattern = re.compile(
        r"^/(?P<dirs>(?:[A-Za-z0-9_-]+/){1,3})(?P<ym>(?:19|20)\d\d(?:0[1-9]|1[0-2]))/"
        r"(?P<docid>\d{4,9})(?:_(?P<page>\d{1,3}))?\.(?P<ext>s?html?)$"
    )
    list_pattern = re.compile(r"^/(?P<dirs>(?:[A-Za-z0-9_-]+/){0,3})(?:index(?:_(?P<n>\d{1,4}))?\.s?html?)?$")

    def canonical_article(self, host: re.Match[str], path: re.Match[str]) -> ArticleRef:
        url = f"https://{_host(host['sub'])}/{path['dirs']}{path['ym']}/{path['docid']}.{path['ext']}"
        return ArticleRef(path["docid"], url, int(path["page"] or 0))

    def canonical_list(self, host: re.Match[str], path: re.Match[str]) -> str:
        return f"https://{_host(host['sub'])}/{path['dirs']}{list_page_name(path['n'])}"

    def next_links(self, response: TextResponse) -> list[str]:
        # TRS writes the pager with a script; there may be no <a> for the next page at all.
        links = [
            absolute(response.url, f"index_{int(current) + 1}.{ext}")
            for count, current, name, ext in _PAGER.findall(response.text)
            if name == "index" and int(current) + 1 < int(count)
        ]
        return links + super().next_links(response)

    def more_pages(self, response: TextResponse) -> list[str]:
        ref = self.article_ref(response.url)
        if ref is None or ref.page:
            return []
        for count, current, name, ext in _PAGER.findall(response.text):
            if name == ref.article_id and current == "0":
                return [absolute(response.url, f"{name}_{i}.{ext}") for i in range(1, min(int(count), 100))]
        return []

    # --- article pages ---------------------------------------------------------------------------

    def skip_line(self, line: Line) -> bool:
        return super().skip_line(line) or "createPageHTML" in line.text  # the TRS pager's script

    def is_subtitle(self, line: Line, read: BodyParts) -> bool:
        return False  # Jilin prints its subtitles above the headline, outside the body

    def read_more(self, page: Page, response: TextResponse, loader: ArticleLoader) -> None:
        loader.add_value("editors", self._editors(page, response, loader.get_output_value("title") or ""))

    def _editors(self, page: Page, response: TextResponse, title: str) -> list[str]:
        editor_line = page.first(self.editor_selectors)
        names = read_editors(text_of(editor_line)) if editor_line is not None else []
        if not names:  # no editor block where the templates put one: any short line with the label
            for node in xpath("//body//*[text()[contains(., '编辑')]]")(page.root):
                text = text_of(node)
                if len(text) <= 60:
                    names += read_editors(text)
        if names:
            return names
        # Generation 3 prints the editor only in a hidden share block: "标题 栏目-频道 编辑 docid".
        ref = self.article_ref(response.url)
        if ref is None or not title:
            return []
        for text in xpath("//body//text()[contains(., $docid)]")(page.root, docid=ref.article_id):
            node = text.getparent()
            for _ in range(3):  # the docid may sit in its own <span> inside the share line
                if node is None:
                    break
                line = normalize_space(text_of(node))
                if line.startswith(title) and line.endswith(ref.article_id):
                    rest = line[len(title) : -len(ref.article_id)].split()
                    byline = read_byline(rest[-1]) if len(rest) >= 2 else None
                    return byline.names if byline else []
                node = node.getparent()
        return []
