"""The archive at a glance: records per source per day (``scrapy report``), as a table or a plot.

Days are the dates the pages printed (``published_date``), or with ``by="crawled"`` the UTC days
the records were fetched (the record files' own days). Rejects and duplicates are counted per
source beside them, so a source that is quietly failing shows up next to the ones that work.
Reads the JSONL with the standard library; the plot needs the ``report`` extra (matplotlib).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from newsarchive.archive.jsonl import whole_size
from newsarchive.archive.paths import record_files

ByDay = dict[str, Counter[str]]  # day -> source -> records


def count_records(archive_dir: Path, by: str = "published") -> tuple[ByDay, int, int]:
    """Records per day per source; how many files end in a torn line (a crawl stopped mid-write, or
    writing now: the next crawl cuts it off); and how many whole lines are not records (damage).
    Neither is counted as a record, and the command says how many there were."""
    if by not in ("published", "crawled"):
        raise ValueError(f"count by published or crawled, not {by!r}")
    found: ByDay = {}
    torn = damaged = 0
    for path in record_files(archive_dir):
        whole = whole_size(path)
        torn += whole < path.stat().st_size
        with path.open("rb") as fh:
            for line in fh.read(whole).splitlines():
                try:
                    record = json.loads(line)
                    day = record["published_date"] if by == "published" else record["crawled_at"][:10]
                    source = record["source"]
                except (ValueError, KeyError, TypeError):
                    damaged += 1
                    continue
                found.setdefault(day, Counter())[source] += 1
    return found, torn, damaged


def count_side(archive_dir: Path, name: str) -> Counter[str]:
    """Lines per source in ``rejects/`` or ``duplicates/`` (a duplicate's source is its id's)."""
    found: Counter[str] = Counter()
    for path in sorted((archive_dir / name).glob("*.jsonl")):
        with path.open("rb") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                    source = entry.get("source") or str(entry.get("id", "")).split(":", 1)[0]
                except (ValueError, AttributeError):
                    continue
                if source:
                    found[source] += 1
    return found


def table(counts: ByDay, days: int, rejects: Counter[str] | None = None, duplicates: Counter[str] | None = None) -> str:
    """The newest ``days`` days with records, newest first, a column per source and a total.

    >>> print(table({"2026-12-01": Counter(jilin=3, ganzi=1), "2026-12-02": Counter(jilin=2)}, 7,
    ...             Counter(ganzi=4)))
    day         ganzi  jilin  total
    2026-12-02      0      2      2
    2026-12-01      1      3      4
    all days        1      5      6
    rejects         4      0      4
    """
    sources = sorted({s for per_day in counts.values() for s in per_day} | set(rejects or ()) | set(duplicates or ()))
    rows = [["day", *sources, "total"]]
    for day in sorted(counts, reverse=True)[:days]:
        values = [counts[day][s] for s in sources]
        rows.append([day, *map(str, values), str(sum(values))])
    totals = [sum(per_day[s] for per_day in counts.values()) for s in sources]
    rows.append(["all days", *map(str, totals), str(sum(totals))])
    for label, side in (("rejects", rejects), ("duplicates", duplicates)):
        if side:
            values = [side[s] for s in sources]
            rows.append([label, *map(str, values), str(sum(values))])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        row[0].ljust(widths[0]) + "".join(cell.rjust(w + 2) for cell, w in zip(row[1:], widths[1:], strict=True))
        for row in rows
    ]
    return "\n".join(lines)


def plot(counts: ByDay, days: int, output: Path, by: str = "published") -> None:
    """The figure of :func:`draw`, written to ``output`` (PNG; never half a file)."""
    import matplotlib.pyplot as plt

    figure = draw(counts, days, by)
    partial = output.with_name(output.name + ".partial")
    figure.savefig(partial, format="png", dpi=100)
    plt.close(figure)
    partial.replace(output)


def draw(counts: ByDay, days: int, by: str = "published") -> Any:
    """Records per day per source as stacked bars on a real date axis (a gap where nothing was
    archived), integer counts, the legend beside the plot, a title saying which day is counted."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no screen: draw to a file
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError as exc:
        raise ImportError("the plot needs matplotlib: pip install 'newsarchive[report]'") from exc
    shown = sorted(counts)[-days:]
    sources = sorted({s for day in shown for s in counts[day]})
    when = [date.fromisoformat(day) for day in shown]
    span = (when[-1] - when[0]).days if when else 0
    width = max(0.8, span / 120)  # a bar a day, still visible when the days shown span years
    figure, axes = plt.subplots(figsize=(9, 4.5))
    bottom = [0] * len(shown)
    for source in sources:
        values = [counts[day][source] for day in shown]
        axes.bar(when, values, width=width, bottom=bottom, label=source)  # type: ignore[arg-type]
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if when:
        pad = timedelta(days=max(2, span // 20))
        axes.set_xlim(when[0] - pad, when[-1] + pad)  # type: ignore[arg-type]
    if span < 60:  # days, never hours: the counts are per day
        axes.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, (span + 4) // 10)))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
        axes.tick_params(axis="x", labelrotation=30)
    else:
        locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    day_kind = "publication day (China time, as printed)" if by == "published" else "crawl day (UTC)"
    axes.set_ylabel("records archived")
    axes.set_xlabel(day_kind)
    axes.set_title(f"Records archived per {day_kind.split(' (')[0]}, by source ({len(shown)} day(s) with records)")
    axes.legend(title="source", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure
