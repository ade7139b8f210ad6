"""Small pure cleaning functions shared by every portal's loader.

Each takes text and returns text (or a small value); none touches the network, the clock or
settings, so each is tested by its doctest and by property tests.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

# --- whitespace and control characters -------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\ufeff]")


def strip_controls(text: str) -> str:
    """Drop control and invisible formatting characters (keeps newlines and tabs).

    >>> strip_controls("a\\x00b\\u200bc\\ufeff")
    'abc'
    """
    return _CONTROL.sub("", text)


def normalize_space(text: str) -> str:
    """Fold every kind of space (U+3000, no-break space, newlines) into one ASCII space and trim.

    >>> normalize_space("\\u3000\\u3000吉林日报\\xa0\\xa0讯 \\n 今天")
    '吉林日报 讯 今天'
    """
    # str.split() splits on exactly the characters str.isspace() names: every Unicode space,
    # U+3000 and U+00A0 included (tests/test_properties.py holds it to that, code point by code point).
    return " ".join(strip_controls(text).split())


# --- ruby / flattened pinyin -------------------------------------------------------------------

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_LETTERS = f"a-zü{_TONED}"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A parenthesised run of pinyin syllables carrying at least one tone mark: only an annotation
# looks like that, whatever precedes it (copies sometimes mangle the annotated character to '?').
_TONED_ANNOTATION = re.compile(
    rf"[(（]\s*(?=[{_PINYIN_LETTERS} ]*[{_TONED}])[{_PINYIN_LETTERS}]{{1,7}}(?:\s+[{_PINYIN_LETTERS}]{{1,7}})*\s*[)）]"
)
# Copies that lost the annotated character and its "(" keep "?qǐng)": still an annotation.
_MANGLED_ANNOTATION = re.compile(rf"(?<=\?)[{_PINYIN_LETTERS}]{{0,6}}[{_TONED}][{_PINYIN_LETTERS}]{{0,6}}[)）]")
# Neutral-tone syllables carry no mark; strip only these few, and only right after a character.
_NEUTRAL_ANNOTATION = re.compile(
    rf"(?<=[{_CJK}])[(（](?:de|le|ne|ma|ba|me|men|zi|zhe|guo|shang|xia|li|tou|la|ya|wa|na)[)）]"
)


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations flattened into text (``網(wǎng)`` -> ``網``).

    >>> strip_pinyin("康巴傳媒網(wǎng) 本網(wǎng)訊 我們(men)")
    '康巴傳媒網 本網訊 我們'
    >>> strip_pinyin("新冠肺炎(COVID-19) 方案(a) 第(1)条")
    '新冠肺炎(COVID-19) 方案(a) 第(1)条'
    >>> strip_pinyin("甘孜日?qǐng)?bào)")
    '甘孜日??'
    """
    if ")" not in text and "）" not in text:
        return text
    text = _NEUTRAL_ANNOTATION.sub("", _TONED_ANNOTATION.sub("", text))
    return _MANGLED_ANNOTATION.sub("", text) if "?" in text else text


