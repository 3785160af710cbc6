"""The DuckDB store: connecting, migrating, and small helpers that drain every result.

DuckDB 2.0 blocks a connection while a result from ``execute()`` is unread, so all reads
here go through :func:`fetch_all` / :func:`fetch_one`, which always drain the result.
A connection is not shared across threads: callers take a ``cursor()`` per thread.

The fetch helpers give the process-wide Polars lock up while DuckDB executes (see
``dashboard.components.polars_lock``, plain Python): in the dashboard a script run holds it,
and a slow query of one session must not stop the others. The Polars frame is made from
DuckDB's Arrow table with the lock held again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from dashboard.components.polars_lock import released
from dashboard.errors import DashboardError, error_message

Params = Mapping[str, Any] | None


def _migrations() -> list[tuple[int, str]]:
    """(version, SQL) for every migration file, in order."""
    folder = resources.files("dashboard.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql"):
            found.append((int(name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    versions = [version for version, _ in found]
    repeated = sorted({v for v in versions if versions.count(v) > 1})
    if repeated:
        # Two files with one number would both run, in an order nobody chose.
        raise RuntimeError(f"Migration version(s) {repeated} are used by more than one file.")
    return sorted(found)


LATEST_VERSION = _migrations()[-1][0]


def _macros() -> str:
    """The text of ``macros.sql``: every macro the queries read through."""
    return (resources.files("dashboard.store") / "macros.sql").read_text(encoding="utf-8")


def fetch_all(
    con: duckdb.DuckDBPyConnection, sql: str, params: Params = None
) -> list[tuple[Any, ...]]:
    """Run ``sql`` with named parameters and return every row (the result is drained)."""
    with released():
        return con.execute(sql, dict(params or {})).fetchall()


def fetch_one(
    con: duckdb.DuckDBPyConnection, sql: str, params: Params = None
) -> tuple[Any, ...] | None:
    """The first row of ``sql`` or ``None``; the result is drained either way."""
    rows = fetch_all(con, sql, params)
    return rows[0] if rows else None


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> pl.DataFrame:
    """Run ``sql`` with named parameters and return a Polars frame."""
    with released():  # DuckDB's work and its Arrow table: no Polars in it
        table = con.sql(sql, params=dict(params or {})).to_arrow_table()
    return pl.DataFrame(pl.from_arrow(table))


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the store, 0 for an empty database."""
    exists = fetch_one(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    )
    if not exists or exists[0] == 0:
        return 0
    row = fetch_one(con, "SELECT coalesce(max(version), 0) FROM schema_version")
    return int(row[0]) if row else 0


# The migration whose data step is Python: ids holding a CPR number's pseudonym get tokens.
_REKEY_VERSION = 7


