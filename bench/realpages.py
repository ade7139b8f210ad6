"""The reader on real pages nobody here wrote: ``../shared/realpages``, scored, beside trafilatura and GNE.

    .venv/bin/pip install -e ".[bench]" && .venv/bin/python bench/realpages.py [--rounds 7]

First the set is crawled through the real engine (both portals, replayed at portal URLs, as a
template change would bring them) and scored by the set's own ``score.py``: its per-page table and
summary line are printed as it prints them. Then every page is read in-process by the reader the
crawl uses, by trafilatura and by GNE, in interleaved rounds (a noisy machine slows all alike): the
median milliseconds per page, and each tool's accuracy on the same fields with the same scorer.
The pages are read from ``../shared/realpages`` at run time and never copied; without that
directory the bench says so and exits 0.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REALPAGES = ROOT.parent / "shared" / "realpages"
sys.path.insert(0, str(ROOT))

from scrapy import Request  # noqa: E402
from scrapy.http import TextResponse  # noqa: E402

from newsarchive.archive.replay import build_response, read_case  # noqa: E402
from newsarchive.reading.dates import parse_published  # noqa: E402
from newsarchive.reading.text import content_hash, detect_script  # noqa: E402
from newsarchive.spiders.ganzi import GanziSpider  # noqa: E402
from newsarchive.spiders.jilin import JilinSpider  # noqa: E402

SPIDERS = {"jilin": JilinSpider, "ganzi": GanziSpider}
Page = tuple[str, TextResponse, dict[str, Any]]


def scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realpages_score", REALPAGES / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pages() -> list[Page]:
    expected = json.loads((REALPAGES / "expected.json").read_text(encoding="utf-8"))
    found = []
    for entry in expected.values():
        case = read_case(REALPAGES / entry["case"])
        response = build_response(Request(case.url), case.status, case.headers, case.body())
        assert isinstance(response, TextResponse)
        found.append((entry["spider"], response, entry))
    return found


def ours(source: str, response: TextResponse) -> dict[str, Any]:
    """The portal spider's reading as the crawl runs it (its selectors if the page is its own and
    they hold, else the generic reader), with the script check and hash every record gets."""
    item = SPIDERS[source]().read_article_page(response.replace())  # type: ignore[attr-defined]
    detect_script(f"{item.get('title')}\n{item.get('body')}")
    content_hash(item.get("body") or "")
    return dict(item)


def names(value: str | None) -> list[str]:
    return [a for a in re.split(r"[;,，、\s]+", value or "") if a]


def trafilatura_tool(source: str, response: TextResponse) -> dict[str, Any]:
    import trafilatura

    doc = trafilatura.bare_extraction(response.replace().text, url=response.url, with_metadata=True)
    data = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    return {
        "title": data.get("title"),
        "published_date": data.get("date"),
        "published_at": None,
        "origin": data.get("sitename"),
        "authors": names(data.get("author")),
        "editors": [],
        "body": data.get("text") or "",
    }


def gne_tool(source: str, response: TextResponse) -> dict[str, Any]:
    from gne import GeneralNewsExtractor

    data = GeneralNewsExtractor().extract(response.replace().text)
    published = parse_published(str(data.get("publish_time") or ""))
    return {
        "title": data.get("title"),
        "published_date": published.date if published else None,
        "published_at": published.at if published else None,
        "origin": None,
        "authors": names(data.get("author")),
        "editors": [],
        "body": data.get("content") or "",
    }


TOOLS: dict[str, Callable[[str, TextResponse], dict[str, Any]]] = {
    "newsarchive": ours,
    "trafilatura": trafilatura_tool,
    "gne": gne_tool,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-crawl", action="store_true", help="skip the crawl and its score table")
    args = parser.parse_args()
    if not (REALPAGES / "score.py").exists():
        print(f"realpages: {REALPAGES} is absent: nothing to measure (it is read at run time, never copied)")
        return 0
    if not args.no_crawl:
        print("== the crawl through the engine, scored by score.py\n", flush=True)
        subprocess.run(
            [sys.executable, str(REALPAGES / "score.py"), "--crawl", str(ROOT), "--python", sys.executable], check=True
        )
    score = scorer()
    found = pages()
    for tool in TOOLS.values():  # warm-up: imports, dictionaries, caches
        for source, response, _ in found:
            tool(source, response)
    times: dict[str, list[float]] = {name: [] for name in TOOLS}
    for _ in range(args.rounds):
        for name, tool in TOOLS.items():
            per_page = []
            for source, response, _ in found:
                start = time.perf_counter()
                tool(source, response)
                per_page.append((time.perf_counter() - start) * 1000)
            times[name].append(statistics.median(per_page))
    print(f"\n== in-process reading of the {len(found)} pages, {args.rounds} interleaved rounds (one core)\n")
    print(
        f"{'tool':<13}{'median ms/page':>15}"
        + "".join(f"{f:>16}" for f in score.FIELDS)
        + f"{'fields':>9}{'F1 mean':>9}{'F1 min':>8}"
    )
    medians = {}
    for name, tool in TOOLS.items():
        results = [score.score(tool(s, r), e) for s, r, e in found]
        per_field = {f: 100 * sum(r[f] for r in results) / len(results) for f in score.FIELDS}
        f1s = [r["_f1"] for r in results]
        medians[name] = statistics.median(times[name])
        print(
            f"{name:<13}{medians[name]:>15.2f}"
            + "".join(f"{per_field[f]:>15.1f}%" for f in score.FIELDS)
            + f"{statistics.mean(per_field.values()):>8.1f}%{statistics.mean(f1s):>9.3f}{min(f1s):>8.3f}"
        )
    print()
    for other in ("trafilatura", "gne"):
        print(f"newsarchive is {medians[other] / medians['newsarchive']:.1f}x as fast as {other} (median page)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
