"""Text cleaning: control characters, whitespace, pinyin annotations, script, prose, small helpers.

Pure functions: each takes text and returns text (or a small value); none touches the network,
the clock or settings, so each is tested by its doctest and by property tests.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

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
