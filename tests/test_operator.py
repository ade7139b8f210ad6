"""What an operator reads: progress lines during a crawl, and ``scrapy report`` over the archive."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sitegen
from helpers import FIXTURES, crawl, scrapy_cmd

from newsarchive.archive.paths import record_files

PROGRESS = re.compile(
    r"ganzi: progress: lists (\d+), articles fetched ([\d,]+), archived ([\d,]+), "
    r"rejected (\d+), duplicates (\d+); ([\d,]+) articles/min; ([\d,]+) requests queued"
)


def number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.mark.crawl
def test_a_long_crawl_logs_progress_per_source(tmp_path: Path) -> None:
    site = sitegen.write_replay(sitegen.site(600), tmp_path / "site")
    archive = tmp_path / "a"
    stats = crawl(
        "ganzi",
        archive,
        "-a",
        f"start_urls={sitegen.list_url(0)}",
        "-s",
        "PROGRESS_INTERVAL=0.2",
        "-s",
        "CONCURRENT_REQUESTS=2",
        "-s",
        f"LOG_FILE={tmp_path / 'crawl.log'}",
        replay=site,
    )
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    lines = [tuple(map(number, m.groups())) for m in PROGRESS.finditer(log)]
    assert len(lines) >= 2, log[-3000:]
    # Counts only grow, and never pass the final ones.
    archived = [line[2] for line in lines]
    assert archived == sorted(archived) and archived[-1] <= stats["newsarchive/archived"] == 600
    assert any(line[6] > 0 for line in lines) and "left at this rate" in log


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    scrapy_cmd("crawlall", "-s", f"REPLAY_DIR={FIXTURES}", "-s", f"ARCHIVE_DIR={root}")
    (root / "rejects").mkdir(exist_ok=True)
    with (root / "rejects" / "2026-12-02.jsonl").open("a", encoding="utf-8") as fh:
        for n in range(3):
            fh.write(json.dumps({"reason": "short_body", "source": "ganzi", "url": f"http://www.kbcmw.com/{n}"}) + "\n")
    (root / "duplicates").mkdir(exist_ok=True)
    (root / "duplicates" / "2026-12-02.jsonl").write_text(
        json.dumps({"id": "jilin:1", "duplicate_of": "jilin:2"}) + "\n", encoding="utf-8"
    )
    [jilin_file] = (root / "jilin").glob("*.jsonl")
    with jilin_file.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "jilin:9", "source": "jil')  # a torn tail, as a killed run leaves it
    return root


@pytest.mark.crawl
def test_report_tables_records_per_source_per_day(archive: Path) -> None:
    proc = scrapy_cmd("report", "-s", f"ARCHIVE_DIR={archive}", "--days", "3")
    records = read_records_skipping_torn(archive)
    by_day = Counter((r["published_date"], r["source"]) for r in records)
    newest = sorted({day for day, _ in by_day}, reverse=True)[:3]
    rows = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()[1:]}
    assert rows["day"] == ["ganzi", "jilin", "total"]
    assert [day for day in rows if re.match(r"\d{4}-", day)] == newest
    for day in newest:
        assert rows[day] == [
            str(by_day[day, "ganzi"]),
            str(by_day[day, "jilin"]),
            str(by_day[day, "ganzi"] + by_day[day, "jilin"]),
        ]
    assert rows["all"] == ["days", "10", "8", "18"]
    assert rows["rejects"] == ["3", "0", "3"] and rows["duplicates"] == ["0", "1", "1"]
    assert "1 line(s) in record files are not records" in proc.stdout


@pytest.mark.crawl
def test_report_by_crawl_day_and_plot(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "days.png"
    proc = scrapy_cmd("report", "-s", f"ARCHIVE_DIR={archive}", "--by", "crawled", "--plot", str(out))
    crawled = {r["crawled_at"][:10] for r in read_records_skipping_torn(archive)}
    assert [line.split()[0] for line in proc.stdout.splitlines() if re.match(r"\d{4}-", line)] == sorted(crawled)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000


def read_records_skipping_torn(archive: Path) -> list[dict[str, Any]]:
    """Every whole line of the record files (a line is whole when its newline was written)."""
    return [
        json.loads(line) for path in record_files(archive) for line in path.read_text(encoding="utf-8").split("\n")[:-1]
    ]


def test_the_plot_counts_in_whole_records_on_a_date_axis_and_says_what_it_counts() -> None:
    from collections import Counter
    from datetime import date

    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from newsarchive.archive.report import draw

    counts = {"2019-02-22": Counter(jilin=3), "2019-02-25": Counter(ganzi=2, jilin=1), "2024-01-05": Counter(ganzi=1)}
    figure = draw(counts, 14, "published")
    axes = figure.axes[0]
    assert all(float(t).is_integer() for t in axes.get_yticks())
    bars = sorted(round(patch.get_x() + patch.get_width() / 2) for patch in axes.patches)
    days = sorted({mdates.date2num(date.fromisoformat(d)) for d in counts})
    assert set(bars) == {round(d) for d in days}  # each bar at its own date: years apart, not adjacent
    assert "publication day" in axes.get_title()
    legend = axes.get_legend().get_window_extent()
    assert legend.x0 >= axes.get_window_extent().x1  # beside the bars, hiding none
    plt.close(figure)
