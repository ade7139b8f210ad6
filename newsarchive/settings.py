"""Scrapy settings for newsarchive. Every setting a user may change is in the README's table."""

import os
import warnings

from scrapy.exceptions import ScrapyDeprecationWarning

from newsarchive import __version__

# The tests run every crawl with this set: a Scrapy deprecation is an error there, as in the test
# process itself (PYTHONWARNINGS cannot name Scrapy's warning class at interpreter start-up).
if os.environ.get("NEWSARCHIVE_STRICT_WARNINGS"):
    warnings.filterwarnings("error", category=ScrapyDeprecationWarning)

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["newsarchive.spiders"]
NEWSPIDER_MODULE = "newsarchive.spiders"
COMMANDS_MODULE = "newsarchive.commands"

# --- the archive ---------------------------------------------------------------------------------
ARCHIVE_DIR = "archive"  # records, rejects, state and WARC files live under it
REPLAY_DIR = ""  # answer every request from fixture cases under this directory (offline crawls)
ADD_SIMPLIFIED = False  # zh-Hant records also carry title_simplified / body_simplified (OpenCC t2s)
ARCHIVE_FSYNC = False  # fsync each JSONL line (power-loss safety; a killed process loses nothing either way)

ITEM_PIPELINES = {
    "newsarchive.pipelines.validate.ValidatePipeline": 300,
    "newsarchive.pipelines.dedupe.DedupePipeline": 400,
    "newsarchive.pipelines.store.JsonLinesStore": 800,
}
DOWNLOADER_MIDDLEWARES = {
    # robots.txt for every request, start pages included, and its Crawl-delay (newsarchive/crawl/robots.py)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsarchive.crawl.robots.RobotsMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsarchive.crawl.retry.BackoffRetryMiddleware": 550,
    "newsarchive.crawl.conditional.ConditionalRequestsMiddleware": 560,
    # Next to the downloader: requests as sent, responses as received (before decompression).
    "newsarchive.archive.warc.WarcCaptureMiddleware": 950,
}
SPIDER_MIDDLEWARES = {
    # Learns the lines a site prints on many pages (its frame), for validation's chrome_body check.
    "newsarchive.crawl.sitechrome.SiteChromeMiddleware": 100,
}
LOG_FORMATTER = "newsarchive.crawl.logformatter.ArchiveLogFormatter"

# --- incremental runs and validation -----------------------------------------------------------
INCREMENTAL = True  # skip archived articles before download and stop paging at known articles
INCREMENTAL_DEPTH = 1  # list pages in a row showing nothing new before pagination stops
# List pages one source may ask for in one run: past it the walk is owed to the next run (an endless
# pager costs one bounded walk a run, a long backlog is taken in steps).
MAX_LIST_PAGES = 2000
PENDING_MAX_ATTEMPTS = 5  # runs that retry an article that failed (5xx, time-out) before giving up
VALIDATE_MIN_BODY_CHARS = 20
VALIDATE_MIN_TITLE_CHARS = 2
VALIDATE_MAX_TITLE_CHARS = 200
CHROME_MIN_PAGES = 5  # a line printed on this many pages of a source is the site's frame, not article text
CHROME_MAX_SHARE = 0.5  # a body with more of its text on chrome lines than this is rejected (chrome_body)
ARCHIVE_WARC = True  # keep every request and response in ARCHIVE_DIR/warc/
WARC_MAX_SIZE = 1_000_000_000  # bytes; a WARC file is closed and a new one begun past this
WARC_GZIP_LEVEL = 3  # zlib level of each record's gzip member (1 fastest, 9 smallest)
WARC_OPERATOR = ""  # who runs the crawl (name, e-mail): written into each WARC file's warcinfo
CAPTURE_IMAGES = True  # capture each record's pictures into WARC (its images[] say where, or why not)
IMAGES_MAX_SIZE = 10 * 1024 * 1024  # bytes; a larger picture is not captured (reason too_large)
IMAGES_OTHER_HOSTS = False  # capture pictures on hosts outside the portal's domains too (CDNs)
FOLLOW_RELATED = True  # follow article links on article pages (上一篇/下一篇); reparse turns it off
WORKER_ID = ""  # names this process's JSONL and WARC files when several write into one archive
ARCHIVE_STATE = "newsarchive.archive.state.ArchiveState"  # RedisState when REDIS_URL is set
# SQLite state writes are committed in groups: after this many writes, or this many seconds after a
# group began, and when a spider closes. A crash loses no record (the JSONL files are replayed).
STATE_COMMIT_EVERY = 100
STATE_COMMIT_INTERVAL = 0.5

# --- several workers on one Redis frontier (see README) ------------------------------------------------
REDIS_URL = ""  # redis://[:password@]host:port/db switches queue, seen-set and state to Redis
RUN_ID = ""  # workers with the same RUN_ID form one crawl (default: the UTC hour, YYYYMMDDHH)
REDIS_REQUIRE_PERSISTENCE = False  # refuse to start on a Redis that keeps nothing across a restart (else warn)
WORKER_HEARTBEAT_TTL = 60  # seconds without a heartbeat before a worker's taken requests are put back
ADDONS = {
    "newsarchive.archive.replay.ReplayAddon": 0,
    "newsarchive.frontier.addon.RedisAddon": 10,
    "newsarchive.crawl.contact.ContactAddon": 20,
    "newsarchive.spiders.contracts.CheckAddon": 30,
}
# scrapy check: each portal's sample pages through the shared callbacks (newsarchive/spiders/contracts.py).
SPIDER_CONTRACTS = {
    "newsarchive.spiders.contracts.SampleContract": 10,
    "newsarchive.spiders.contracts.ValidRecordContract": 10,
}

# --- politeness on the live sites ------------------------------------------------------------------
CONTACT = "https://github.com/newsarchive/newsarchive"  # who to write to about this crawler (a placeholder: set it)
# Rebuilt from CONTACT by newsarchive.crawl.contact.ContactAddon when CONTACT is given with -s.
USER_AGENT = f"newsarchive/{__version__} (+{CONTACT}; archival crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # a news page is well under this; larger answers are cut off
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
CONCURRENT_ITEMS = 16  # a page yields one record and a few requests: 100 idle workers only cost time
RETRY_ENABLED = True
RETRY_TIMES = 3
BACKOFF_BASE = 1.0  # seconds before the first retry, doubling for each further one
BACKOFF_MAX = 60.0  # longest wait before a retry, Retry-After included
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

EXTENSIONS = {
    "newsarchive.archive.faults.ArchiveFaults": 0,
    "newsarchive.crawl.statsdump.StatsDump": 500,
    "newsarchive.crawl.progress.ProgressLog": 500,
}
RUN_STATS_FILE = ""  # write the final crawl stats as JSON here (tools and tests read it)
PROGRESS_INTERVAL = 60.0  # seconds between per-source progress lines in the log (0: none)

# --- crawlall health checks ----------------------------------------------------------------------
HEALTH_MAX_LISTS_PENDING = 0  # a source owing the walk below more list pages than this is unhealthy
HEALTH_MAX_REJECT_RATE = 0.2  # a source rejecting more than this share of its articles is unhealthy
# Layout drift: a source is unhealthy when more than this share of its articles needed the generic
# reader, or was rejected as chrome (the template changed under the portal's selectors).
HEALTH_MAX_FALLBACK_RATE = 0.3
HEALTH_MIN_COVERAGE = {  # field -> least share of archived records that must carry it
    "title": 1.0,
    "published_date": 1.0,
    "body": 1.0,
    "section": 0.9,
}
