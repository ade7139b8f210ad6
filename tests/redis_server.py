"""A real redis-server on loopback for the distributed tests (.ci/run installs it when missing)."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loopback import wait_until_up


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(workdir: Path, password: str | None = None) -> Iterator[str]:
    """Start redis-server on 127.0.0.1; yield its URL; stop it."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run 'apt-get install redis-server' (.ci/run does)")
    port = free_port()
    args = [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(workdir),
        "--protected-mode",
        "yes",
    ]
    if password:
        args += ["--requirepass", password]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    auth = f":{password}@" if password else ""
    url = f"redis://{auth}127.0.0.1:{port}/0"
    try:
        import redis

        wait_until_up(redis.Redis.from_url(url).ping, redis.exceptions.ConnectionError, 10)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
