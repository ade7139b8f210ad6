"""Reading pages in-process (no engine): kinds of page the shared reader must get right, on pages
written here in markup families of their own."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from newsarchive.spiders.jilin import JilinSpider

URL = "https://news.cnjiwang.com/jwyc/202405/3970001.html"
PARAS = (
    "　　5月8日，长春市召开全市文旅工作会议，总结去年工作成效，部署今年重点任务。",
    "　　会议指出，要持续打造“这有山”等特色街区，推动文旅产业提质升级，让游客留得下、玩得好。",
)


def page(title: str, frame: str) -> bytes:
    """A TRS page: the same markup every site of that CMS prints, Jilin's selectors match it."""
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div class="art_title"><h1>长春部署今年文旅重点任务</h1></div>'
        f'<div class="art_data">2024-05-08 16:20 来源：长春日报</div>'
        f'<div class="TRS_Editor">{body}</div><div class="foot">{frame}</div></body></html>'
    ).encode()


def read(html: bytes) -> dict:
    response = HtmlResponse(URL, body=html, headers={"Content-Type": "text/html; charset=utf-8"})
    return dict(JilinSpider().read_article_page(response))


def test_a_page_naming_the_portal_is_read_by_its_selectors() -> None:
    item = read(page("长春部署今年文旅重点任务_中国吉林网", "中国吉林网版权所有"))
    assert item["extraction"] == "portal"
    assert item["title"] == "长春部署今年文旅重点任务"


def test_a_foreign_page_the_selectors_match_goes_to_the_generic_reader() -> None:
    """Another site of the same CMS (a .TRS_Editor, an .art_title) served at a portal URL: the
    selectors match, but nothing on the page names the portal, so the portal's reading is not
    believed and the drift alarm counts a generic reading."""
    item = read(page("长春部署今年文旅重点任务_新闻频道_某某在线", "某某在线版权所有"))
    assert item["extraction"] == "fallback"
    assert item["title"] == "长春部署今年文旅重点任务"
    assert item["origin"] == "长春日报"
    assert item["published_at"] == "2024-05-08T16:20:00+08:00"
