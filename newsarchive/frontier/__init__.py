"""Several crawler processes on one Redis frontier: the add-on, the scheduler, the shared state.

May import the base modules and :mod:`newsarchive.archive` (the Redis state is the archive state
with its sets in Redis); nothing above. Only ``addon`` is imported by a crawl without ``REDIS_URL``.
"""
