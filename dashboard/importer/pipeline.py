"""One file from disk to the store: read, find the header, validate, pseudonymise, write.

:func:`prepare` does everything that does not touch the store (so the upload page can show a
preview and the counts before anything is written); :func:`commit` writes a prepared import
as one transaction; :func:`import_file` is both, as the command line uses it.

Every data row ends in exactly one of: stored (new, updated or unchanged), exact duplicate
of an earlier row, or rejected with all of its reasons. Blank rows, a trailing total row and
a repeated header row are not data rows and are counted separately.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from dashboard import store
from dashboard.contract import (
    DEFAULT_DEADLINES,
    ID_FIELD,
    TOTAL_ROW_MARKERS,
    Field,
    Kind,
    fields_for,
    normalise_key,
)
from dashboard.i18n import Lang
from dashboard.importer import mappings
from dashboard.importer.errors import NoDataSheetError
from dashboard.importer.headers import (
    HeaderMatch,
    find_header,
    find_saved_header,
    match_for_row,
    other_data_sheets,
    require_fields,
)
from dashboard.importer.messages import reason
from dashboard.importer.parsers import (
    map_bool_column,
    map_unique,
    parse_category,
    parse_date,
    parse_int,
)
from dashboard.importer.pseudonym import CPR_MASK, Pseudonymiser, mask_cpr, mask_cpr_series
from dashboard.importer.workbook import ReadLimits, Workbook, read_workbook
from dashboard.store.records import ImportMeta, record_columns, with_row_hash, write_import
from dashboard.store.tokens import PSEUDONYM_IN_ID

Progress = Callable[[float, str], None]

# Rows validated at a time, at most: a block's checks make stripped and converted copies of
# its cells (about 250 MB for 90k rows of 22 columns). A sheet read in parts already comes in
# blocks of about that size; smaller blocks were measured to save little and to cost time
# (32k-row blocks: 0.3 s more at 100k rows).
BLOCK_ROWS = 131_072
CONVERT_THREADS = 2  # threads converting the fields of a block (see _validate_block)


@dataclass(frozen=True)
class Rejection:
    """A rejected data row: its Excel row number and every reason."""

    row: int
    reasons: list[str]


@dataclass
class PreparedImport:
    """A validated file, ready to be written."""

    file: str
    content_hash: str
    match: HeaderMatch
    records: pl.DataFrame  # content columns + row_hash, one row per id
    rejected: pl.DataFrame  # row_number, reasons (list[str]), raw (JSON, CPR masked)
    rows_read: int
    exact_duplicates: int
    blank_rows: int
    total_rows: int
    manual_mapping: dict[str, str]
    hidden_sheets: list[str]
    other_data_sheets: list[str]  # other sheets that look like data of this kind (not imported)

    @property
    def kind(self) -> Kind:
        """incidents or inquiries."""
        return self.match.kind

    def rejections(self) -> list[Rejection]:
        """Rejected rows in row order."""
        return [
            Rejection(int(r), list(reasons))
            for r, reasons in zip(
                self.rejected["row_number"].to_list(),
                self.rejected["reasons"].to_list(),
                strict=True,
            )
        ]


@dataclass
class FileReport:
    """What happened to one file; ``error`` is the one sentence when the file was refused."""

    file: str
    sheet: str | None = None
    kind: str | None = None
    header_row: int | None = None
    rows_read: int = 0
    stored_new: int = 0
    stored_updated: int = 0
    unchanged: int = 0
    exact_duplicates: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    error: str | None = None
    import_id: int | None = None
    blank_rows: int = 0
    total_rows: int = 0
    unmapped_headers: list[str] = field(default_factory=list)
    # headers naming a field an earlier column already gives (that column is imported)
    duplicate_headers: list[str] = field(default_factory=list)
    hidden_sheets: list[str] = field(default_factory=list)
    other_data_sheets: list[str] = field(default_factory=list)  # not imported (see --sheet)
    demo_removed: bool = False

    @property
    def stored(self) -> int:
        """Records of this file now in the store (new, updated and unchanged)."""
        return self.stored_new + self.stored_updated + self.unchanged

    @property
    def status(self) -> str:
        """refused, unchanged (nothing written) or imported."""
        if self.error:
            return "refused"
        return "imported" if self.import_id is not None else "unchanged"

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the command line's ``--json`` output."""
        data = asdict(self)
        data["rejections"] = [{"row": r.row, "reasons": r.reasons} for r in self.rejections]
        data["status"] = self.status
        return data


