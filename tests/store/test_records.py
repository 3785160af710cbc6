"""Upsert, history, unchanged re-imports and undo, on hand-made records."""

from datetime import date

import polars as pl
import pytest

from dashboard import store
from dashboard.store.records import (
    ImportMeta,
    import_history,
    undo_import,
    with_row_hash,
    write_import,
)


def inquiries(*rows: tuple[str, str, date | None]) -> pl.DataFrame:
    """Inquiry records (id, department, answered_on) with fixed other fields."""
    return pl.DataFrame(
        {
            "inquiry_id": [r[0] for r in rows],
            "department": [r[1] for r in rows],
            "unit": [None] * len(rows),
            "inquiry_type": ["complaint"] * len(rows),
            "received_on": [date(2024, 1, 1)] * len(rows),
            "deadline_on": [date(2024, 1, 29)] * len(rows),
            "answered_on": [r[2] for r in rows],
            "citizen_ref": [None] * len(rows),
            "deadline_source": ["file"] * len(rows),
        },
        schema_overrides={"unit": pl.String, "citizen_ref": pl.String, "answered_on": pl.Date},
    )


def meta(name: str, n: int, *, demo: bool = False) -> ImportMeta:
    return ImportMeta("inquiries", name, "Ark1", 1, "hash-" + name, n, 0, 0, {}, is_demo=demo)


def current(con) -> dict[str, tuple]:
    rows = store.fetch_all(
        con, "SELECT inquiry_id, department, answered_on, import_id FROM inquiries"
    )
    return {r[0]: r[1:] for r in rows}


@pytest.fixture
def con():
    c = store.connect(":memory:")
    yield c
    c.close()


def write(con, name, frame, **kw):
    return write_import(con, with_row_hash(con, "inquiries", frame), meta(name, frame.height, **kw))


def test_new_then_unchanged_then_update_then_undo(con) -> None:
    first = write(con, "a.xlsx", inquiries(("Q1", "Soc", None), ("Q2", "Soc", None)))
    assert (first.stored_new, first.stored_updated, first.unchanged) == (2, 0, 0)

    again = write(con, "a.xlsx", inquiries(("Q1", "Soc", None), ("Q2", "Soc", None)))
    assert again.import_id is None and again.unchanged == 2
    assert import_history(con).height == 1  # an unchanged re-import writes nothing

    newer = write(con, "b.xlsx", inquiries(("Q1", "Soc", date(2024, 1, 10)), ("Q3", "Øko", None)))
    assert (newer.stored_new, newer.stored_updated, newer.unchanged) == (1, 1, 0)
    assert current(con)["Q1"] == ("Soc", date(2024, 1, 10), newer.import_id)
    versions = store.fetch_all(
        con, "SELECT count(*) FROM inquiries_history WHERE inquiry_id = 'Q1'"
    )
    assert versions == [(2,)]  # both versions kept

    assert newer.import_id is not None
    undo_import(con, newer.import_id)
    assert current(con) == {
        "Q1": ("Soc", None, first.import_id),
        "Q2": ("Soc", None, first.import_id),
    }
    assert store.fetch_all(con, "SELECT count(*) FROM inquiries_history") == [(2,)]
    with pytest.raises(LookupError):
        undo_import(con, newer.import_id)


def test_undo_of_an_older_import_keeps_newer_values(con) -> None:
    old = write(con, "old.xlsx", inquiries(("Q1", "Soc", None), ("Q2", "Soc", None)))
    new = write(con, "new.xlsx", inquiries(("Q1", "Soc", date(2024, 2, 1))))
    assert old.import_id is not None
    undo_import(con, old.import_id)
    # Q2 came only from the undone import; Q1's newest version stays
    assert current(con) == {"Q1": ("Soc", date(2024, 2, 1), new.import_id)}


def test_real_import_replaces_demo_data(con) -> None:
    write(con, "demo", inquiries(("D1", "Demo", None)), demo=True)
    real = write(con, "real.xlsx", inquiries(("Q1", "Soc", None)))
    assert real.demo_removed
    assert set(current(con)) == {"Q1"}
    history = import_history(con)
    assert history.filter(pl.col("is_demo"))["undone_at"].is_not_null().all()


def test_failed_write_leaves_store_untouched(con) -> None:
    write(con, "a.xlsx", inquiries(("Q1", "Soc", None)))
    bad = with_row_hash(con, "inquiries", inquiries(("Q9", "Soc", None))).with_columns(
        department=pl.lit(None, dtype=pl.String)  # violates NOT NULL
    )
    with pytest.raises(Exception):  # noqa: B017 - any database error must roll back
        write_import(con, bad, meta("bad.xlsx", 1))
    assert set(current(con)) == {"Q1"}
    assert import_history(con).height == 1
