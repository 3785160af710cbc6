"""Settings read from the environment, with defaults that work on a fresh clone.

| variable | meaning | default |
|---|---|---|
| ``DASHBOARD_DB`` | the DuckDB store | ``data/dashboard.duckdb`` (in the working directory) |
| ``DASHBOARD_SECRET_KEY`` | key for pseudonymising references (≥ 16 chars) | a key file |
| ``DASHBOARD_KEY_FILE`` | where the generated key is kept | ``secret.key`` in the user's config directory (``$XDG_CONFIG_HOME/harassment-dashboard``, else ``~/.config/harassment-dashboard``), outside the data folder |
| ``DASHBOARD_WORK_DIR`` | the private working directory (mode 0700) for clear-text copies of uploads | ``work/`` next to the store |
| ``DASHBOARD_WORK_ACCIDENT_DAYS`` | days after the first day of absence by which a work accident must be notified (bekendtgørelse om anmeldelse af arbejdsulykker § 1) | 14 |
| ``DASHBOARD_SUPPRESS_BELOW`` | counts from 1 to this minus 1 are marked as small | 5 |
| ``DASHBOARD_DEADLINES`` | answer deadlines in days per inquiry type, used when an inquiry has none, e.g. ``ombudsman=21,complaint=28`` | the contract's |
| ``DASHBOARD_WRITE_WAIT_SECONDS`` | how long an import or undo on a page waits for another session's to finish | 120 |
| ``DASHBOARD_MAX_PREVIEWS`` | parsed uploads the server keeps for the Import page's previews, over all sessions (beyond it the one used longest ago is dropped) | 4 |
| ``DASHBOARD_PEERS`` | how a department head's funnels and dot plots show the units outside their scope: ``anonymous`` (unnamed points, "en anden enhed") or ``hidden`` (not at all) | ``anonymous`` |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from dashboard.contract import DEFAULT_DEADLINES, VOCABULARIES
from dashboard.errors import DashboardError, error_message

# Relative to the working directory, never to the source tree: an installed package lives in
# a read-only site-packages, and `make run` and the tests start in the project folder.
DATA_DIR = Path("data")

# How a viewer with a limited scope sees the groups outside it in funnels and dot plots.
Peers = Literal["anonymous", "hidden"]
PEERS: tuple[Peers, ...] = ("anonymous", "hidden")


class ConfigError(DashboardError, ValueError):
    """A setting (environment variable or key file) that cannot be used; one sentence."""


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with :func:`load_settings`."""

    db_path: Path
    key_file: Path
    # Where the key was kept before it moved out of the data folder (moved on first use);
    # None when DASHBOARD_KEY_FILE names the key file.
    legacy_key_file: Path | None = None
    work_dir: Path = DATA_DIR / "work"
    work_accident_days: int = 14
    suppress_below: int = 5
    deadline_days: dict[str, int] = field(
        default_factory=lambda: {k: v.days for k, v in DEFAULT_DEADLINES.items()}
    )
    write_wait_seconds: int = 120
    max_previews: int = 4
    peers: Peers = PEERS[0]


def parse_deadlines(text: str) -> dict[str, int]:
    """``"ombudsman=21,complaint=28"`` -> the default deadlines with those changed.

    Raises ConfigError naming the part that is not ``type=days`` with a known inquiry type.
    """
    deadlines = {k: v.days for k, v in DEFAULT_DEADLINES.items()}
    known = {c.value for c in VOCABULARIES["inquiry_type"]}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, days = part.partition("=")
        if not sep or name.strip() not in known or not days.strip().isdigit():
            raise ConfigError(
                error_message("deadlines_invalid", part=part, known=", ".join(sorted(known)))
            )
        deadlines[name.strip()] = int(days)
    return deadlines


def load_settings(
    environ: Mapping[str, str] | None = None, *, db: str | Path | None = None
) -> Settings:
    """Settings from ``environ`` (default ``os.environ``); ``db`` overrides ``DASHBOARD_DB``."""
    env = os.environ if environ is None else environ
    db_path = Path(db) if db else Path(env.get("DASHBOARD_DB", DATA_DIR / "dashboard.duckdb"))
    configured_key = env.get("DASHBOARD_KEY_FILE", "").strip()
    return Settings(
        db_path=db_path,
        key_file=Path(configured_key) if configured_key else default_key_file(env),
        legacy_key_file=None if configured_key else db_path.parent / "secret.key",
        work_dir=Path(env.get("DASHBOARD_WORK_DIR", "").strip() or db_path.parent / "work"),
        work_accident_days=_whole_number(env, "DASHBOARD_WORK_ACCIDENT_DAYS", 14),
        suppress_below=_whole_number(env, "DASHBOARD_SUPPRESS_BELOW", 5),
        deadline_days=parse_deadlines(env.get("DASHBOARD_DEADLINES", "")),
        write_wait_seconds=_whole_number(env, "DASHBOARD_WRITE_WAIT_SECONDS", 120),
        max_previews=_whole_number(env, "DASHBOARD_MAX_PREVIEWS", 4),
        peers=parse_peers(env.get("DASHBOARD_PEERS", "")),
    )


def parse_peers(text: str) -> Peers:
    """``DASHBOARD_PEERS``: ``anonymous`` (also when unset) or ``hidden``, any case."""
    value = text.strip().lower() or PEERS[0]
    if value not in PEERS:
        raise ConfigError(
            error_message("peers_invalid", value=text.strip(), known=", ".join(PEERS))
        )
    return cast(Peers, value)


def default_key_file(env: Mapping[str, str]) -> Path:
    """``secret.key`` in the user's config directory: apart from the data folder that holds
    the store, so that a copy of the one is not a copy of the other."""
    base = env.get("XDG_CONFIG_HOME", "").strip() or str(Path(env.get("HOME", "~")) / ".config")
    return Path(base).expanduser() / "harassment-dashboard" / "secret.key"


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, str(default)).strip()
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(error_message("not_whole_number", name=name, value=text))
    return int(text)
