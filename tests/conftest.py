"""Hypothesis profiles: ci (the default, 50 examples), quick and thorough.

The CI profile is derandomised: every run tries the same cases, so a run is red only
because of a change, and can be reproduced. Exploration belongs to the thorough profile
(random, 1,000 examples per test), chosen with HYPOTHESIS_PROFILE=thorough; what it finds
is fixed and pinned with a test. The quick profile (10 examples) is for CI's second and
third runs of the suite, which test other dependency versions and another Python, not
the laws again.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "quick",
    parent=settings.get_profile("ci"),
    max_examples=10,
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
