"""The server holds the store from its start (issue 15, item 7): a command-line import
against a running server that no browser has opened is refused in one sentence, and a
server does not start on a store another program holds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dashboard import store
from tests.e2e.live_server import ROOT, running_app
from tests.samples import sample

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.read()
"""


def cli(db: Path, key: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DASHBOARD_DB": str(db), "DASHBOARD_KEY_FILE": str(key)}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_cli_import_against_a_running_server_is_refused(tmp_path: Path) -> None:
    db, key = tmp_path / "store.duckdb", tmp_path / "secret.key"
    with running_app(db, key):  # no browser has opened a page
        result = cli(db, key, "import", str(sample("haendelser_2023-2024.xlsx")), "--json")
    assert result.returncode == 2
    assert '"ok": false' in result.stdout and "in use by another program" in result.stdout
    assert "Traceback" not in result.stderr
    with store.connect(db, read_only=True) as con:  # nothing was imported
        assert store.fetch_one(con, "SELECT count(*) FROM imports") == (0,)


def test_the_server_does_not_start_on_a_store_another_program_holds(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    store.connect(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        env = {**os.environ, "DASHBOARD_DB": str(db), "DASHBOARD_KEY_FILE": str(tmp_path / "k")}
        result = subprocess.run(
            [sys.executable, "-m", "dashboard.serve", "--server.headless", "true"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.communicate("")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "in use by another program" in result.stderr
    assert "Traceback" not in result.stderr
