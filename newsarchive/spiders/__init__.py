"""The portals' spiders: the shared walk of list and article pages (``base``), one module per portal.

May import every package but :mod:`newsarchive.commands` and :mod:`newsarchive.frontier` (a crawl
learns of the frontier only through its settings).
"""
