"""Incident workbooks that look like the real export, for the import benchmark.

The rows come from the demo generator (``dashboard.demo``), turned back into what the
registration system exports: the first Danish header alias of every contract field, a title
row and an extraction line above the header, Danish category labels, Ja/Nej, real Excel date
cells, the absence days as numbers, citizen and employee numbers as the system writes them
(``B0012345``, ``M01234``; one citizen reference in 50 is a CPR-like ``ddmmyy-xxxx`` number,
which the importer must pseudonymise), free-text notes (one in 200 mentioning a CPR number,
which the importer must mask) and an "I alt" total row at the bottom. Every contract field
is a column (22), or with ``narrow`` the eleven most exports have.

Files are cached under ``bench/.cache/`` by row count and ``WORKBOOK_VERSION``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from bench.xlsx import Column, write_xlsx
from dashboard import contract
from dashboard.demo import INCIDENTS_PER_SCALE, generate_demo

WORKBOOK_VERSION = 2  # bump when the workbook's content changes, to rebuild cached files
SEED = 2024
BOOL_FIELDS = {f.name for f in contract.INCIDENT_FIELDS if f.type == "bool"}
# The columns of a narrower export (those of the importer tests' sample rows).
NARROW_FIELDS = (
    "incident_id",
    "department",
    "unit",
    "occurred_on",
    "harassment_type",
    "severity",
    "citizen_ref",
    "warning_given",
    "police_reported",
    "absence_days",
    "notes",
)


def _danish(field: contract.Field) -> str:
    return field.aliases[0]


def export_frame(rows: int, seed: int = SEED) -> pl.DataFrame:
    """``rows`` incidents as the export shows them (column names = contract field names)."""
    data = generate_demo(seed, scale=rows / INCIDENTS_PER_SCALE).incidents.head(rows)
    idx = pl.int_range(0, pl.len(), dtype=pl.Int64)
    exprs: list[pl.Expr] = []
    for field in contract.INCIDENT_FIELDS:
        col = pl.col(field.name)
        if field.type == "category":
            assert field.vocabulary is not None
            cats = contract.VOCABULARIES[field.vocabulary]
            col = col.replace_strict([c.value for c in cats], [c.da for c in cats], default=None)
        elif field.name in BOOL_FIELDS:
            col = pl.when(col).then(pl.lit("Ja")).when(~col).then(pl.lit("Nej"))
        elif field.name == "citizen_ref":
            number = col.rank("dense").cast(pl.Int64)
            cpr = pl.format(
                "{}{}{}-{}",
                (number % 28 + 1).cast(pl.String).str.zfill(2),
                (number % 12 + 1).cast(pl.String).str.zfill(2),
                (number % 100).cast(pl.String).str.zfill(2),
                (number % 10_000).cast(pl.String).str.zfill(4),
            )
            plain = pl.lit("B") + number.cast(pl.String).str.zfill(7)
            col = pl.when(col.is_null()).then(None).when(idx % 50 == 7).then(cpr).otherwise(plain)
        elif field.name == "employee_ref":
            col = pl.lit("M") + col.rank("dense").cast(pl.String).str.zfill(5)
        elif field.name == "notes":
            col = (
                pl.when(idx % 200 == 3)
                .then(
                    pl.format(
                        "{} Borgerens CPR-nr. 0103851234 fremgår af sagen.", col.fill_null("")
                    )
                )
                .otherwise(col)
            )
        exprs.append(col.alias(field.name))
    return data.select(exprs)


def export_columns(narrow: bool = False) -> list[Column]:
    """The export's columns: Danish header, field, and how the cell is written.

    Every contract field, or with ``narrow`` only the eleven of ``NARROW_FIELDS``.
    """
    columns = []
    for field in contract.INCIDENT_FIELDS:
        if narrow and field.name not in NARROW_FIELDS:
            continue
        kind = {"date": "date", "int": "number"}.get(field.type, "text")
        columns.append(Column(_danish(field), field.name, kind))  # type: ignore[arg-type]
    return columns


def write_export(path: Path, rows: int, *, narrow: bool = False, seed: int = SEED) -> Path:
    """Write a realistic incident export with ``rows`` data rows to ``path``."""
    frame = export_frame(rows, seed)
    columns = export_columns(narrow)
    title = [["Hændelsesregistrering – chikane og vold mod medarbejdere", *[None] * 3]]
    title.append(["Udtrukket fra registreringssystemet 02-01-2025", *[None] * 3])
    title.append([None])  # a blank line between the title and the header
    absence = columns.index(next(c for c in columns if c.source == "absence_days"))
    total = [["I alt", *[None] * (absence - 1), str(frame["absence_days"].sum())]]
    return write_xlsx(
        path, frame, columns, sheet_name="Hændelser", title_rows=title, footer_rows=total
    )


def ensure_export(cache_dir: Path, rows: int, *, narrow: bool = False) -> Path:
    """The cached export with ``rows`` data rows, generated when missing."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    tag = "_narrow" if narrow else ""
    path = cache_dir / f"incidents_{rows}{tag}_v{WORKBOOK_VERSION}.xlsx"
    if not path.exists():
        write_export(path, rows, narrow=narrow)
    return path
