"""CPR numbers in record ids become random tokens kept in the store (migration 007)."""

from __future__ import annotations

import re

import duckdb
import pytest

from dashboard import store
from dashboard.importer.pipeline import import_file
from dashboard.importer.pseudonym import Pseudonymiser
from dashboard.store import records, tokens
from dashboard.store.records import _sql
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


def test_ids_written_before_the_tokens_get_tokens_and_keep_their_records(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store whose ids hold the pseudonym (written before migration 007): each id gets a
    token, its rows hashes over the new id, and the same number in a later export still
    finds the same record, unchanged."""
    pseudo = Pseudonymiser(KEY)
    old = pseudo.pseudonym("0101901234")
    path = workbook(tmp_path / "a.xlsx", "0101901234", "SAG 020290-1234", "H-7")
    changed = workbook(tmp_path / "b.xlsx", "0101901234", note="anden")
    con = duckdb.connect()
    store.migrate(con, up_to=6)
    # the code before 007 stored the keys as the ids
    with monkeypatch.context() as before:
        before.setattr(records, "_with_id_tokens", lambda _con, _kind, frame: frame)
        # nor did it know the fields migration 009 added
        before.setattr(
            records, "record_columns", lambda kind: list(records.ROW_HASH_VERSIONS[kind][0])
        )
        import_file(con, path, pseudonymiser=pseudo)
        import_file(con, changed, pseudonymiser=pseudo)  # a second version of one record
    store.fetch_all(
        con,
        "INSERT INTO rejected_rows VALUES (2, 9, [$r], '{}')",
        {"r": f'Hændelses-ID "{old}" appears in rows 2, 3 with different content'},
    )
    assert old in stored_ids(con)
    store.migrate(con)
    ids = stored_ids(con)
    tokens = dict(store.fetch_all(con, "SELECT pseudonym, token FROM cpr_tokens"))
    assert set(tokens) == {old, pseudo.pseudonym("0202901234")}
    assert set(ids) == {"H-7", tokens[old], "SAG " + tokens[pseudo.pseudonym("0202901234")]}
    every_id = store.fetch_all(
        con,
        "SELECT incident_id FROM incidents_history UNION ALL SELECT record_id FROM incidents_imported",
    )
    assert not any(i.startswith("p_") or "p_" in i for (i,) in every_id)
    rows = store.fetch_all(con, _sql("SELECT row_hash = {hash_expr} FROM incidents", "incidents"))
    assert rows == [(True,)] * 3
    history = store.fetch_all(
        con, _sql("SELECT row_hash = {hash_expr} FROM incidents_history", "incidents")
    )
    assert history == [(True,)]
    (reasons,) = store.fetch_all(con, "SELECT reasons FROM rejected_rows")[0]
    assert reasons == ['Hændelses-ID "[CPR]" appears in rows 2, 3 with different content']
    again, _ = import_file(con, changed, pseudonymiser=pseudo)
    assert (again.stored_new, again.stored_updated, again.unchanged) == (0, 0, 1)
    records.undo_import(con, 2)  # undo still finds the versions by their new ids and hashes
    (note,) = store.fetch_all(
        con, "SELECT notes FROM incidents WHERE incident_id = $i", {"i": tokens[old]}
    )[0]
    assert note == "første"
    con.close()
