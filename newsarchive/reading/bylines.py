"""Who and where from: outlets (来源), bylines (记者/文/图), datelines, editors.

Pure functions: each takes text and returns text (or a small value); none touches the network,
the clock or settings, so each is tested by its doctest and by property tests.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from newsarchive.reading.text import clean_text, normalize_space, unique

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
    r"^\s*(?:(?:原创|原創)(?:\s*[:：]\s*|\s+)|(?:本文|信息|文章|稿件|新闻|新聞)?(?:来源|來源|稿源|出处)(?:于|於)?\s*[:：]?\s*)+"
)


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
ROLE_WORD = re.compile(
    r"记者|記者|通讯员|通訊員|实习生|實習生|摄|攝|制图|製圖|编译|編譯|整理|撰文|撰稿|执笔|執筆|采写|採寫|作者|报道员|報道員"
)
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
    "湯溫魯嶽殷鳳劉龍閆費邱"
)
_COMPOUND_SURNAMES = frozenset(
    (
        "欧阳",
        "歐陽",
        "司马",
        "司馬",
        "上官",
        "诸葛",
        "諸葛",
        "东方",
        "東方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "端木",
        "西门",
        "南宫",
        "独孤",
    )
)
_TIBETAN_SYLLABLES = frozenset(
    (
        "扎西",
        "泽仁",
        "格桑",
        "次仁",
        "降央",
        "四郎",
        "洛绒",
        "益西",
        "尼玛",
        "达瓦",
        "丹增",
        "旦增",
        "阿旺",
        "贡布",
        "仁青",
        "仁真",
        "多吉",
        "多杰",
        "索朗",
        "拥措",
        "呷绒",
        "泽翁",
        "登珍",
        "邓珠",
        "向秋",
        "嘎玛",
        "土登",
        "昂翁",
        "卓玛",
        "央金",
        "拉姆",
        "志玛",
        "根秋",
        "彭措",
        "泽郎",
        "降措",
        "翁姆",
        "斯朗",
        "白玛",
        "德吉",
        "罗布",
        "巴桑",
        "洛桑",
        "顿珠",
        "其美",
        "松吉",
        "贡嘎",
        "群培",
        "更登",
        "俄色",
        "呷玛",
        "阿绒",
        "泽让",
        "曲批",
        "甲措",
        "泽登",
        "降初",
        "郎加",
        "泽旺",
        "格勒",
        "次真",
        "邓真",
        "登巴",
        "降拥",
        "洛吾",
        "达洛",
        "吾吉",
        "仁增",
        "次旺",
        "平措",
        "央宗",
        "措姆",
        "曲珍",
        "卓嘎",
        "拉巴",
        "尼珍",
        "格绒",
        "曲西",
        "泽里",
        "旺青",
        "曲措",
        "秋措",
        "拉措",
        "翁加",
        "降泽",
        "生龙",
        "俄热",
    )
)


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
    if ROLE_WORD.search(text):
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
