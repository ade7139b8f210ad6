"""Extraction speed of an earlier revision and of the working tree, in alternating runs.

    .venv/bin/python bench/compare_extraction.py [--rev HEAD~1] [--runs 10] [--passes 200]

Each run is a fresh process that reads every single-page fixture article of each portal
``--passes`` times with that tree's spiders (decode, parse, read, script and hash, as
bench/extraction.py measures ours) and reports CPU microseconds per page. Runs of the two trees
alternate, so the machine's noise touches both alike; the minimum of the runs is the figure, the
median is printed beside it. Both trees read this checkout's fixtures and run in its virtualenv.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from common import ROOT, checked_out, machine

# Run inside each tree: its newsarchive package first on the path.
CHILD = r"""
import json, sys, time
tree, fixtures, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, tree)
from pathlib import Path
from scrapy import Request
from newsarchive.reading.text import content_hash, detect_script
from newsarchive.archive.replay import build_response, read_case
from newsarchive.spiders.ganzi import GanziSpider
from newsarchive.spiders.jilin import JilinSpider

result = {}
for source, spider_class in (("jilin", JilinSpider), ("ganzi", GanziSpider)):
    pages = []
    for path in sorted((Path(fixtures) / source).glob("article-*")):
        if json.loads((path / "expected.json").read_text(encoding="utf-8"))["pages"] > 1:
            continue
        case = read_case(path)
        pages.append(build_response(Request(case.url), case.status, case.headers, case.body()))
    spider = spider_class()
    for response in pages:  # warm up: imports, caches, the script converter's dictionaries
        spider.read_article_page(response.replace())
    start = time.process_time()
    for _ in range(passes):
        for response in pages:
            item = spider.read_article_page(response.replace())
            detect_script(f"{item['title']}\n{item['body']}")
            content_hash(item["body"])
    result[source] = (time.process_time() - start) / passes / len(pages) * 1e6
print(json.dumps(result))
"""


def run(tree: Path, passes: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), str(ROOT / "fixtures"), str(passes)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {source: float(us) for source, us in json.loads(out.splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD~1", help="the revision to compare against (default: HEAD~1)")
    parser.add_argument("--runs", type=int, default=10, help="runs of each tree, alternating")
    parser.add_argument("--passes", type=int, default=200, help="passes over the fixture pages in one run")
    args = parser.parse_args()
    with checked_out(args.rev) as before:
        trees = {f"at {args.rev}": before, "working tree": ROOT}
        times: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
        for n in range(args.runs):
            for name in list(trees) if n % 2 == 0 else list(reversed(trees)):
                for source, us in run(trees[name], args.passes).items():
                    times[name].setdefault(source, []).append(us)
    print(f"machine: {machine()}")
    print(
        f"{args.runs} alternating runs of each tree, {args.passes} passes over the fixture articles each; "
        "CPU us per page, min (median)\n"
    )
    sources = list(times["working tree"])
    print(f"{'':<22}" + "".join(f"{source:>20}" for source in sources))
    for name, by_source in times.items():
        print(f"{name:<22}" + "".join(f"{min(v):>11.0f} ({statistics.median(v):>5.0f})" for v in by_source.values()))
    first, last = (times[name] for name in trees)
    print(f"{'working tree / before':<22}" + "".join(f"{min(last[s]) / min(first[s]):>20.3f}" for s in sources))


if __name__ == "__main__":
    main()