def _stripped(frame: pl.DataFrame) -> pl.DataFrame:
    """Every cell stripped; empty text becomes null."""
    return frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in frame.columns)


def _normalised(expr: pl.Expr) -> pl.Expr:
    """Polars version of contract.normalise_key for marker matching."""
    return expr.str.to_lowercase().str.replace_all(r"[\W_]+", "")


def _classify_rows(data: pl.DataFrame, match: HeaderMatch) -> pl.Series:
    """'data', 'blank', 'total' or 'header' for every row below the header."""
    columns = data.columns
    first_value = pl.coalesce([pl.col(c) for c in columns]) if columns else pl.lit(None)
    header_cols = [c for c in match.mapping if c in columns]
    repeats_header = (
        pl.all_horizontal(pl.col(c) == pl.lit(match.headers[c]) for c in header_cols)
        if header_cols
        else pl.lit(False)
    )
    markers = list({normalise_key(m) for m in TOTAL_ROW_MARKERS})
    id_column = next((c for c, f in match.mapping.items() if f == ID_FIELD[match.kind]), None)
    # A total row starts with a marker ("I alt", "Total") and has no real id.
    is_total = _normalised(first_value).is_in(markers)
    if id_column:
        is_total = is_total & (
            pl.col(id_column).is_null() | _normalised(pl.col(id_column)).is_in(markers)
        )
    return data.select(
        pl.when(pl.all_horizontal(pl.col(c).is_null() for c in columns))
        .then(pl.lit("blank"))
        .when(is_total)
        .then(pl.lit("total"))
        .when(repeats_header)
        .then(pl.lit("header"))
        .otherwise(pl.lit("data"))
        .alias("row_class")
    ).to_series()


def _convert(
    field_def: Field,
    raw: pl.Series,
    header: str,
    workbook: Workbook,
    pseudonymiser: Pseudonymiser,
    lang: Lang,
    x_column: bool | None = None,
) -> tuple[pl.Series, pl.Series]:
    """(typed values, reasons in ``lang``) for one field's column (``raw`` may be a block of it).

    ``x_column``: whether a yes/no column holds only X and empties in the whole sheet (None:
    ``raw`` is the whole column, decide from it).
    """
    errors: pl.Series
    kind = field_def.type
    if kind == "date":
        date_of = partial(parse_date, date1904=workbook.date1904)
        values, errors = map_unique(raw, date_of, pl.Date, lang)
    elif kind == "bool":
        values, errors, _ = map_bool_column(raw, lang, x_column=x_column)
    elif kind == "category":
        assert field_def.vocabulary is not None
        values, errors = map_unique(
            raw, partial(parse_category, vocabulary=field_def.vocabulary), pl.String, lang
        )
    elif kind == "int":
        values, errors = map_unique(raw, parse_int, pl.Int64, lang)
    elif kind == "ref":
        values, errors = (
            pseudonymiser.pseudonymise_series(raw),
            pl.Series([None] * len(raw), dtype=pl.String),
        )
    elif field_def.name in ID_FIELD.values():  # an id keeps identifying its record
        values = pseudonymiser.pseudonymise_cpr_in_series(raw)
        errors = pl.Series([None] * len(raw), dtype=pl.String)
    else:  # text and free text: CPR numbers are masked wherever they appear
        values, errors = mask_cpr_series(raw), pl.Series([None] * len(raw), dtype=pl.String)
    prefix = f"{mask_cpr(header)}: "
    reasons = errors.to_frame("e").select(pl.lit(prefix) + pl.col("e")).to_series()
    if field_def.required:
        missing = raw.is_null() | (raw.str.strip_chars() == "")
        reasons = (
            pl.DataFrame({"m": missing, "r": reasons})
            .select(
                pl.when(pl.col("m"))
                .then(pl.lit(reason("required", header=mask_cpr(header)).render(lang)))
                .otherwise(pl.col("r"))
            )
            .to_series()
        )
    return values.alias(field_def.name), reasons.alias(field_def.name)


