"""Writing generated demo data into the store, marked as demo so that the UI says so."""

from __future__ import annotations

import hashlib

import duckdb
import polars as pl

from dashboard.contract import Kind
from dashboard.store.records import (
    ImportMeta,
    WriteResult,
    record_columns,
    with_row_hash,
    write_import,
)


def write_demo(
    con: duckdb.DuckDBPyConnection, kind: Kind, frame: pl.DataFrame, *, seed: int
) -> WriteResult:
    """Store a generated frame of canonical records as one demo import."""
    if kind == "inquiries" and "deadline_source" not in frame.columns:
        frame = frame.with_columns(deadline_source=pl.lit("file"))
    records = with_row_hash(con, kind, frame.select(record_columns(kind)))
    digest = hashlib.sha256(f"demo:{kind}:{seed}:{frame.height}".encode()).hexdigest()
    meta = ImportMeta(
        kind=kind,
        file_name=f"demo ({kind}, seed {seed})",
        sheet=None,
        header_row=None,
        content_hash=digest,
        rows_read=frame.height,
        exact_duplicates=0,
        rejected=0,
        mapping={},
        is_demo=True,
    )
    return write_import(con, records, meta)
