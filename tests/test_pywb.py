"""The archive in the replay tool archivists use: pywb over HTTP on 127.0.0.1 (its own virtualenv,
``.venv-tools``, made by ``scripts/tools-venv``, which ``.ci/run`` runs)."""

from __future__ import annotations

import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, crawl, read_records
from loopback import wait_until_up
from redis_server import free_port

pytestmark = pytest.mark.crawl

TOOLS = ROOT / ".venv-tools" / "bin"
LIST = "http://www.kbcmw.com/html/xw/dzyw/"


@contextmanager
def wayback(collections: Path) -> Iterator[str]:
    assert (TOOLS / "wayback").exists(), "pywb is missing: run bash scripts/tools-venv (.ci/run does)"
    port = free_port()
    proc = subprocess.Popen(
        [str(TOOLS / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=collections,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(lambda: urllib.request.urlopen(url, timeout=2).read(), OSError, 30, pause=0.2)  # loopback
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def collection(archive: Path, home: Path) -> Path:
    """A pywb collection ``news`` of the archive's WARC files, under ``home``."""
    home.mkdir()
    subprocess.run([str(TOOLS / "wb-manager"), "init", "news"], cwd=home, check=True, capture_output=True)
    warcs = sorted(str(p) for p in (archive / "warc").glob("*.warc.gz"))
    subprocess.run([str(TOOLS / "wb-manager"), "add", "news", *warcs], cwd=home, check=True, capture_output=True)
    return home


def test_pywb_replays_the_last_full_capture_behind_a_304(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    crawl("ganzi", archive)
    second = crawl("ganzi", archive)
    assert second["newsarchive/list_unchanged"] >= 1  # the list pages answered 304: revisits now
    home = collection(archive, tmp_path / "pywb")
    with wayback(home) as server:
        index = urllib.request.urlopen(f"{server}/news/cdx?url={LIST}&output=json").read().decode()
        assert '"mime": "warc/revisit"' in index  # the 304 is indexed as a revisit
        page = urllib.request.urlopen(f"{server}/news/2100id_/{LIST}")  # the latest capture
        body = page.read()
        assert page.status == 200
        assert "党政要闻".encode("gbk") in body and b"/html/xw/dzyw/" in body  # the page itself, not an empty 304


def test_pywb_shows_an_archived_article_with_its_picture(tmp_path: Path) -> None:
    import json

    archive = tmp_path / "archive"
    crawl("jilin", archive)
    records = read_records(archive)
    record = next(r for r in records if r["images"])
    picture = record["images"][0]
    cases = (FIXTURES / "jilin").glob("image-*/response.json")
    recorded = next(
        (p.parent / "response.body").read_bytes() for p in cases if json.loads(p.read_text())["url"] == picture["url"]
    )
    home = collection(archive, tmp_path / "pywb")
    with wayback(home) as server:
        # The article as replayed (mp_: pywb's rewritten page, without its frame).
        page = urllib.request.urlopen(f"{server}/news/2100mp_/{record['warc'][0]['url']}").read()
        text = page.decode("utf-8", "replace")
        assert record["title"].split(" ")[0] in text
        image = urllib.request.urlopen(f"{server}/news/2100id_/{picture['url']}")
        assert image.status == 200 and image.read() == recorded  # the picture's bytes, from the archive


def test_scrapy_wacz_packages_the_archive_with_a_page_per_article(tmp_path: Path) -> None:
    import json
    import os
    import zipfile

    from helpers import scrapy_cmd

    archive = tmp_path / "archive"
    crawl("ganzi", archive)
    env = {"PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}"}
    proc = scrapy_cmd("wacz", "-o", str(tmp_path / "ganzi.wacz"), "-s", f"ARCHIVE_DIR={archive}", env=env)
    assert "(validated)" in proc.stdout
    with zipfile.ZipFile(tmp_path / "ganzi.wacz") as package:
        names = set(package.namelist())
        listed = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()]
    assert {"datapackage.json", "pages/pages.jsonl"} <= names
    assert any(n.startswith("indexes/") for n in names) and any(n.startswith("archive/") for n in names)
    titles = {p["id"]: p["title"] for p in listed[1:]}
    assert titles == {r["id"]: r["title"] for r in read_records(archive)}
    check = subprocess.run([str(TOOLS / "wacz"), "validate", "-f", str(tmp_path / "ganzi.wacz")], capture_output=True)
    assert check.returncode == 0
