"""Migrations that rewrite stored data, checked on a store built at the version before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from importlib import resources

import duckdb
import polars as pl
import pytest

from dashboard import store
from dashboard.contract import ID_FIELD, Kind
from dashboard.demo import generate_demo
from dashboard.store import records
from dashboard.store.records import (
    ImportMeta,
    record_columns,
    undo_import,
    with_row_hash,
    write_import,
)

KINDS: tuple[Kind, ...] = ("incidents", "inquiries")
Frames = dict[str, tuple[pl.DataFrame, pl.DataFrame]]


def _old_columns(kind: Kind) -> list[str]:
    """The content columns of schema versions 1-8 (before migration 009 added two fields):
    exactly version 1 of the row hash."""
    return list(records.ROW_HASH_VERSIONS[kind][0])


def _with_later(frame: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """``frame`` with the fields added since, empty, in the current column order."""
    later = [c for c in record_columns(kind) if c not in frame.columns]
    return frame.with_columns(pl.lit(None).alias(c) for c in later).select(record_columns(kind))


def _sha256_expression(kind: Kind) -> str:
    """The row hash of schema versions 1-5, as records.py computed it then."""
    parts = ", ".join(f"coalesce({c}::VARCHAR, '\\N')" for c in _old_columns(kind))
    return f"sha256(concat_ws(chr(31), {parts}))"


def _write(con: duckdb.DuckDBPyConnection, kind: Kind, name: str, frame: pl.DataFrame):
    meta = ImportMeta(kind, name, "Ark1", 1, "hash-" + name, frame.height, 0, 0, {})
    return write_import(con, with_row_hash(con, kind, frame), meta)


def _stored(con: duckdb.DuckDBPyConnection, table: str, kind: Kind) -> pl.DataFrame:
    return store.fetch_frame(con, f"SELECT {', '.join(_old_columns(kind))}, row_hash FROM {table}")


def _import_contents(con: duckdb.DuckDBPyConnection, kind: Kind) -> list[tuple]:
    """Every (import, record, content of the version it contained), found through row_hash."""
    cols = ", ".join(f"v.{c}" for c in _old_columns(kind))
    rows = store.fetch_all(
        con,
        f"""SELECT i.import_id, i.record_id, {cols}
        FROM {kind}_imported i
        JOIN (SELECT * FROM {kind} UNION ALL BY NAME SELECT * FROM {kind}_history) v
          ON v.{ID_FIELD[kind]} = i.record_id AND v.row_hash = i.row_hash""",
    )
    return sorted(set(rows), key=repr)


@pytest.fixture
def v5_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[duckdb.DuckDBPyConnection, Frames]]:
    """A store at schema version 5 (hex SHA-256 row hashes), written by that version's code:
    two imports per kind (the second changes every third record, so history has versions)
    and a third import, undone."""
    con = duckdb.connect()
    store.migrate(con, up_to=5)
    monkeypatch.setattr(records, "_hash_expression", _sha256_expression)
    monkeypatch.setattr(records, "record_columns", _old_columns)
    demo = generate_demo(7, start=date(2024, 1, 1), end=date(2024, 3, 31), scale=0.05)
    given = {
        "incidents": demo.incidents.select(_old_columns("incidents")),
        "inquiries": demo.inquiries.with_columns(deadline_source=pl.lit("file")).select(
            _old_columns("inquiries")
        ),
    }
    frames: Frames = {}
    for kind in KINDS:
        first = given[kind]
        column = "notes" if kind == "incidents" else "unit"
        every_third = pl.int_range(pl.len()) % 3 == 0
        second = first.with_columns(
            pl.when(every_third).then(pl.lit("rettet")).otherwise(pl.col(column)).alias(column)
        )
        _write(con, kind, "first.xlsx", first)
        _write(con, kind, "second.xlsx", second)
        third = _write(
            con, kind, "third.xlsx", second.head(5).with_columns(pl.lit("x").alias(column))
        )
        undo_import(con, third.import_id)
        frames[kind] = (first, second)
    monkeypatch.undo()
    assert store.schema_version(con) == 5
    yield con, frames
    con.close()


def test_006_recomputes_every_stored_hash(v5_store) -> None:
    con, _ = v5_store
    store.migrate(con)
    for kind in KINDS:
        for table in (kind, f"{kind}_history"):
            stored = _stored(con, table, kind)
            assert stored.height > 0
            assert stored.schema["row_hash"] == pl.UInt64
            expected = with_row_hash(con, kind, _with_later(stored.drop("row_hash"), kind))[
                "row_hash"
            ]
            assert stored["row_hash"].to_list() == expected.to_list(), table


def test_006_keeps_which_version_each_import_contained(v5_store) -> None:
    con, _ = v5_store
    before = {kind: _import_contents(con, kind) for kind in KINDS}
    counts = {k: store.fetch_one(con, f"SELECT count(*) FROM {k}_imported") for k in KINDS}
    store.migrate(con)
    for kind in KINDS:
        assert store.fetch_one(con, f"SELECT count(*) FROM {kind}_imported") == counts[kind]
        assert before[kind], kind
        assert _import_contents(con, kind) == before[kind]
        dtype = store.fetch_one(
            con,
            f"SELECT data_type FROM information_schema.columns "
            f"WHERE table_name = '{kind}_imported' AND column_name = 'row_hash'",
        )
        assert dtype == ("UBIGINT",)


def test_006_store_goes_on_working(v5_store) -> None:
    """After the migration an identical re-import is unchanged, and undoing the second
    import restores the first versions (found through the migrated hashes)."""
    con, frames = v5_store
    store.migrate(con)
    for kind in KINDS:
        first, second = frames[kind]
        again = _write(con, kind, "second-again.xlsx", _with_later(second, kind))
        assert (again.stored_new, again.stored_updated, again.unchanged) == (0, 0, second.height)
        ids = store.fetch_all(
            con, "SELECT import_id FROM imports WHERE kind = $k AND undone_at IS NULL", {"k": kind}
        )
        for (import_id,) in sorted(ids)[1:]:  # all but the first
            undo_import(con, import_id)
        restored = _stored(con, kind, kind).drop("row_hash").sort(ID_FIELD[kind])
        assert restored.equals(first.sort(ID_FIELD[kind]), null_equal=True)


def test_006_spells_out_the_hash_expression_of_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Migration 006 writes the row hash out for each kind; it must be the code's version 1
    (later versions add only columns that are empty in every record 006 rehashed)."""
    sql = (
        resources.files("dashboard.store") / "migrations" / "006_row_hash_as_integer.sql"
    ).read_text(encoding="utf-8")
    compact = re.sub(r"\s+", "", sql)
    for kind in KINDS:
        monkeypatch.setitem(records.ROW_HASH_VERSIONS, kind, records.ROW_HASH_VERSIONS[kind][:1])
        expression = re.sub(r"\s+", "", records._hash_expression(kind))
        assert compact.count(expression) == 3, kind  # rehash table, current, history


