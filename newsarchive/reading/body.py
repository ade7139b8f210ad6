"""The one classifier: what each line of an article's text column is.

Both readers hand it lines (:mod:`newsarchive.reading.lines`): a portal the lines of the container
its selectors found, the generic reader those of the element whose lines score highest. Each line
is a picture, a caption or credit, a note about the article, chrome, an editor or source line, a
subtitle at the head, a byline, or text; the first line of text may open with a dateline, and the
last may close with a byline or a note in brackets. The predicates are :class:`LineRules`
methods with the defaults most Chinese news pages need; a portal overrides one only where its
pages differ, so every fix here reads both the portals' pages and every other site's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from newsarchive.reading.bylines import read_byline, read_dateline, read_editors, read_source_label
from newsarchive.reading.chrome import (
    CRUMB_LABELS,
    is_caption_text,
    is_chrome_line,
    is_note_line,
    is_site_chrome,
    site_chrome_lines,
)
from newsarchive.reading.text import SENTENCE_MARKS, normalize_space

if TYPE_CHECKING:
    from newsarchive.reading.lines import Line

CRUMB_LABEL = re.compile(CRUMB_LABELS)
# Where the article ends: what follows is the page's, not the article's.
END_MARKERS = (
    "上一篇",
    "下一篇",
    "相关新闻",
    "相关阅读",
    "相关文章",
    "延伸阅读",
    "推荐阅读",
    "猜你喜欢",
    "免责声明",
    "分享到",
    "【打印】",
    "【关闭】",
    "打印本页",
    "关闭窗口",
    "网友评论",
    "最新消息",
    # a copyright or infringement notice after the text: the article has ended
    "反侵权公告",
    "版权声明",
    "特别声明",
    "侵权举报",
)
CAPTION_HINT = re.compile(
    r"caption|(?:pic|img|photo|image)[_-]?(?:txt|text|desc|note|info|title|sm)|tuwen|tpsm|tusm|desc", re.I
)
SUBTITLE_HINT = re.compile(r"sub_?title|subtit|fu_?title|futi|yinti|sub-head|subhead|lead", re.I)
_CAPTION_MARKS = "◎▲△"
# A line that only says where the text came from (来源：新华社, （来源：…）): a field, not body text.
_SOURCE_LINE = re.compile(
    r"^[（(【\[]?\s*(?:本文)?(?:来源|來源|稿源|出处)\s*[:：]\s*(?P<origin>[^\s:：（）()【】\[\]]{2,30})\s*[）)】\]]?$"
)
# A field of the article's head, labelled: 来源：…, 作者：…, 时间：…
_LABELLED_FIELD = re.compile(r"(?:来源|來源|作者|时间|時間|日期|发布|發布|编辑|編輯)\s*[:：]")
# A commentary signed by its paper, in brackets: （高原日报评论员）, （本报特约评论员）
_COMMENTATOR = re.compile(r"^[(（]\s*(?P<outlet>[^()（）\s]{2,12}?)(?:特约|特約)?(?:评论员|評論員)\s*[)）]$")
_CLOSING = "。！？!?”」』…"
# A byline printed at the end of the last paragraph, after its closing sentence and some space.
_TRAILING_BYLINE = re.compile(rf"^(?P<text>.*[{_CLOSING}])\s+(?P<byline>[^{_CLOSING}]{{2,30}})$")
# A byline (or a note) in brackets closing the last paragraph: …的决心。（记者 张三）
_CLOSING_BRACKETED = re.compile(rf"^(?P<text>.*[{_CLOSING}]\s*)(?P<byline>[(（][^()（）]{{2,40}}[)）])$")


@dataclass
class BodyParts:
    """What reading the text column sorts its lines into."""

    body: list[str] = field(default_factory=list)
    subtitles: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    origin: str | None = None  # the outlet: from a 来源 label (labelled), else a dateline or a signature
    origin_labelled: bool = False
    title: str = ""  # the headline, read before the text (a line repeating it above the text goes)


class LineRules:
    """The predicates of :func:`read_body`. The defaults fit most Chinese news pages; a portal
    overrides one where its pages differ (Jilin's pager lines, Ganzi's bylines)."""

    outlets: ClassVar[tuple[str, ...]] = ()  # the region's papers, as datelines print them (吉林日报)

    @classmethod
    def with_outlets(cls, outlets: tuple[str, ...]) -> LineRules:
        """The default predicates, knowing a region's papers in datelines."""
        return type("RegionRules", (cls,), {"outlets": outlets})()  # type: ignore[no-any-return]

    def is_caption(self, line: Line) -> bool:
        """A line under a picture marked as its caption (centred, bracketed, ◎…, a figcaption, a
        caption class), or a short line with no sentence in it; a centred paragraph of several
        clauses is text that happens to be centred."""
        text = line.text
        if text[:1] in _CAPTION_MARKS:
            return True
        bracketed = text[:1] in "(（" and text[-1:] in ")）"
        if len(text) > 120 or (not bracketed and len(SENTENCE_MARKS.findall(text)) > 4):
            return False
        return (
            line.centred
            or bracketed
            or line.element.tag == "figcaption"
            or bool(CAPTION_HINT.search(line.hint))
            or reads_as_caption(text)
        )

    def skip_line(self, line: Line) -> bool:
        """A line of the page's chrome inside the text column: share buttons, pagers, crumbs, a
        list of links (the site's frame, footer and contact lines, :func:`read_body` leaves out
        itself). A sentence with a chrome phrase inside stays, and validation rejects the record
        as chrome_in_body rather than the text being cut."""
        text = line.text
        return (
            is_chrome_line(text)
            or CRUMB_LABEL.match(text) is not None
            or line.links * 2 > len(text)
            or text.startswith(END_MARKERS)
        )

    def is_subtitle(self, line: Line, read: BodyParts) -> bool:
        """Before the first line of text: a line opening or closing with ——, one in a sub-title
        class, or a centred bold one above any picture."""
        text = line.text
        return (
            text.startswith("——")
            or text.endswith("——")
            or bool(SUBTITLE_HINT.search(line.hint))
            or (line.centred and line.strong and not read.images)
        )

    def byline(self, text: str, lines: Sequence[Line], i: int) -> list[str] | None:
        """The names of a byline line, or None for any other line: marked (■, 记者, 文/…), or bare
        names where a report ends (nothing but chrome after them, or the next report's head)."""
        found = read_byline(text)
        if found is None or not (found.marked or (found.plausible and self.ends_a_report(lines, i))):
            return None
        return found.names

    def ends_a_report(self, lines: Sequence[Line], i: int) -> bool:
        """Bare names close an article or a round-up's report: nothing but chrome after them, or
        the next report's sub-head or 本网讯."""
        if i == 0:
            return False
        following = next(
            (
                line
                for line in lines[i + 1 :]
                if line.image is None and not self.skip_line(line) and not is_site_chrome(line.text)
            ),
            None,
        )
        if following is None:
            return True
        text = following.text
        return text.startswith("本网讯") or (len(text) <= 15 and not SENTENCE_MARKS.search(text))

    def body_line(self, text: str, read: BodyParts) -> str:
        """A line of text as it goes into the record (a portal may cut a byline off it)."""
        return text


