"""Shared pieces of the benchmarks: a loopback site server in its own process, timed child runs."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import sitegen  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(pages: dict[str, sitegen.Page], port: int, latency: float, log: str) -> None:
    """A keep-alive HTTP/1.1 forward-proxy responder: every absolute URL answered from ``pages``."""
    log_file = open(log, "a", buffering=1, encoding="utf-8")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                url = head.split(b" ", 2)[1].decode("latin-1")
                log_file.write(url + "\n")
                if latency:
                    await asyncio.sleep(latency)
                status, headers, body = pages.get(url, (404, {"Content-Type": "text/html"}, b""))
                lines = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}"]
                lines += [f"{k}: {v}" for k, v in headers.items()]
                lines += [f"Content-Length: {len(body)}", "", ""]
                writer.write("\r\n".join(lines).encode("latin-1") + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class SiteServer:
    """Serves a generated site on loopback from a separate process; requests are logged to a file."""

    def __init__(self, pages: dict[str, sitegen.Page], log: Path, latency: float = 0.0) -> None:
        self.port = free_port()
        self.log = log
        log.write_text("")
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(pages, self.port, latency, str(log)), daemon=True
        )

    def __enter__(self) -> SiteServer:
        self.process.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("site server did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.join(5)

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stderr: str


def timed(args: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> Run:
    """Run a child process; wall time and its peak resident memory (from wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, stderr)


# The generated sites hold no picture bytes, and the bare download fetches none: pictures off.
FAST = [
    "-s",
    "CAPTURE_IMAGES=False",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS=16",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s",
    "CONCURRENT_ITEMS=16",
    "-s",
    "LOG_LEVEL=WARNING",
    "-s",
    "TELNETCONSOLE_ENABLED=False",
]


def scrapy(*args: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", *args]


def crawl_generated(archive: Path, *settings: str) -> list[str]:
    """The command crawling the generated site (``sitegen``) from its first list page into
    ``archive``, quickly (``FAST``); ``settings`` are more ``-s`` pairs (a ``REPLAY_DIR``, a Redis)."""
    return scrapy(
        "crawl", "ganzi", "-a", f"start_urls={sitegen.list_url(0)}", "-s", f"ARCHIVE_DIR={archive}", *settings, *FAST
    )


def bare_download(start: str, cwd: Path, env: dict[str, str]) -> float:
    """Seconds the bare Scrapy spider (bench/bare_spider.py) takes to download the site from ``start``:
    the baseline every crawl ratio is measured against. Run from ``cwd``, outside the project."""
    bare = timed(
        scrapy("runspider", str(ROOT / "bench" / "bare_spider.py"), "-a", f"start_url={start}", *FAST), cwd=cwd, env=env
    )
    assert bare.returncode == 0, bare.stderr[-3000:]
    return bare.seconds


@contextlib.contextmanager
def checked_out(rev: str) -> Iterator[Path]:
    """``rev`` checked out into a temporary git worktree, removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix="newsarchive-rev-"))
    tree = work / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), rev], cwd=ROOT, check=True)
    try:
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        shutil.rmtree(work, ignore_errors=True)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, {cpu}, Python {sys.version.split()[0]}"
