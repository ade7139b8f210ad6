"""Script and annotation cleaning on the seed copy: traditional characters with flattened pinyin."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, crawl, read_records, schema_errors

from newsarchive.reading.text import clean_text, detect_script, strip_pinyin, to_simplified

SEED = ROOT / "tests" / "data" / "ganzi-seed.txt"
TONED = re.compile("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")
GENUINE = json.loads((FIXTURES / "ganzi" / "article-58225" / "expected.json").read_text(encoding="utf-8"))


def seed_lines() -> list[str]:
    return [line for line in (clean_text(raw) for raw in SEED.read_text(encoding="utf-8").splitlines()) if line]


def test_seed_copy_cleaned_carries_no_pinyin() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert TONED.search(text), "the seed copy should hold flattened pinyin to begin with"
    cleaned = "\n".join(seed_lines())
    assert not TONED.search(cleaned)
    assert "康巴傳媒網 >> 新聞 >> 黨政要聞" in cleaned


def test_seed_copy_reads_as_the_genuine_article_in_simplified() -> None:
    lines = [to_simplified(line) for line in seed_lines()]
    assert lines[1] == GENUINE["title"]
    assert lines[3] == GENUINE["subtitle"]
    assert lines[4] == GENUINE["images"][0]["caption"]
    genuine = GENUINE["body"].split("\n")
    copy = [line for line in lines if line.startswith(("本网讯", "在位于", "州委副书记"))]
    assert copy[0] == genuine[0]
    assert copy[1] == genuine[1]
    assert copy[2] == genuine[3] + " 记者 杨杰 文/图"
    # The third paragraph of the copy is mangled ("?!眲⒊渗Q"): only its intact start is compared.
    third = next(line for line in lines if line.startswith("在康定市人民医院"))
    assert third.split("祝愿")[0] == genuine[2].split("祝愿")[0]


def test_script_detection() -> None:
    assert detect_script("\n".join(seed_lines())) == "zh-Hant"
    assert detect_script(GENUINE["body"]) == "zh-Hans"


def test_pinyin_cleaning_keeps_ordinary_brackets() -> None:
    text = "第4号(公告) 新冠肺炎(COVID-19) 习近平(xí jìn píng)"
    assert strip_pinyin(text) == "第4号(公告) 新冠肺炎(COVID-19) 习近平"


def ruby(text: str) -> str:
    """Flattened pinyin back into ruby markup, as the copy's HTML had it."""
    return re.sub(
        r"(.)\(([^()]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][^()]*)\)", r"<ruby>\1<rp>(</rp><rt>\2</rt><rp>)</rp></ruby>", text
    )


@pytest.mark.crawl
def test_traditional_copy_crawled_with_simplified_copy(tmp_path: Path) -> None:
    """A zh-Hant page with ruby markup, crawled end to end with ADD_SIMPLIFIED."""
    raw = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    paragraphs = [line for line in raw if line.startswith(("本網", "在位於", "在康定市人民", "州委副書記"))]
    html = f"""<html><head><meta charset="utf-8"><title>copy_康巴传媒网</title></head><body>
<div class="position">{ruby(raw[0])}</div>
<div class="article_title"><h3>{ruby(raw[1])}</h3><p>{ruby(raw[2])}</p></div>
<div class="article_content">
<p style="text-align:center"><strong>{ruby(raw[3])}</strong></p>
<p style="text-align:center"><img src="/uploadfile/2020/0202/20200202093012345.jpg"></p>
<p style="text-align:center">{ruby(raw[4])}</p>
{"".join(f"<p>{ruby(p)}</p>" for p in paragraphs[:1])}
{"".join(f"<p>{p}</p>" for p in paragraphs[1:])}
</div></body></html>"""
    url = "http://www.kbcmw.com/html/xw/dzyw/58225.html"
    case = tmp_path / "site" / "copy"
    case.mkdir(parents=True)
    (case / "response.body").write_bytes(html.encode("utf-8"))
    (case / "response.json").write_text(json.dumps({"url": url, "status": 200, "headers": {}}), encoding="utf-8")
    archive = tmp_path / "archive"
    crawl("ganzi", archive, "-a", f"start_urls={url}", "-s", "ADD_SIMPLIFIED=1", replay=tmp_path / "site")
    [record] = read_records(archive, "ganzi")
    assert schema_errors(record) == []
    assert record["language"] == "zh-Hant"
    assert record["title"] == "切實增強緊迫感和責任感 全力阻斷疫情擴散蔓延"
    assert record["title_simplified"] == GENUINE["title"]
    assert not TONED.search(json.dumps(record, ensure_ascii=False))
    assert record["body_simplified"].split("\n")[0] == GENUINE["body"].split("\n")[0]
    assert record["subtitle"] == "劉成鳴在康定地區檢查督導新型冠狀病毒感染的肺炎疫情防控工作時強調"
    assert record["authors"] == ["楊杰"]
    assert record["published_date"] == "2020-02-02"