def clean_text(text: str) -> str:
    """The cleaning every extracted text goes through: controls, pinyin, spaces.

    >>> clean_text("\\u3000\\u3000本網(wǎng)訊\\xa0 1月30日\\x00")
    '本網訊 1月30日'
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return normalize_space(strip_pinyin(text))


# --- dates -------------------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?![\d])\s*日?"
    r"(?:[\sT\u3000\xa0]*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?(?!\d))?"
)


class Published(NamedTuple):
    """A publication date as printed, with its normalised forms."""

    date: str  # YYYY-MM-DD
    at: str | None  # ISO 8601 with +08:00, or None when no time of day was printed
    raw: str  # the printed text


def parse_published(text: str) -> Published | None:
    """Find the first valid date (and time) printed in ``text``.

    The time always carries seconds (``:00`` when the page prints minutes only), so every reader
    (DuckDB, pandas, jq) parses it alike; ``raw`` keeps what was printed.

    >>> parse_published("2020-02-07 10:07:09来源:中国吉林网")
    Published(date='2020-02-07', at='2020-02-07T10:07:09+08:00', raw='2020-02-07 10:07:09')
    >>> parse_published("2020-02-07 10:07  来源：吉林日报")
    Published(date='2020-02-07', at='2020-02-07T10:07:00+08:00', raw='2020-02-07 10:07')
    >>> parse_published("甘孜日报    2020年02月02日")
    Published(date='2020-02-02', at=None, raw='2020年02月02日')
    >>> parse_published("2019-13-45") is None
    True
    """
    for m in _DATE.finditer(text):
        try:
            day = date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            continue
        at = None
        if m["H"] is not None:
            hour, minute = int(m["H"]), int(m["M"])
            second = int(m["S"]) if m["S"] is not None else None
            if hour > 23 or minute > 59 or (second is not None and second > 59):
                at = None
            else:
                # Always with seconds (00 when none are printed: every reader parses that form);
                # published_raw keeps what the page printed.
                at = f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second or 0:02d}+08:00"
        raw = m.group(0).strip() if at else _date_only(m)
        return Published(day.isoformat(), at, raw)
    return None


def _date_only(m: re.Match[str]) -> str:
    raw = m.group(0)
    if m["H"] is not None:
        raw = raw[: m.start("H") - m.start()]
    return raw.strip()


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 string as written by :func:`parse_published` (raises ValueError).

    >>> parse_iso("2020-02-07T10:07+08:00").utcoffset().total_seconds()
    28800.0
    """
    return datetime.fromisoformat(value)


# --- outlets, bylines and datelines ------------------------------------------------------------

_BOOK_MARKS = re.compile(r"[《》〈〉]")
@lru_cache(maxsize=16)
def _site_suffix(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?:\s*[-_|]\s*[^-_|]{{1,16}}){{0,2}}\s*[-_|]\s*(?:{alternatives})\s*$")


def strip_site_suffix(title: str, names: tuple[str, ...]) -> str:
    """``标题-栏目-站名`` -> ``标题``: the site's name at the end of a headline, with up to two
    column names before it.

    >>> strip_site_suffix("吉林喜事连连 央媒纷纷“打卡”报道-吉网原创-中国吉林网", ("中国吉林网", "吉网"))
    '吉林喜事连连 央媒纷纷“打卡”报道'
    >>> strip_site_suffix("甘孜州召开会议_康巴传媒网", ("康巴传媒网",)), strip_site_suffix("康巴传媒网", ())
    ('甘孜州召开会议', '康巴传媒网')
    """
    return _site_suffix(names).sub("", title) if names else title


_SOURCE_LABEL = re.compile(
    r"^\s*(?:(?:原创|原創)(?:\s*[:：]\s*|\s+)|(?:本文|信息|文章|稿件|新闻|新聞)?(?:来源|來源|稿源|出处)(?:于|於)?\s*[:：]?\s*)+")


_OWN_SITE = re.compile(r"^(?:本站|本网|本網|本报|本報|本台)(?:原创|原創|稿件)?$")


def clean_origin(text: str | None) -> str | None:
    """Normalise an outlet name: no label, no 《》, no spaces; None when nothing is left.

    >>> clean_origin("来源：《甘孜日报》 ")
    '甘孜日报'
    >>> clean_origin("  ") is None
    True
    >>> clean_origin("《来源:") is None  # the label shows only once the marks are gone
    True
    >>> clean_origin("本文来源于省统计局"), clean_origin("原创 高原晚报"), clean_origin("信息来源：县政府办")
    ('省统计局', '高原晚报', '县政府办')
    >>> clean_origin("来源：本站原创") is None
    True
    """
    if text is None:
        return None
    # Each step can uncover work for another (marks hiding a label, a label hiding a colon), so
    # clean to a fixed point: cleaning a cleaned name must change nothing.
    value = text
    for _ in range(8):
        cleaned = _SOURCE_LABEL.sub("", clean_text(_BOOK_MARKS.sub("", value))).strip(" :：")
        if cleaned == value:
            break
        value = cleaned
    if _OWN_SITE.match(value):  # 本站原创: the page's own site, which names no outlet
        return None
    return value or None


