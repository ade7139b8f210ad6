"""Limits and secrets: bounded downloads, and a Redis password never reaching a log."""

from __future__ import annotations

import pytest
from helpers import scrapy_cmd
from scrapy.utils.project import get_project_settings

import newsarchive


def test_download_limits_are_set() -> None:
    settings = get_project_settings()
    assert 0 < settings.getint("DOWNLOAD_WARNSIZE") < settings.getint("DOWNLOAD_MAXSIZE") <= 16 * 1024 * 1024
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert "newsarchive" in settings.get("USER_AGENT") and settings.get("CONTACT") in settings.get("USER_AGENT")


@pytest.mark.crawl
def test_a_redis_password_never_reaches_the_log(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Nothing listens on port 1: the crawl fails to start, and says so without the password.
    proc = scrapy_cmd(
        "crawl",
        "jilin",
        "-s",
        "REDIS_URL=redis://:topsecret-123@127.0.0.1:1/0",
        "-s",
        f"ARCHIVE_DIR={tmp_path}",
        "-s",
        "LOG_LEVEL=DEBUG",
        check=False,
        timeout=120,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 or "Error" in output
    assert "topsecret-123" not in output
    assert "127.0.0.1" in output  # the failure is still explained


@pytest.mark.crawl
def test_the_user_agent_carries_the_contact_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from helpers import FIXTURES, crawl
    from warcio.archiveiterator import ArchiveIterator

    crawl("jilin", tmp_path, "-s", "CONTACT=mailto:archive@example.org", replay=FIXTURES / "jilin")
    agents = set()
    for path in (tmp_path / "warc").glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "request":
                    agents.add(record.http_headers.get_header("User-Agent"))
    assert agents == {f"newsarchive/{newsarchive.__version__} (+mailto:archive@example.org; archival crawler)"}
    proc = scrapy_cmd(
        "crawl",
        "jilin",
        "-s",
        "USER_AGENT=custom-agent/1",
        "-s",
        f"REPLAY_DIR={FIXTURES}",
        "-s",
        f"ARCHIVE_DIR={tmp_path / 'b'}",
    )
    assert proc.returncode == 0
    agents = set()
    for path in (tmp_path / "b" / "warc").glob("*.warc.gz"):
        with path.open("rb") as fh:
            agents |= {r.http_headers.get_header("User-Agent") for r in ArchiveIterator(fh) if r.rec_type == "request"}
    assert agents == {"custom-agent/1"}
