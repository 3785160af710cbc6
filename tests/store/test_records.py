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


def test_row_hash_covers_every_stored_content_column_once() -> None:
    """A field added to the contract must join ROW_HASH_VERSIONS (as a new version), or
    changes to it would go unseen on re-import."""
    from dashboard.store.records import ROW_HASH_VERSIONS, record_columns, row_hash_columns

    for kind in ROW_HASH_VERSIONS:
        columns = row_hash_columns(kind)
        assert len(columns) == len(set(columns)), kind
        assert set(columns) == set(record_columns(kind)), kind


def test_row_hash_is_md5_of_the_typed_text(con) -> None:
    """The hash of one record, computed by hand with hashlib: 64 bits of MD5 over the fields'
    text joined by chr(31), an empty field as \\N (the definition in records.py and migration
    006). DuckDB's md5_number_upper is the digest's first 8 bytes read little-endian: checked
    on RFC 1321's test vector, MD5("abc") = 900150983cd24fb0d6963f7d28e17f72."""
    import hashlib

    assert store.fetch_all(con, "SELECT md5_number_upper('abc')") == [
        (int.from_bytes(bytes.fromhex("900150983cd24fb0"), "little"),)
    ]

    frame = inquiries(("Q1", "Soc", date(2024, 1, 10)))
    text = "\x1f".join(
        ["Q1", "Soc", "\\N", "complaint", "2024-01-01", "2024-01-29", "2024-01-10", "\\N", "file"]
    )
    expected = int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "little")
    assert with_row_hash(con, "inquiries", frame)["row_hash"][0] == expected


# The two optional incident fields version 2 of the row hash added (migration 009).
_LATER = {"absence_from": pl.Date, "documented_by": pl.String}


def _version_1_hashes(con, monkeypatch, frame: pl.DataFrame) -> dict[str, int]:
    """The row hashes the code before version 2 gave ``frame`` (without the later fields)."""
    from dashboard.store import records

    with monkeypatch.context() as patch:
        patch.setitem(
            records.ROW_HASH_VERSIONS, "incidents", records.ROW_HASH_VERSIONS["incidents"][:1]
        )
        patch.setattr(
            records,
            "record_columns",
            lambda kind: [c for c in records.row_hash_columns(kind)],
        )
        hashed = with_row_hash(con, "incidents", frame.drop(*_LATER))
    return dict(zip(hashed["incident_id"], hashed["row_hash"], strict=True))


def _incident_meta(name: str, n: int) -> ImportMeta:
    return ImportMeta("incidents", name, "Ark1", 1, "hash-" + name, n, 0, 0, {})


def test_a_later_optional_field_keeps_stored_hashes(con, monkeypatch) -> None:
    """A store written before two optional fields joined the hash: re-imported with those
    fields empty every record is unchanged (nothing rehashed, nothing written); a value in
    a new field is a change, and undoing that import restores the earlier version."""
    from dashboard.demo import generate_demo
    from dashboard.store.records import record_columns

    demo = generate_demo(3, start=date(2024, 1, 1), end=date(2024, 2, 29), scale=0.05)
    empty = demo.incidents.select(record_columns("incidents")).with_columns(
        [pl.lit(None, dtype=dtype).alias(name) for name, dtype in _LATER.items()]
    )
    before = empty
    first = write_import(
        con, with_row_hash(con, "incidents", before), _incident_meta("a.xlsx", before.height)
    )
    stored = dict(store.fetch_all(con, "SELECT incident_id, row_hash FROM incidents"))
    # the hashes are those the code before version 2 wrote: such a store needs no rehash
    assert _version_1_hashes(con, monkeypatch, before) == stored

    rehashed = with_row_hash(con, "incidents", empty)
    again = write_import(con, rehashed, _incident_meta("a-again.xlsx", empty.height))
    assert (again.import_id, again.stored_new, again.stored_updated) == (None, 0, 0)
    assert again.unchanged == before.height

    n = before.height
    changed = empty.with_columns(
        absence_from=pl.when(pl.int_range(n) == 0).then(date(2024, 3, 1)),
        documented_by=pl.when(pl.int_range(n) == 1).then(pl.lit("hr")),
    )
    later = write_import(con, with_row_hash(con, "incidents", changed), _incident_meta("b.xlsx", n))
    assert (later.stored_new, later.stored_updated, later.unchanged) == (0, 2, n - 2)
    ids = before["incident_id"]
    assert store.fetch_all(
        con,
        "SELECT incident_id, absence_from, documented_by FROM incidents "
        "WHERE absence_from IS NOT NULL OR documented_by IS NOT NULL ORDER BY incident_id",
    ) == sorted([(ids[0], date(2024, 3, 1), None), (ids[1], None, "hr")])

    assert later.import_id is not None
    undo_import(con, later.import_id)
    assert dict(store.fetch_all(con, "SELECT incident_id, row_hash FROM incidents")) == stored
    assert store.fetch_all(
        con, "SELECT DISTINCT import_id, absence_from, documented_by FROM incidents"
    ) == [(first.import_id, None, None)]


def test_later_fields_are_told_apart(con, monkeypatch) -> None:
    """The same text in one later field or the other gives different hashes (each enters as
    its name and its text), and both empty gives the hash from before they were added."""
    from dashboard.store import records

    base = inquiries(("Q1", "Soc", None))
    before = with_row_hash(con, "inquiries", base)["row_hash"][0]
    monkeypatch.setitem(
        records.ROW_HASH_VERSIONS,
        "inquiries",
        (*records.ROW_HASH_VERSIONS["inquiries"], ("note_a", "note_b")),
    )
    frames = [
        base.with_columns(note_a=pl.lit(a, pl.String), note_b=pl.lit(b, pl.String))
        for a, b in ((None, None), ("x", None), (None, "x"), ("x", "x"))
    ]
    hashes = [with_row_hash(con, "inquiries", f)["row_hash"][0] for f in frames]
    assert len(set(hashes)) == 4
    assert hashes[0] == before


def test_a_write_duckdb_cannot_do_is_one_sentence_and_changes_nothing(tmp_path) -> None:
    """Memory too small for the write even without the cap (as on a starved server): the
    import is a StoreWriteError, and rolled back."""
    from dashboard.demo import generate_demo
    from dashboard.store.records import StoreWriteError, record_columns

    con = store.connect(tmp_path / "store.duckdb")
    demo = generate_demo(3, start=date(2024, 1, 1), end=date(2024, 6, 30), scale=0.3)
    frame = demo.incidents.select(record_columns("incidents"))
    hashed = with_row_hash(con, "incidents", frame)
    kept = write_import(con, hashed.head(10), _incident_meta("small.xlsx", 10))
    store.fetch_all(con, "CHECKPOINT")  # so that DuckDB can give its buffers back
    store.fetch_all(con, "SET memory_limit = '1MB'")
    try:
        with pytest.raises(StoreWriteError) as caught:
            write_import(con, hashed, _incident_meta("large.xlsx", frame.height))
    finally:
        store.fetch_all(con, "RESET memory_limit")
    assert "nothing was changed" in caught.value.sentence
    assert "intet er ændret" in caught.value.sentence_in("da")
    assert store.fetch_all(con, "SELECT count(*) FROM incidents") == [(10,)]
    assert import_history(con)["import_id"].to_list() == [kept.import_id]
    con.close()
