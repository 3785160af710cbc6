"""``python -m dashboard access`` and ``audit``: grants, refusals, and working while the store is locked."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import access, store
from dashboard.cli import main
from dashboard.demo import generate_demo
from dashboard.store.seed import write_demo


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    path = tmp_path / "store.duckdb"
    con = store.connect(path)
    data = generate_demo(7, scale=0.1)
    write_demo(con, "incidents", data.incidents, seed=7)
    con.close()
    return path


def test_grant_list_revoke(db: Path) -> None:
    code, out, _ = run("access", "grant", "Chef@Kommune.dk", "--role", "department_head",
                       "--department", "Socialforvaltningen", "--db", str(db))  # fmt: skip
    assert code == 0 and out == "chef@kommune.dk is now department_head (Socialforvaltningen).\n"
    code, out, _ = run("access", "grant", "o@kommune.dk", "--role", "ombudsman", "--db", str(db))
    assert code == 0
    code, out, _ = run("access", "list", "--db", str(db), "--json")
    grants = json.loads(out)["grants"]
    assert [(g["email"], g["role"], g["departments"]) for g in grants] == [
        ("chef@kommune.dk", "department_head", ["Socialforvaltningen"]),
        ("o@kommune.dk", "ombudsman", []),
    ]
    assert all(g["granted_by"].startswith("cli") for g in grants)
    code, out, _ = run("access", "list", "--db", str(db))
    assert "chef@kommune.dk  department_head  Socialforvaltningen" in out
    code, out, _ = run("access", "revoke", "CHEF@kommune.dk", "--db", str(db))
    assert code == 0 and "chef@kommune.dk has no access" in out
    code, _, err = run("access", "revoke", "chef@kommune.dk", "--db", str(db))
    assert code == 2 and err == "chef@kommune.dk had no grant; nothing was revoked.\n"


def test_a_unit_within_its_department(db: Path) -> None:
    code, out, _ = run("access", "grant", "c@k.dk", "--role", "department_head", "--department",
                       "Socialforvaltningen", "--unit", "Herberget Sundholm", "--db", str(db))  # fmt: skip
    assert code == 0 and "(Socialforvaltningen / Herberget Sundholm)" in out
    [grant] = access.list_grants(db)
    assert grant.departments == () and grant.units == (
        ("Socialforvaltningen", "Herberget Sundholm"),
    )


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--role", "department_head", "--department", "Nope"], "Unknown department 'Nope'; the known ones are: "),
        (["--role", "department_head", "--unit", "Nope"], "Unknown unit 'Nope'; the known ones are: "),
        (["--role", "department_head"], "at least one department or unit"),
        (["--role", "analyst", "--unit", "Herberget Sundholm"], "sees the whole municipality"),
    ],
)  # fmt: skip
def test_bad_grants_are_refused_in_one_sentence(db: Path, argv: list[str], words: str) -> None:
    code, out, err = run("access", "grant", "c@k.dk", *argv, "--db", str(db))
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1
    assert "Traceback" not in err
    assert access.list_grants(db) == []


def test_an_unknown_role_is_a_usage_error(db: Path) -> None:
    with pytest.raises(SystemExit) as stop:
        run("access", "grant", "c@k.dk", "--role", "boss", "--db", str(db))
    assert stop.value.code == 2


def test_access_and_audit_work_while_the_dashboard_holds_the_store(db: Path) -> None:
    """Another process holds DuckDB's write lock (as the running dashboard does)."""
    access.record_units(db, [("Socialforvaltningen", "Herberget Sundholm")])  # the app's mirror
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()",
         str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        code, _, err = run("imports", "--db", str(db))
        assert code == 2 and "in use by another program" in err  # the store really is locked
        code, out, err = run("access", "grant", "c@k.dk", "--role", "department_head",
                             "--unit", "Herberget Sundholm", "--db", str(db))  # fmt: skip
        assert code == 0, err
        code, _, err = run("access", "grant", "d@k.dk", "--role", "department_head",
                           "--unit", "Jobcenter Amager", "--db", str(db))  # fmt: skip
        assert code == 2 and "Unknown unit 'Jobcenter Amager'" in err  # checked against the mirror
        assert run("access", "revoke", "c@k.dk", "--db", str(db))[0] == 0
        code, out, _ = run("audit", "--db", str(db), "--format", "json")
        assert code == 0 and [e["action"] for e in json.loads(out)["entries"]] == [
            "revoke",
            "grant",
        ]
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def test_audit_filters_and_formats(db: Path) -> None:
    for entry in (
        access.AuditEntry(user="a@k.dk", role="analyst", scope="all", action="sign_in", at="2026-01-01T08:00:00+00:00"),
        access.AuditEntry(user="a@k.dk", role="analyst", scope="all", action="export", page="export", rows=12, at="2026-02-01T08:00:00+00:00"),
        access.AuditEntry(user="b@k.dk", role="ombudsman", scope="all", action="export", page="export", link="=HYPERLINK(1)", rows=3, at="2026-02-02T08:00:00+00:00"),
    ):  # fmt: skip
        access.log(db, entry)
    code, out, _ = run("audit", "--db", str(db), "--user", "A@K.dk", "--format", "json")
    assert code == 0 and [e["action"] for e in json.loads(out)["entries"]] == ["export", "sign_in"]
    code, out, _ = run(
        "audit", "--db", str(db), "--since", "2026-01-15", "--action", "export", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["user"], r["rows"]) for r in rows] == [("b@k.dk", "3"), ("a@k.dk", "12")]
    assert rows[0]["link"] == "'=HYPERLINK(1)"  # a formula-like cell stays text
    code, out, _ = run("audit", "--db", str(db), "--action", "sign_in")
    assert code == 0 and out.splitlines()[0].split() == list(access.AUDIT_COLUMNS)
    code, _, err = run("audit", "--db", str(db), "--since", "yesterday")
    assert code == 2 and err == "--since 'yesterday' is not a date like 2026-01-31.\n"
    code, out, _ = run("audit", "--db", str(db), "--since", "2030-01-01")
    assert out == "No audit entries match.\n"


def test_imports_and_undos_on_the_command_line_are_logged(db: Path) -> None:
    from tests.samples import sample

    code, out, _ = run(
        "import", str(sample("haendelser_2023-2024.xlsx")), "--db", str(db), "--json"
    )
    assert code == 0
    import_id = json.loads(out)["files"][0]["import_id"]
    assert run("undo", str(import_id), "--db", str(db))[0] == 0
    entries = access.audit_rows(db)
    assert [(e["action"], json.loads(e["details"])["import_id"]) for e in entries] == [
        ("undo", import_id),
        ("import", import_id),
    ]
    assert entries[1]["rows"] == 2400  # the sample's stored rows (expected_counts.json)


def test_several_names_after_one_option_or_the_option_repeated(db: Path) -> None:
    both = ["Socialforvaltningen", "Kultur- og Fritidsforvaltningen"]
    assert run("access", "grant", "a@k.dk", "--role", "department_head", "--department", *both,
               "--db", str(db))[0] == 0  # fmt: skip
    assert run("access", "grant", "b@k.dk", "--role", "department_head", "--department", both[0],
               "--department", both[1], "--db", str(db))[0] == 0  # fmt: skip
    grants = {g.email: g.departments for g in access.list_grants(db)}
    assert grants == {"a@k.dk": tuple(both), "b@k.dk": tuple(both)}
