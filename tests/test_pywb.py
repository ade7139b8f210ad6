"""The archive in the replay tool archivists use: pywb over HTTP on 127.0.0.1 (its own virtualenv,
``.venv-tools``, made by ``scripts/tools-venv``, which ``.ci/run`` runs)."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers import ROOT, crawl
from redis_server import free_port

TOOLS = ROOT / ".venv-tools" / "bin"
LIST = "http://www.kbcmw.com/html/xw/dzyw/"


@contextmanager
def wayback(collections: Path) -> Iterator[str]:
    assert (TOOLS / "wayback").exists(), "pywb is missing: run bash scripts/tools-venv (.ci/run does)"
    port = free_port()
    proc = subprocess.Popen([str(TOOLS / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=collections,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()  # loopback
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_pywb_replays_the_last_full_capture_behind_a_304(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    crawl("ganzi", archive)
    second = crawl("ganzi", archive)
    assert second["newsarchive/list_unchanged"] >= 1  # the list pages answered 304: revisits now
    home = tmp_path / "pywb"
    home.mkdir()
    subprocess.run([str(TOOLS / "wb-manager"), "init", "news"], cwd=home, check=True, capture_output=True)
    warcs = sorted(str(p) for p in (archive / "warc").glob("*.warc.gz"))
    subprocess.run([str(TOOLS / "wb-manager"), "add", "news", *warcs], cwd=home, check=True, capture_output=True)
    with wayback(home) as server:
        index = urllib.request.urlopen(f"{server}/news/cdx?url={LIST}&output=json").read().decode()
        assert '"mime": "warc/revisit"' in index  # the 304 is indexed as a revisit
        page = urllib.request.urlopen(f"{server}/news/2100id_/{LIST}")  # the latest capture
        body = page.read()
        assert page.status == 200
        assert "党政要闻".encode("gbk") in body and b"/html/xw/dzyw/" in body  # the page itself, not an empty 304
