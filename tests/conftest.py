"""Test-wide set-up: the hypothesis profiles and the test tiers.

CI runs property tests derandomized (the same examples every run, no example database), so a
failure is reproducible and never random; inputs that ever failed are kept as ``@example``s.
``HYPOTHESIS_PROFILE=explore`` runs a longer randomized search by hand.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --- test tiers ------------------------------------------------------------------------------------
# ``pytest -m "not crawl and not redis"`` is the fast tier: in-process tests of every module. A test
# that starts a crawl (a Python or scrapy process) must be marked ``crawl``, one that needs a Redis
# server ``redis``: an unmarked test that starts one fails, saying so, so the fast tier stays fast.
_REAL_POPEN_INIT = subprocess.Popen.__init__
_SLOW_PROGRAMS = ("python", "scrapy", "redis-server", "wb-manager", "wacz", "chromium")


def _program(args: Any) -> str:
    first = args[0] if isinstance(args, list | tuple) else str(args).split()[0]
    return Path(str(first)).name


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("crawl") or item.get_closest_marker("redis"):
        subprocess.Popen.__init__ = _REAL_POPEN_INIT  # type: ignore[method-assign]
        return

    def guarded(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        program = _program(args)
        if program.startswith(_SLOW_PROGRAMS):
            raise RuntimeError(f"{item.nodeid} starts {program}: mark it @pytest.mark.crawl (or redis)")
        _REAL_POPEN_INIT(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = guarded  # type: ignore[method-assign]


def pytest_runtest_teardown(item: pytest.Item) -> None:
    subprocess.Popen.__init__ = _REAL_POPEN_INIT  # type: ignore[method-assign]
