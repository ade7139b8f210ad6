"""Drops a record already archived under its id, or whose text is archived under another id.

Both checks ask the archive state, so they hold within a run and across runs. A content
duplicate under a new id (a story reposted in a second channel) is not archived again; it is
noted as a line in ``ARCHIVE_DIR/duplicates/<day>.jsonl`` (``{"id", "duplicate_of", "url",
"content_hash", "crawled_at"}``) and in the state, so the id is not fetched again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from newsarchive import counts
from newsarchive.archive.jsonl import DailyFiles
from newsarchive.archive.paths import crawl_day
from newsarchive.archive.state import ArticleOutcomes, open_state
from newsarchive.config import setting
from newsarchive.counts import Counts


class DedupePipeline:
    def __init__(
        self, archive_dir: str, state: ArticleOutcomes, stats: StatsCollector | None, worker: str = ""
    ) -> None:
        self.duplicates = DailyFiles(Path(archive_dir) / "duplicates", worker)
        self.state = state
        self.counts = Counts(stats)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        s = crawler.settings
        return cls(setting(s, "ARCHIVE_DIR"), open_state(crawler), crawler.stats, setting(s, "WORKER_ID"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article_id, url, digest = adapter["id"], adapter["url"], adapter["content_hash"]
        admission = self.state.admit(article_id, digest)
        if admission.verdict == "known":
            self.count("id")
            raise DropItem(f"Already archived: {article_id}", log_level="INFO")
        original = admission.original
        if admission.verdict == "duplicate" and original is not None:
            self.duplicates.append(
                crawl_day(adapter["crawled_at"]),
                {
                    "id": article_id,
                    "duplicate_of": original,
                    "url": url,
                    "content_hash": digest,
                    "crawled_at": adapter["crawled_at"],
                },
            )
            self.state.record(article_id, "duplicate", url, digest, duplicate_of=original)
            self.count("content")
            raise DropItem(f"Same text as {original}: {article_id} ({url})", log_level="INFO")
        return item

    def count(self, kind: str) -> None:
        self.counts(counts.DUPLICATE)
        self.counts(f"{counts.DUPLICATE}/{kind}")

    def close_spider(self) -> None:
        self.duplicates.close()
