"""A page in Danish driven into each kind of DashboardError shows its Danish sentence, in an
error box, with no traceback and no English sentence."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from dashboard import queries, store
from dashboard.i18n import t

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(at) -> list[str]:
    """The error boxes' sentences as the reader sees them (Markdown escapes removed)."""
    return [_ESCAPED.sub(r"\1", e.value) for e in at.error]


def assert_says(at, key: str, **values: str) -> None:
    """Exactly one error box, with the Danish sentence of ``key``; no traceback."""
    assert not at.exception, [e.value for e in at.exception]
    assert shown(at) == [t(f"errors.{key}", "da", **values)]
    assert t(f"errors.{key}", "en", **values) not in shown(at)
    assert at.error[0].proto.title == t("errors.page_failed_title", "da")


def test_a_bad_setting(app, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_WORK_ACCIDENT_DAYS", "ni")
    at = app("police.py")
    assert_says(at, "not_whole_number", name="DASHBOARD_WORK_ACCIDENT_DAYS", value="ni")


def test_a_store_held_by_another_process(app, monkeypatch, tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    store.connect(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "sys.stdin.read()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        monkeypatch.setenv("DASHBOARD_DB", str(db))
        at = app()
        assert_says(at, "store_busy_app", db=str(db))
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)


def test_a_store_path_that_is_a_folder(app, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path))
    at = app()
    assert_says(at, "store_unusable_app", db=str(tmp_path))


def test_a_damaged_store(app, monkeypatch, demo_db: Path, tmp_path: Path) -> None:
    """A store whose summary table is gone: the first query reading it fails."""
    db = tmp_path / "damaged.duckdb"
    shutil.copy(demo_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE incident_summary").fetchall()
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    at = app("police.py")
    assert not at.exception, [e.value for e in at.exception]
    sentences = {t("errors.query_failed", "da", query=name): name for name in queries.names()}
    assert len(shown(at)) == 1 and shown(at)[0] in sentences
    english = t("errors.query_failed", "en", query=sentences[shown(at)[0]])
    assert english not in shown(at)