def _apply_deadline_defaults(records: pl.DataFrame, defaults: Mapping[str, int]) -> pl.DataFrame:
    """Fill a missing inquiry deadline with its type's default; note where it came from."""
    days = pl.col("inquiry_type").replace_strict(
        list(defaults), list(defaults.values()), default=None, return_dtype=pl.Int64
    )
    return records.with_columns(
        deadline_source=pl.when(pl.col("deadline_on").is_null())
        .then(pl.lit("default"))
        .otherwise(pl.lit("file")),
        deadline_on=pl.coalesce(
            pl.col("deadline_on"), pl.col("received_on") + pl.duration(days=days)
        ).cast(pl.Date),
    )


def _x_columns(match: HeaderMatch) -> frozenset[str] | None:
    """The yes/no columns whose data rows hold only X and empties, and some X, in the whole
    sheet: the X rule is about a column, so it is decided before the sheet is cut in blocks.

    None when the rows below the header are one block: each column is then decided from its
    block, at no extra cost (this pass over every row took about 0.1 s at 100k rows).
    """
    sheet = match.sheet
    if sheet.rest is None and sheet.rows.height - (match.header_index + 1) <= BLOCK_ROWS:
        return None
    fields = {f.name: f for f in fields_for(match.kind)}
    candidates = {c for c, f in match.mapping.items() if fields[f].type == "bool"}
    with_x: set[str] = set()
    if not candidates:
        return frozenset()
    for _, rows in sheet.blocks(match.header_index + 1):
        data = _stripped(rows)
        data = data.filter(_classify_rows(data, match) == "data")
        for column in list(candidates):
            values = data[column].drop_nulls()
            if not values.is_in(["x", "X"]).all():
                candidates.discard(column)
            elif values.len():
                with_x.add(column)
        if not candidates:  # before the next part is loaded from disk
            break
    return frozenset(candidates & with_x)


def locate(
    workbook: Workbook,
    *,
    kind: Kind | None = None,
    manual_mapping: Mapping[str, str] | None = None,
    saved_mapping: Callable[[str, Kind], dict[str, str] | None] | None = None,
    sheet: str | None = None,
) -> HeaderMatch:
    """Find sheet, header row and mapping (a saved mapping for the layout, then the manual one).

    ``sheet`` (a visible sheet's name) is the sheet to import; by default the best match.
    Missing required columns are not an error here, so a preview can offer to map them.
    """
    manual = dict(manual_mapping or {})
    mappings.check_fields(manual, kind, workbook.file)
    try:
        match = find_header(workbook, kind=kind, manual=manual, sheet=sheet)
    except NoDataSheetError as refusal:
        # Headers that name too few fields may be a layout an analyst mapped before.
        found = (
            find_saved_header(workbook, saved_mapping, kind=kind, manual=manual, sheet=sheet)
            if saved_mapping and refusal.message.key == "no_data_sheet"
            else None
        )
        if found is None:
            raise
        match = found
    return _with_saved_mapping(match, manual, saved_mapping)


