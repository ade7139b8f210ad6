"""Archival proper: WARC capture, revisits, rotation, re-extraction and replay from WARC."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sitegen
from helpers import FIXTURES, ROOT, crawl, read_records, scrapy_cmd, without_run_fields
from warcio.archiveiterator import ArchiveIterator

from newsarchive.archive.warc import OPEN_SUFFIX, recover_open_files

pytestmark = pytest.mark.crawl


def warc_records(archive: Path) -> list[dict[str, str]]:
    found = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                head = record.rec_headers
                found.append(
                    {
                        "file": path.name,
                        "type": record.rec_type,
                        "uri": head.get_header("WARC-Target-URI") or "",
                        "id": head.get_header("WARC-Record-ID") or "",
                        "digest": head.get_header("WARC-Payload-Digest") or "",
                        "refers_to": head.get_header("WARC-Refers-To") or "",
                    }
                )
    return found


def warcio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warcio.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    archive = tmp_path_factory.mktemp("warc-archive")
    stats = {s: crawl(s, archive, replay=FIXTURES) for s in ("jilin", "ganzi")}
    return archive, stats


def test_warc_files_pass_warcio_check_and_index(crawled: tuple[Path, dict]) -> None:
    archive, stats = crawled
    files = sorted((archive / "warc").glob("*.warc.gz"))
    assert files and not list((archive / "warc").glob(f"*{OPEN_SUFFIX}"))
    for path in files:
        check = warcio("check", str(path))
        assert check.returncode == 0, check.stdout + check.stderr
        index = warcio("index", str(path))
        assert index.returncode == 0, index.stderr
        assert json.loads(index.stdout.splitlines()[0])["warc-type"] == "warcinfo"
    records = warc_records(archive)
    responses = [r for r in records if r["type"] in ("response", "revisit")]
    # Every response a server sent (here: a fixture); replay's 404 for a URL no case holds is none.
    fetched = sum(s["downloader/response_count"] - s.get("newsarchive/replay/missing", 0) for s in stats.values())
    assert len(responses) == fetched
    # One response record per fetched URL, each with its request.
    assert set(Counter(r["uri"] for r in responses).values()) == {1}
    assert Counter(r["type"] for r in records)["request"] == fetched


def test_every_record_points_at_its_response(crawled: tuple[Path, dict]) -> None:
    archive, _ = crawled
    by_id = {r["id"]: r for r in warc_records(archive)}
    records = read_records(archive)
    assert len(records) == 18
    for record in records:
        assert len(record["warc"]) == record["pages"]
        for page in record["warc"]:
            warc = by_id[page["warc_record_id"]]
            assert warc["uri"] == page["url"] and warc["file"] == page["warc_file"]
            assert warc["digest"] == page["warc_payload_digest"]
    multi = next(r for r in records if r["pages"] == 3)
    assert [p["url"].rsplit("/", 1)[1] for p in multi["warc"]] == ["3070123.html", "3070123_1.html", "3070123_2.html"]


def test_each_page_points_at_its_bytes_exactly(crawled: tuple[Path, dict]) -> None:
    """``warc_offset``/``warc_length`` cut out exactly the page's record: one gzip member, the page's bytes."""
    archive, _ = crawled
    pages = [page for record in read_records(archive) for page in record["warc"]]
    assert len(pages) == 20
    for page in pages:
        with (archive / "warc" / page["warc_file"]).open("rb") as fh:
            fh.seek(page["warc_offset"])
            member = fh.read(page["warc_length"])
        raw = gzip.decompress(member)  # one whole gzip member: a torn or longer cut fails here
        assert f"WARC-Record-ID: {page['warc_record_id']}".encode() in raw
        assert raw.count(b"WARC/1.1\r\n") == 1
    bodies = {
        json.loads((d / "response.json").read_text())["url"]: (d / "response.body").read_bytes()
        for d in FIXTURES.glob("*/*")
        if (d / "response.json").exists()
    }
    for page in pages[:3]:  # the command the README gives, on the record's own offset
        extract = subprocess.run(
            [
                sys.executable,
                "-m",
                "warcio.cli",
                "extract",
                "--payload",
                str(archive / "warc" / page["warc_file"]),
                str(page["warc_offset"]),
            ],
            capture_output=True,
            timeout=120,
        )
        assert extract.returncode == 0, extract.stderr
        assert extract.stdout == bodies[page["url"]]


def test_reparse_reproduces_the_records(crawled: tuple[Path, dict], tmp_path: Path) -> None:
    archive, _ = crawled
    proc = scrapy_cmd("reparse", str(archive / "warc"), "-s", f"ARCHIVE_DIR={tmp_path}")
    assert "reparse: jilin: 8 record(s)" in proc.stdout
    before = {r["id"]: r for r in read_records(archive)}
    after = {r["id"]: r for r in read_records(tmp_path)}
    assert before.keys() == after.keys()
    for key, record in before.items():
        assert after[key] == record  # provenance and crawl time included: both come from the WARC record
    assert not (tmp_path / "warc").exists(), "reparse must not write WARC of its own"


def test_reparse_replace_rebuilds_in_place(crawled: tuple[Path, dict], tmp_path: Path) -> None:
    archive = tmp_path / "a"
    import shutil

    shutil.copytree(crawled[0], archive)
    before = sorted(read_records(archive), key=lambda r: r["id"])
    proc = scrapy_cmd("reparse", "--replace", str(archive / "warc"), "-s", f"ARCHIVE_DIR={archive}")
    assert "kept in" in proc.stdout
    assert sorted(read_records(archive), key=lambda r: r["id"]) == before
    [kept] = list((archive / "replaced").iterdir())
    assert (kept / "state.sqlite3").exists() and (kept / "jilin").is_dir()


def test_replay_from_warc_archives_the_same_records_and_fabricates_no_capture(
    crawled: tuple[Path, dict], tmp_path: Path
) -> None:
    archive, _ = crawled
    scrapy_cmd("crawlall", "-s", f"REPLAY_DIR={archive / 'warc'}", "-s", f"ARCHIVE_DIR={tmp_path}")
    before = sorted(read_records(archive), key=lambda r: r["id"])
    after = sorted(read_records(tmp_path), key=lambda r: r["id"])
    assert after == before  # provenance and crawl time included: the original capture's
    assert not list((tmp_path / "warc").glob("*.warc.gz*")), "a replay must write no WARC record"


def test_unchanged_page_fetched_again_is_a_revisit(tmp_path: Path) -> None:
    site = sitegen.write_replay(sitegen.site(5), tmp_path / "site")
    archive = tmp_path / "a"
    args = ("-a", f"start_urls={sitegen.list_url(0)}", "-s", "INCREMENTAL=False")
    first = crawl("ganzi", archive, *args, replay=site)
    second = crawl("ganzi", archive, *args, replay=site)
    # Every page the site sent is captured; robots.txt, which the site lacks, was replay's own 404.
    missing = first["newsarchive/replay/missing"]
    assert first["newsarchive/warc/response"] == first["downloader/response_count"] - missing
    # The generated site holds no picture bytes: its pictures are replay's own 404s, never captured.
    pictures = second["newsarchive/images/not_captured/not_recorded"]
    pages = second["downloader/response_count"] - second.get("robotstxt/response_count", 0) - pictures
    assert second["newsarchive/warc/revisit"] == pages == 6  # a list page and five articles
    records = warc_records(archive)
    originals = {r["id"]: r for r in records if r["type"] == "response"}
    for revisit in (r for r in records if r["type"] == "revisit"):
        assert originals[revisit["refers_to"]]["digest"] == revisit["digest"]
        assert originals[revisit["refers_to"]]["uri"] == revisit["uri"]
    for path in (archive / "warc").glob("*.warc.gz"):
        assert warcio("check", str(path)).returncode == 0
    # Reparse over both runs' files: each revisit is answered with its original's payload from the
    # other file, the newest capture is the provenance, and the files are indexed once.
    rebuilt = tmp_path / "r"
    proc = scrapy_cmd("reparse", str(archive / "warc"), "-s", f"ARCHIVE_DIR={rebuilt}", "-s", "LOG_LEVEL=INFO")
    assert "reparse: ganzi: 5 record(s)" in proc.stdout
    assert "none of the replayed files" not in proc.stderr
    assert proc.stderr.count("Replaying ") == 1, proc.stderr[-3000:]
    kinds = {r["id"]: r["type"] for r in records}
    again = {r["id"]: r for r in read_records(rebuilt)}
    assert {k: without_run_fields(r) for k, r in again.items()} == {
        r["id"]: without_run_fields(r) for r in read_records(archive)
    }
    assert {kinds[page["warc_record_id"]] for r in again.values() for page in r["warc"]} == {"revisit"}


def test_files_rotate_at_the_size_setting(tmp_path: Path) -> None:
    site = sitegen.write_replay(sitegen.site(30), tmp_path / "site")
    archive = tmp_path / "a"
    crawl("ganzi", archive, "-a", f"start_urls={sitegen.list_url(0)}", "-s", "WARC_MAX_SIZE=8000", replay=site)
    files = sorted((archive / "warc").glob("*.warc.gz"))
    assert len(files) >= 5
    for path in files:
        assert path.stat().st_size <= 8000 + 4000  # the limit, plus at most the one pair that crossed it
        with path.open("rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"


def test_a_torn_open_file_is_cut_back_and_closed(crawled: tuple[Path, dict], tmp_path: Path) -> None:
    source = sorted((crawled[0] / "warc").glob("*.warc.gz"))[0]
    data = source.read_bytes()
    torn = tmp_path / ("x.warc.gz" + OPEN_SUFFIX)
    torn.write_bytes(data + gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n")[:30])
    [closed] = recover_open_files(tmp_path)
    assert closed.name == "x.warc.gz" and closed.read_bytes() == data
    assert warcio("check", str(closed)).returncode == 0
    # A file cut inside its last record keeps every record before it.
    with source.open("rb") as fh:
        iterator = ArchiveIterator(fh)
        offsets = [iterator.get_record_offset() for _ in iterator]
    cut = tmp_path / ("y.warc.gz" + OPEN_SUFFIX)
    cut.write_bytes(data[: offsets[-1] + 40])
    [closed] = recover_open_files(tmp_path)
    assert closed.read_bytes() == data[: offsets[-1]]
    assert warcio("check", str(closed)).returncode == 0
    assert ROOT.exists()


def test_a_304_is_kept_as_a_server_not_modified_revisit_of_the_capture_it_confirms(tmp_path: Path) -> None:
    crawl("ganzi", tmp_path)
    second = crawl("ganzi", tmp_path)
    assert second["newsarchive/list_unchanged"] >= 1
    responses: dict[str, str] = {}
    revisits = []
    for path in sorted((tmp_path / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                head = record.rec_headers
                if record.rec_type == "response":
                    responses[head.get_header("WARC-Record-ID")] = head.get_header("WARC-Target-URI")
                elif (head.get_header("WARC-Profile") or "").endswith("/server-not-modified"):
                    revisits.append(
                        (
                            head.get_header("WARC-Target-URI"),
                            head.get_header("WARC-Refers-To"),
                            record.http_headers.get_statuscode(),
                        )
                    )
    assert len(revisits) == second["newsarchive/list_unchanged"]
    for url, refers_to, status in revisits:
        assert status == "304" and responses.get(refers_to) == url  # the full capture of the same page
    for path in (tmp_path / "warc").glob("*.warc.gz"):
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True)
        assert check.returncode == 0, check.stdout


def test_every_picture_a_record_names_is_captured_and_a_rerun_writes_revisits(tmp_path: Path) -> None:
    first = crawl("jilin", tmp_path)
    records = read_records(tmp_path)
    pictures = [image for record in records for image in record["images"]]
    assert pictures and first["newsarchive/images/captured"] == len(pictures)
    recorded = {
        json.loads(p.read_text())["url"]: (p.parent / "response.body").read_bytes()
        for p in (FIXTURES / "jilin").glob("image-*/response.json")
    }
    for image in pictures:
        blob = (tmp_path / "warc" / image["warc_file"]).read_bytes()
        member = gzip.decompress(blob[image["warc_offset"] : image["warc_offset"] + image["warc_length"]])
        assert image["url"].encode() in member and image["warc_record_id"].encode() in member
        assert member.rstrip(b"\r\n").endswith(recorded[image["url"]])  # the picture's own bytes
    again = crawl("jilin", tmp_path, "-s", "INCREMENTAL=False")
    assert again["newsarchive/images/captured"] == len(pictures)
    revisits = [r for r in warc_records(tmp_path) if r["type"] == "revisit" and r["uri"] in recorded]
    assert len(revisits) == len(pictures)


def test_a_picture_that_cannot_be_captured_says_why_and_costs_the_record_nothing(tmp_path: Path) -> None:
    site = sitegen.site(3)
    src = re.search(rb'<img src="([^"]+)"', site[sitegen.article_url(100001)][2])
    assert src is not None
    big = sitegen.HOST + src[1].decode()
    site[big] = (200, {"Content-Type": "image/jpeg"}, b"\xff\xd8" + bytes(300_000))
    replay = sitegen.write_replay(site, tmp_path / "site")
    stats = crawl(
        "ganzi",
        tmp_path / "a",
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        "-s",
        "IMAGES_MAX_SIZE=100000",
        replay=replay,
    )
    records = {r["id"]: r for r in read_records(tmp_path / "a")}
    assert len(records) == 3  # every article archived, whatever became of its picture
    assert records["ganzi:100001"]["images"][0]["capture"] == "too_large"
    assert records["ganzi:100000"]["images"][0]["capture"] == "not_recorded"  # replay held no bytes for it
    assert stats["newsarchive/images/not_captured/too_large"] == 1


def test_a_picture_that_failed_is_captured_by_the_next_run(tmp_path: Path) -> None:
    site = sitegen.site(2)
    src = re.search(rb'<img src="([^"]+)"', site[sitegen.article_url(100001)][2])
    assert src is not None
    picture = sitegen.HOST + src[1].decode()
    args = ("-a", f"start_urls={sitegen.list_url(0)}")
    failing = {**site, picture: (503, {"Content-Type": "text/html"}, b"busy")}
    first = crawl("ganzi", tmp_path / "a", *args, replay=sitegen.write_replay(failing, tmp_path / "s1"))
    [record] = [r for r in read_records(tmp_path / "a") if r["id"] == "ganzi:100001"]
    assert record["images"][0]["capture"] == "http_503" and first["newsarchive/archived"] == 2
    well = {**site, picture: (200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff\xe0picture\xff\xd9")}
    second = crawl("ganzi", tmp_path / "a", *args, replay=sitegen.write_replay(well, tmp_path / "s2"))
    assert second["newsarchive/images/retried"] == 1 and second["newsarchive/images/captured"] == 1
    from newsarchive.archive.warc import payload_digest

    kept = [r["digest"] for r in warc_records(tmp_path / "a") if r["uri"] == picture and r["type"] == "response"]
    # The 503 the server sent, then the picture itself: in the archive now, for replay (the record
    # says why it was missing when it was archived).
    assert kept[-1] == payload_digest(well[picture][2]) and len(kept) == 2
    third = crawl("ganzi", tmp_path / "a", *args, replay=sitegen.write_replay(well, tmp_path / "s2"))
    assert third.get("newsarchive/images/retried", 0) == 0
