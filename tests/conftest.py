"""Test-wide set-up: the hypothesis profiles.

CI runs property tests derandomized (the same examples every run, no example database), so a
failure is reproducible and never random; inputs that ever failed are kept as ``@example``s.
``HYPOTHESIS_PROFILE=explore`` runs a longer randomized search by hand.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True, database=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