def locate_at(
    workbook: Workbook,
    *,
    sheet: str,
    header_row: int,
    kind: Kind,
    manual_mapping: Mapping[str, str] | None = None,
    saved_mapping: Callable[[str, Kind], dict[str, str] | None] | None = None,
) -> HeaderMatch:
    """The mapping of a header row the analyst points at (Excel row ``header_row`` of the
    visible sheet ``sheet``): for a file whose headers name too few fields for
    :func:`locate` to find them until they are mapped by hand.

    A saved mapping for the row's layout applies, then the manual one, as in :func:`locate`.
    """
    manual = dict(manual_mapping or {})
    mappings.check_fields(manual, kind, workbook.file)
    by_name = {s.name: s for s in workbook.sheets}
    if sheet not in by_name:
        raise ValueError(f"no visible sheet {sheet!r} in {workbook.file}")
    chosen = by_name[sheet]
    index = header_row - chosen.first_row
    if not 0 <= index < chosen.rows.height:
        raise ValueError(f"row {header_row} is not among the rows read from {sheet!r}")
    return _with_saved_mapping(match_for_row(chosen, index, kind, manual), manual, saved_mapping)


def _with_saved_mapping(
    match: HeaderMatch,
    manual: Mapping[str, str],
    saved_mapping: Callable[[str, Kind], dict[str, str] | None] | None,
) -> HeaderMatch:
    """``match`` (built with ``manual``) with the mapping saved for its header layout under
    the manual one, when there is a saved mapping."""
    saved = saved_mapping(match.signature, match.kind) if saved_mapping else None
    if not saved:
        return match
    return match_for_row(match.sheet, match.header_index, match.kind, {**saved, **manual})


def prepare(
    path: Path,
    *,
    pseudonymiser: Pseudonymiser,
    kind: Kind | None = None,
    manual_mapping: Mapping[str, str] | None = None,
    saved_mapping: Callable[[str, Kind], dict[str, str] | None] | None = None,
    display_name: str | None = None,
    deadline_days: Mapping[str, int] | None = None,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
    sheet: str | None = None,
) -> PreparedImport:
    """Read and validate one file without writing anything; raise ImportFileError if refused.

    ``sheet`` names the sheet to import (by default the one whose header matches best)."""
    report = progress or (lambda _f, _m: None)
    name = mask_cpr(display_name or path.name)  # every sentence and record names it masked
    mappings.check_fields(dict(manual_mapping or {}), kind, name)
    report(0.05, "reading")
    workbook = read_workbook(path, display_name=name, limits=limits or ReadLimits())
    report(0.5, "finding header")
    match = locate(
        workbook,
        kind=kind,
        manual_mapping=manual_mapping,
        saved_mapping=saved_mapping,
        sheet=sheet,
    )
    return validate(
        workbook,
        match,
        pseudonymiser=pseudonymiser,
        manual_mapping=manual_mapping,
        deadline_days=deadline_days,
        progress=progress,
    )


