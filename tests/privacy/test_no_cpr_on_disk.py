"""Issue 15, done-when: after importing the hostile CPR spellings, no file the program wrote
holds a CPR number: the store and its WAL, the working directory, the downloaded rejected
rows, what the command line printed and logged.

The command line runs as shipped, in a process of its own (``python -m dashboard import``),
with every place it writes to inside this test's folder. The store is also read back with
SQL, since DuckDB may compress a text so that a byte scan would miss it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from dashboard import cpr, store
from dashboard.importer.pipeline import import_file
from dashboard.importer.pseudonym import Pseudonymiser
from tests.importer.build import INCIDENT_HEADER, incident_row, make_xlsx

# Each spelling of issue 15 (and a plain one), with its ten digits.
SPELLINGS = {
    "101901234": "0101901234",
    "02.02.90-1234": "0202901234",
    "030390 - 1234": "0303901234",
    "04 04 90 1234": "0404901234",
    "050590/1234": "0505901234",
    "060690_1234": "0606901234",
    "０７０７９０－１２３４": "0707901234",
    "080890-1234": "0808901234",
}


def hostile_workbook(folder: Path) -> Path:
    header = [*INCIDENT_HEADER, "Kontakt 090990-1234"]
    rows = [header]
    for n, spelling in enumerate(SPELLINGS, start=1):
        rows.append(
            [
                *incident_row(
                    n,
                    **{
                        "Hændelses-ID": f"SAG {spelling}",
                        "Borger-ID": spelling,
                        "Bemærkninger": f"Borgeren ({spelling}) truede; ring {spelling}.",
                    },
                ),
                spelling,
            ]
        )
    # rejected rows that hold the numbers too
    rows.append([*incident_row(90, Forvaltning=None, Bemærkninger="CPR 101901234"), "x"])
    rows.append([*incident_row(91, **{"Hændelsesdato": "0101901234"}), "101901234"])
    return make_xlsx(folder / "borger 111190-1234.xlsx", {"Ark 121290-1234": rows})


def needles() -> list[bytes]:
    """Every spelling and every number's ten digits, as UTF-8 and UTF-16 (as xlsx may hold)."""
    texts = {*SPELLINGS, *SPELLINGS.values(), "0909901234", "1111901234", "1212901234"}
    texts |= {"090990-1234", "111190-1234", "121290-1234"}
    found = set()
    for text in texts:
        found |= {text.encode("utf-8"), text.encode("utf-16-le")}
    return sorted(found)


def contents(path: Path) -> list[tuple[str, bytes]]:
    """A file's bytes, and a zip's (xlsx) members' bytes, for scanning."""
    data = path.read_bytes()
    parts = [(str(path), data)]
    if data[:2] == b"PK":
        with zipfile.ZipFile(path) as z:
            parts += [(f"{path}!{n}", z.read(n)) for n in z.namelist()]
    return parts


def leaks_in(folder: Path, skip: Path) -> list[str]:
    leaks = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and skip not in p.parents):
        for name, data in contents(path):
            leaks += [f"{name}: {n!r}" for n in needles() if n in data]
            if not name.endswith((".duckdb", ".wal")):  # binary: the SQL scan reads it
                text = data.decode("utf-8", errors="ignore")
                if cpr.contains_cpr(text):
                    leaks.append(f"{name}: CPR-shaped text")
    return leaks


def sql_leaks(con: duckdb.DuckDBPyConnection) -> list[str]:
    columns = store.fetch_all(
        con,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'VARCHAR[]')",
    )
    technical = {"content_hash", "signature"}  # hex digests of files and layouts
    leaks = []
    for table, column in columns:
        if column in technical:
            continue
        for (value,) in store.fetch_all(con, f'SELECT DISTINCT "{column}"::VARCHAR FROM "{table}"'):
            if value and cpr.contains_cpr(value):
                leaks.append(f"{table}.{column}: {value[:60]}")
    return leaks


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    inputs = tmp_path / "inputs"  # the analyst's own file: the only clear text allowed
    inputs.mkdir()
    return {
        "inputs": inputs,
        "data": tmp_path / "data",
        "work": tmp_path / "data" / "work",
        "key": tmp_path / "config" / "secret.key",
        "downloads": tmp_path / "downloads",
    }


def test_the_command_line_writes_no_cpr_anywhere(tmp_path: Path, places) -> None:
    source = hostile_workbook(places["inputs"])
    places["downloads"].mkdir()
    rejected = places["downloads"] / "rejected.xlsx"
    env = {
        **os.environ,
        "DASHBOARD_WORK_DIR": str(places["work"]),
        "DASHBOARD_KEY_FILE": str(places["key"]),
    }
    env.pop("DASHBOARD_SECRET_KEY", None)
    db = places["data"] / "store.duckdb"
    command = [sys.executable, "-m", "dashboard", "import", str(source), "--db", str(db)]
    runs = [
        subprocess.run(
            [*command, "--rejected-out", str(rejected), *extra],
            env=env,
            capture_output=True,
            cwd=tmp_path,
            check=False,
        )
        for extra in ([], ["--json"])
    ]
    for n, done in enumerate(runs):
        (tmp_path / f"stdout-{n}.txt").write_bytes(done.stdout)  # what a log would keep
        (tmp_path / f"stderr-{n}.txt").write_bytes(done.stderr)
        assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in b"".join(r.stderr for r in runs)
    subprocess.run(
        [sys.executable, "-m", "dashboard", "imports", "--db", str(db)],
        env=env,
        stdout=(tmp_path / "history.txt").open("wb"),
        check=True,
    )
    assert rejected.exists() and (tmp_path / "history.txt").read_text().strip()
    assert list(places["work"].iterdir()) == []  # nothing left in the working directory
    assert leaks_in(places["inputs"], skip=tmp_path / "none")  # the scan finds them in clear
    assert leaks_in(tmp_path, skip=places["inputs"]) == []
    with store.connect(db, read_only=True) as con:
        assert sql_leaks(con) == []
        stored = store.fetch_all(con, "SELECT count(*), count(DISTINCT citizen_ref) FROM incidents")
        assert stored == [(len(SPELLINGS), len(SPELLINGS))]


def test_the_store_and_its_wal_hold_no_cpr_while_open(tmp_path: Path, places) -> None:
    """Before DuckDB checkpoints at close, the import is in the WAL as written."""
    source = hostile_workbook(places["inputs"])
    db = places["data"] / "store.duckdb"
    con = store.connect(db)
    store.fetch_all(con, "PRAGMA disable_checkpoint_on_shutdown")
    store.fetch_all(con, "SET wal_autocheckpoint = '1TB'")
    report, _ = import_file(con, source, pseudonymiser=Pseudonymiser(b"k" * 32))
    assert report.stored_new == len(SPELLINGS) and report.rejected == 2
    wal = db.with_name(db.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    assert leaks_in(places["data"], skip=places["inputs"]) == []
    assert sql_leaks(con) == []
    con.close()
