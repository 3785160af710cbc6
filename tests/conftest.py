"""Hypothesis profiles: under CI (``CI=true``) every property test is derandomised, so a
landing never depends on which examples a random seed happens to draw."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")
