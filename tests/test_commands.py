"""Scrapy's own commands and the project's commands, run as a user runs them."""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from helpers import FIXTURES, PORTAL_PACKAGES, ROOT, SPIDER_MODULES, scrapy_cmd, sources
from loopback import serve

pytestmark = pytest.mark.crawl


def test_scrapy_list() -> None:
    assert scrapy_cmd("list").stdout.split() == ["ganzi", "jilin"]


def test_scrapy_parse_in_replay_mode(tmp_path: Path) -> None:
    url = "https://news.cnjiwang.com/jwyc/201902/2823600.html"
    proc = scrapy_cmd(
        "parse",
        "--spider",
        "jilin",
        "-c",
        "parse_article",
        "-s",
        f"REPLAY_DIR={FIXTURES}",
        "-s",
        f"ARCHIVE_DIR={tmp_path}",
        "--nolog",
        url,
    )
    assert "吉林喜事连连 央媒纷纷“打卡”报道" in proc.stdout
    assert "jilin:2823600" in proc.stdout


def test_scrapy_shell_in_replay_mode(tmp_path: Path) -> None:
    url = "http://www.kbcmw.com/html/xw/dzyw/58225.html"
    code = "f\"{response.status} {response.css('div.article_title h3::text').get()}\""
    proc = scrapy_cmd(
        "shell", "-s", f"REPLAY_DIR={FIXTURES}", "-s", f"ARCHIVE_DIR={tmp_path}", "--nolog", "-c", code, url
    )
    assert proc.stdout.strip() == "200 切实增强紧迫感和责任感 全力阻断疫情扩散蔓延"


def test_scrapy_check_runs_every_portals_contracts_offline() -> None:
    """Per portal, two checks of the list callback (requests out, no items) and two of the article
    callback (one record, valid), over the recorded pages; the checkout's archive is left as it was."""
    before = tree(ROOT / "archive")
    proc = scrapy_cmd(
        "check",
        "-s",
        f"SPIDER_MODULES={SPIDER_MODULES}",
        "-s",
        f"REPLAY_DIR={','.join(str(d) for d in PORTAL_PACKAGES.values())}",
    )
    portals = len(sources())
    assert portals == 3
    assert f"Ran {4 * portals} contracts" in proc.stderr and proc.stderr.rstrip().endswith("OK"), proc.stderr
    assert tree(ROOT / "archive") == before


def tree(root: Path) -> list[tuple[Path, int]]:
    """What is under ``root`` and when each was last written (nothing when there is no ``root``)."""
    return sorted((p, p.stat().st_mtime_ns) for p in root.rglob("*"))


def test_scrapy_check_fails_on_a_sample_that_would_be_rejected(tmp_path: Path) -> None:
    """The Ganzi sample article recorded as the site's frame alone: it is read, and refused."""
    replay = tmp_path / "replay"
    shutil.copytree(FIXTURES / "ganzi", replay)
    frame = (
        '<html><head><meta charset="utf-8"><title>切实增强紧迫感和责任感_康巴传媒网</title></head><body>'
        '<div class="article_title"><h3>切实增强紧迫感和责任感</h3><p>甘孜日报 2020年02月02日</p></div>'
        '<div class="article_content"><p>关于我们 | 联系我们 | 版权声明</p>'
        "<p>甘孜日报社主办 康巴传媒网版权所有 蜀ICP备05004405号</p></div></body></html>"
    )
    (replay / "article-58225" / "response.body").write_text(frame, encoding="utf-8")
    proc = scrapy_cmd("check", "ganzi", "-s", f"REPLAY_DIR={replay}", check=False)
    assert proc.returncode == 1
    assert "[ganzi] parse_article (@valid_record post-hook)" in proc.stderr, proc.stderr[-3000:]
    assert "chrome_body" in proc.stderr or "short_body" in proc.stderr


