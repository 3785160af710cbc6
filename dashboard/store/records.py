"""Writing imported records: upsert with history, per-import membership, and undo.

Tables per kind (``incidents`` shown): ``incidents`` holds the current version of each
record; ``incidents_history`` every earlier version (one that an active import contains but
that is not current), keyed by (id, row_hash), with the import that first wrote it;
``incidents_imported`` which version of which record each import contained. The current
version of a record is the one in the newest active import that contains it, so undoing an
import (deleting its membership rows) restores exactly what the store would hold had that
import never happened.

A brand-new record is written once, to the current table; only when a newer import replaces
it does its old version move to the history. (Earlier releases copied every version to the
history as it was imported; stores written by them still hold copies of current versions
there, which is harmless: every statement below tolerates them.)

Table and column names below come from a closed list per kind (never from input); every
value is a named parameter.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import duckdb
import polars as pl
import pyarrow as pa

from dashboard import cpr, store
from dashboard.contract import ID_FIELD, Kind, field_names
from dashboard.errors import DashboardError, error_message
from dashboard.store import fetch_all, fetch_frame, fetch_one, refresh_summaries, tokens

log = logging.getLogger(__name__)
T = TypeVar("T")

# Columns stored besides the contract fields, per kind (before import_id and row_hash).
EXTRA_COLUMNS: dict[Kind, tuple[str, ...]] = {"incidents": (), "inquiries": ("deadline_source",)}


def record_columns(kind: Kind) -> list[str]:
    """The content columns of a kind: contract fields plus derived ones (hashed together)."""
    return [*field_names(kind), *EXTRA_COLUMNS[kind]]


def _sql(template: str, kind: Kind) -> str:
    """Fill identifier slots ({t}, {id}, {cols}, {s_cols}, ...) from the closed list for ``kind``.

    ``{into}`` names the target columns of an INSERT into a record table, so that a column
    added later by ``ALTER TABLE ... ADD COLUMN`` (placed after ``row_hash``) is filled by name.
    """
    cols = record_columns(kind)
    return template.format(
        t=kind,
        id=ID_FIELD[kind],
        cols=", ".join(cols),
        s_cols=", ".join(f"s.{c}" for c in cols),
        h_cols=", ".join(f"h.{c}" for c in cols),
        c_cols=", ".join(f"c.{c}" for c in cols),
        hash_expr=_hash_expression(kind),
        into=f"({', '.join(cols)}, import_id, row_hash)",
    )


def arrow_view(frame: pl.DataFrame) -> pa.Table:
    """``frame`` for DuckDB without copying: Arrow with string views, as Polars holds strings.

    Handing DuckDB the Polars frame itself converts every string column to Arrow's classic
    layout first, a full copy (280 MB more for a million incident records, and 0.3 s).
    """
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


# The columns the row hash covers, per kind, as versions that only ever append. Version 1 is
# the list migration 006 hashed. A later version names optional columns added to the contract
# after it; each enters the hash (as its name and typed text) only when it is not null. So a
# record whose later columns are all empty has the same hash under every version, and a store
# written before a version was added needs no rehash: its records stay "unchanged" on re-import
# until a file gives a value in a new column. A new optional field is added by appending a
# version here and a migration that adds the column as NULL (``ALTER TABLE ... ADD COLUMN``);
# a test fails when a stored content column is in no version. The list is fixed here rather
# than taken from the contract, so that reordering or renaming fields cannot change a hash.
ROW_HASH_VERSIONS: dict[Kind, tuple[tuple[str, ...], ...]] = {
    "incidents": (
        (
            "incident_id",
            "case_id",
            "department",
            "unit",
            "occurred_on",
            "registered_on",
            "channel",
            "harassment_type",
            "severity",
            "citizen_ref",
            "employee_ref",
            "documented",
            "documentation_form",
            "warning_given",
            "warning_on",
            "police_reported",
            "police_reported_on",
            "decided_by",
            "work_accident_reported",
            "work_accident_reported_on",
            "absence_days",
            "notes",
        ),
        # version 2 (migration 009): the first day of absence and who documented
        ("absence_from", "documented_by"),
    ),
    "inquiries": (
        (
            "inquiry_id",
            "department",
            "unit",
            "inquiry_type",
            "received_on",
            "deadline_on",
            "answered_on",
            "citizen_ref",
            "deadline_source",
        ),
    ),
}


def row_hash_columns(kind: Kind) -> list[str]:
    """Every column the row hash of ``kind`` covers, over all versions, in hash order."""
    return [c for version in ROW_HASH_VERSIONS[kind] for c in version]


def _hash_expression(kind: Kind) -> str:
    """SQL for a stable content hash of a row: the upper 64 bits of MD5 over the typed text
    of the columns of ``ROW_HASH_VERSIONS``, a UBIGINT.

    Version 1's columns are always hashed, an empty one as ``\\N``; a later version's column
    only when it is not null, as its name, chr(30) and its text (``concat_ws`` skips NULL, and
    ``||`` with NULL is NULL), so an empty later column adds nothing and two later columns
    cannot be mistaken for one another. It is compared only between versions of one record
    id, so 64 bits leave a chance of 1 in 1.8e19 that a changed record looks unchanged; it
    detects changes inside the store and guards nothing. It replaced a SHA-256 in hex
    (migration 006), whose 64 incompressible characters per record (stored again per import
    in ``*_imported``) made the commit of a 100k-row import 0.17 s slower and the store 22%
    larger. Migration 006 spells version 1 out for each kind; a test keeps the two the same.
    """
    first, *later = ROW_HASH_VERSIONS[kind]
    parts = [f"coalesce({c}::VARCHAR, '\\N')" for c in first]
    parts += [f"'{c}' || chr(30) || {c}::VARCHAR" for version in later for c in version]
    return f"md5_number_upper(concat_ws(chr(31), {', '.join(parts)}))"


_HASH_BATCH_ROWS = 16_384


def with_row_hash(
    con: duckdb.DuckDBPyConnection, kind: Kind, records: pl.DataFrame
) -> pl.DataFrame:
    """``records`` (the kind's content columns) with a ``row_hash`` column computed in DuckDB.

    Only the hash comes back; a plain projection keeps the rows' order in DuckDB
    (``preserve_insertion_order``, on by default and checked here).
    """
    # DuckDB scans an Arrow source in parallel by record batch, so a frame of one chunk is
    # hashed by one thread; zero-copy slices let every thread work (twice as fast on two cores).
    source = (
        pl.concat(
            [
                records.slice(at, _HASH_BATCH_ROWS)
                for at in range(0, records.height, _HASH_BATCH_ROWS)
            ],
            rechunk=False,
        )
        if records.height > _HASH_BATCH_ROWS
        else records
    )
    cur = con.cursor()
    try:
        assert fetch_all(cur, "SELECT current_setting('preserve_insertion_order')") == [(True,)]
        cur.register("hash_input", arrow_view(source))
        hashes = fetch_frame(cur, _sql("SELECT {hash_expr} AS row_hash FROM hash_input", kind))
    finally:
        cur.close()
    assert hashes.height == records.height
    return records.with_columns(hashes["row_hash"])


WRITE_MEMORY_LIMIT_BYTES = 256 * 2**20


@contextlib.contextmanager
def bounded_memory(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Cap DuckDB's memory at ``WRITE_MEMORY_LIMIT_BYTES`` (if lower) while an import is written.

    DuckDB's default is 80% of the machine's memory, and it keeps what it writes in its
    buffers up to that: writing a million incident records into a new store took 680 MB more,
    with this cap 330 MB more and about the same time (it writes blocks out instead). The setting belongs to the
    database, not the connection, so it is reset afterwards (to DuckDB's default: the app sets
    no other limit, and a limit already lower is left alone).
    """
    row = fetch_one(con, "SELECT current_setting('memory_limit')")
    before = str(row[0]) if row else ""
    lower = _bytes(before) > WRITE_MEMORY_LIMIT_BYTES
    if lower:
        try:
            fetch_all(con, "SET memory_limit = $limit", {"limit": f"{WRITE_MEMORY_LIMIT_BYTES}B"})
        except duckdb.OutOfMemoryException:  # DuckDB holds more that it cannot write out
            lower = False
    try:
        yield
    finally:
        if lower:
            fetch_all(con, "RESET memory_limit")


def _within_memory_cap(con: duckdb.DuckDBPyConnection, write: Callable[[], T]) -> T:
    """Run a write transaction under ``bounded_memory``; once more without it if that is too
    little (a large store's indexes must fit: the write then costs what it did before)."""
    with bounded_memory(con):
        try:
            return write()
        except duckdb.Error as error:
            if not _out_of_memory(error):
                raise
            log.info(
                "write needed more than %s bytes; repeated without the cap",
                WRITE_MEMORY_LIMIT_BYTES,
            )
    return write()


def _written(write: Callable[[], T]) -> T:
    """Run a write transaction; DuckDB running out of room (a full disk or a file it cannot
    write, memory exhausted even without the cap) is a :class:`StoreWriteError`. The
    transaction was rolled back, so the store is as it was; DuckDB's own text is logged. Any
    other DuckDB error (a constraint, a statement) is a bug and propagates."""
    try:
        return write()
    except duckdb.Error as error:
        if not (isinstance(error, duckdb.IOException) or _out_of_memory(error)):
            raise
        log.error("write failed: %s", error)
        raise StoreWriteError(error_message("store_write_failed")) from error


def _out_of_memory(error: duckdb.Error) -> bool:
    """DuckDB could not stay within its memory limit (raised as such, or when committing)."""
    text = str(error).lower()
    return isinstance(error, duckdb.OutOfMemoryException) or "failed to pin block" in text


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, unless DuckDB has already ended the transaction (a failed commit does)."""
    try:
        con.rollback()
    except duckdb.TransactionException as error:
        if "no transaction is active" not in str(error):
            raise


def _bytes(setting: str) -> float:
    """DuckDB's rendering of a memory setting ("488.2 MiB", "18.8 GiB") in bytes; 0 if unknown."""
    scale = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
    number, _, unit = setting.partition(" ")
    try:
        return float(number) * scale[unit]
    except (ValueError, KeyError):
        return 0.0


class ImportNotFoundError(DashboardError, LookupError):
    """Undo of an import that does not exist or has already been undone."""


class StoreWriteError(DashboardError):
    """An import or undo could not be written; nothing of it was."""


@dataclass(frozen=True)
class ImportMeta:
    """What is recorded about one import."""

    kind: Kind
    file_name: str
    sheet: str | None
    header_row: int | None
    content_hash: str
    rows_read: int
    exact_duplicates: int
    rejected: int
    mapping: dict[str, str]
    is_demo: bool = False


@dataclass(frozen=True)
class WriteResult:
    """Outcome of writing one import's records."""

    import_id: int | None  # None when nothing was written (every record unchanged)
    stored_new: int
    stored_updated: int
    unchanged: int
    demo_removed: bool = False


def active_demo_imports(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Ids of demo imports that have not been undone."""
    rows = fetch_all(
        con, "SELECT import_id FROM imports WHERE is_demo AND undone_at IS NULL ORDER BY import_id"
    )
    return [r[0] for r in rows]


def holds_demo_data(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the current records come (in part) from the demo generator."""
    return bool(active_demo_imports(con))


def write_import(
    con: duckdb.DuckDBPyConnection,
    records: pl.DataFrame,
    meta: ImportMeta,
    rejected: pl.DataFrame | None = None,
) -> WriteResult:
    """Upsert ``records`` (unique ids, content columns + row_hash) as one transaction.

    Real data replaces demo data: active demo imports are undone in the same transaction.
    When every record equals its current version nothing is written at all.
    ``rejected`` has columns row_number (int), reasons (list[str]), raw (JSON text).
    """
    return _written(
        lambda: _within_memory_cap(con, lambda: _write_import(con, records, meta, rejected))
    )


def _write_import(
    con: duckdb.DuckDBPyConnection,
    records: pl.DataFrame,
    meta: ImportMeta,
    rejected: pl.DataFrame | None,
) -> WriteResult:
    con.begin()
    try:
        # a file of rejected rows only leaves the demo data in place: it brings no records
        demos = [] if meta.is_demo or records.height == 0 else active_demo_imports(con)
        undone_kinds = {_undo(con, demo_id)[0] for demo_id in demos}
        demo_removed = bool(demos)
        records = _with_id_tokens(con, meta.kind, records)
        result = _write(con, records, meta, rejected, demo_removed)
        if result.import_id is None and not demo_removed:
            con.rollback()
        else:
            if "incidents" in {meta.kind, *undone_kinds}:
                refresh_summaries(con)
            con.commit()
        return result
    except BaseException:
        _rollback(con)
        raise
    finally:
        for name in ("staging", "rejected_staging"):
            try:
                con.unregister(name)
            except duckdb.Error:
                pass


def _with_id_tokens(
    con: duckdb.DuckDBPyConnection, kind: Kind, records: pl.DataFrame
) -> pl.DataFrame:
    """``records`` with the pseudonym keys in their ids replaced by the store's tokens (see
    :mod:`dashboard.store.tokens`), and those rows' hashes computed again over the ids
    they are stored with. Most files have no CPR-shaped id: they are returned as they are."""
    id_field = ID_FIELD[kind]
    keyed = records[id_field].cast(pl.String).str.contains(tokens.PSEUDONYM_IN_ID.pattern)
    if not keyed.any():
        return records
    changed = records.filter(keyed)
    ids: list[str] = changed[id_field].cast(pl.String).to_list()
    found = tokens.tokens_for(con, (k for i in ids for k in tokens.PSEUDONYM_IN_ID.findall(i)))
    content = changed.select(
        pl.col(c).cast(pl.String) if changed.schema[c] == pl.Categorical else pl.col(c)
        for c in record_columns(kind)
    ).with_columns(
        pl.Series(id_field, [tokens.replace_keys(i, found) for i in ids], dtype=pl.String)
    )
    with store.scratch() as scratch:
        rehashed = with_row_hash(scratch, kind, content)
    kept = records.filter(~keyed)
    return pl.concat([kept, rehashed.select(kept.columns).cast(kept.schema)], how="vertical")


def _write(
    con: duckdb.DuckDBPyConnection,
    records: pl.DataFrame,
    meta: ImportMeta,
    rejected: pl.DataFrame | None,
    demo_removed: bool,
) -> WriteResult:
    kind = meta.kind
    con.register("staging", arrow_view(records))
    fetch_all(
        con,
        _sql(
            """CREATE OR REPLACE TEMP TABLE staging_status AS
            SELECT s.{id} AS record_id,
                   CASE WHEN c.{id} IS NULL THEN 'new'
                        WHEN c.row_hash <> s.row_hash THEN 'updated'
                        ELSE 'unchanged' END AS status
            FROM staging s LEFT JOIN {t} c ON c.{id} = s.{id}""",
            kind,
        ),
    )
    counts = dict(fetch_all(con, "SELECT status, count(*) FROM staging_status GROUP BY status"))
    new, updated, unchanged = (int(counts.get(k, 0)) for k in ("new", "updated", "unchanged"))
    # Nothing new is not written, unless every row was rejected: that import is recorded with
    # its rejected rows (for the analyst to download and fix), not reported as unchanged.
    every_row_rejected = records.height == 0 and meta.rejected > 0
    if new + updated == 0 and not every_row_rejected:
        return WriteResult(None, 0, 0, unchanged, demo_removed)

    row = fetch_one(con, "SELECT nextval('import_id_seq')")
    assert row is not None
    import_id = int(row[0])
    fetch_all(
        con,
        """INSERT INTO imports VALUES ($id, $kind, $file, $sheet, $header_row, $hash, $at,
               $rows_read, $new, $updated, $unchanged, $dups, $rejected, $mapping, $demo, NULL)""",
        {
            "id": import_id,
            "kind": kind,
            "file": meta.file_name,
            "sheet": meta.sheet,
            "header_row": meta.header_row,
            "hash": meta.content_hash,
            "at": datetime.now(UTC).replace(tzinfo=None),
            "rows_read": meta.rows_read,
            "new": new,
            "updated": updated,
            "unchanged": unchanged,
            "dups": meta.exact_duplicates,
            "rejected": meta.rejected,
            "mapping": json.dumps(meta.mapping, ensure_ascii=False),
            "demo": meta.is_demo,
        },
    )
    params = {"import_id": import_id}
    fetch_all(
        con,
        _sql("INSERT INTO {t}_imported SELECT $import_id, {id}, row_hash FROM staging", kind),
        params,
    )
    # The versions being replaced move to the history, credited to the first import that
    # contained them; a version that comes back (A, B, then A again) leaves it.
    fetch_all(
        con,
        _sql(
            """INSERT INTO {t}_history {into}
            SELECT {c_cols},
                   coalesce((SELECT min(i.import_id) FROM {t}_imported i
                             WHERE i.record_id = c.{id} AND i.row_hash = c.row_hash),
                            c.import_id),
                   c.row_hash
            FROM {t} c JOIN staging_status st ON st.record_id = c.{id} AND st.status = 'updated'
            WHERE NOT EXISTS (SELECT 1 FROM {t}_history h
                              WHERE h.{id} = c.{id} AND h.row_hash = c.row_hash)""",
            kind,
        ),
    )
    if updated:
        fetch_all(
            con,
            _sql(
                """DELETE FROM {t}_history h
                WHERE h.{id} IN (SELECT record_id FROM staging_status WHERE status = 'updated')
                  AND EXISTS (SELECT 1 FROM staging s
                              WHERE s.{id} = h.{id} AND s.row_hash = h.row_hash)""",
                kind,
            ),
        )
    fetch_all(
        con,
        _sql(
            "DELETE FROM {t} WHERE {id} IN (SELECT record_id FROM staging_status WHERE status = 'updated')",
            kind,
        ),
    )
    fetch_all(
        con,
        _sql(
            """INSERT INTO {t} {into}
            SELECT {s_cols}, $import_id, s.row_hash FROM staging s
            JOIN staging_status st ON st.record_id = s.{id} AND st.status <> 'unchanged'""",
            kind,
        ),
        params,
    )
    # Unchanged records now also belong to this import: it is their newest source.
    fetch_all(
        con,
        _sql(
            """UPDATE {t} SET import_id = $import_id
            WHERE {id} IN (SELECT record_id FROM staging_status WHERE status = 'unchanged')""",
            kind,
        ),
        params,
    )
    if rejected is not None and rejected.height:
        con.register(
            "rejected_staging", arrow_view(rejected.select("row_number", "reasons", "raw"))
        )
        fetch_all(
            con,
            "INSERT INTO rejected_rows SELECT $import_id, row_number, reasons, raw FROM rejected_staging",
            params,
        )
    fetch_all(con, "DROP TABLE staging_status")
    return WriteResult(import_id, new, updated, unchanged, demo_removed)


def undo_import(con: duckdb.DuckDBPyConnection, import_id: int) -> int:
    """Undo one import as a whole, in one transaction; returns the number of records touched.

    Raises :class:`ImportNotFoundError` (a ``LookupError``) for an unknown or already undone import.
    """
    return _written(lambda: _within_memory_cap(con, lambda: _undo_import(con, import_id)))


def _undo_import(con: duckdb.DuckDBPyConnection, import_id: int) -> int:
    con.begin()
    try:
        kind, touched = _undo(con, import_id)
        if kind == "incidents":
            refresh_summaries(con)
        con.commit()
        return touched
    except BaseException:
        _rollback(con)
        raise


def _undo(con: duckdb.DuckDBPyConnection, import_id: int) -> tuple[Kind, int]:
    """Undo one import inside the caller's transaction: (its kind, records touched)."""
    row = fetch_one(
        con,
        "SELECT kind FROM imports WHERE import_id = $id AND undone_at IS NULL",
        {"id": import_id},
    )
    if row is None:
        raise ImportNotFoundError(error_message("import_not_found", id=str(import_id)))
    kind: Kind = row[0]
    params = {"import_id": import_id}
    fetch_all(
        con,
        _sql(
            "CREATE OR REPLACE TEMP TABLE undo_ids AS SELECT DISTINCT record_id FROM {t}_imported WHERE import_id = $import_id",
            kind,
        ),
        params,
    )
    touched_row = fetch_one(con, "SELECT count(*) FROM undo_ids")
    touched = int(touched_row[0]) if touched_row else 0
    fetch_all(con, _sql("DELETE FROM {t}_imported WHERE import_id = $import_id", kind), params)
    # The current versions join the earlier ones for a moment: every version still contained
    # in an import is then in the history, where the one to restore is picked.
    fetch_all(
        con,
        _sql(
            """INSERT INTO {t}_history {into} SELECT {c_cols}, c.import_id, c.row_hash FROM {t} c
            WHERE c.{id} IN (SELECT record_id FROM undo_ids)
              AND NOT EXISTS (SELECT 1 FROM {t}_history h
                              WHERE h.{id} = c.{id} AND h.row_hash = c.row_hash)""",
            kind,
        ),
    )
    fetch_all(con, _sql("DELETE FROM {t} WHERE {id} IN (SELECT record_id FROM undo_ids)", kind))
    # Versions no longer contained in any import go; the rest are credited to their first import.
    fetch_all(
        con,
        _sql(
            """DELETE FROM {t}_history h
            WHERE h.{id} IN (SELECT record_id FROM undo_ids)
              AND NOT EXISTS (SELECT 1 FROM {t}_imported i
                              WHERE i.record_id = h.{id} AND i.row_hash = h.row_hash)""",
            kind,
        ),
    )
    fetch_all(
        con,
        _sql(
            """UPDATE {t}_history h SET import_id = (
                SELECT min(i.import_id) FROM {t}_imported i
                WHERE i.record_id = h.{id} AND i.row_hash = h.row_hash)
            WHERE h.{id} IN (SELECT record_id FROM undo_ids)""",
            kind,
        ),
    )
    fetch_all(
        con,
        _sql(
            """INSERT INTO {t} {into}
            SELECT {h_cols}, latest.import_id, h.row_hash
            FROM (SELECT record_id, max(import_id) AS import_id,
                         arg_max(row_hash, import_id) AS row_hash
                  FROM {t}_imported WHERE record_id IN (SELECT record_id FROM undo_ids)
                  GROUP BY record_id) latest
            JOIN {t}_history h ON h.{id} = latest.record_id AND h.row_hash = latest.row_hash""",
            kind,
        ),
    )
    # What is current again is no earlier version.
    fetch_all(
        con,
        _sql(
            """DELETE FROM {t}_history h
            WHERE h.{id} IN (SELECT record_id FROM undo_ids)
              AND EXISTS (SELECT 1 FROM {t} c WHERE c.{id} = h.{id} AND c.row_hash = h.row_hash)""",
            kind,
        ),
    )
    fetch_all(
        con,
        "UPDATE imports SET undone_at = $at WHERE import_id = $import_id",
        {**params, "at": datetime.now(UTC).replace(tzinfo=None)},
    )
    fetch_all(con, "DROP TABLE undo_ids")
    return kind, touched


def import_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every recorded import, newest first.

    File and sheet names are masked when they are written; they are masked again here for
    stores written before that, whose history would otherwise show a CPR number in a name.
    """
    history = fetch_frame(
        con,
        """SELECT import_id, kind, file_name, sheet, imported_at, rows_read, stored_new,
                  stored_updated, unchanged, exact_duplicates, rejected, is_demo, undone_at
           FROM imports ORDER BY import_id DESC""",
    )
    return history.with_columns(
        cpr.mask_series(history["file_name"]).alias("file_name"),
        cpr.mask_series(history["sheet"]).alias("sheet"),
    )


def rejected_rows(con: duckdb.DuckDBPyConnection, import_id: int) -> pl.DataFrame:
    """The rejected rows of one import: row_number, reasons, raw (JSON)."""
    return fetch_frame(
        con,
        "SELECT row_number, reasons, raw FROM rejected_rows WHERE import_id = $id ORDER BY row_number",
        {"id": import_id},
    )
