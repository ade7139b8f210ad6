"""Page chrome: the lines only a site's frame prints (disclaimers, pagers, breadcrumbs, footers).

Pure functions: each takes text and returns text (or a small value); none touches the network,
the clock or settings, so each is tested by its doctest and by property tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from newsarchive.reading.bylines import ROLE_WORD
from newsarchive.reading.text import is_prose, normalize_space

# --- page chrome -------------------------------------------------------------------------------

# Phrases that only page chrome prints (disclaimers, slogans, pagers, breadcrumbs). A body still
# holding one is rejected by validation: the loader missed a piece of chrome.
CHROME_PHRASES = (
    "免责声明",
    "报料电话",
    "猜你喜欢",
    "尽在吉网公众平台",
    "有思想 / 有温度 / 有品质",
    "上一篇:",
    "上一篇：",
    "下一篇:",
    "下一篇：",
    "您当前的位置",
    "您所在的位置",
    "您的位置:",
)
# Lines starting with these are chrome too, though the words can occur inside real sentences.
CHROME_LINE_STARTS = (
    *CHROME_PHRASES,
    "最新消息",
    "相关新闻",
    "相关阅读",
    "分享到",
    "版权所有",
    "滚动新闻",
    "责任编辑",
    # share buttons, video boxes, platform notices and their headings
    "分享让更多人看到",
    "转播到",
    "精彩视频",
    "热点栏目",
    "热门推荐",
    "反侵权公告",
    "侵权举报",
    "声明：该文观点仅代表作者本人",
    "声明:该文观点仅代表作者本人",
    "特别声明：",
    "特别声明:",
)


# Lines about the article rather than of it: its original title, where it was first published,
# who produced it, the print edition it ran in. (Matched at the line's start: no scan.)
_NOTE_LINE = re.compile(
    r"[(（\[【]?\s*(?:原标题|原標題|原题为|原題為|原题|原題|本文首发于|本文首發於|首发于|首發於|本文来自|本文來自"
    r"|本文转载自|本文轉載自|转载自|轉載自|刊于|刊於|出品\s*[︱|｜:：/])"
    r"|[(（]?《[^》]{2,15}》\s*[(（]\s*[^()（）]{0,24}版\s*[)）][)）]?$"
)
# Captions and picture credits: how they open, and how credits end.
_CAPTION_START = re.compile(
    r"(?:图片来源|圖片來源|图源|圖源|图片|圖片)\s*[:：]|[◎●▲△]?\s*(?:图|圖)\s*[:：︱|｜]|图为|圖為"
)
_CREDIT_ENDS = ("供图", "供圖", "翻摄", "翻攝", "资料图", "資料圖")


def is_note_line(text: str) -> bool:
    """A note about the article (原标题, first published in, the print edition), not its text.

    >>> [is_note_line(t) for t in ("原标题：高原春早", "（原题为《春到康定》）", "《高原日报》（2024年05月20日 03版）",
    ...                            "（刊于《高原》2019年第2期）", "出品︱高原新闻栏目组", "本文首发于高原公众号")]
    [True, True, True, True, True, True]
    >>> is_note_line("他在《高原日报》（第3版）上读到消息，很高兴。")
    False
    """
    return len(text) <= 100 and _NOTE_LINE.match(text) is not None


def is_caption_text(text: str) -> bool:
    """A picture's caption or credit by its words alone (图为…, 图片来源：…, …供图, …摄).

    >>> [is_caption_text(t) for t in ("图为康定街景", "图片来源：高原网", "县委宣传部供图", "◎ 图：资料截图",
    ...                               "康定街景 图片来源：高原网", "高原晚报记者 王五 摄")]
    [True, True, True, True, True, True]
    >>> [is_caption_text(t) for t in ("图书馆开放了。", "他们正在拍摄", "会议由县长主持。")]
    [False, False, False]
    """
    if len(text) > 100 or text.endswith(("。", "！", "？")):
        return False
    if _CAPTION_START.match(text) or "图片来源" in text or "圖片來源" in text:
        return True
    end = text.rstrip(")） ")
    return end.endswith(_CREDIT_ENDS) or (len(end) > 1 and end[-1] in "摄攝" and end[-2] != "拍")


def chrome_phrase(text: str) -> str | None:
    """The first chrome phrase ``text`` contains, or None.

    >>> chrome_phrase("免责声明:本网站所有信息仅供参考"), chrome_phrase("召开相关新闻发布会")
    ('免责声明', None)
    """
    for phrase in CHROME_PHRASES:
        if phrase in text:
            return phrase
    return None


def is_chrome_line(text: str) -> bool:
    """A body line that is page chrome and no part of the article.

    >>> is_chrome_line("最新消息"), is_chrome_line("会议通报了最新消息。")
    (True, False)
    """
    return text.startswith(CHROME_LINE_STARTS)


# The labels a breadcrumb trail starts with, in both scripts (the generic reader looks for them too).
CRUMB_LABELS = "您当前的位置|您所在的位置|您现在的位置|您現在的位置|您的位置|当前位置|當前位置|所在位置"
_CRUMB_LABEL = re.compile(rf"^.*?(?:{CRUMB_LABELS})\s*[:：]?\s*")
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|»|›|>|＞|→)\s*")


def read_breadcrumbs(text: str) -> list[str]:
    """The trail of a breadcrumb line, without its label and without the final 浏览文章.

    >>> read_breadcrumbs("您的位置:首页 >要闻 >")
    ['首页', '要闻']
    >>> read_breadcrumbs("您所在的位置:康巴传媒网 >> 新闻 >> 党政要闻 >> 浏览文章")
    ['康巴传媒网', '新闻', '党政要闻']
    """
    trail = _CRUMB_LABEL.sub("", normalize_space(text))
    return [c for c in _CRUMB_SPLIT.split(trail) if c and c not in ("浏览文章", "正文", "瀏覽文章")]


# Text only a site's frame prints: copyright and licence lines, ICP numbers, 主办/地址/电话 lines,
# the about/contact/report links. A body made mostly of such lines is the footer, not an article.
# Matched fast: every alternative of the phrase regex begins with a literal character, so the
# regex engine jumps to the places where one could start (an alternative that begins with a group,
# or case-blind matching, makes it try every position: six times the cost on an article). The
# Latin phrases and the e-mail label are matched case-blind, and only on text that can hold them:
# lower-cased, any case-blind match of them holds "ght", "cp" or "ma" (of their letters only i has
# non-ASCII case partners, ı and İ).
_FRAME_PHRASE = re.compile(
    r"版权所有|版權所有|©|公网安备|公網安備|网安备|信息服务许可证|视听节目许可证|经营许可证|不良信息举报|违法和不良信息"
    r"|举报电话|举报邮箱|举报中心|关于我们|联系我们|网站地图|设为首页|加入收藏|广告服务|主办单位|技术支持\s*[:：]"
    r"|未经授权|禁止复制|建立镜像|本站所有|本网站所有"
)
_FRAME_PHRASE_LATIN = re.compile(r"all rights reserved|copyright|ICP备|ICP證|ICP证", re.I)
_FRAME_LABEL = re.compile(r"(?:主办|承办|协办|地址|邮编|联系电话|电话|传真|邮箱)\s*[:：]")
_FRAME_LABEL_LATIN = re.compile(r"E-?mail\s*[:：]", re.I)
_NAV_SPLIT = re.compile(r"[\s|｜·•]+")


def _has_frame_phrase(line: str) -> bool:
    """Whether the line holds a phrase only a site's frame prints (版权所有, ICP备, 关于我们...).

    >>> [_has_frame_phrase(t) for t in ("Copyright © 2020", "COPYRİGHT 2020", "蜀icp备05004405号", "本网讯")]
    [True, True, True, False]
    """
    if _FRAME_PHRASE.search(line):
        return True
    lowered = line.lower()
    return ("ght" in lowered or "cp" in lowered) and _FRAME_PHRASE_LATIN.search(line) is not None


def _frame_labels(line: str) -> list[str]:
    """The frame labels in the line (主办: 地址: 电话: E-mail: …), in no particular order."""
    found = _FRAME_LABEL.findall(line)
    return found + _FRAME_LABEL_LATIN.findall(line) if "ma" in line.lower() else found


def _opens_with_frame_label(line: str) -> bool:
    return _FRAME_LABEL.match(line) is not None or _FRAME_LABEL_LATIN.match(line) is not None


def is_site_chrome(line: str) -> bool:
    """A line of the site's frame (footer, contact block, navigation bar), never of an article.

    >>> [is_site_chrome(t) for t in ("吉ICP备05002399号", "主办:甘孜日报社 地址:康定市 电话:0836-2822222",
    ...                              "首页 新闻 文化 旅游 图片 视频", "关于我们 | 联系方式")]
    [True, True, True, True]
    >>> [is_site_chrome(t) for t in ("九龙县", "会议地址:县委会议室,时间另行通知。", "记者 黄鹭 邹乃硕")]
    [False, False, False]
    """
    return _is_site_chrome(line, phrases=True, labels=True)


def site_chrome_lines(lines: Sequence[str]) -> Iterator[bool]:
    """:func:`is_site_chrome` of each line. The phrase and label searches run once over all the
    lines first: a line holding a match makes the whole text hold one, and most articles hold none.

    >>> list(site_chrome_lines(["会议强调,要抓好落实。", "吉ICP备05002399号", "首页 新闻 文化 旅游"]))
    [False, True, True]
    """
    whole = "\n".join(lines)
    phrases = _has_frame_phrase(whole)
    labels = bool(_frame_labels(whole))
    return (_is_site_chrome(line, phrases, labels) for line in lines)


def _is_site_chrome(line: str, phrases: bool, labels: bool) -> bool:
    """is_site_chrome, skipping the phrase or label search where ``phrases``/``labels`` say the
    text around the line holds none."""
    if phrases and _has_frame_phrase(line):
        return True
    if labels:
        found = _frame_labels(line)
        if len(found) >= 2 or (found and len(line) <= 60 and _opens_with_frame_label(line)):
            return True
    if len(line) > 80 or is_prose(line):
        return False
    tokens = [t for t in _NAV_SPLIT.split(line) if t]
    # A row of short link words is a navigation bar; a byline names people after a role word.
    return len(tokens) >= 4 and all(len(t) <= 6 for t in tokens) and not ROLE_WORD.search(line)


def chrome_share(lines: Sequence[str], also: Callable[[str], bool] | None = None) -> float:
    """The share of the text (in characters) that lies on lines of the site's frame: site chrome,
    or lines ``also`` says are chrome (the lines a site prints on many pages). A sentence with a
    chrome phrase inside is an article with chrome left in it, not the frame.

    >>> chrome_share(["本网讯 会议强调,要抓好落实。", "吉ICP备05002399号"]) < 0.5
    True
    >>> chrome_share(["甘孜日报社主办 康巴传媒网版权所有", "蜀ICP备05004405号"])
    1.0
    """
    total = chrome = 0
    for line, frame in zip(lines, site_chrome_lines(lines), strict=True):
        total += len(line)
        if frame or is_chrome_line(line) or (also is not None and also(line)):
            chrome += len(line)
    return chrome / total if total else 0.0
