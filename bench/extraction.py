"""Extraction speed and accuracy: each portal's reader against trafilatura and GNE, side by side.

    .venv/bin/pip install -e ".[bench]" && .venv/bin/python bench/extraction.py [--rounds 15]

Two sets of pages: the fixture articles in the portals' known layouts (``article-*``, read by the
portal selectors) and the pages in layouts no selector targets (``layout-*``, read by the generic
fallback reader). Every page is extracted by each tool in interleaved rounds (so a noisy machine
slows all tools alike); the median round gives milliseconds per article. Accuracy is scored
against the hand-written expected.json: title, date, date with time of day, authors, origin
(exact), body similarity (difflib ratio) and body F1 (characters), whitespace ignored.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import body_f1, squash  # noqa: E402
from scrapy import Request  # noqa: E402
from scrapy.http import TextResponse  # noqa: E402

from newsarchive.archive.replay import build_response, read_case  # noqa: E402
from newsarchive.reading.dates import parse_published  # noqa: E402
from newsarchive.reading.text import content_hash, detect_script  # noqa: E402
from newsarchive.spiders.ganzi import GanziSpider  # noqa: E402
from newsarchive.spiders.jilin import JilinSpider  # noqa: E402

SPIDERS = {"jilin": JilinSpider, "ganzi": GanziSpider}
FIELDS = ("title", "date", "date_time", "authors", "origin")


def cases(kind: str) -> list[tuple[str, TextResponse, dict[str, Any]]]:
    found = []
    for source in SPIDERS:
        for path in sorted((ROOT / "fixtures" / source).glob(f"{kind}-*")):
            case = read_case(path)
            response = build_response(Request(case.url), case.status, case.headers, case.body())
            assert isinstance(response, TextResponse)
            expected = json.loads((path / "expected.json").read_text(encoding="utf-8"))
            if expected["pages"] > 1:
                continue  # one page of a multi-page article is not the whole record: not comparable
            found.append((source, response, expected))
    return found


def ours(source: str, response: TextResponse) -> dict[str, Any]:
    """The portal's reader as the crawl runs it (its selectors, or the generic reader when they find
    no body or a suspicious one): decode, parse, extract, script and hash."""
    fresh = response.replace()  # no cached text or selector: the work is measured whole
    item = SPIDERS[source]().read_article_page(fresh)  # type: ignore[attr-defined]
    detect_script(f"{item['title']}\n{item['body']}")
    content_hash(item["body"])
    return {
        "title": item.get("title"),
        "date": item.get("published_date"),
        "time": item.get("published_at"),
        "authors": item.get("authors") or [],
        "origin": item.get("origin"),
        "body": item.get("body") or "",
    }


def trafilatura_tool(source: str, response: TextResponse) -> dict[str, Any]:
    import trafilatura

    doc = trafilatura.bare_extraction(response.replace().text, url=response.url, with_metadata=True)
    data = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    authors = [a for a in re.split(r"[;,，、\s]+", data.get("author") or "") if a]
    return {
        "title": data.get("title"),
        "date": data.get("date"),
        "time": None,
        "authors": authors,
        "origin": None,
        "body": data.get("text") or "",
    }


def gne_tool(source: str, response: TextResponse) -> dict[str, Any]:
    from gne import GeneralNewsExtractor

    data = GeneralNewsExtractor().extract(response.replace().text)
    published = parse_published(str(data.get("publish_time") or ""))
    authors = [a for a in re.split(r"[;,，、\s]+", data.get("author") or "") if a]
    return {
        "title": data.get("title"),
        "date": published.date if published else None,
        "time": published.at if published else None,
        "authors": authors,
        "origin": None,
        "body": data.get("content") or "",
    }


TOOLS: dict[str, Callable[[str, TextResponse], dict[str, Any]]] = {
    "newsarchive": ours,
    "trafilatura": trafilatura_tool,
    "gne": gne_tool,
}


def score(found: dict[str, Any], expected: dict[str, Any]) -> dict[str, float]:
    return {
        "title": float(squash(found["title"]) == squash(expected["title"])),
        "date": float(found["date"] == expected["published_date"]),
        "date_time": float(found["date"] == expected["published_date"] and found["time"] == expected["published_at"]),
        "authors": float(list(found["authors"]) == list(expected["authors"])),
        "origin": float(found["origin"] == expected["origin"]),
        "body": difflib.SequenceMatcher(None, squash(found["body"]), squash(expected["body"]), autojunk=False).ratio(),
        "body_f1": body_f1(found["body"], expected["body"]),
    }


SCORED = (*FIELDS, "body", "body_f1")


def compare(
    title: str,
    pages: list[tuple[str, TextResponse, dict[str, Any]]],
    rounds_wanted: int,
    goals: tuple[tuple[str, float], ...],
) -> None:
    sources = [s for s in SPIDERS if any(p[0] == s for p in pages)]
    for tool in TOOLS.values():  # warm-up: imports, dictionaries, caches
        for source, response, _ in pages:
            tool(source, response)
    rounds: dict[str, dict[str, list[float]]] = {name: {s: [] for s in sources} for name in TOOLS}
    for _ in range(rounds_wanted):
        for name, tool in TOOLS.items():
            for source in sources:
                mine = [(s, r) for s, r, _ in pages if s == source]
                start = time.perf_counter()
                for s, r in mine:
                    tool(s, r)
                rounds[name][source].append((time.perf_counter() - start) * 1000 / len(mine))
    accuracy = {name: [score(tool(s, r), e) for s, r, e in pages] for name, tool in TOOLS.items()}

    print(f"== {title}: {len(pages)} articles, {rounds_wanted} interleaved rounds, median ms per article (one core)\n")
    print(f"{'tool':<13}" + "".join(f"{s + ' ms':>11}{s + ' /s':>11}" for s in sources))
    medians = {name: {s: statistics.median(v) for s, v in per.items()} for name, per in rounds.items()}
    for name, per in medians.items():
        print(f"{name:<13}" + "".join(f"{per[s]:>11.2f}{1000 / per[s]:>11.0f}" for s in sources))
    print()
    for other, goal in goals:
        ratios = {s: medians[other][s] / medians["newsarchive"][s] for s in sources}
        verdict = "meets" if min(ratios.values()) >= goal else "MISSES"
        print(
            f"speed vs {other}: "
            + ", ".join(f"{s} {r:.1f}x" for s, r in ratios.items())
            + f"  (goal >= {goal}x: {verdict})"
        )
    print(f"\naccuracy over {len(pages)} articles (share exactly right; body: mean similarity; body_f1: mean F1)")
    print(f"{'tool':<13}" + "".join(f"{f:>11}" for f in SCORED))
    means = {name: {f: statistics.mean(s[f] for s in scores) for f in SCORED} for name, scores in accuracy.items()}
    for name, per in means.items():
        print(f"{name:<13}" + "".join(f"{100 * per[f]:>10.1f}%" for f in SCORED))
    best = [f for f in SCORED if means["newsarchive"][f] >= max(means["trafilatura"][f], means["gne"][f])]
    strictly = [f for f in SCORED if means["newsarchive"][f] > max(means["trafilatura"][f], means["gne"][f])]
    print(
        f"\nat least as accurate as both on {len(best)}/{len(SCORED)} fields, strictly more accurate on "
        f"{len(strictly)} ({', '.join(strictly)}); where a tool ties, both are at 100%\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    compare("known layouts (portal selectors)", cases("article"), args.rounds, (("trafilatura", 10), ("gne", 2)))
    compare("unseen layouts (generic fallback reader)", cases("layout"), args.rounds, (("trafilatura", 1), ("gne", 1)))


if __name__ == "__main__":
    main()
