"""Grants, roles and the audit log (dashboard.access): names checked, append-only, many writers."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from dashboard import access
from dashboard.access import RIGHTS, AccessError, AuditEntry, Grant, Right
from dashboard.metrics.filters import ALL, Scope

CATALOGUE = [
    ("Socialforvaltningen", "Herberget"),
    ("Socialforvaltningen", "Sekretariat"),
    ("Kultur- og Fritidsforvaltningen", "Biblioteker"),
    ("Kultur- og Fritidsforvaltningen", "Sekretariat"),
    ("Økonomiforvaltningen", ""),
]


def test_access_file_sits_beside_the_store_private_and_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "dashboard.duckdb"
    access.log(db, AuditEntry(user="a@k.dk", role="analyst", scope="all", action="sign_in"))
    path = tmp_path / "dashboard.access.sqlite"
    assert access.access_path(db) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rights_deny_by_default() -> None:
    assert RIGHTS["ombudsman"] == {Right.SEE_ALL}
    assert RIGHTS["department_head"] == frozenset()
    assert Right.ADMIN in RIGHTS["admin"] and Right.ADMIN not in RIGHTS["analyst"]
    assert Right.IMPORT not in RIGHTS["ombudsman"] | RIGHTS["department_head"]


def test_scope_from_a_grant() -> None:
    assert Grant("o@k.dk", "ombudsman").scope() == ALL
    head = Grant(
        "h@k.dk",
        "department_head",
        ("Socialforvaltningen",),
        (("Kultur- og Fritidsforvaltningen", "Biblioteker"),),
    )
    assert head.scope() == Scope.restricted(
        departments=("Socialforvaltningen",), units=("Biblioteker",)
    )
    assert (
        head.describe_scope()
        == "Socialforvaltningen; Kultur- og Fritidsforvaltningen / Biblioteker"
    )


def test_resolve_grant_names() -> None:
    whole = access.resolve_grant(
        "Chef@K.dk", "department_head", ["Socialforvaltningen"], [], CATALOGUE
    )
    assert whole.email == "chef@k.dk" and whole.departments == ("Socialforvaltningen",)
    unit = access.resolve_grant("c@k.dk", "department_head", [], ["Biblioteker"], CATALOGUE)
    assert unit.units == (("Kultur- og Fritidsforvaltningen", "Biblioteker"),)
    assert unit.departments == ()  # the unit only, not its department
    within = access.resolve_grant(
        "c@k.dk", "department_head", ["Socialforvaltningen"], ["Sekretariat"], CATALOGUE
    )
    assert within.units == (("Socialforvaltningen", "Sekretariat"),) and within.departments == ()


@pytest.mark.parametrize(
    ("role", "departments", "units", "words"),
    [
        ("department_head", ["Nowhere"], [], "known ones are: Kultur- og Fritidsforvaltningen, Socialforvaltningen and Økonomiforvaltningen"),
        ("department_head", [], ["Nowhere"], "known ones are: Biblioteker, Herberget and Sekretariat"),
        ("department_head", [], ["Sekretariat"], "more than one department"),
        ("department_head", ["Socialforvaltningen"], ["Biblioteker"], "Unknown unit 'Biblioteker' in Socialforvaltningen"),
        ("department_head", [], [], "at least one department or unit"),
        ("ombudsman", ["Socialforvaltningen"], [], "sees the whole municipality"),
    ],
)  # fmt: skip
def test_resolve_grant_refuses_in_one_sentence(role, departments, units, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AccessError) as refused:
        access.resolve_grant("c@k.dk", role, departments, units, CATALOGUE)
    sentence = str(refused.value)
    assert words in sentence
    assert sentence.count(". ") == 0 and sentence.endswith(".")


def test_refuses_a_bad_email() -> None:
    with pytest.raises(AccessError, match="not an e-mail address"):
        access.resolve_grant("nobody", "analyst", [], [], CATALOGUE)


def test_grant_matching_is_case_insensitive_and_the_store_wins_over_claims(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    settings = access.load_access_settings({"DASHBOARD_CLAIM_ROLES": "dash-ombud=ombudsman"})
    access.save_grant(
        db, Grant("chef@k.dk", "department_head", ("Socialforvaltningen",)), by="t", by_role="cli"
    )
    found = access.grant_for_claims(db, {"email": "Chef@K.DK", "roles": ["dash-ombud"]}, settings)
    assert found is not None and found.role == "department_head"
    claimed = access.grant_for_claims(db, {"email": "x@k.dk", "roles": ["dash-ombud"]}, settings)
    assert claimed is not None and claimed.role == "ombudsman"
    assert access.grant_for_claims(db, {"email": "x@k.dk", "roles": ["other"]}, settings) is None
    assert access.grant_for_claims(db, {"roles": ["dash-ombud"]}, settings) is None  # no email


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"DASHBOARD_SESSION_HOURS": "0"}, "DASHBOARD_SESSION_HOURS"),
        ({"DASHBOARD_SESSION_HOURS": "eight"}, "DASHBOARD_SESSION_HOURS"),
        ({"DASHBOARD_CLAIM_ROLES": "x=department_head"}, "DASHBOARD_CLAIM_ROLES"),
    ],
)
def test_bad_settings_are_one_sentence(env: dict[str, str], words: str) -> None:
    with pytest.raises(AccessError, match=words):
        access.load_access_settings(env)


def test_defaults() -> None:
    settings = access.load_access_settings({})
    assert settings.session_hours == 8 and not settings.contact and not settings.claim_roles


def test_the_audit_log_cannot_be_changed_or_deleted(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    access.log(db, AuditEntry(user="a@k.dk", role="analyst", scope="all", action="export", rows=3))
    with access.connect(db) as con:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("UPDATE audit SET user = 'b@k.dk'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("DELETE FROM audit")
    assert [r["rows"] for r in access.audit_rows(db)] == [3]


def test_revoke_is_logged_and_leaves_the_grant_log(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    access.save_grant(db, Grant("a@k.dk", "analyst"), by="cli:x", by_role="cli")
    assert access.revoke_grant(db, "A@k.dk", by="cli:x", by_role="cli")
    assert not access.revoke_grant(db, "a@k.dk", by="cli:x", by_role="cli")
    assert access.find_grant(db, "a@k.dk") is None
    assert [r["action"] for r in access.audit_rows(db)] == ["revoke", "revoke", "grant"]


def test_many_writers_at_once(tmp_path: Path) -> None:
    """Sessions (threads here) and the command line write the log at the same time."""
    db = tmp_path / "d.duckdb"
    access.log(db, AuditEntry(user="x", role="analyst", scope="all", action="sign_in"))

    def write(n: int) -> None:
        for i in range(50):
            access.log(
                db,
                AuditEntry(
                    user=f"u{n}", role="analyst", scope="all", action="page_view", page=str(i)
                ),
            )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(access.audit_rows(db, action="page_view")) == 200


def test_import_actors_from_the_log(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    access.log(
        db,
        AuditEntry(
            user="a@k.dk", role="analyst", scope="all", action="import", details={"import_id": 4}
        ),
    )
    access.log(
        db,
        AuditEntry(
            user="b@k.dk", role="admin", scope="all", action="undo", details={"import_id": 4}
        ),
    )
    assert access.import_actors(db) == {4: {"import": "a@k.dk", "undo": "b@k.dk"}}


def test_a_granted_unit_sharing_its_name_with_another_departments_unit_is_left_out() -> None:
    """The SQL macros match scope units by name, so the namesake would be shown: fail closed."""
    grant = Grant(
        "c@k.dk",
        "department_head",
        units=(("Socialforvaltningen", "Sekretariat"), ("Socialforvaltningen", "Herberget")),
    )
    assert grant.scope(CATALOGUE).units == ("Herberget",)
    with_both = Grant(
        "c@k.dk", "department_head", ("Kultur- og Fritidsforvaltningen",), grant.units
    )
    assert with_both.scope(CATALOGUE).units == ("Sekretariat", "Herberget")  # namesake granted too
    assert grant.scope().units == ("Sekretariat", "Herberget")  # without a catalogue: as granted