BYLINE_MARKS = "■◎□▉●▲★◆"
_MARKS = re.compile(f"[{BYLINE_MARKS}]")
# Role words in simplified and traditional script (copies of articles circulate in both).
_ROLE = re.compile(
    r"\S*?(?:见习记者|見習記者|实习记者|實習記者|特约记者|特約記者|首席记者|首席記者|记者|記者|通讯员|通訊員"
    r"|实习生|實習生|摄影|攝影|摄像|攝像|制图|製圖|编译|編譯|整理|撰文|撰稿|执笔|執筆|采写|採寫|作者|报道员|報道員)"
    r"\s*[:：︱|｜/]?"
)
_ROLE_WORD = re.compile(
    r"记者|記者|通讯员|通訊員|实习生|實習生|摄|攝|制图|製圖|编译|編譯|整理|撰文|撰稿|执笔|執筆|采写|採寫|作者|报道员|報道員")
# 文/名字, 图︱名字, 摄影:名字: a one-character work label and its separator, before the names.
_LABEL_SEPARATORS = frozenset("/︱|｜:：")
_WORK_LABEL = re.compile(r"(?:^|(?<=\s))(?:文字|图片|圖片|文|图|圖|摄|攝)\s*[/︱|｜:：]\s*")
# Where an editor label begins, a byline's names end (摄影/张三 编辑/李四).
_EDITOR_CHARS = frozenset("编編审審校")
_EDITOR_LABEL = re.compile(r"(?:责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|校对|校對)\s*(?:[:：/︱|｜]|\s)")
# Tokens next to the names that are not people: a unit that supplied the text or picture, a report.
_NOT_PERSON = ("供稿", "供图", "供圖", "提供", "供", "报道", "報道", "营", "營", "组", "組", "团队", "團隊", "工作室")
_BRACKETED = re.compile(r"^[(（\[【]\s*(?P<inner>[^()（）\[\]【】]{2,40}?)\s*[)）\]】]$")
_WORK = re.compile(r"(?:[文圖图]\s*/\s*[图圖文摄攝]|[(（]?\s*(?:文|图|圖|摄|攝)\s*[)）]?)(?=\s|$)")
_WORK_CHARS = frozenset("文圖图摄攝")  # every match of _WORK holds one
_ORG = re.compile(
    r"(?:网|網|报|報|社|台|臺|中心|APP|app|媒体|媒體|新闻|新聞|频道|頻道|部|局|站|办|辦|县|縣|州|市|区|區|镇|鎮|乡|鄉|村)$"
)
_NAME = re.compile(r"[\u4e00-\u9fff·•・]{2,6}")
_SPLIT = re.compile(r"[\s,，、;；/]+")


# Family names, for telling a bare byline (李继伟 易小燕) from a short sub-head (产业兴旺): the
# common single-character ones in both scripts, the compound ones, and the first (or last) syllable
# pairs of the Tibetan names common in Ganzi (扎西, 泽仁, 格桑 … 卓玛, 拉姆).
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛"
    "邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
    "路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕"
    "楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈"
    "晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉"
    "冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由张劉陳楊黃趙吳鄭謝許韓馮鄧蔣蘇呂盧鍾譚陸賈韋鄒龔萬錢嚴顏聶詹歐蘭葉羅孫馬"
    "湯溫魯嶽殷鳳劉龍閆費邱")
