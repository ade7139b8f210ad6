"""The ``scrapy`` commands the project adds or replaces (crawl, crawlall, reparse, export, report, ...).

The top layer: may import every package below it.
"""
