"""Generated portal sites in the Ganzi layout, for crash, incremental and scale tests and benches.

A site is a dict URL -> (status, headers, body bytes); it can be written as replay cases or
served on loopback through a forward proxy (every http:// URL answered by the same server).
"""

from __future__ import annotations

import json
from pathlib import Path

HOST = "http://www.kbcmw.com"
COLUMN = "xw/dzyw"
Page = tuple[int, dict[str, str], bytes]

ARTICLE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{title}_康巴传媒网</title></head><body>
<div class="position">您所在的位置:<a href="/">康巴传媒网</a> &gt;&gt; <a href="/html/xw/">新闻</a> &gt;&gt;
<a href="/html/xw/dzyw/">党政要闻</a> &gt;&gt; 浏览文章</div>
<div class="article_title"><h3>{title}</h3><p>甘孜日报&nbsp;&nbsp;&nbsp;&nbsp;{year}年{month:02d}月{day:02d}日</p></div>
<div class="article_content">
<p style="text-align:center"><img src="/uploadfile/{year}/{month:02d}{day:02d}/{aid}.jpg" /></p>
<p style="text-align:center">第{aid}号图片说明。</p>
<p>&nbsp;&nbsp;本网讯 {month}月{day}日,甘孜州第{aid}次工作会议在康定召开,会议听取了各县关于{topic}的汇报。</p>
<p>&nbsp;&nbsp;会议要求,各级各部门要把第{aid}项任务抓具体、抓细致、抓到位,确保各项措施落到实处、见到成效。</p>
<p>&nbsp;&nbsp;&nbsp;&nbsp;记者 张涛</p>
</div>
<div class="prenext"><p>上一篇:<a href="/html/xw/dzyw/{prev}.html">上一篇文章</a></p></div>
</body></html>"""

# The same site after a redesign: an HTML5 template that none of the Ganzi selectors target.
REDESIGNED = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>{title}_康巴传媒网</title></head><body>
<div class="crumb"><span>您所在的位置：</span><a href="/">康巴传媒网</a> &gt;&gt; <a href="/html/xw/">新闻</a> &gt;&gt;
<a href="/html/xw/dzyw/">党政要闻</a> &gt;&gt; 浏览文章</div>
<article><h1>{title}</h1><p class="meta">来源：甘孜日报 <time>{year}年{month:02d}月{day:02d}日</time></p>
<section>
<div>本网讯 {month}月{day}日，甘孜州第{aid}次工作会议在康定召开，会议听取了各县关于{topic}的汇报。</div>
<div>会议要求，各级各部门要把第{aid}项任务抓具体、抓细致、抓到位，确保各项措施落到实处、见到成效。</div>
<div>记者 张涛</div>
</section></article>
<div class="foot"><p>甘孜日报社主办 康巴传媒网版权所有</p><p>蜀ICP备05004405号</p></div>
</body></html>"""

LIST = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>党政要闻_康巴传媒网</title></head><body>
<div class="modular_classify_item2 clearfix"><ul>
{items}
</ul></div>
<div class="pages">{pager}</div>
</body></html>"""

TOPICS = ("乡村振兴", "疫情防控", "交通建设", "生态保护", "文化旅游", "教育医疗")


def article_url(aid: int) -> str:
    return f"{HOST}/html/{COLUMN}/{aid}.html"


def list_url(page: int) -> str:
    return f"{HOST}/html/{COLUMN}/" + (f"index_{page}.html" if page else "")


def article(aid: int, first_id: int, template: str = ARTICLE) -> Page:
    month, day = 1 + aid % 12, 1 + aid % 28
    html = template.format(
        title=f"甘孜州召开第{aid}次工作会议",
        year=2021,
        month=month,
        day=day,
        aid=aid,
        topic=TOPICS[aid % len(TOPICS)],
        prev=max(first_id, aid - 1),
    )
    body = html.encode("gbk")
    return 200, {"Content-Type": "text/html", "ETag": f'"a{aid}"'}, body


def site(count: int, first_id: int = 100000, per_page: int = 20, template: str = ARTICLE) -> dict[str, Page]:
    """``count`` articles, newest first on list pages of ``per_page``, in the layout ``template``."""
    pages: dict[str, Page] = {}
    ids = list(range(first_id + count - 1, first_id - 1, -1))
    chunks = [ids[i : i + per_page] for i in range(0, len(ids), per_page)] or [[]]
    for n, chunk in enumerate(chunks):
        items = "\n".join(f'<li class="newscontent"><a href="/html/{COLUMN}/{a}.html">第{a}号</a></li>' for a in chunk)
        pager = f'<a href="index_{n + 1}.html">下一页</a>' if n + 1 < len(chunks) else ""
        body = LIST.format(items=items, pager=pager).encode("gbk")
        etag = f'"l{n}-{chunk[0] if chunk else 0}"'
        pages[list_url(n)] = (200, {"Content-Type": "text/html", "ETag": etag}, body)
    for aid in ids:
        pages[article_url(aid)] = article(aid, first_id, template)
    return pages


def write_replay(pages: dict[str, Page], root: Path) -> Path:
    """Write a site as replay cases under ``root`` (one directory per URL)."""
    for n, (url, (status, headers, body)) in enumerate(sorted(pages.items())):
        case = root / f"case-{n:06d}"
        case.mkdir(parents=True, exist_ok=True)
        (case / "response.body").write_bytes(body)
        (case / "response.json").write_text(
            json.dumps({"url": url, "status": status, "headers": headers}), encoding="utf-8"
        )
    return root


def ganzi_page(
    title: str, date_line: str, paragraphs: list[str], extra: str = "", charset: str = "gb2312", encoding: str = "gbk"
) -> bytes:
    """One article page in the Ganzi layout, for tests that need a page of their own."""
    body = "".join(f"<p>&nbsp;&nbsp;{p}</p>" for p in paragraphs)
    html = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}" />'
        f"<title>{title}_康巴传媒网</title></head><body>"
        '<div class="position">您所在的位置:康巴传媒网 &gt;&gt; 新闻 &gt;&gt; 党政要闻 &gt;&gt; 浏览文章</div>'
        f'<div class="article_title"><h3>{title}</h3><p>甘孜日报&nbsp;&nbsp;{date_line}</p></div>'
        f'<div class="article_content">{body}{extra}</div></body></html>'
    )
    return html.encode(encoding, errors="xmlcharrefreplace")
