"""Reading an article page: the page as lines, the one classifier, the portal and generic readers.

Imports only downward: ``page`` (markup helpers) <- ``lines`` (the walker) <- ``body`` (the
classifier) <- ``generic`` and ``portal``; text processing comes from :mod:`newsarchive.processors`.
Nothing here knows of the crawl, the archive or the network: the same bytes always give the same
reading.
"""