def validate(
    workbook: Workbook,
    match: HeaderMatch,
    *,
    pseudonymiser: Pseudonymiser,
    manual_mapping: Mapping[str, str] | None = None,
    deadline_days: Mapping[str, int] | None = None,
    progress: Progress | None = None,
    lang: Lang = "en",
) -> PreparedImport:
    """Validate the rows below a located header; MissingColumnError if a required column lacks.

    The reasons for rejected rows are written in ``lang`` (the Import page passes its reader's
    language; the command line keeps English).

    Rows are checked block by block (one block for a sheet read whole, one per part for a
    large sheet read in parts), so only one block's cells are held at a time; what is kept
    is the typed records and the rejected rows. Duplicates and conflicting ids are then found
    over the whole file.
    """
    report = progress or (lambda _f, _m: None)
    name = workbook.file
    manual = dict(manual_mapping or {})
    require_fields(match, name)

    report(0.6, "validating")
    defaults = {**{k: v.days for k, v in DEFAULT_DEADLINES.items()}, **(deadline_days or {})}
    blocks: list[_Block] = []
    # One scratch database (to hash rows) and one pool (to convert fields) for all blocks,
    # not one per block (measured on 1M rows: 40 MB less at the peak).
    with store.scratch() as scratch, ThreadPoolExecutor(max_workers=CONVERT_THREADS) as pool:
        context = _BlockContext(
            match, workbook, pseudonymiser, defaults, scratch, pool, lang, _x_columns(match)
        )
        for first_row, rows in match.sheet.blocks(match.header_index + 1):
            for at in range(0, rows.height, BLOCK_ROWS):
                piece = rows.slice(at, BLOCK_ROWS)
                blocks.append(_validate_block(_numbered(piece, first_row + at), context))
        if not blocks:  # the header is the sheet's last row
            blocks.append(_validate_block(_numbered(match.sheet.rows.clear(), 0), context))
    class_count: Counter[str] = Counter()
    for block in blocks:
        class_count.update(block.class_count)
    rejected_rows = pl.concat([b.rejected for b in blocks])

    id_field = ID_FIELD[match.kind]
    # Which rows to keep is decided on three narrow columns; the records themselves are then
    # filtered block by block, so they are never held twice. Blocks are in row order.
    ids = pl.concat(
        [b.hashed.select(id_field, "row_hash", "row_number") for b in blocks], rechunk=False
    )
    # Only ids on more than one row can be duplicates or conflicts (usually few rows).
    per_id = (
        ids.filter(pl.col(id_field).is_duplicated())
        .group_by(id_field)
        .agg(n=pl.len(), versions=pl.col("row_hash").n_unique(), rows=pl.col("row_number").sort())
    )
    conflicts = per_id.filter(pl.col("versions") > 1)
    # One reason per conflicting id, naming all its rows, given to each of them (few rows).
    conflict_rows: list[tuple[int, str]] = []
    for conflict in conflicts.iter_rows(named=True):
        text = reason(
            "conflict",
            header=mask_cpr(match.header_of(id_field)),
            # the key of a CPR number in an id is the store's, never shown
            id=PSEUDONYM_IN_ID.sub(CPR_MASK, str(conflict[id_field])),
            rows=", ".join(str(n) for n in conflict["rows"]),
        ).render(lang)
        conflict_rows.extend((number, text) for number in conflict["rows"])
    conflict_reasons = pl.DataFrame(
        conflict_rows, schema={"row_number": pl.Int64, "reason": pl.String}, orient="row"
    )
    exact_duplicates = int(
        per_id.filter(pl.col("versions") == 1)["n"].sum()
        - per_id.filter(pl.col("versions") == 1).height
    )
    keep = ids.select(
        pl.col(id_field).is_first_distinct()
        & ~pl.col(id_field).is_in(conflicts[id_field].implode())
    ).to_series()
    del ids
    kept: list[pl.DataFrame] = []
    offset = 0
    for block in blocks:
        height = block.hashed.height
        kept.append(block.hashed.filter(keep.slice(offset, height)).drop("row_number"))
        block.hashed = block.hashed.clear()
        offset += height
    del blocks
    records = pl.concat(kept, rechunk=False)
    if conflict_reasons.height:
        conflicted = conflict_reasons.select(
            "row_number", reasons=pl.concat_list(pl.col("reason"))
        ).sort("row_number")
        rejected_rows = pl.concat(
            [rejected_rows, _with_raw(conflicted, _rows_of(match, conflicted), match)]
        )
    rejected = rejected_rows.sort("row_number")
    rows_read = int(class_count.get("data", 0))
    report(0.8, "validated")
    assert records.height + exact_duplicates + rejected.height == rows_read, "counts must add up"
    return PreparedImport(
        file=name,
        content_hash=workbook.content_hash,
        match=match,
        records=records,
        rejected=rejected,
        rows_read=rows_read,
        exact_duplicates=exact_duplicates,
        blank_rows=int(class_count.get("blank", 0)),
        total_rows=int(class_count.get("total", 0)),
        manual_mapping=manual,
        hidden_sheets=workbook.hidden_sheets,
        other_data_sheets=other_data_sheets(workbook, match, manual),
    )


