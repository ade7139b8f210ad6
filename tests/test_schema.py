"""The run-time schema check (compiled once, fastjsonschema) and the authoritative one (jsonschema)
agree: on every fixture record, and on each of those records broken one field at a time."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from helpers import SCHEMA_PATH, fixture_cases, validator

from newsarchive.pipelines.validate import SchemaCheck

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
CHECK = SchemaCheck(SCHEMA)
WARC = {
    "warc_file": "newsarchive-20261202T000000Z-00000-1.warc.gz",
    "warc_record_id": "<urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e>",
    "warc_payload_digest": "sha1:" + "A" * 32,
}
WRONG = [None, True, 0, -1, 1.5, "", "x", "2020-02-07", [], [""], [1], [{"url": 1}], {}, {"url": "http://a/"}]


def records() -> list[dict[str, Any]]:
    found = []
    for case in fixture_cases():
        if case.kind in ("article", "layout"):
            record = case.expected
            found.append({**record, "crawled_at": "2026-12-02T00:00:00Z", "warc": [WARC | {"url": record["url"]}]})
    return found


def broken(record: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for field in SCHEMA["properties"]:
        for value in WRONG:
            out.append({**copy.deepcopy(record), field: value})
        out.append({k: v for k, v in record.items() if k != field})
    out.append({**record, "unknown_field": 1})
    return out


@pytest.mark.parametrize("record", records(), ids=lambda r: r["id"])
def test_compiled_check_agrees_with_jsonschema(record: dict[str, Any]) -> None:
    assert CHECK.errors(record) == [] and not list(validator().iter_errors(record))
    disagreements = []
    for candidate in broken(record):
        fast = bool(CHECK.errors(candidate))
        reference = bool(list(validator().iter_errors(candidate)))
        if fast != reference:
            disagreements.append(
                {
                    k: candidate.get(k)
                    for k in set(candidate) ^ set(record) or candidate
                    if candidate.get(k) != record.get(k)
                }
            )
    assert disagreements == []


def test_a_refused_record_is_explained() -> None:
    record = {**records()[0], "pages": "1"}
    assert CHECK.errors(record) == ["pages: '1' is not of type 'integer'"]
