"""The crawl's middlewares and extensions: robots, retry, conditional requests, site chrome
learning, progress, stats dump, contact, log format.

May import the base modules, :mod:`newsarchive.archive` and :mod:`newsarchive.reading`; never
pipelines, spiders or commands.
"""