def test_savefixture_records_bytes_as_sent(tmp_path: Path) -> None:
    html = '<html><head><meta charset="gb2312"></head><body><h3>张喆</h3></body></html>'.encode("gbk")
    raw = gzip.compress(html)
    routes = {"/html/xw/dzyw/": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip", "ETag": '"e1"'}, raw)}
    with serve(routes) as (base, requested):
        proc = scrapy_cmd(
            "savefixture",
            "-d",
            str(tmp_path),
            "--source",
            "ganzi",
            "--name",
            "list-dzyw",
            f"{base}/html/xw/dzyw/",
            "-s",
            "LOG_LEVEL=WARNING",
        )
    assert "Recorded" in proc.stdout
    case = tmp_path / "ganzi" / "list-dzyw"
    assert (case / "response.body").read_bytes() == raw  # still compressed: what the server sent
    meta = json.loads((case / "response.json").read_text(encoding="utf-8"))
    assert meta["url"] == f"{base}/html/xw/dzyw/" and meta["status"] == 200
    assert meta["headers"]["Content-Encoding"] == ["gzip"] and meta["headers"]["Etag"] == ['"e1"']
    assert "/html/xw/dzyw/" in requested


def test_savefixture_names_the_case_from_the_url(tmp_path: Path) -> None:
    routes = {"/jwyc/201902/2823600.html": (200, {"Content-Type": "text/html"}, b"<html></html>")}
    with serve(routes) as (base, _):
        proc = scrapy_cmd(
            "savefixture",
            "-d",
            str(tmp_path),
            "--source",
            "jilin",
            f"{base}/jwyc/201902/2823600.html",
            "-s",
            "LOG_LEVEL=WARNING",
            check=False,
        )
    # A loopback URL is claimed by no spider, so the name must be given: a clear usage error.
    assert proc.returncode == 2 and "--name" in proc.stderr
    assert not any(tmp_path.iterdir())
    assert ROOT.exists()


def test_crawlall_help_lists_its_exit_statuses() -> None:
    shown = " ".join(scrapy_cmd("crawlall", "-h").stdout.split())
    for status in ("0 every source healthy", "1 a source unhealthy", "2 usage error", "75 another crawlall"):
        assert status in shown


def test_crawlall_refuses_what_it_would_ignore(tmp_path: Path) -> None:
    proc = scrapy_cmd("crawlall", "-O", str(tmp_path / "x.jsonl"), "-s", f"ARCHIVE_DIR={tmp_path}", check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "crawlall takes no arguments or feed options" in proc.stderr
    assert not (tmp_path / "runs").exists(), "nothing may be crawled"


def test_debugging_commands_write_nothing_into_the_archive(tmp_path: Path) -> None:
    """parse, shell and fetch run the crawl's components, WARC capture included: their captures
    go to a temporary directory, never into ARCHIVE_DIR, and nothing is left behind."""
    archive = tmp_path / "archive"
    url = "https://news.cnjiwang.com/jwyc/201902/2823600.html"
    common = ["-s", f"ARCHIVE_DIR={archive}", "-s", "REPLAY_DIR=fixtures"]
    parsed = scrapy_cmd("parse", "--spider", "jilin", "-c", "parse_article", *common, url)
    assert "2823600" in parsed.stdout
    fetched = scrapy_cmd("fetch", "--nolog", *common, url)
    assert "TRS_Editor" in fetched.stdout or len(fetched.stdout) > 1000
    shell = scrapy_cmd("shell", *common, "-c", "response.status", url)
    assert "200" in shell.stdout
    assert not archive.exists() or not list(archive.rglob("*.warc.gz*"))
    assert not list(Path(tempfile.gettempdir()).glob("newsarchive-parse-*/warc/*.open"))


def test_a_start_url_off_the_portal_is_a_usage_error(tmp_path: Path) -> None:
    proc = scrapy_cmd(
        "crawl",
        "ganzi",
        "-a",
        "start_urls=https://news.cnjiwang.com/jwyc/",
        "-s",
        f"ARCHIVE_DIR={tmp_path}",
        "-s",
        "REPLAY_DIR=fixtures",
        check=False,
    )
    assert proc.returncode == 2
    assert "not on the domains of ganzi (www.kbcmw.com)" in proc.stderr
    assert not (tmp_path / "warc").exists()
