"""Typed reads of an archive: ``scrapy export`` Parquet, the ``--sql`` DuckDB read, and the pandas
DataFrame give the schema's types and the archived records only (never rejects or duplicates)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from helpers import FIXTURES, crawl, read_records, scrapy_cmd

from newsarchive.archive.export import columns, dataframe

pytestmark = pytest.mark.crawl

REJECT = {
    "reason": "short_body",
    "reasons": ["short_body"],
    "source": "jilin",
    "url": "https://news.cnjiwang.com/x.html",
    "item": {"title": "x", "published_at": "not a time", "authors": "not a list"},
}
DUPLICATE = {
    "id": "ganzi:1",
    "duplicate_of": "ganzi:2",
    "url": "http://www.kbcmw.com/html/xw/1.html",
    "content_hash": "0" * 64,
    "crawled_at": "2026-12-02T00:00:00Z",
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export")
    for source in ("jilin", "ganzi"):
        crawl(source, root, replay=FIXTURES / source)
    # What a glob over ARCHIVE_DIR/*/*.jsonl would also catch.
    for side, line in (("rejects", REJECT), ("duplicates", DUPLICATE)):
        (root / side).mkdir(exist_ok=True)
        (root / side / "2026-12-02.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    return root


def rows(sql: str) -> list[Any]:
    return duckdb.execute(sql).fetchall()


def by_source(records: list[dict[str, Any]]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for record in records:
        counted[record["source"]] = counted.get(record["source"], 0) + 1
    return counted


def test_export_writes_typed_parquet_of_the_records_only(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "records.parquet"
    proc = scrapy_cmd("export", "-s", f"ARCHIVE_DIR={archive}", "-o", str(out))
    records = read_records(archive)
    assert f"export: {len(records)} record(s)" in proc.stdout
    assert by_source(records) == {"jilin": 8, "ganzi": 10}
    types = dict(rows(f"DESCRIBE SELECT * FROM '{out}'")[i][:2] for i in range(len(columns())))
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE" and types["crawled_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["published_date"] == "DATE" and types["pages"] == "BIGINT"
    assert types["authors"] == types["editors"] == types["breadcrumbs"] == "VARCHAR[]"
    assert types["images"] == (
        "STRUCT(url VARCHAR, caption VARCHAR, warc_file VARCHAR, warc_record_id VARCHAR, "
        "warc_offset BIGINT, warc_length BIGINT, capture VARCHAR)[]"
    )
    assert types["warc"].startswith("STRUCT(url VARCHAR, warc_file VARCHAR") and types["warc"].endswith("[]")
    assert dict(rows(f"SELECT source, count(*) FROM '{out}' GROUP BY 1")) == by_source(records)
    # Values as the records say: an instant with +08:00, a date, a list.
    for record in records:
        [(at, day, authors, offset)] = rows(
            f"SELECT published_at, published_date, authors, warc[1].warc_offset FROM '{out}' "
            f"WHERE id = '{record['id']}'"
        )
        if record["published_at"] is None:
            assert at is None
        else:
            assert at == datetime.fromisoformat(record["published_at"])
        assert day.isoformat() == record["published_date"]
        assert authors == record["authors"] and offset == record["warc"][0]["warc_offset"]


def test_sql_reads_every_source_typed_and_no_side_file(archive: Path) -> None:
    query = scrapy_cmd("export", "-s", f"ARCHIVE_DIR={archive}", "--sql").stdout.strip().rstrip(";")
    assert "rejects" not in query and "duplicates" not in query
    found = rows(
        f"SELECT source, count(*), typeof(any_value(published_at)), typeof(any_value(editors)) "
        f"FROM ({query}) GROUP BY 1 ORDER BY 1"
    )
    assert found == [
        ("ganzi", 10, "TIMESTAMP WITH TIME ZONE", "VARCHAR[]"),
        ("jilin", 8, "TIMESTAMP WITH TIME ZONE", "VARCHAR[]"),
    ]


def test_dataframes_of_each_source_have_the_same_types(archive: Path) -> None:
    # Every Ganzi fixture prints a date alone (published_at null throughout), Jilin's print times:
    # inferred, the two would type the column differently.
    jilin, ganzi = dataframe(archive, ["jilin"]), dataframe(archive, ["ganzi"])
    assert ganzi["published_at"].isna().all() and jilin["published_at"].notna().any()
    assert dict(jilin.dtypes) == dict(ganzi.dtypes)
    both = pd.concat([jilin, ganzi], ignore_index=True)
    assert str(both["published_at"].dtype) == "datetime64[us, UTC]"
    assert str(both["crawled_at"].dtype) == "datetime64[us, UTC]"
    assert all(isinstance(v, list) for v in both["authors"]) and all(isinstance(v, list) for v in both["images"])
    records = {r["id"]: r for r in read_records(archive)}
    assert set(both["id"]) == set(records)
    for row in both.itertuples():
        expected = records[row.id]["published_at"]
        assert pd.isna(row.published_at) if expected is None else row.published_at == pd.Timestamp(expected)
        assert row.editors == records[row.id]["editors"]


def test_an_empty_archive_exports_zero_typed_rows(tmp_path: Path) -> None:
    out = tmp_path / "none.parquet"
    proc = scrapy_cmd("export", "-s", f"ARCHIVE_DIR={tmp_path / 'empty'}", "-o", str(out))
    assert "export: 0 record(s)" in proc.stdout
    assert (
        dict(rows(f"DESCRIBE SELECT * FROM '{out}'")[i][:2] for i in range(len(columns())))["published_at"]
        == "TIMESTAMP WITH TIME ZONE"
    )


def test_a_torn_last_line_is_left_out_and_said(archive: Path, tmp_path: Path) -> None:
    """A crawl killed mid-write leaves a last line without its newline until the next crawl cuts it."""
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    [jilin] = (copy / "jilin").glob("*.jsonl")
    with jilin.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "jilin:9", "source": "jil')
    out = tmp_path / "records.parquet"
    proc = scrapy_cmd("export", "-s", f"ARCHIVE_DIR={copy}", "-o", str(out))
    assert f"{jilin} ends in a torn line" in proc.stdout and "export: 18 record(s)" in proc.stdout
    assert rows(f"SELECT count(*) FROM '{out}'") == [(18,)]
    assert len(dataframe(copy)) == 18
    assert jilin.read_bytes().endswith(b'"source": "jil'), "export must not change the archive"


def test_a_damaged_line_is_an_error_and_writes_nothing(archive: Path, tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    [ganzi] = (copy / "ganzi").glob("*.jsonl")
    lines = ganzi.read_text(encoding="utf-8").splitlines(keepends=True)
    ganzi.write_text("".join([*lines[:2], '{"id": damaged}\n', *lines[2:]]), encoding="utf-8")
    out = tmp_path / "records.parquet"
    proc = scrapy_cmd("export", "-s", f"ARCHIVE_DIR={copy}", "-o", str(out), check=False)
    assert proc.returncode == 1
    assert "a record file holds a line that is not a record" in proc.stderr and str(ganzi) in proc.stderr
    assert not list(tmp_path.glob("records.parquet*"))


def test_the_readme_query_runs_with_what_set_up_installs(tmp_path: Path) -> None:
    crawl("jilin", tmp_path)
    proc = scrapy_cmd(
        "export",
        "--query",
        "SELECT source, count(*) AS n, max(published_at) AS newest FROM records GROUP BY 1",
        "-s",
        f"ARCHIVE_DIR={tmp_path}",
    )
    assert "jilin" in proc.stdout and "timestamp with time zone" in proc.stdout
    assert str(len(read_records(tmp_path))) in proc.stdout