def migrate(con: duckdb.DuckDBPyConnection, *, up_to: int | None = None) -> int:
    """Bring the schema to the latest version (or to ``up_to``: tests of a migration build
    the store it starts from), each migration in its own transaction.

    At the latest version the macros of ``macros.sql`` are defined when the store does not
    hold this very text yet (its SHA-256 is kept in ``macros_applied``): they are not part of
    any migration, so a changed macro needs no new schema version. Then, or when a migration
    ran, the summary tables are rebuilt with the current macros, since the summary is a
    function of the rules they hold (and a migration may change its columns).
    """
    fetch_all(
        con,
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)",
    )
    current = schema_version(con)
    migrated = False
    for version, sql in _migrations():
        if version <= current or (up_to is not None and version > up_to):
            continue
        con.begin()
        try:
            con.execute(sql)
            if version == _REKEY_VERSION:
                from dashboard.store.tokens import rekey_old_ids

                rekey_old_ids(con)
            fetch_all(
                con,
                "INSERT INTO schema_version VALUES ($v, $t)",
                {"v": version, "t": datetime.now(UTC).replace(tzinfo=None)},
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise
        current = version
        migrated = True
    if current == LATEST_VERSION:
        _apply_macros(con, force=migrated)
    return current


def _apply_macros(con: duckdb.DuckDBPyConnection, *, force: bool) -> None:
    """Define the macros of ``macros.sql`` and rebuild the summaries, unless the store holds
    exactly this text already (and ``force`` is false)."""
    text = _macros()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    fetch_all(con, "CREATE TABLE IF NOT EXISTS macros_applied (digest VARCHAR NOT NULL)")
    row = fetch_one(con, "SELECT max(digest) FROM macros_applied")
    if not force and row is not None and row[0] == digest:
        return
    con.begin()
    try:
        con.execute(text)
        refresh_summaries(con)
        fetch_all(con, "DELETE FROM macros_applied")
        fetch_all(con, "INSERT INTO macros_applied VALUES ($d)", {"d": digest})
        con.commit()
    except BaseException:
        con.rollback()
        raise


def connect(db_path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store (creating and migrating it unless ``read_only``).

    The store and its write-ahead log are readable by their owner only (0600): they hold
    pseudonyms and every note, and DuckDB creates them with the process's umask, the WAL
    again after every checkpoint. So the process's umask keeps group and others out from
    here on (for everything it writes later, too: the working directory, the key, an
    exported workbook), and a store made before is made private.
    """
    if str(db_path) != ":memory:":
        path = Path(db_path)
        private_files()
        path.parent.mkdir(parents=True, exist_ok=True)
        for existing in (path, path.with_name(path.name + ".wal")):
            if existing.is_file() and existing.stat().st_mode & 0o077:
                existing.chmod(0o600)
    con = _quiet(duckdb.connect(str(db_path), read_only=read_only))
    if not read_only:
        migrate(con)
    return con


def private_files() -> None:
    """From now on, files and folders this process creates are its owner's only."""
    os.umask(os.umask(0o077) | 0o077)


def scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB without the schema, for intermediate work (hashing rows)."""
    return _quiet(duckdb.connect())


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Turn off DuckDB's progress bar, which it draws on the process's stdout for any query
    over two seconds: on the command line it would break ``--json``'s one JSON object (a
    migration of a million records, or the write into a large store, takes that long).
    It is a per-connection setting; cursors inherit it."""
    con.execute("SET enable_progress_bar = false").fetchall()
    return con


class StoreBusyError(DashboardError):
    """The store is opened for writing by another process (DuckDB allows one writer)."""


class StoreUnusableError(DashboardError):
    """The store path is a folder, not a DuckDB database, or may not be written."""


def open_for_writing(db_path: str | Path, *, in_app: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store for writing; a lock held by another process, or a path that cannot
    hold the store, becomes one sentence (``in_app``: worded for the dashboard's reader,
    else for the command line)."""
    try:
        return connect(db_path)
    except (duckdb.IOException, OSError) as error:
        where = "app" if in_app else "cli"
        if "lock" in str(error).lower():
            raise StoreBusyError(error_message(f"store_busy_{where}", db=str(db_path))) from error
        raise StoreUnusableError(
            error_message(f"store_unusable_{where}", db=str(db_path))
        ) from error


def refresh_summaries(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the summary tables (migration 004) from the records they summarise.

    The store calls this inside the transaction of every import and undo; code that changes
    ``incidents`` by other means (a benchmark replicating rows, a test editing a record) must
    call it too, or the outcome counts will not see the change.
    """
    fetch_all(con, "DELETE FROM incident_summary")
    fetch_all(con, "INSERT INTO incident_summary SELECT * FROM all_incident_summary_rows()")


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store holds no incidents and no inquiries."""
    row = fetch_one(
        con, "SELECT (SELECT count(*) FROM incidents) + (SELECT count(*) FROM inquiries)"
    )
    return not row or row[0] == 0


def holds_real_data(con: duckdb.DuckDBPyConnection) -> bool:
    """True when an import of real (not demo) data is in the store and not undone."""
    row = fetch_one(con, "SELECT count(*) FROM imports WHERE NOT is_demo AND undone_at IS NULL")
    return bool(row and row[0])