_COMPOUND_SURNAMES = frozenset(("欧阳", "歐陽", "司马", "司馬", "上官", "诸葛", "諸葛", "东方", "東方", "皇甫", "尉迟",
                                "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "西门", "南宫", "独孤"))
_TIBETAN_SYLLABLES = frozenset((
    "扎西", "泽仁", "格桑", "次仁", "降央", "四郎", "洛绒", "益西", "尼玛", "达瓦", "丹增", "旦增",
    "阿旺", "贡布", "仁青", "仁真", "多吉", "多杰", "索朗", "拥措", "呷绒", "泽翁", "登珍", "邓珠",
    "向秋", "嘎玛", "土登", "昂翁", "卓玛", "央金", "拉姆", "志玛", "根秋", "彭措", "泽郎", "降措",
    "翁姆", "斯朗", "白玛", "德吉", "罗布", "巴桑", "洛桑", "顿珠", "其美", "松吉", "贡嘎", "群培",
    "更登", "俄色", "呷玛", "阿绒", "泽让", "曲批", "甲措", "泽登", "降初", "郎加", "泽旺", "格勒",
    "次真", "邓真", "登巴", "降拥", "洛吾", "达洛", "吾吉", "仁增", "次旺", "平措", "央宗", "措姆",
    "曲珍", "卓嘎", "拉巴", "尼珍", "格绒", "曲西", "泽里", "旺青", "曲措", "秋措", "拉措", "翁加",
    "降泽", "生龙", "俄热",
))


def is_name(token: str) -> bool:
    """Whether a token reads as a person's name: a family name with one or two characters after it,
    a compound family name, a Tibetan name, or names joined by a middle dot.

    >>> [is_name(t) for t in ("李继伟", "易小燕", "欧阳春", "降央曲西", "泽仁", "阿依古丽·买买提")]
    [True, True, True, True, True, True]
    >>> [is_name(t) for t in ("产业兴旺", "文化振兴", "镜头一", "九龙县", "初心不改")]
    [False, False, False, False, False]
    """
    if "·" in token or "•" in token or "・" in token:
        parts = re.split(r"[·•・]", token)
        return len(parts) == 2 and all(len(p) >= 2 and _NAME.fullmatch(p) for p in parts)
    n = len(token)
    if token[:2] in _COMPOUND_SURNAMES:
        return 3 <= n <= 4
    if n in (2, 3) and token[0] in _SURNAMES:
        return token[-1] not in "县縣市区區州镇鎮乡鄉村"
    if n == 2:
        return token in _TIBETAN_SYLLABLES
    return n in (4, 6) and (token[:2] in _TIBETAN_SYLLABLES or token[-2:] in _TIBETAN_SYLLABLES)


class Byline(NamedTuple):
    names: list[str]
    marked: bool  # a role word or a byline mark was present (not just bare names)
    outlet: bool = False  # an outlet or unit was named beside the people (县融媒体中心 郑雪静)

    @property
    def bare(self) -> bool:
        """Only names, nothing saying they are reporters: a byline only where the layout says so."""
        return not (self.marked or self.outlet)

    @property
    def plausible(self) -> bool:
        """A byline without a role word or mark must name people: every token reads as a name, so
        a short sub-head (产业兴旺) is never taken for one.

        >>> read_byline("李继伟 易小燕").plausible, read_byline("产业兴旺").plausible
        (True, False)
        """
        return self.marked or all(is_name(n) for n in self.names)


@lru_cache(maxsize=4096)  # the classifier asks of a line more than once (a writer's byline? a byline?)
def read_byline(text: str) -> Byline | None:
    """Read a byline; None when the text is not one (a sentence, a place, a sub-head).

    >>> read_byline("记者:黄鹭 邹乃硕")
    Byline(names=['黄鹭', '邹乃硕'], marked=True, outlet=False)
    >>> read_byline("中国吉林网 吉刻APP记者 栾喜良").names
    ['栾喜良']
    >>> read_byline("吉刻APP记者 王昕 制图 赵一妍").names
    ['王昕', '赵一妍']
    >>> read_byline("■见习记者 刘小兵 文/图").names
    ['刘小兵']
    >>> read_byline("县融媒体中心 郑雪静")
    Byline(names=['郑雪静'], marked=False, outlet=True)
    >>> read_byline("李继伟 易小燕").names
    ['李继伟', '易小燕']
    >>> read_byline("九龙县") is None, read_byline("原因何在?") is None
    (True, True)
    >>> read_byline("記者 楊杰 文/圖").names
    ['楊杰']
    >>> read_byline("（记者 王小明）").names, read_byline("(文/图 张三丰 李四光)").names
    (['王小明'], ['张三丰', '李四光'])
    >>> read_byline("（周小川 马大伟 ）")
    Byline(names=['周小川', '马大伟'], marked=True, outlet=False)
    >>> read_byline("文/高山流"), read_byline("作者︱青青").names
    (Byline(names=['高山流'], marked=True, outlet=False), ['青青'])
    >>> read_byline("宣传科供稿 摄影/王五 编辑/赵六").names, read_byline("记者 钱七 甘孜县报道").names
    (['王五'], ['钱七'])
    >>> read_byline("（资料图）") is None, read_byline("（完）") is None
    (True, True)
    """
    if len(text) > 80:  # a byline is short: skip the work for every body paragraph
        return None
    text = normalize_space(text)
    if not text or len(text) > 40:
        return None
    bracketed = _BRACKETED.match(text) if text[0] in "(（[【" else None
    if bracketed:  # a closing byline in brackets: （记者 张三）, （张三 李四）
        text = bracketed["inner"]
    if not _EDITOR_CHARS.isdisjoint(text):  # the editor label's regex only where its characters are
        editor = _EDITOR_LABEL.search(text)
        if editor:
            text = text[: editor.start()]
    text, marks = _MARKS.subn(" ", text)
    roles = 0
    if _ROLE_WORD.search(text):
        text, roles = _ROLE.subn(" ", text)
    if not _WORK_CHARS.isdisjoint(text):  # the work labels' regex can start anywhere: costly on every line
        if not _LABEL_SEPARATORS.isdisjoint(text):
            text, labels = _WORK_LABEL.subn(" ", text)
            roles += labels
        text = _WORK.sub(" ", text)
    names: list[str] = []
    outlet = False
    for token in _SPLIT.split(text):
        if not token:
            continue
        if (_ORG.search(token) and len(token) > 2) or token.endswith(_NOT_PERSON):
            outlet = True  # an outlet, a place or a unit (中国吉林网, 县融媒体中心, 九龙县, 宣传科供稿)
            continue
        if not _NAME.fullmatch(token):
            return None  # punctuation, digits, latin: a sentence, not a byline
        names.append(token)
    if not names:
        return None
    marked = marks > 0 or roles > 0
    if bracketed and not marked:  # bare names in brackets close a report only when they read as names
        if not all(is_name(n) for n in names):
            return None
        marked = True
    return Byline(names, marked, outlet)


_DATELINE = re.compile(
    r"^据?(?P<outlet>[\u4e00-\u9fffA-Za-z]{2,14}?)\s*(?P<date>\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*(?:电|讯|電|訊)"
    r"(?:\s*[(（](?P<byline>[^()（）]{1,60})[)）])?"
)
# Without a date, a dateline is an outlet's (…社, …报, 本网 …) 电/讯 followed by its reporters in brackets.
_DATELINE_OUTLET = re.compile(r"(?:社|报|報|网|網|台|刊|站)$")
# Outlets every portal reprints; a portal names its own region's papers (its ``outlets``).
NATIONAL_OUTLETS = ("新华社", "中新社", "人民日报", "人民网", "央视网")
_NOT_OUTLETS = ("本网", "本报", "本台", "本刊", "本站", "本網", "本報")


class Dateline(NamedTuple):
    origin: str | None
    authors: list[str]


def read_dateline(text: str, outlets: tuple[str, ...] = ()) -> Dateline | None:
    """Read the dateline a body may open with: outlet, date, 讯/电, reporters in brackets. An
    outlet among ``outlets`` (or the national ones) is told from the place printed after it.

    >>> read_dateline("吉林日报2月6日讯(记者缪友银)今天,省委书记")
    Dateline(origin='吉林日报', authors=['缪友银'])
    >>> read_dateline("吉林日报长春2月6日讯", ("吉林日报",)).origin, read_dateline("吉林日报长春2月6日讯").origin
    ('吉林日报', '吉林日报长春')
    >>> read_dateline("新华社长春2月6日电（记者 张三 李四）")
    Dateline(origin='新华社', authors=['张三', '李四'])
    >>> read_dateline("本网讯1月30日,州委书记") is None
    True
    >>> read_dateline("据新华社康定电（记者 扎西）日前"), read_dateline("本报讯（记者王芳）近日")
    (Dateline(origin='新华社', authors=['扎西']), Dateline(origin=None, authors=['王芳']))
    >>> read_dateline("短信电话不断") is None, read_dateline("高原晚报讯 近日") is None
    (True, True)
    """
    m = _DATELINE.match(normalize_space(text))
    if m is None:
        return None
    outlet = m["outlet"]
    known = False
    for agency in (*outlets, *NATIONAL_OUTLETS):
        if outlet.startswith(agency):
            outlet, known = agency, True  # 新华社长春 -> 新华社: the rest is the place
            break
    if m["date"] is None and not (m["byline"] and (known or _DATELINE_OUTLET.search(outlet))):
        return None
    origin = None if outlet in _NOT_OUTLETS else outlet
    byline = read_byline(m["byline"]) if m["byline"] else None
    return Dateline(origin, byline.names if byline else [])


# --- editors -----------------------------------------------------------------------------------

_EDITOR = re.compile(
    r"(?P<label>责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|校对|校對)(?P<sep>\s*[:：/︱|｜]|\s)\s*"
    r"(?P<names>[^:：|｜/︱()（）\[\]【】]{1,30}?)\s*(?=$|[|｜)）\]】]|\S+\s*[:：/︱])"
)
# A CMS account's suffix after an editor's name (李明_NN2587, 王芳 SF099).
_ACCOUNT = re.compile(r"[_\s]*[A-Za-z]{1,6}\d{1,8}\b")


def read_editors(text: str) -> list[str]:
    """Names after 编辑 / 责任编辑 / 责编 labels (other labels on the line end the names). After a
    colon or slash any name goes; after a bare space (（某某网编辑 李明）) only what reads as a name.

    >>> read_editors("责任编辑：宋雪飞")
    ['宋雪飞']
    >>> read_editors("编辑:王韬 校对:张三")
    ['王韬']
    >>> read_editors("[责任编辑：周涛]"), read_editors("（责编：汤圆、丁香）"), read_editors("编辑/倪红")
    (['周涛'], ['汤圆', '丁香'], ['倪红'])
    >>> read_editors("（高原网编辑 孙桂兰）"), read_editors("来源：新华社 责任编辑：李明_NN2587")
    (['孙桂兰'], ['李明'])
    >>> read_editors("责任编辑： 返回首页 查看更多"), read_editors("他当过编辑 多年")
    ([], [])
    """
    found: list[str] = []
    for m in _EDITOR.finditer(_ACCOUNT.sub("", normalize_space(text))):
        if m["label"] in ("审核", "審核", "校对", "校對"):
            continue
        spaced = not m["sep"].strip()
        for token in _SPLIT.split(m["names"]):
            if _NAME.fullmatch(token) and (is_name(token) or (not spaced and len(token) <= 3)):
                found.append(token)
    return unique(found)


# --- small helpers -----------------------------------------------------------------------------


def unique(values: Iterable[str]) -> list[str]:
    """Keep the first of each value, in order, dropping empties.

    >>> unique(["a", "b", "a", "", "c"])
    ['a', 'b', 'c']
    """
    return list(dict.fromkeys(v for v in values if v))


def content_hash(body: str) -> str:
    """sha256 hex of the body with all whitespace removed.

    >>> content_hash("a b\\nc") == content_hash("abc")
    True
    """
    # str.split() drops exactly the characters the regex \s matched (str.isspace()).
    return hashlib.sha256("".join(body.split()).encode("utf-8")).hexdigest()


@lru_cache(maxsize=2)
def _converter(config: str):  # type: ignore[no-untyped-def]
    import opencc  # imported lazily: only records that need it pay for loading the dictionaries

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (OpenCC ``t2s``).

    >>> to_simplified("康巴傳媒網")
    '康巴传媒网'
    """
    return str(_converter("t2s").convert(text))


_NOT_CJK = re.compile(f"[^{_CJK}]+")


def detect_script(text: str) -> str:
    """``zh-Hant`` when a noticeable share of the characters are traditional-only, else ``zh-Hans``.

    >>> detect_script("切實增強緊迫感和責任感"), detect_script("切实增强紧迫感和责任感")
    ('zh-Hant', 'zh-Hans')
    """
    # The first 800 characters decide: a script does not change mid-article.
    sample = _NOT_CJK.sub("", text[:800])
    if not sample:
        return "zh-Hans"
    simplified = to_simplified(sample)
    if simplified == sample:
        return "zh-Hans"
    changed = sum(a != b for a, b in zip(sample, simplified, strict=False))
    return "zh-Hant" if changed >= max(2, len(sample) * 0.04) else "zh-Hans"


# --- prose and labels --------------------------------------------------------------------------

# Sentence punctuation. Colons are left out (labels print them: 来源：…, 编辑：…) and so is the
# ASCII period (dates and addresses print it: 2020.02.07, www.kbcmw.com).
SENTENCE_MARKS = re.compile(r"[，。！？；、“”,!?;]")


def is_prose(text: str) -> bool:
    """Whether the text holds a sentence at all.

    >>> is_prose("会议强调，要抓好落实。"), is_prose("首页 新闻 文化"), is_prose("来源：吉林日报 2020.02.07")
    (True, False, False)
    """
    return SENTENCE_MARKS.search(text) is not None


_SOURCE_FIELD = re.compile(
    r"(?<!图片)(?<!圖片)(?<!图)(?<!圖)(?:来源|來源|稿源|出处)(?:于|於)?\s*[:：]\s*(?P<origin>[^\s:：|｜]{2,30}?)"
    r"(?=\s|[|｜]|时间|時間|日期|发布|作者|编辑|责编|浏览|点击|字号|(?:19|20)\d\d[-/.年]|$)"
)


def read_source_label(text: str) -> str | None:
    """The outlet named after a 来源 label in a date-and-source line (the next label, a separator or
    a date ends it), as printed: the loader's clean_origin drops 《》.

    >>> read_source_label("2020-02-07 10:07  来源：吉林日报")
    '吉林日报'
    >>> read_source_label("2023-11-08 14:05|来源：长春日报|作者：王冰")
    '长春日报'
    >>> read_source_label("来源：《甘孜日报》2023年06月12日"), read_source_label("2024-03-04") is None
    ('《甘孜日报》', True)
    >>> read_source_label("来源于：县政府办公室"), read_source_label("信息来源： 高原日报 编辑：王五")
    ('县政府办公室', '高原日报')
    """
    found = _SOURCE_FIELD.search(text)
    return found["origin"] if found else None


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
CHROME_LINE_STARTS = (*CHROME_PHRASES, "最新消息", "相关新闻", "相关阅读", "分享到", "版权所有", "滚动新闻", "责任编辑",
                      # share buttons, video boxes, platform notices and their headings
                      "分享让更多人看到", "转播到", "精彩视频", "热点栏目", "热门推荐", "反侵权公告", "侵权举报",
                      "声明：该文观点仅代表作者本人", "声明:该文观点仅代表作者本人", "特别声明：", "特别声明:")


# Lines about the article rather than of it: its original title, where it was first published,
# who produced it, the print edition it ran in. (Matched at the line's start: no scan.)
_NOTE_LINE = re.compile(
    r"[(（\[【]?\s*(?:原标题|原標題|原题为|原題為|原题|原題|本文首发于|本文首發於|首发于|首發於|本文来自|本文來自"
    r"|本文转载自|本文轉載自|转载自|轉載自|刊于|刊於|出品\s*[︱|｜:：/])"
    r"|[(（]?《[^》]{2,15}》\s*[(（]\s*[^()（）]{0,24}版\s*[)）][)）]?$"
)
# Captions and picture credits: how they open, and how credits end.
_CAPTION_START = re.compile(
    r"(?:图片来源|圖片來源|图源|圖源|图片|圖片)\s*[:：]|[◎●▲△]?\s*(?:图|圖)\s*[:：︱|｜]|图为|圖為")
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
    return len(tokens) >= 4 and all(len(t) <= 6 for t in tokens) and not _ROLE_WORD.search(line)


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