def reads_as_caption(text: str) -> bool:
    """A short line right under a picture says what the picture shows: no sentence in it, or one
    short sentence of a single clause (搜救现场。).

    >>> [reads_as_caption(t) for t in ("活动现场", "搜救现场。", "会议开始了，大家都很高兴。", "据了解：")]
    [True, True, False, False]
    """
    if text.endswith(("：", ":")) or len(text) > 30:
        return False
    if text.endswith("。"):
        return len(text) <= 20 and not SENTENCE_MARKS.search(text[:-1])
    return "。" not in text


def writers_byline(text: str) -> bool:
    """A marked byline of the people who wrote the text (not a photographer's credit)."""
    byline = read_byline(text)
    return byline is not None and byline.marked and not text.rstrip(")） ").endswith(("摄", "攝"))


def read_head_line(line: Line, read: BodyParts) -> None:
    """A line between headline and text: a source, a byline, an editor line or a subtitle."""
    text = line.text
    origin = read_source_label(normalize_space(text)) if not read.origin_labelled else None
    if origin:
        read.origin, read.origin_labelled = origin, True
    byline = read_byline(text)
    editors = read_editors(text)
    if byline is not None and byline.marked:
        read.authors += byline.names
    elif editors:
        read.editors += editors
    elif (
        (
            SUBTITLE_HINT.search(line.hint)
            or line.element.tag in ("h2", "h3", "h4")
            or text.startswith("——")
            or text.endswith("——")
        )
        and not is_site_chrome(text)
        and not CRUMB_LABEL.search(text)
        and len(text) <= 80
    ):
        read.subtitles.append(text)


