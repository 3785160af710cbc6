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
    earlier = store.fetch_all(
        con, "SELECT answered_on, import_id FROM inquiries_history WHERE inquiry_id = 'Q1'"
    )
    assert earlier == [(None, first.import_id)]  # the replaced version is kept
    # a brand-new record is written once, to the current table only
    assert store.fetch_all(con, "SELECT count(*) FROM inquiries_history") == [(1,)]

    assert newer.import_id is not None
    undo_import(con, newer.import_id)
    assert current(con) == {
        "Q1": ("Soc", None, first.import_id),
        "Q2": ("Soc", None, first.import_id),
    }
    assert store.fetch_all(con, "SELECT count(*) FROM inquiries_history") == [(0,)]
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


def _model(imports: list[tuple[int, dict[str, date | None]]]) -> tuple[dict, set]:
    """What the store should hold for these active imports (oldest first).

    Current: each record's version in the newest import containing it. History: every other
    version an import contains, with the first import that contained it.
    """
    current_versions: dict[str, tuple[date | None, int]] = {}
    first: dict[tuple[str, date | None], int] = {}
    for import_id, rows in imports:
        for rid, answered in rows.items():
            current_versions[rid] = (answered, import_id)
            first.setdefault((rid, answered), import_id)
    history = {
        (rid, answered, import_id)
        for (rid, answered), import_id in first.items()
        if current_versions[rid][0] != answered
    }
    return {rid: ("Soc", *v) for rid, v in current_versions.items()}, history


def _history(con) -> set:
    rows = store.fetch_all(con, "SELECT inquiry_id, answered_on, import_id FROM inquiries_history")
    assert len(rows) == len(set(rows))
    return set(rows)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("legacy", [False, True])
def test_random_imports_and_undos_match_the_model(con, seed: int, legacy: bool) -> None:
    """Writes and undos in any order leave what the active imports alone would give.

    ``legacy``: the store also holds copies of current versions in the history, as stores
    written by earlier releases do; they may stay, but must not change the outcome.
    """
    import random

    rng = random.Random(seed)
    days = [None, date(2024, 3, 1), date(2024, 3, 2)]
    active: list[tuple[int, dict[str, date | None]]] = []
    for step in range(12):
        if active and rng.random() < 0.3:
            import_id, _ = active.pop(rng.randrange(len(active)))
            undo_import(con, import_id)
        else:
            rows = {f"Q{k}": rng.choice(days) for k in rng.sample(range(6), rng.randint(1, 5))}
            frame = inquiries(*((rid, "Soc", answered) for rid, answered in rows.items()))
            result = write(con, f"f{step}.xlsx", frame)
            if result.import_id is not None:  # None: every record unchanged, nothing written
                active.append((result.import_id, rows))
            if legacy:
                store.fetch_all(
                    con,
                    """INSERT INTO inquiries_history SELECT * FROM inquiries c
                    WHERE NOT EXISTS (SELECT 1 FROM inquiries_history h
                        WHERE h.inquiry_id = c.inquiry_id AND h.row_hash = c.row_hash)""",
                )
        expected_current, expected_history = _model(active)
        assert current(con) == expected_current
        if legacy:
            current_rows = {(rid, v[1]) for rid, v in expected_current.items()}
            extra = {(r, a) for r, a, _ in _history(con)} - {(r, a) for r, a, _ in expected_history}
            assert extra <= current_rows
        else:
            assert _history(con) == expected_history


def test_row_hash_in_parallel_batches_keeps_the_row_order(con, monkeypatch) -> None:
    """Hashing a frame in slices (scanned by several threads) gives each row its own hash."""
    from dashboard.store import records

    frame = inquiries(*((f"Q{k}", f"Dept {k % 7}", date(2024, 1, 1 + k % 28)) for k in range(500)))
    whole = with_row_hash(con, "inquiries", frame)["row_hash"].to_list()
    monkeypatch.setattr(records, "_HASH_BATCH_ROWS", 7)
    assert with_row_hash(con, "inquiries", frame)["row_hash"].to_list() == whole
    single = [
        with_row_hash(con, "inquiries", frame.slice(k, 1))["row_hash"][0] for k in (0, 250, 499)
    ]
    assert single == [whole[0], whole[250], whole[499]]


def _memory_limit(con) -> str:
    return str(store.fetch_all(con, "SELECT current_setting('memory_limit')")[0][0])


def _limits_seen_by_writes(monkeypatch) -> list[str]:
    """DuckDB's memory limit at the start of every write from now on (the list grows)."""
    import dashboard.store.records as records

    seen: list[str] = []
    real_write = records._write

    def spy(con, *args):
        seen.append(_memory_limit(con))
        return real_write(con, *args)

    monkeypatch.setattr(records, "_write", spy)
    return seen


def test_a_write_caps_duckdbs_memory_and_resets_it(con, monkeypatch) -> None:
    seen = _limits_seen_by_writes(monkeypatch)
    default = _memory_limit(con)
    write(con, "a.xlsx", inquiries(("Q1", "Social", None)))
    assert seen == ["256.0 MiB"] and _memory_limit(con) == default
    store.fetch_all(con, "SET memory_limit = '100MB'")  # a lower limit is left alone
    write(con, "b.xlsx", inquiries(("Q1", "Teknik", None)))
    assert seen[1] == _memory_limit(con) == "95.3 MiB"


def test_a_write_that_needs_more_memory_than_the_cap_is_repeated_without_it(
    tmp_path, monkeypatch
) -> None:
    import dashboard.store.records as records

    con = store.connect(tmp_path / "store.duckdb")  # a file: DuckDB can write blocks out
    monkeypatch.setattr(records, "WRITE_MEMORY_LIMIT_BYTES", 2 * 2**20)
    attempts = _limits_seen_by_writes(monkeypatch)
    n = 20_000
    frame = inquiries(*((f"Q{i}", f"Department {i % 7}", None) for i in range(n)))
    result = write(con, "big.xlsx", frame)
    assert attempts[0] == "2.0 MiB" and len(attempts) == 2  # failed capped, then uncapped
    assert result.stored_new == n
    assert store.fetch_all(con, "SELECT count(*) FROM inquiries") == [(n,)]
    assert store.fetch_all(con, "SELECT count(*) FROM imports") == [(1,)]  # written once
    assert _memory_limit(con) == _memory_limit(store.connect(":memory:"))  # reset
    con.close()


def test_no_cap_when_duckdb_cannot_shrink_to_it(con, monkeypatch) -> None:
    import dashboard.store.records as records

    monkeypatch.setattr(records, "WRITE_MEMORY_LIMIT_BYTES", 2**10)  # less than it holds
    result = write(con, "a.xlsx", inquiries(("Q1", "Social", None)))
    assert result.stored_new == 1
