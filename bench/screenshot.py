"""An archived article as a reader sees it: replayed by pywb, drawn by headless Chromium, saved as PNG.

    bash scripts/tools-venv && apt-get install chromium fonts-wqy-microhei && .venv/bin/python bench/screenshot.py

Crawls the Jilin fixtures (offline) into a scratch archive, loads its WARC files into a pywb
collection served on 127.0.0.1, and has Debian's Chromium take a screenshot of the first archived
article that has a picture, as pywb replays it (rewritten, without its frame). Look at the PNG: the
headline, the text and the picture should all be there, every byte from the archive. Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".venv-tools" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="article.png")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None or not (TOOLS / "wayback").exists():
        print("needs Debian's chromium (apt-get install chromium) and pywb (bash scripts/tools-venv)")
        return 1
    work = Path(tempfile.mkdtemp(prefix="newsarchive-screenshot-"))
    archive = work / "archive"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "jilin",
            "-s",
            "REPLAY_DIR=fixtures",
            "-s",
            f"ARCHIVE_DIR={archive}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        check=True,
    )
    records = [json.loads(line) for path in sorted((archive / "jilin").glob("*.jsonl")) for line in path.open()]
    record = next(r for r in records if r["images"] and all("warc_file" in i for i in r["images"]))
    home = work / "pywb"
    home.mkdir()
    subprocess.run([str(TOOLS / "wb-manager"), "init", "news"], cwd=home, check=True, capture_output=True)
    subprocess.run(
        [str(TOOLS / "wb-manager"), "add", "news", *map(str, sorted((archive / "warc").glob("*.gz")))],
        cwd=home,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [str(TOOLS / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/news/2100mp_/{record['warc'][0]['url']}"
        output = Path(args.output).resolve()
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={work / 'chromium'}",
                "--window-size=1100,1400",
                "--hide-scrollbars",
                f"--screenshot={output}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{record['id']} {record['title']}: {len(record['images'])} picture(s); replayed at {url}")
    print(f"screenshot: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
