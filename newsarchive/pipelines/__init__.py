"""The item pipelines: validation, duplicates, the JSONL store (and reparse's candidate store).

May import the base modules, :mod:`newsarchive.archive`, :mod:`newsarchive.reading` and
:mod:`newsarchive.crawl`; never spiders or commands.
"""
