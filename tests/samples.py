"""Where the team's shared sample exports live (tests skip when they are absent)."""

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


def sample(name: str) -> Path:
    """Path of a shared sample, skipping the test when shared/ is not beside the repo."""
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"shared sample {name} not found at {SAMPLES}")
    return path
