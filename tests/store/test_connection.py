import duckdb

from dashboard import store
from dashboard.contract import field_names


def test_migrate_creates_schema_once(tmp_path) -> None:
    db = tmp_path / "s.duckdb"
    con = store.connect(db)
    assert store.schema_version(con) == store.LATEST_VERSION
    con.close()
    con = store.connect(db)  # a second run applies nothing
    rows = store.fetch_all(con, "SELECT count(*) FROM schema_version")
    assert rows == [(store.LATEST_VERSION,)]
    assert store.is_empty(con)


def test_tables_carry_every_contract_field() -> None:
    con = store.connect(":memory:")
    for kind in ("incidents", "inquiries"):
        columns = [r[0] for r in store.fetch_all(con, f"DESCRIBE {kind}")]
        # fields added after the first schema are appended by ALTER TABLE (migration 009)
        assert set(field_names(kind)) <= set(columns)
        assert [c for c in columns if c in field_names(kind)][:5] == field_names(kind)[:5]
        history = [r[0] for r in store.fetch_all(con, f"DESCRIBE {kind}_history")]
        assert history == columns


def test_fetch_helpers_drain_results() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(5)")
    assert store.fetch_one(con, "SELECT x FROM t ORDER BY x") == (0,)
    # the connection is usable straight away: the result above was drained
    assert store.fetch_all(con, "SELECT count(*) FROM t WHERE x >= $m", {"m": 3}) == [(2,)]


def test_long_queries_draw_no_progress_bar(capfd) -> None:
    """DuckDB draws a progress bar on stdout for queries over two seconds; on the command
    line it would break --json's one JSON object. Every connection of the store, and its
    cursors, have it off; a quiet connection draws nothing even with a threshold of 0 s."""
    for con in (store.connect(":memory:"), store.scratch()):
        for c in (con, con.cursor()):
            assert store.fetch_all(c, "SELECT current_setting('enable_progress_bar')") == [(False,)]
        con.close()
    con = duckdb.connect()
    store.fetch_all(con, "SET progress_bar_time = 0")  # (this turns the bar on)
    store.fetch_all(con, "SELECT count(*) FROM range(20000000) t(x) WHERE x % 7 = 3")
    assert "%" in capfd.readouterr().out  # drawn: the check below can fail
    quiet = store._quiet(con)
    capfd.readouterr()  # (the SET itself ran under the bar)
    store.fetch_all(quiet, "SELECT count(*) FROM range(20000000) t(x) WHERE x % 7 = 3")
    assert capfd.readouterr().out == ""


def test_macros_are_applied_when_their_text_changes(tmp_path, monkeypatch) -> None:
    """macros.sql is applied when the store does not hold its text yet, and the summary, a
    function of the rules it holds, is rebuilt then; an unchanged text applies nothing."""
    from dashboard.store.records import ImportMeta, with_row_hash, write_import
    from tests.metrics.fixture import incident_frame

    def required(con) -> tuple:
        return store.fetch_one(con, "SELECT sum(work_accident_required) FROM incident_summary")

    path = tmp_path / "store.duckdb"
    con = store.connect(path)
    frame = incident_frame()  # no absence anywhere: nothing had to be notified
    meta = ImportMeta("incidents", "i.xlsx", "Ark1", 1, "h", frame.height, 0, 0, {})
    write_import(con, with_row_hash(con, "incidents", frame), meta)
    assert required(con) == (0,)
    con.close()
    original = store._macros()
    changed = original.replace(
        "WHEN absence_days >= 1 OR absence_from > occurred_on THEN true", "WHEN true THEN true"
    )
    assert changed != original
    monkeypatch.setattr(store, "_macros", lambda: changed)
    con = store.connect(path)
    assert required(con) == (frame.height,)  # the changed rule, applied to every incident
    con.close()
    rebuilt: list[object] = []
    monkeypatch.setattr(store, "refresh_summaries", rebuilt.append)
    store.connect(path).close()
    assert rebuilt == []  # the same text again: nothing applied, nothing rebuilt
