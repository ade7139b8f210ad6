"""The User-Agent built from ``CONTACT``: a polite crawler says who runs it and how to reach them."""

from __future__ import annotations

import logging

from scrapy.settings import BaseSettings

import newsarchive
from newsarchive.config import default, setting

logger = logging.getLogger(__name__)
PLACEHOLDER_CONTACT = default("CONTACT")  # settings.py states a placeholder, to be replaced


def warn_if_anonymous(settings: BaseSettings) -> list[str]:
    """A live crawl (not a replay) that does not say who runs it: the warnings, logged once.

    >>> from scrapy.settings import Settings
    >>> len(warn_if_anonymous(Settings({"CONTACT": PLACEHOLDER_CONTACT})))
    2
    >>> warn_if_anonymous(Settings({"REPLAY_DIR": "fixtures"}))
    []
    """
    if settings.get("REPLAY_DIR"):
        return []
    said = []
    if setting(settings, "CONTACT") == PLACEHOLDER_CONTACT:
        said.append(
            "CONTACT is the project's placeholder: give the sites a way to reach whoever runs this crawl "
            "(-s CONTACT=mailto:you@example.org)"
        )
    if not settings.get("WARC_OPERATOR"):
        said.append(
            "WARC_OPERATOR is empty: the WARC files will not say who made them "
            '(-s WARC_OPERATOR="Archive team <archive@example.org>")'
        )
    for line in said:
        logger.warning(line)
    return said


class ContactAddon:
    """Builds the User-Agent from ``CONTACT`` (``-s CONTACT=mailto:you@example.org`` is enough),
    unless a User-Agent was given outright."""

    def update_settings(self, settings: BaseSettings) -> None:
        project = 20  # the priority of the project's own settings.py
        if (settings.getpriority("USER_AGENT") or 0) <= project:
            agent = f"newsarchive/{newsarchive.__version__} (+{setting(settings, 'CONTACT')}; archival crawler)"
            settings.set("USER_AGENT", agent, priority="project")
