"""The User-Agent built from ``CONTACT``: a polite crawler says who runs it and how to reach them."""

from __future__ import annotations

from scrapy.settings import BaseSettings

import newsarchive


class ContactAddon:
    """Builds the User-Agent from ``CONTACT`` (``-s CONTACT=mailto:you@example.org`` is enough),
    unless a User-Agent was given outright."""

    def update_settings(self, settings: BaseSettings) -> None:
        project = 20  # the priority of the project's own settings.py
        if (settings.getpriority("USER_AGENT") or 0) <= project:
            agent = f"newsarchive/{newsarchive.__version__} (+{settings.get('CONTACT')}; archival crawler)"
            settings.set("USER_AGENT", agent, priority="project")
