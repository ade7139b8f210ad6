"""Optional extras: a single-machine install runs without the Redis packages, and REDIS_URL
without them is a clear error instead of a crawl that quietly runs alone."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, STRICT, read_records
from scrapy.settings import Settings

from newsarchive.frontier.addon import REDIS_PACKAGES, RedisAddon

# A real crawl of the fixtures in one process, then which Redis packages it imported.
CRAWL = """
import json, sys
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings
settings = get_project_settings()
settings.set("REPLAY_DIR", sys.argv[1], priority="cmdline")
settings.set("ARCHIVE_DIR", sys.argv[2], priority="cmdline")
process = CrawlerProcess(settings)
process.crawl("ganzi")
process.start()
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in sys.argv[3].split(","))))
"""


@pytest.mark.crawl
def test_a_crawl_without_redis_url_imports_no_redis_package(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CRAWL, str(FIXTURES / "ganzi"), str(tmp_path), ",".join(REDIS_PACKAGES)],
        cwd=ROOT,
        env={**os.environ, **STRICT},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert len(read_records(tmp_path)) == 10  # it did crawl
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("hidden", REDIS_PACKAGES)
def test_redis_url_without_the_extra_says_what_to_install(hidden: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == hidden else real(name, *a))
    settings = Settings({"REDIS_URL": "redis://127.0.0.1:1/0"})
    with pytest.raises(ImportError, match=r"newsarchive\[redis\]") as raised:
        RedisAddon().update_settings(settings)
    assert hidden in str(raised.value)
    assert settings.get("SCHEDULER") != "newsarchive.frontier.scheduler.ReliableScheduler"


def test_redis_url_with_the_extra_switches_the_frontier() -> None:
    settings = Settings({"REDIS_URL": "redis://127.0.0.1:1/0"})
    RedisAddon().update_settings(settings)
    assert settings.get("SCHEDULER") == "newsarchive.frontier.scheduler.ReliableScheduler"
    assert settings.get("ARCHIVE_STATE") == "newsarchive.frontier.redis_state.RedisState"