@dataclass
class _Block:
    """What is kept of one validated block of rows."""

    hashed: pl.DataFrame  # valid rows: content columns, row_hash, row_number
    rejected: pl.DataFrame  # row_number, reasons, raw (JSON, CPR masked)
    class_count: dict[str, int]  # rows per class: data, blank, total, header


def _numbered(rows: pl.DataFrame, first_row: int) -> pl.DataFrame:
    """Cells stripped, with each row's Excel row number."""
    return _stripped(rows).with_columns(
        row_number=pl.int_range(first_row, first_row + rows.height, dtype=pl.Int64)
    )


@dataclass(frozen=True)
class _BlockContext:
    """What every block of one file is validated with."""

    match: HeaderMatch
    workbook: Workbook
    pseudonymiser: Pseudonymiser
    deadline_defaults: Mapping[str, int]
    scratch: duckdb.DuckDBPyConnection  # in memory, only to hash the rows
    pool: ThreadPoolExecutor  # the threads that convert fields
    lang: Lang  # of the reasons for rejected rows
    x_columns: frozenset[str] | None  # yes/no columns holding only X and empties; None:
    # the sheet is one block, each column is decided from it (see _x_columns)


def _validate_block(data: pl.DataFrame, context: _BlockContext) -> _Block:
    """Classify, convert and hash the rows of one block (stripped, numbered)."""
    match, workbook, pseudonymiser = context.match, context.workbook, context.pseudonymiser
    row_class = _classify_rows(data.drop("row_number"), match)
    data = data.with_columns(row_class=row_class)
    counts = row_class.value_counts()
    class_count = dict(zip(counts["row_class"].to_list(), counts["count"].to_list(), strict=True))
    data = data.filter(pl.col("row_class") == "data")

    column_of = {f: c for c, f in match.mapping.items()}
    fields = fields_for(match.kind)
    # Fields are converted by a pool of two threads, the references first: they are a Python
    # loop (one HMAC per distinct value), while Polars lets go of the GIL as it converts the
    # other fields, so both cores stay busy (measured at 100k rows, six interleaved runs
    # each in one process: validation 0.72 s instead of 0.81 s with only the references in a
    # second thread; at 1M rows the parent's peak is about 25 MB higher).
    converted: dict[int, Future[tuple[pl.Series, pl.Series]]] = {}
    for i in sorted(range(len(fields)), key=lambda i: fields[i].type != "ref"):
        field_def = fields[i]
        column = column_of.get(field_def.name)
        raw = (
            data[column]
            if column
            else pl.Series(field_def.name, [None] * data.height, dtype=pl.String)
        )
        header = match.headers[column] if column else field_def.name
        converted[i] = context.pool.submit(
            _convert,
            field_def,
            raw,
            header,
            workbook,
            pseudonymiser,
            context.lang,
            None if context.x_columns is None else column in context.x_columns,
        )
    values: list[pl.Series] = []
    reasons: list[pl.Series] = []
    for i in range(len(fields)):
        value, why = converted[i].result()
        values.append(value)
        reasons.append(why)
    typed = pl.DataFrame(values).with_columns(
        row_number=data["row_number"],
        # Lists of reasons are built only for rows that have one (few): cheaper than for all.
        reasons=pl.when(pl.any_horizontal(r.is_not_null() for r in reasons))
        .then(pl.concat_list(reasons).list.drop_nulls())
        .otherwise(pl.lit([], dtype=pl.List(pl.String))),
    )
    if match.kind == "inquiries":
        typed = _apply_deadline_defaults(typed, context.deadline_defaults)

    valid = typed.filter(pl.col("reasons").list.len() == 0)
    hashed = with_row_hash(context.scratch, match.kind, valid.select(record_columns(match.kind)))
    rejected = _with_raw(
        typed.filter(pl.col("reasons").list.len() > 0).select("row_number", "reasons"), data, match
    )
    return _Block(
        hashed=hashed.with_columns(
            pl.col(_few_values(match.kind)).cast(pl.Categorical), row_number=valid["row_number"]
        ),
        rejected=rejected,
        class_count=class_count,
    )


