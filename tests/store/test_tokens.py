"""CPR numbers in record ids become random tokens kept in the store (migration 007)."""

from __future__ import annotations

import re

import duckdb
import pytest

from dashboard import store
from dashboard.importer.pipeline import import_file, prepare
from dashboard.importer.pseudonym import Pseudonymiser
from dashboard.store import tokens
from dashboard.store.records import _sql, record_columns
from tests.importer.build import INCIDENT_HEADER, incident_row, make_xlsx

KEY = b"test-key-0123456789abcdef"
TOKEN = re.compile(r"cpr-[a-z]{16}")


def workbook(path, *ids: str, note: str = "første"):
    rows = [incident_row(n, **{"Hændelses-ID": i, "Bemærkninger": note}) for n, i in enumerate(ids)]
    return make_xlsx(path, {"Hændelser": [INCIDENT_HEADER, *rows]})


def stored_ids(con) -> list[str]:
    return [r[0] for r in store.fetch_all(con, "SELECT incident_id FROM incidents ORDER BY 1")]


@pytest.fixture
def con():
    c = store.connect(":memory:")
    yield c
    c.close()


def test_the_same_number_in_a_later_export_finds_its_record(con, tmp_path) -> None:
    pseudo = Pseudonymiser(KEY)
    import_file(
        con,
        workbook(tmp_path / "a.xlsx", "0101901234", "SAG 020290-1234", "H-7"),
        pseudonymiser=pseudo,
    )
    ids = stored_ids(con)
    assert (
        ids[0] == "H-7" and TOKEN.fullmatch(ids[2]) and re.fullmatch(r"SAG cpr-[a-z]{16}", ids[1])
    )
    # the same numbers spelled otherwise, and one record changed: the same records
    again, _ = import_file(
        con,
        workbook(tmp_path / "b.xlsx", "010190-1234", "SAG 0202901234", "H-7"),
        pseudonymiser=pseudo,
    )
    assert stored_ids(con) == ids
    assert (again.stored_new, again.stored_updated, again.unchanged) == (0, 0, 3)
    changed, _ = import_file(
        con, workbook(tmp_path / "c.xlsx", "101901234", note="anden"), pseudonymiser=pseudo
    )
    assert (changed.stored_new, changed.stored_updated) == (0, 1)
    assert stored_ids(con) == ids
    history = store.fetch_all(con, "SELECT incident_id FROM incidents_history")
    assert history == [(ids[2],)]


def test_stored_row_hashes_are_of_the_stored_ids(con, tmp_path) -> None:
    import_file(con, workbook(tmp_path / "a.xlsx", "0101901234"), pseudonymiser=Pseudonymiser(KEY))
    rows = store.fetch_all(con, _sql("SELECT row_hash = {hash_expr} FROM incidents", "incidents"))
    assert rows == [(True,)]


def test_two_stores_give_the_same_number_unrelated_tokens(tmp_path) -> None:
    path = workbook(tmp_path / "a.xlsx", "0101901234")
    seen = []
    for _ in range(2):
        with store.connect(":memory:") as c:
            import_file(c, path, pseudonymiser=Pseudonymiser(KEY))
            seen.append(stored_ids(c)[0])
    assert seen[0] != seen[1]


def test_an_import_that_fails_keeps_no_token(con) -> None:
    con.begin()
    tokens.tokens_for(con, ["p_" + "a" * 24])
    con.rollback()
    assert store.fetch_all(con, "SELECT count(*) FROM cpr_tokens") == [(0,)]


def test_ids_written_before_the_tokens_keep_their_records(tmp_path) -> None:
    """A store whose ids hold the pseudonym (written before migration 007) keeps them as
    tokens, so the same number in a later export still updates the same record."""
    pseudo = Pseudonymiser(KEY)
    old = pseudo.pseudonym("0101901234")
    path = workbook(tmp_path / "a.xlsx", "0101901234")
    prepared = prepare(path, pseudonymiser=pseudo)
    assert prepared.records["incident_id"].to_list() == [old]  # the key, before the store
    con = duckdb.connect()
    store.migrate(con, up_to=6)
    con.register("old_rows", prepared.records.select(record_columns("incidents")).to_arrow())
    store.fetch_all(
        con,
        "INSERT INTO imports VALUES (99, 'incidents', 'a.xlsx', 'x', 1, 'h', now()::TIMESTAMP,"
        " 1, 1, 0, 0, 0, 0, '{}', false, NULL)",
    )
    store.fetch_all(
        con,
        "INSERT INTO incidents SELECT *, 99, $h FROM old_rows",
        {"h": prepared.records["row_hash"][0]},
    )
    store.migrate(con)
    assert store.fetch_all(con, "SELECT pseudonym, token FROM cpr_tokens") == [(old, old)]
    report, _ = import_file(con, path, pseudonymiser=pseudo)
    assert stored_ids(con) == [old] and report.stored_new == 0 and report.unchanged == 1
    con.close()