def read_body(lines: Sequence[Line], rules: LineRules, read: BodyParts | None = None) -> BodyParts:
    """Sort the text column's lines (see the module's docstring) into ``read``."""
    read = read if read is not None else BodyParts()
    body = read.body
    # The site's frame (footer, contact, navigation rows), judged for all the lines at once.
    frame = list(site_chrome_lines([line.text for line in lines]))
    chrome: list[str] = []  # what was left out as the site's frame
    uncaptioned: list[dict[str, str | None]] = []  # pictures in a row wait for their captions in order
    for i, line in enumerate(lines):
        if line.image is not None:
            read.images.append({"url": line.image, "caption": None})
            uncaptioned.append(read.images[-1])
            continue
        text = line.text
        # A writer's byline is no caption, even beside a picture credit (记者 某某/文 某某供图); a
        # photographer's credit (…记者 某某 摄) is one, however it is marked.
        writer = writers_byline(text)
        credit = is_caption_text(text) and not writer
        if uncaptioned and not writer and (credit or rules.is_caption(line)):
            uncaptioned.pop(0)["caption"] = text
            continue
        uncaptioned.clear()
        if credit or is_note_line(text):  # a credit or a note away from its picture
            continue
        if body and text.startswith(END_MARKERS):
            break
        if not body and read.title and text.replace(" ", "") == read.title.replace(" ", ""):
            continue  # the headline printed again above the text
        if not body and len(text) <= 80 and _LABELLED_FIELD.search(text):  # 来源：… 作者：… above the text
            read_head_line(line, read)
            continue
        editors = read_editors(text) if len(text) <= 60 else []
        if editors:  # before chrome (责任编辑 starts both); perhaps closing a byline (摄影/某某 编辑/某某)
            read.editors += editors
            byline = read_byline(text)
            read.authors += byline.names if byline is not None and byline.marked else []
            continue
        if frame[i] or rules.skip_line(line):
            chrome.append(text)
            continue
        commentator = _COMMENTATOR.match(text)
        if commentator:  # （某某日报评论员）: the paper's own voice, no person named
            read.origin = read.origin or commentator["outlet"]
            continue
        source = _SOURCE_LINE.match(text)
        if source:
            if not read.origin_labelled:
                read.origin, read.origin_labelled = source["origin"], True
            continue
        if not body and rules.is_subtitle(line, read):
            read.subtitles.append(text)
            continue
        names = rules.byline(text, lines, i)
        if names is not None:
            read.authors += names
            continue
        if not body:  # the text may open with a dateline: 吉林日报2月6日讯（记者 …）, kept in the text
            dateline = read_dateline(text, rules.outlets)
            if dateline is not None:
                read.authors += dateline.authors
                read.origin = read.origin or dateline.origin
        body.append(rules.body_line(text, read))
    if not body:
        # Nothing but the frame where the text should be: say so, and validation rejects it as
        # chrome_body, rather than as a page with no text.
        body += chrome
        return read
    _closing(read)
    return read


def _closing(read: BodyParts) -> None:
    """What closes the last paragraph: a byline after its last sentence, or in brackets; a note
    (刊于《…》); a signed commentary's paper. Cut off, and read."""
    body = read.body
    trailing = _TRAILING_BYLINE.match(body[-1]) or _CLOSING_BRACKETED.match(body[-1])
    if trailing is None:
        return
    byline = read_byline(trailing["byline"])
    signed = _COMMENTATOR.match(trailing["byline"])
    if byline is not None and byline.plausible:
        read.authors += byline.names
    elif signed is not None:
        read.origin = read.origin or signed["outlet"]
    elif not is_note_line(trailing["byline"]):
        return
    body[-1] = trailing["text"].rstrip()
