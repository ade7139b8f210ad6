"""newsarchive.pipelines, in-process: each pipeline built from a test crawler (no engine), fed the
records a portal makes of its recorded pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import read_in_process, read_records, schema_errors
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsarchive.archive.state import open_state
from newsarchive.pipelines.dedupe import DedupePipeline
from newsarchive.pipelines.store import JsonLinesStore
from newsarchive.pipelines.validate import ValidatePipeline
from newsarchive.spiders.ganzi import GanziSpider

SEED = "http://www.kbcmw.com/html/xw/dzyw/58225.html"


def pipelines(archive: Path) -> tuple[Any, ValidatePipeline, DedupePipeline, JsonLinesStore]:
    crawler = get_crawler(GanziSpider, {"ARCHIVE_DIR": str(archive)})
    validate = build_from_crawler(ValidatePipeline, crawler)
    dedupe = build_from_crawler(DedupePipeline, crawler)
    store = build_from_crawler(JsonLinesStore, crawler)
    validate.open_spider()
    store.open_spider()
    return crawler, validate, dedupe, store


@pytest.fixture
def seed(tmp_path: Path) -> dict[str, Any]:
    [record] = read_in_process("ganzi", SEED, tmp_path / "read")
    record["crawled_at"] = "2026-12-01T08:00:00Z"
    return record


def run(record: dict[str, Any], *stages: Any) -> dict[str, Any]:
    for stage in stages:
        record = stage.process_item(record)
    return record


def test_a_valid_record_goes_through_and_is_stored_as_one_line(tmp_path: Path, seed: dict[str, Any]) -> None:
    crawler, validate, dedupe, store = pipelines(tmp_path)
    run(dict(seed), validate, dedupe, store)
    store.close_spider()
    [line] = read_records(tmp_path, "ganzi")
    assert line == seed and schema_errors(line) == []
    assert (tmp_path / "ganzi" / "2026-12-01.jsonl").exists()
    assert open_state(crawler).outcome("ganzi:58225") == "archived"
    assert crawler.stats.get_value("newsarchive/archived") == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"title": ""}, "missing_title"),
        ({"body": "短"}, "short_body"),
        ({"published_date": "2099-01-01"}, "future_date"),
        ({"url": "http://"}, "bad_url"),
        ({"body": "正文\ufffd\ufffd\ufffd乱码" * 10}, "replacement_char"),
    ],
)
def test_a_bad_record_is_rejected_with_its_reason_and_written_to_rejects(
    tmp_path: Path, seed: dict[str, Any], change: dict[str, Any], reason: str
) -> None:
    crawler, validate, _, _ = pipelines(tmp_path)
    with pytest.raises(DropItem, match=reason):
        validate.process_item({**seed, **change})
    validate.rejects.close()
    [reject] = [json.loads(line) for f in (tmp_path / "rejects").glob("*.jsonl") for line in f.open(encoding="utf-8")]
    assert reason in reject["reasons"] and reject["url"] == ({**seed, **change})["url"]
    assert crawler.stats.get_value(f"newsarchive/rejected/{reason}") == 1  # type: ignore[union-attr]


def test_the_same_text_under_a_second_id_is_a_duplicate_and_the_same_id_is_known(
    tmp_path: Path, seed: dict[str, Any]
) -> None:
    _, validate, dedupe, store = pipelines(tmp_path)
    run(dict(seed), validate, dedupe, store)
    with pytest.raises(DropItem, match="Already archived: ganzi:58225"):
        run(dict(seed), validate, dedupe, store)
    repost = {**seed, "id": "ganzi:99999", "url": "http://www.kbcmw.com/html/xw/jjgz/99999.html"}
    with pytest.raises(DropItem, match="Same text as ganzi:58225"):
        run(repost, validate, dedupe, store)
    dedupe.close_spider()
    store.close_spider()
    assert [r["id"] for r in read_records(tmp_path)] == ["ganzi:58225"]
    [dup] = [json.loads(line) for f in (tmp_path / "duplicates").glob("*.jsonl") for line in f.open(encoding="utf-8")]
    assert dup["id"] == "ganzi:99999" and dup["duplicate_of"] == "ganzi:58225"
