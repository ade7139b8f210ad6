"""The archive on disk: state, JSONL store, paths, WARC capture and replay, export, report.

May import the base modules (``config``, ``counts``, ``items``) and Scrapy; never the readers
(:mod:`newsarchive.reading`), the frontier, the crawl's middlewares, pipelines or spiders. What is
written here is judged by its bytes alone, whatever reader produced it.
"""