_ORG_FIELDS = ("department", "unit")


def _few_values(kind: Kind) -> list[str]:
    """Fields with few distinct values (categories, departments, units), kept as Categorical.

    A million records hold 16 bytes per text cell plus the text; a Categorical holds 4
    (measured: 130 MB less for a million incidents). The store and the row hash see the same
    text either way.
    """
    return [f.name for f in fields_for(kind) if f.type == "category" or f.name in _ORG_FIELDS]


def _rows_of(match: HeaderMatch, wanted: pl.DataFrame) -> pl.DataFrame:
    """The stripped cells of the rows numbered in ``wanted`` (read again, block by block)."""
    numbers = wanted["row_number"]
    found = []
    for first_row, rows in match.sheet.blocks(match.header_index + 1):
        inside = numbers.filter((numbers >= first_row) & (numbers < first_row + rows.height))
        if inside.len():
            found.append(
                _stripped(rows[(inside - first_row).to_list()]).with_columns(row_number=inside)
            )
    return pl.concat(found)


def _masked_labels(match: HeaderMatch, reserved: tuple[str, ...] = ()) -> dict[str, str]:
    """column -> its :meth:`HeaderMatch.labels` name with CPR numbers masked (still distinct)."""
    masked = replace(match, headers={c: mask_cpr(h) for c, h in match.headers.items()})
    return masked.labels(reserved=reserved)


def _with_raw(rejected: pl.DataFrame, data: pl.DataFrame, match: HeaderMatch) -> pl.DataFrame:
    """Add each rejected row's cells as JSON, CPR numbers masked (in the headers too).

    ``data`` holds the rows (stripped, numbered); only the columns with a header are kept,
    each under its masked :meth:`HeaderMatch.labels` name (a repeated header made distinct).
    The cells as read are not kept: the row number and the reasons find the row in the file.
    """
    columns = [c for c in match.headers if c in data.columns]
    cells = rejected.join(
        data.select("row_number", *columns), on="row_number", how="left", maintain_order="left"
    )
    renamed = _masked_labels(match)
    masked = cells.select(
        pl.struct(
            [pl.col(c).pipe(_mask_expr).alias(renamed[c]) for c in columns]
        ).struct.json_encode()
    )
    return rejected.with_columns(raw=masked.to_series())


def _mask_expr(expr: pl.Expr) -> pl.Expr:
    return expr.map_batches(mask_cpr_series, return_dtype=pl.String)


def commit(
    con: duckdb.DuckDBPyConnection, prepared: PreparedImport, *, is_demo: bool = False
) -> FileReport:
    """Write a prepared import as one transaction and save its manual mapping for reuse."""
    # Every text kept or shown is masked: file and sheet names, headers (mapping keys).
    meta = ImportMeta(
        kind=prepared.kind,
        file_name=mask_cpr(prepared.file),
        sheet=mask_cpr(prepared.match.sheet.name),
        header_row=prepared.match.header_row,
        content_hash=prepared.content_hash,
        rows_read=prepared.rows_read,
        exact_duplicates=prepared.exact_duplicates,
        rejected=prepared.rejected.height,
        mapping={mask_cpr(h): f for h, f in prepared.match.mapping_by_header().items()},
        is_demo=is_demo,
    )
    result = write_import(con, prepared.records, meta, prepared.rejected)
    if prepared.manual_mapping:
        mappings.save(
            con, prepared.match.signature, prepared.kind, prepared.match.mapping_by_header()
        )
    return FileReport(
        file=mask_cpr(prepared.file),
        sheet=mask_cpr(prepared.match.sheet.name),
        kind=prepared.kind,
        header_row=prepared.match.header_row,
        rows_read=prepared.rows_read,
        stored_new=result.stored_new,
        stored_updated=result.stored_updated,
        unchanged=result.unchanged,
        exact_duplicates=prepared.exact_duplicates,
        rejected=prepared.rejected.height,
        rejections=prepared.rejections(),
        import_id=result.import_id,
        blank_rows=prepared.blank_rows,
        total_rows=prepared.total_rows,
        unmapped_headers=[mask_cpr(h) for h in prepared.match.unmapped],
        duplicate_headers=[mask_cpr(h) for h in prepared.match.duplicates],
        hidden_sheets=[mask_cpr(s) for s in prepared.hidden_sheets],
        other_data_sheets=[mask_cpr(s) for s in prepared.other_data_sheets],
        demo_removed=result.demo_removed,
    )


