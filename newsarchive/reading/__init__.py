"""Reading an article page: the page as lines, the one classifier, the portal and generic readers.

Imports only downward: the text processors (``text`` <- ``dates``, ``bylines`` <- ``chrome``),
``page`` (markup helpers) <- ``lines`` (the walker) <- ``body`` (the classifier) <- ``generic``
and ``portal`` (with ``loaders``, the item loader every portal's loader starts from). Nothing here
knows of the crawl, the archive or the network (it may import the base modules ``config``,
``counts`` and ``items``): the same bytes always give the same reading.
"""
