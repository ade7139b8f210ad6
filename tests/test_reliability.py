"""Bad pages, broken servers and hostile input: each ends archived, counted or logged, never a crash.

One crawl walks a list page linking every case below, served by a loopback forward proxy whose
routes misbehave on purpose. Then each case's outcome is checked, and that nothing was requested
that must not be, and nothing written outside ARCHIVE_DIR.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import sitegen
from helpers import ROOT, STRICT, crawl_args, read_records
from loopback import send, serve

pytestmark = pytest.mark.crawl

H = "http://www.kbcmw.com"
BASE = 300000
PARAS = [
    "本网讯 会议要求,各级各部门要把各项任务抓具体、抓细致、抓到位,确保各项措施落到实处、见到成效。",
    "会议强调,要坚持问题导向,持续推进重点工作,切实把好事办实、把实事办好。",
]
HTML = {"Content-Type": "text/html"}


def url(n: int) -> str:
    return f"{H}/html/xw/dzyw/{BASE + n}.html"


def static(status: int, headers: dict[str, str], body: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    return lambda h: send(h, status, headers, body)


def page(
    n: int,
    title: str | None = None,
    date: str = "2021年05月06日",
    paras: list[str] | None = None,
    extra: str = "",
    **kw: Any,
) -> bytes:
    return sitegen.ganzi_page(
        f"第{n}号测试新闻" if title is None else title,
        date,
        [f"{p}(第{n}号)" for p in PARAS] if paras is None else paras,
        extra,
        **kw,
    )


def flaky(failures: list[tuple[int, dict[str, str]]], then: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    """Answer with each failure in turn, then with the page."""
    left = list(failures)

    def run(h: BaseHTTPRequestHandler) -> None:
        if left:
            status, headers = left.pop(0)
            send(h, status, {**HTML, **headers}, b"error")
        else:
            send(h, 200, HTML, then)

    return run


def reset(h: BaseHTTPRequestHandler) -> None:
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    h.connection.close()


def slow(body: bytes, pause: float) -> Callable[[BaseHTTPRequestHandler], None]:
    def run(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for i in range(0, len(body), 512):
            h.wfile.write(body[i : i + 512])
            h.wfile.flush()
            time.sleep(pause)

    return run


def hang(h: BaseHTTPRequestHandler) -> None:
    time.sleep(4)  # past DOWNLOAD_TIMEOUT
    send(h, 200, HTML, page(18))


@dataclass
class Case:
    n: int
    name: str
    route: Callable[[BaseHTTPRequestHandler], None] | None
    expect: str  # archived | rejected[:<reason>] | gone | failed | dropped | not_text | duplicate | offsite | robots
    link: str | None = None  # how the list links it (default: its URL)


deep = "<div>" * 3000 + "".join(f"<p>{p}</p>" for p in PARAS) + "</div>" * 3000
CASES = [
    Case(1, "truncated HTML", static(200, HTML, page(1)[: len(page(1)) - 60]), "archived"),
    Case(2, "empty body", static(200, HTML, b""), "rejected:missing_title"),
    Case(3, "binary garbage", static(200, HTML, bytes(range(256)) * 40), "rejected"),
    Case(4, "binary as an image", static(200, {"Content-Type": "image/png"}, b"\x89PNG\r\n" + bytes(500)), "not_text"),
    Case(5, "wrong declared charset", static(200, HTML, page(5, charset="utf-8")), "rejected:replacement_char"),
    Case(
        6,
        "mixed encodings",
        static(200, HTML, page(6).replace(b"</h3>", "混合编码的段落".encode() + b"</h3>")),
        "rejected",
    ),
    Case(7, "missing date", static(200, HTML, page(7, date="日期不详")), "rejected:missing_published_date"),
    Case(8, "missing title", static(200, HTML, page(8, title="")), "rejected:missing_title"),
    Case(9, "future date", static(200, HTML, page(9, date="2099年01月01日")), "rejected:future_date"),
    Case(10, "over DOWNLOAD_MAXSIZE", static(200, HTML, page(10, extra="<!--" + "x" * 400_000 + "-->")), "failed"),
    # libxml2 stops nesting at 256 levels and drops what lies deeper: the body is empty.
    Case(11, "pathologically deep markup", static(200, HTML, page(11, paras=[], extra=deep)), "rejected"),
    Case(12, "redirect loop", static(301, {"Location": url(13)}, b""), "dropped"),
    Case(13, "redirect loop, other end", static(301, {"Location": url(12)}, b""), "dropped"),
    Case(14, "redirect off-site", static(302, {"Location": "http://evil.example/html/xw/dzyw/1.html"}, b""), "offsite"),
    Case(15, "404", static(404, HTML, b"not found"), "gone"),
    Case(16, "410", static(410, HTML, b"gone"), "gone"),
    Case(17, "500 every time", static(500, HTML, b"boom"), "failed"),
    Case(18, "503 with Retry-After, then fine", flaky([(503, {"Retry-After": "1"})], page(18)), "archived"),
    Case(19, "time-out", hang, "failed"),
    Case(20, "connection reset", reset, "failed"),
    Case(21, "slow response within the time-out", slow(page(21), 0.05), "archived"),
    Case(22, "a burst of 5xx, then fine", flaky([(500, {}), (502, {})], page(22)), "archived"),
    Case(23, "corrupt gzip", static(200, {**HTML, "Content-Encoding": "gzip"}, b"\x1f\x8b\x08\x00garbage"), "failed"),
    Case(
        24,
        "path separators and control characters in the title",
        static(200, HTML, page(24, title="../../etc/passwd\x07\\标题/测试\x1b")),
        "archived",
    ),
    Case(25, "NUL bytes in the body", static(200, HTML, page(25).replace(b"</h3>", b"</h3>\x00\x00")), "archived"),
    Case(
        26,
        "whitespace-only body",
        static(200, HTML, page(26, paras=["&nbsp;", "\u3000\u3000"])),
        "rejected:missing_body",
    ),
    Case(27, "one 250 KB line", static(200, HTML, page(27, paras=["本网讯 " + ("长" * 79 + "，") * 1000])), "archived"),
    Case(28, "the same story under another id", slow(page(29).replace(b"29", b"28", 1), 0.3), "duplicate"),
    Case(29, "the original of that story", static(200, HTML, page(29)), "archived"),
    Case(
        30, "linked with query and fragment", static(200, HTML, page(30)), "archived", link=f"{url(30)}?from=list#top"
    ),
    Case(31, "href with spaces and a newline", static(200, HTML, page(31)), "archived", link=f"  {url(31)}\n "),
    Case(
        32,
        "a huge script in the body",
        static(200, HTML, page(32, extra="<script>var a='上一篇:" + "x" * 50_000 + "';</script>")),
        "archived",
    ),
    Case(
        33, "gzip-encoded page", static(200, {**HTML, "Content-Encoding": "gzip"}, gzip.compress(page(33))), "archived"
    ),
    Case(
        34, "disallowed by robots.txt", static(200, HTML, page(34)), "robots", link=f"{H}/html/private/{BASE + 34}.html"
    ),
]
NEVER = [
    "javascript:alert(document.cookie)",
    "mailto:news@kbcmw.com",
    "data:text/html,<h1>x</h1>",
    "ftp://www.kbcmw.com/html/xw/dzyw/1.html",
    "../../../../etc/passwd",
    "/html/xw/dzyw/../../../../etc/shadow",
    "http://ti.kbcmw.com/html/xw/dzyw/300001.html",
    "http://paper.kbcmw.com/html/xw/dzyw/300002.html",
]


def routes() -> dict[str, Callable[[BaseHTTPRequestHandler], None]]:
    table: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
    for case in CASES:
        if case.route is not None:
            target = case.link.strip().split("?")[0] if case.link and case.n == 34 else url(case.n)
            table[target] = case.route
    links = "".join(f'<li class="newscontent"><a href="{c.link or url(c.n)}">{c.name}</a></li>' for c in CASES)
    links += "".join(f'<li class="newscontent"><a href="{h}">never</a></li>' for h in NEVER)
    listing = (
        f'<html><head><meta charset="gb2312"></head><body><div class="modular_classify_item2"><ul>{links}'
        "</ul></div></body></html>"
    ).encode("gbk")
    table[f"{H}/html/xw/dzyw/"] = static(200, HTML, listing)
    table[f"{H}/robots.txt"] = static(200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /html/private/\n")
    return table


def snapshot(root: Path) -> set[str]:
    skip = (".venv", ".git", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis")
    return {str(p.relative_to(root)) for p in root.rglob("*") if not any(s in p.parts for s in skip)}


@pytest.fixture(scope="module")
def bad_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("bad")
    archive = work / "archive"
    before_repo, before_work = snapshot(ROOT), snapshot(work)
    with serve(routes()) as (proxy, requested):
        env = {**os.environ, **STRICT, "http_proxy": proxy, "no_proxy": ""}
        args = crawl_args(
            f"{H}/html/xw/dzyw/",
            archive,
            f"RUN_STATS_FILE={archive}/stats.json",
            "DOWNLOAD_DELAY=0",
            "AUTOTHROTTLE_ENABLED=False",
            "DOWNLOAD_TIMEOUT=2",
            "DOWNLOAD_MAXSIZE=300000",
            "RETRY_TIMES=2",
            "BACKOFF_BASE=0.2",
            "CONCURRENT_REQUESTS_PER_DOMAIN=8",
            "LOG_LEVEL=INFO",
        )
        started = time.monotonic()
        proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        seconds = time.monotonic() - started
    return {
        "proc": proc,
        "requested": list(requested),
        "archive": archive,
        "seconds": seconds,
        "stats": json.loads((archive / "stats.json").read_text(encoding="utf-8")),
        "records": read_records(archive),
        "rejects": [
            json.loads(line)
            for p in (archive / "rejects").glob("*.jsonl")
            for line in p.read_text(encoding="utf-8").splitlines()
        ],
        "duplicates": [
            json.loads(line)
            for p in (archive / "duplicates").glob("*.jsonl")
            for line in p.read_text(encoding="utf-8").splitlines()
        ],
        "new_repo_files": snapshot(ROOT) - before_repo,
        "new_work_files": snapshot(work) - before_work,
    }


def test_the_crawl_survives_every_bad_case(bad_crawl: dict[str, Any]) -> None:
    proc = bad_crawl["proc"]
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-6000:]
    assert bad_crawl["seconds"] < 120, "the crawl hung"
    assert len(CASES) + len(NEVER) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.n}-{c.name}")
def test_each_case_ends_archived_counted_or_logged(case: Case, bad_crawl: dict[str, Any]) -> None:
    target = url(case.n)
    log = bad_crawl["proc"].stderr
    archived = {r["url"] for r in bad_crawl["records"]}
    rejected = {r["url"]: r for r in bad_crawl["rejects"]}
    kind, _, reason = case.expect.partition(":")
    if kind == "archived":
        assert target in archived, f"{case.name}: not archived"
    elif kind == "rejected":
        assert target in rejected, f"{case.name}: not rejected"
        if reason:
            assert reason in rejected[target]["reasons"], rejected[target]["reasons"]
            assert bad_crawl["stats"][f"newsarchive/rejected/{reason}"] >= 1
    elif kind == "gone":
        assert re.search(rf"Article gone \(\d+\), not tried again: {re.escape(target)}", log)
    elif kind == "failed":
        assert f"Article not fetched, tried again next run: {target}" in log, case.name
    elif kind == "dropped":
        assert re.search(
            rf"Article request dropped as already seen in this run: \S+ \(redirected from [^)]*"
            rf"{re.escape(target)}",
            log,
        ), case.name
    elif kind == "not_text":
        assert f"Not a text page, skipped: {target}" in log
    elif kind == "duplicate":
        assert any(d["url"] == target for d in bad_crawl["duplicates"])
    elif kind == "offsite":
        assert not any("evil.example" in u for u in bad_crawl["requested"])
        assert bad_crawl["stats"].get("offsite/filtered", 0) >= 1
    elif kind == "robots":
        assert not any("/html/private/" in u for u in bad_crawl["requested"])
        assert bad_crawl["stats"]["robotstxt/forbidden"] >= 1
    if kind != "archived":
        assert target not in archived


def test_nothing_requested_that_must_not_be(bad_crawl: dict[str, Any]) -> None:
    requested = bad_crawl["requested"]
    assert all(u.startswith(f"{H}/") for u in requested), [u for u in requested if not u.startswith(H)]
    assert not any("etc/passwd" in u or "etc/shadow" in u or "ti.kbcmw" in u or "paper.kbcmw" in u for u in requested)
    # The variants of one article were fetched once, under its canonical URL.
    assert requested.count(url(30)) == 1 and requested.count(url(31)) == 1


def test_nothing_written_outside_the_archive(bad_crawl: dict[str, Any]) -> None:
    assert bad_crawl["new_repo_files"] == set()
    assert all(p.startswith("archive") for p in bad_crawl["new_work_files"])
    names = {p.name for p in bad_crawl["archive"].rglob("*")}
    assert not any("passwd" in n or "标题" in n for n in names)
    [record] = [r for r in bad_crawl["records"] if r["url"] == url(24)]
    assert record["title"] == "../../etc/passwd\\标题/测试"  # control characters dropped, the rest kept as text


def test_retries_back_off_and_are_reported(bad_crawl: dict[str, Any]) -> None:
    stats = bad_crawl["stats"]
    assert stats["retry/count"] >= 6
    assert stats["retry/max_reached"] >= 3
    assert stats["newsarchive/retry_wait_seconds"] >= 1.0  # Retry-After: 1 was honoured
    assert stats["newsarchive/article_failed"] >= 5
    # Failed articles stay pending: the next run tries them again.
    import sqlite3

    with sqlite3.connect(bad_crawl["archive"] / "state.sqlite3") as db:
        pending = {row[0] for row in db.execute("SELECT url FROM pending")}
    assert url(17) in pending and url(19) in pending
    assert url(15) not in pending


def test_a_list_linking_ten_thousand_articles(tmp_path: Path) -> None:
    links = "".join(f'<li><a href="/html/xw/dzyw/{400000 + n}.html">x</a></li>' for n in range(10_000))
    listing = f"<html><body><ul>{links}</ul></body></html>".encode()
    case = tmp_path / "site" / "list"
    case.mkdir(parents=True)
    (case / "response.body").write_bytes(listing)
    (case / "response.json").write_text(
        json.dumps({"url": f"{H}/html/xw/dzyw/", "status": 200, "headers": {"Content-Type": ["text/html"]}})
    )
    from helpers import crawl

    started = time.monotonic()
    stats = crawl(
        "ganzi",
        tmp_path / "a",
        "-a",
        f"start_urls={H}/html/xw/dzyw/",
        "-s",
        "LOG_LEVEL=WARNING",
        replay=tmp_path / "site",
    )
    assert stats["newsarchive/list_links"] == 10_000
    assert stats["newsarchive/article_gone"] == 10_000
    assert time.monotonic() - started < 240


def test_a_waiting_retry_holds_back_no_other_page(tmp_path: Path) -> None:
    """Eight articles answer 503 with Retry-After: 6, as many as CONCURRENT_REQUESTS; a ninth is healthy.
    Waiting retries take no download slot: the healthy article is fetched before any retry is due,
    and each retry is sent no earlier than the server asked."""
    sick = [BASE + 100 + n for n in range(8)]
    healthy = BASE + 200
    answered: dict[int, list[tuple[float, int]]] = {aid: [] for aid in [*sick, healthy]}

    def article(aid: int, failures: int) -> Callable[[BaseHTTPRequestHandler], None]:
        def run(h: BaseHTTPRequestHandler) -> None:
            status = 503 if len(answered[aid]) < failures else 200
            answered[aid].append((time.monotonic(), status))
            if status == 503:
                send(h, 503, {**HTML, "Retry-After": "6"}, b"busy")
            else:
                send(h, 200, HTML, page(aid - BASE))

        return run

    # The scheduler hands out the last link of a list first: the healthy article comes after the sick ones.
    ids = [healthy, *sick]
    links = "".join(f'<li class="newscontent"><a href="{H}/html/xw/dzyw/{aid}.html">{aid}</a></li>' for aid in ids)
    listing = (
        f'<html><head><meta charset="gb2312"></head><body><div class="modular_classify_item2"><ul>{links}'
        "</ul></div></body></html>"
    ).encode("gbk")
    routes: dict[str, Any] = {f"{H}/html/xw/dzyw/{aid}.html": article(aid, 1 if aid != healthy else 0) for aid in ids}
    routes[f"{H}/html/xw/dzyw/"] = static(200, HTML, listing)
    archive = tmp_path / "archive"
    with serve(routes) as (proxy, _):
        env = {**os.environ, **STRICT, "http_proxy": proxy, "no_proxy": ""}
        proc = subprocess.run(
            crawl_args(
                f"{H}/html/xw/dzyw/",
                archive,
                "ROBOTSTXT_OBEY=False",
                "DOWNLOAD_DELAY=0",
                "AUTOTHROTTLE_ENABLED=False",
                "CONCURRENT_REQUESTS=8",
                "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                "LOG_LEVEL=INFO",
            ),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-6000:]
    assert [status for _, status in answered[healthy]] == [200]
    first_busy = min(times[0][0] for aid, times in answered.items() if aid != healthy)
    retries = [times[1][0] for aid, times in answered.items() if aid != healthy]
    assert answered[healthy][0][0] < min(retries), "the healthy article waited behind the retries"
    assert answered[healthy][0][0] - first_busy < 3.0
    assert min(retries) - first_busy >= 5.5  # Retry-After honoured (less the spread of the first answers)
    assert sorted(r["url"].rsplit("/", 1)[1] for r in read_records(archive)) == sorted(f"{aid}.html" for aid in ids)