def import_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    pseudonymiser: Pseudonymiser,
    kind: Kind | None = None,
    manual_mapping: Mapping[str, str] | None = None,
    display_name: str | None = None,
    deadline_days: Mapping[str, int] | None = None,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
    sheet: str | None = None,
) -> tuple[FileReport, PreparedImport]:
    """Prepare and commit one file (saved mappings from the store are reused)."""
    prepared = prepare(
        path,
        pseudonymiser=pseudonymiser,
        kind=kind,
        manual_mapping=manual_mapping,
        saved_mapping=partial(mappings.load, con),
        display_name=display_name,
        deadline_days=deadline_days,
        limits=limits,
        progress=progress,
        sheet=sheet,
    )
    report = commit(con, prepared)
    if progress:
        progress(1.0, "stored")
    return report, prepared


def stored_rejected_table(
    stored: pl.DataFrame, *, row: str = "Row", reasons: str = "Reasons"
) -> pl.DataFrame:
    """The rejected rows of a past import (``store.records.rejected_rows``: row_number,
    reasons, raw) in the form of :func:`rejected_table`: the row number, the cells under the
    masked headers the store kept them under (in the file's order), the reasons.

    The store holds the cells and headers already masked, so nothing is unmasked here. A
    header equal to the row or reasons title gets " (2)", " (3)", ... as
    :meth:`HeaderMatch.labels` gives it on the upload's own table.
    """
    cells_of = [json.loads(text) for text in stored["raw"].to_list()]
    headers = list(dict.fromkeys(h for cells in cells_of for h in cells))
    columns: dict[str, list[object]] = {row: stored["row_number"].to_list()}
    taken = {*headers, row, reasons}
    for header in headers:
        name, n = header, 1
        while name in columns or name == reasons or (name != header and name in taken):
            n += 1
            name = f"{header} ({n})"
        columns[name] = [cells.get(header) for cells in cells_of]
    columns[reasons] = ["; ".join(r) for r in stored["reasons"].to_list()]
    return pl.DataFrame(columns, schema={k: (pl.Int64 if k == row else pl.String) for k in columns})


def rejected_table(
    prepared: PreparedImport, *, row: str = "Row", reasons: str = "Reasons"
) -> pl.DataFrame:
    """Rejected rows as the analyst fixes them: row number, the cells, the reasons.

    CPR numbers are masked, in cells and headers, as in the copy kept in the store: the
    workbook is downloaded and mailed around, and the row number and the reasons are enough
    to find the row in the analyst's own file.
    """
    cells_of = [json.loads(text) for text in prepared.rejected["raw"].to_list()]
    columns: dict[str, list[object]] = {row: prepared.rejected["row_number"].to_list()}
    names = _masked_labels(prepared.match)
    shown = _masked_labels(prepared.match, reserved=(row, reasons))
    for column, header in names.items():
        columns[shown[column]] = [cells.get(header) for cells in cells_of]
    columns[reasons] = ["; ".join(r) for r in prepared.rejected["reasons"].to_list()]
    return pl.DataFrame(columns, schema={k: (pl.Int64 if k == row else pl.String) for k in columns})
