"""中国吉林网 (cnjiwang.com): the Jilin portal's URL rules, list reading and article loader."""

from __future__ import annotations

import re
from collections.abc import Iterable

from itemloaders.processors import MapCompose
from scrapy.http import TextResponse

from newsarchive.extract import Block, Page, absolute, blocks, element_with_text, text_of
from newsarchive.items import Article
from newsarchive.loaders import ArticleLoader
from newsarchive.processors import (
    clean_text,
    is_chrome_line,
    normalize_space,
    parse_published,
    read_byline,
    read_dateline,
    read_editors,
    read_source_label,
)
from newsarchive.spiders.base import ArticleRef, BodyParts, PortalSpider, list_page_name

_TITLE_SUFFIX = re.compile(r"(?:\s*[-_|]\s*[^-_|]{1,16}){0,2}\s*[-_|]\s*(?:中国吉林网|吉网)\s*$")


def strip_title_suffix(title: str) -> str:
    """``标题-栏目-中国吉林网`` -> ``标题``.

    >>> strip_title_suffix("吉林喜事连连 央媒纷纷“打卡”报道-吉网原创-中国吉林网")
    '吉林喜事连连 央媒纷纷“打卡”报道'
    """
    return _TITLE_SUFFIX.sub("", title)


class JilinLoader(ArticleLoader):
    title_in = MapCompose(clean_text, strip_title_suffix)


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
    allowed_domains = ("cnjiwang.com", "chinajilin.com.cn")  # type: ignore[assignment]
    loader_class = JilinLoader
    default_start_urls = (
        "https://news.cnjiwang.com/jwyc/",  # 吉网原创
        "https://news.cnjiwang.com/jlxwdt/sn/",  # 省内新闻
        "https://news.cnjiwang.com/jlxwdt/cc/",  # 长春
    )

    # One XPath per template generation, newest layouts first; text markers back them up.
    # One selector per template generation, newest first; text markers back them up.
    title_selectors = ("div.art_title", "div.art_box/h1", "//h1/span", ".sp_zwtt", "//h1")
    info_selectors = (".art_data", ".art_info", ".zxdata", ".sp_zwdate")
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
        links = [absolute(response.url, f"index_{int(current) + 1}.{ext}")
                 for count, current, name, ext in _PAGER.findall(response.text)
                 if name == "index" and int(current) + 1 < int(count)]
        return links + super().next_links(response)

    def more_pages(self, response: TextResponse) -> list[str]:
        ref = self.article_ref(response.url)
        if ref is None or ref.page:
            return []
        for count, current, name, ext in _PAGER.findall(response.text):
            if name == ref.article_id and current == "0":
                return [absolute(response.url, f"{name}_{i}.{ext}") for i in range(1, min(int(count), 100))]
        return []

    # --- article pages ------------------------------------------------------------------------

    def extract(self, response: TextResponse) -> Article:
        page = Page(response.selector.root)
        loader = self.loader(response)
        title_el = self.read_title(page, response, loader)

        info = page.first(self.info_selectors)
        if info is None:
            info = element_with_text(page.root, "来源")
        info_text = normalize_space(text_of(info)) if info is not None else ""
        near = self.date_after(title_el, 12)
        self.add_published(loader, parse_published(info_text) or (near[1] if near else None))
        loader.add_value("origin", read_source_label(info_text))

        self.read_crumbs(page, loader)
        body = self.find_body(page)
        if body is not None:
            self._read_body(blocks(body, response.url), loader)
        loader.add_value("editors", self._editors(page, response, loader.get_output_value("title") or ""))
        return loader.load_item()

    def _read_body(self, parts: Iterable[Block], loader: ArticleLoader) -> None:
        expect_caption = False
        read = BodyParts()
        body, authors, editors, images = read.body, read.authors, read.editors, read.images
        for block in parts:
            if block.image is not None:
                images.append({"url": block.image, "caption": None})
                expect_caption = True
                continue
            text = block.text
            if expect_caption and self._is_caption(block):
                images[-1]["caption"] = text
                expect_caption = False
                continue
            expect_caption = False
            if is_chrome_line(text) or "createPageHTML" in text:
                continue
            named = read_editors(text) if len(text) <= 40 else []
            if named:
                editors += named
                continue
            byline = read_byline(text)
            if byline is not None and byline.marked:
                authors += byline.names
                continue
            if not body:
                dateline = read_dateline(text)
                if dateline is not None:
                    authors += dateline.authors
                    if not loader.get_collected_values("origin"):
                        loader.add_value("origin", dateline.origin)
            body.append(text)
        read.load(loader)

    @staticmethod
    def _is_caption(block: Block) -> bool:
        text = block.text
        bracketed = text[:1] in "(（" and text[-1:] in ")）"
        return len(text) <= 120 and (block.centred or bracketed)

    def _editors(self, page: Page, response: TextResponse, title: str) -> list[str]:
        editor_line = page.first(self.editor_selectors)
        names = read_editors(text_of(editor_line)) if editor_line is not None else []
        if not names:  # no editor block where the templates put one: any short line with the label
            for node in page.root.xpath("//body//*[text()[contains(., '编辑')]]"):
                text = text_of(node)
                if len(text) <= 60:
                    names += read_editors(text)
        if names:
            return names
        # Generation 3 prints the editor only in a hidden share block: "标题 栏目-频道 编辑 docid".
        ref = self.article_ref(response.url)
        if ref is None or not title:
            return []
        for text in page.root.xpath("//body//text()[contains(., $docid)]", docid=ref.article_id):
            node = text.getparent()
            for _ in range(3):  # the docid may sit in its own <span> inside the share line
                if node is None:
                    break
                line = normalize_space(text_of(node))
                if line.startswith(title) and line.endswith(ref.article_id):
                    rest = line[len(title): -len(ref.article_id)].split()
                    byline = read_byline(rest[-1]) if len(rest) >= 2 else None
                    return byline.names if byline else []
                node = node.getparent()
        return []
