"""Session-wide setup.

Hypothesis profiles: under CI (``CI=true``) every property test is derandomised, so a
landing never depends on which examples a random seed happens to draw.

The working directory (``DASHBOARD_WORK_DIR``, clear-text copies of uploads) is a folder of
the test session's own, not ``data/work`` of the checkout; child processes inherit it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

_WORK_DIR = tempfile.mkdtemp(prefix="dashboard-test-work-")
os.environ.setdefault("DASHBOARD_WORK_DIR", _WORK_DIR)


@pytest.fixture(scope="session", autouse=True)
def _remove_the_working_directory() -> Iterator[None]:
    yield
    shutil.rmtree(_WORK_DIR, ignore_errors=True)