def test_a_store_of_the_old_code_opens_with_the_macros_of_today(v5_store) -> None:
    """008 drops the macros 002-005 created; the macros of macros.sql replace them on
    connect, and the summary is rebuilt with the new columns from the stored incidents."""
    from dashboard import queries
    from dashboard.metrics.filters import ALL, Filters, query_params

    con, frames = v5_store
    assert store.fetch_one(
        con, "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'without_prior_warning'"
    ) == (1,)
    store.migrate(con)
    names = {r[0] for r in store.fetch_all(con, "SELECT function_name FROM duckdb_functions()")}
    assert "without_prior_warning" not in names  # gone: the rule is prior_warning now
    assert {"in_scope", "prior_warning", "work_accident_required", "filtered_incidents"} <= names
    incidents = frames["incidents"][1].height
    assert store.fetch_one(con, "SELECT sum(incidents) FROM incident_summary") == (incidents,)
    counts = queries.run(
        con, "incident_outcomes_by_group_stratum", query_params(Filters(), ALL, group_by="unit")
    )
    assert int(counts["incidents"].sum()) == incidents
    assert (
        counts["police_with_prior_warning"]
        + counts["police_without_prior_warning"]
        + counts["police_prior_warning_unknown"]
        == counts["police_reports"]
    ).all()


def test_every_migration_has_a_version_of_its_own() -> None:
    names = [
        entry.name
        for entry in (resources.files("dashboard.store") / "migrations").iterdir()
        if entry.name.endswith(".sql")
    ]
    versions = [int(name.split("_", 1)[0]) for name in names]
    assert len(versions) == len(set(versions)), sorted(names)
