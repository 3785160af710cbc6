"""Finding the data: which sheet, which row is the header, which column is which field.

Exports put title rows above the header, add legend and pivot sheets, and vary their
headers. Every visible sheet's first rows are scored against the contract's aliases (plus
any manual mapping); the row that names the most required fields, then the most fields,
wins. A legend sheet that mentions a few field names in a column never names three fields
in one row, so it is never taken for data; one that repeats the header row above a row of
explanations scores as the data sheet does, and loses to it as the shorter of the two.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import polars as pl

from dashboard import cpr
from dashboard.contract import KINDS, Kind, alias_index, fields_for, normalise_key
from dashboard.importer.errors import MissingColumnError, NoDataSheetError, UnknownKindError
from dashboard.importer.messages import message
from dashboard.importer.safety import column_letters
from dashboard.importer.workbook import Sheet, Workbook

HEADER_SCAN_ROWS = 30
MIN_MATCHED_FIELDS = 3


@dataclass(frozen=True)
class HeaderMatch:
    """The chosen sheet, header row and column mapping for one file."""

    sheet: Sheet
    kind: Kind
    header_index: int  # index of the header row within sheet.rows
    headers: dict[str, str]  # column name (c0, c1, ...) -> header text as written
    mapping: dict[str, str]  # column name -> field
    unmapped: list[str] = field(default_factory=list)  # header texts that matched no field
    duplicates: list[str] = field(default_factory=list)  # header texts repeating a mapped field

    @property
    def header_row(self) -> int:
        """The header's Excel row number."""
        return self.sheet.first_row + self.header_index

    @property
    def signature(self) -> str:
        """Identifies a header layout, for reusing a saved manual mapping."""
        names = sorted(normalise_key(h) for h in self.headers.values() if normalise_key(h))
        return hashlib.sha256("\x1f".join(names).encode()).hexdigest()[:32]

    def header_of(self, field_name: str) -> str:
        """The header text the file uses for a field (the field name if it is not mapped)."""
        for column, mapped in self.mapping.items():
            if mapped == field_name:
                return self.headers[column]
        return field_name

    def labels(self, reserved: Collection[str] = ()) -> dict[str, str]:
        """column -> a name for it that no other column shares, for rejected rows' cells.

        The header text as written; a header repeated in the file (or equal to one of
        ``reserved``, names a table adds) gets " (2)", " (3)", ... (a JSON object or a
        table needs distinct names).
        """
        labels: dict[str, str] = {}
        taken = set(self.headers.values()) | set(reserved)
        seen: set[str] = set(reserved)
        for column, text in self.headers.items():
            label, n = text, 1
            while label in seen or (label != text and label in taken):
                n += 1
                label = f"{text} ({n})"
            seen.add(label)
            labels[column] = label
        return labels

    def mapping_by_header(self) -> dict[str, str]:
        """header text -> field, as recorded with an import."""
        return {self.headers[c]: f for c, f in self.mapping.items()}

    def missing_required(self) -> list[str]:
        """Required fields of the kind that no column maps to."""
        mapped = set(self.mapping.values())
        return [f.name for f in fields_for(self.kind) if f.required and f.name not in mapped]


def _cell_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _map_row(
    cells: list[str], kind: Kind, manual: Mapping[str, str]
) -> tuple[dict[int, str], list[int], list[int]]:
    """(position -> field, unmapped positions, duplicate positions) for one candidate row."""
    aliases = alias_index(kind)
    manual_index = {normalise_key(h): f for h, f in manual.items()}
    mapped: dict[int, str] = {}
    unmapped: list[int] = []
    duplicates: list[int] = []
    taken: set[str] = set()
    for pos, text in enumerate(cells):
        key = normalise_key(text)
        if not key:
            continue
        target = manual_index.get(key) or aliases.get(key)
        if target is None:
            unmapped.append(pos)
        elif target in taken:
            duplicates.append(pos)
        else:
            mapped[pos] = target
            taken.add(target)
    return mapped, unmapped, duplicates


def _score(mapped: dict[int, str], kind: Kind) -> tuple[int, int]:
    required = {f.name for f in fields_for(kind) if f.required}
    fields = set(mapped.values())
    return (len(fields & required), len(fields))


def find_header(
    workbook: Workbook,
    *,
    kind: Kind | None = None,
    manual: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> HeaderMatch:
    """Choose sheet, header row and kind; raise an :class:`ImportFileError` when none fits.

    ``manual`` maps header texts to field names and takes precedence over the aliases;
    ``sheet`` (a visible sheet's name) restricts the choice to that sheet.
    """
    manual = dict(manual or {})
    kinds = (kind,) if kind else KINDS
    _check_sheet_name(workbook, sheet)
    # (score, rows below, -sheet index, -row index): the best score wins, then the header
    # with the most rows below it (a data sheet, not a legend repeating its header), then
    # the earliest sheet and row.
    candidates: list[tuple[tuple[int, int], int, int, int, Kind]] = []
    for sheet_pos, candidate in _searched(workbook, sheet):
        for index, score, below, k in _header_rows(candidate, kinds, manual):
            candidates.append((score, below, -sheet_pos, -index, k))
    if not candidates:
        names = ", ".join(f'"{s.name}"' for s in workbook.sheets)
        raise NoDataSheetError(
            message("no_data_sheet", file=workbook.file, sheets=names or message("none")),
            file=workbook.file,
        )
    best = max(candidates, key=lambda c: c[:4])
    _, _, neg_sheet, neg_index, chosen = best
    found, index = workbook.sheets[-neg_sheet], -neg_index
    tied = [c for c in candidates if c[:4] == best[:4] and c[4] != chosen]
    if tied:
        raise UnknownKindError(
            message("unknown_kind", file=workbook.file, sheet=found.name),
            file=workbook.file,
            sheet=found.name,
        )
    return match_for_row(found, index, chosen, manual)


def _header_rows(
    sheet: Sheet, kinds: tuple[Kind, ...], manual: Mapping[str, str]
) -> list[tuple[int, tuple[int, int], int, Kind]]:
    """(row index, score, rows below it, kind) of every row among the sheet's first rows that
    names at least MIN_MATCHED_FIELDS fields of a kind."""
    height = sheet.rows.height + (sum(p.height for p in sheet.rest.parts) if sheet.rest else 0)
    found = []
    for index, row in enumerate(sheet.rows.head(HEADER_SCAN_ROWS).iter_rows()):
        cells = [_cell_text(v) for v in row]
        for k in kinds:
            score = _score(_map_row(cells, k, manual)[0], k)
            if score[1] >= MIN_MATCHED_FIELDS:
                found.append((index, score, height - index - 1, k))
    return found


def _searched(workbook: Workbook, sheet: str | None) -> list[tuple[int, Sheet]]:
    """(position, sheet) of the visible sheets to search: all, or the one named ``sheet``."""
    return [(i, s) for i, s in enumerate(workbook.sheets) if sheet is None or s.name == sheet]


def _check_sheet_name(workbook: Workbook, sheet: str | None) -> None:
    """Refuse a requested sheet that is not among the workbook's visible sheets."""
    if sheet is not None and sheet not in {s.name for s in workbook.sheets}:
        names = ", ".join(f'"{s.name}"' for s in workbook.sheets)
        raise NoDataSheetError(
            message(
                "no_such_sheet", file=workbook.file, sheet=sheet, sheets=names or message("none")
            ),
            file=workbook.file,
            sheet=sheet,
        )


def other_data_sheets(
    workbook: Workbook, match: HeaderMatch, manual: Mapping[str, str] | None = None
) -> list[str]:
    """The other visible sheets that look like data of the same kind: a header row naming
    every required field with more than one row below it (a legend repeating the header
    above one row of explanations does not count). Only ``match.sheet`` is imported."""
    required = sum(1 for f in fields_for(match.kind) if f.required)
    return [
        sheet.name
        for sheet in workbook.sheets
        if sheet.name != match.sheet.name
        and any(
            score[0] == required and below > 1
            for _, score, below, _ in _header_rows(sheet, (match.kind,), dict(manual or {}))
        )
    ]


def find_saved_header(
    workbook: Workbook,
    saved: Callable[[str, Kind], dict[str, str] | None],
    *,
    kind: Kind | None = None,
    manual: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> HeaderMatch | None:
    """The first row (within each visible sheet's first rows) whose layout has a saved mapping.

    For a file :func:`find_header` cannot place: its headers name too few fields until the
    mapping an analyst saved for that layout is applied. ``saved(signature, kind)`` looks a
    mapping up; ``manual`` takes precedence over it. ``sheet`` restricts the search to it.
    """
    manual = dict(manual or {})
    kinds = (kind,) if kind else KINDS
    for _, candidate in _searched(workbook, sheet):
        for index in range(min(HEADER_SCAN_ROWS, candidate.rows.height)):
            signature = match_for_row(candidate, index, kinds[0], manual).signature
            for k in kinds:
                mapping = saved(signature, k)
                if mapping:
                    return match_for_row(candidate, index, k, {**mapping, **manual})
    return None


def match_for_row(sheet: Sheet, index: int, kind: Kind, manual: Mapping[str, str]) -> HeaderMatch:
    """The mapping of one given header row."""
    row = sheet.rows.row(index)
    cells = [_cell_text(v) for v in row]
    columns = sheet.rows.columns
    mapped, unmapped, duplicates = _map_row(cells, kind, manual)
    return HeaderMatch(
        sheet=sheet,
        kind=kind,
        header_index=index,
        headers={columns[p]: cells[p] for p in range(len(cells)) if cells[p]},
        mapping={columns[p]: f for p, f in mapped.items()},
        unmapped=[cells[p] for p in unmapped],
        duplicates=[cells[p] for p in duplicates],
    )


def require_fields(match: HeaderMatch, file: str) -> None:
    """Raise :class:`MissingColumnError` naming every required field without a column."""
    missing = match.missing_required()
    if not missing:
        return
    by_name = {f.name: f for f in fields_for(match.kind)}
    key = "missing_columns" if len(missing) > 1 else "missing_column"
    if match.unmapped:  # a column the file has might be the missing one under another name
        key += "_or_map"
    raise MissingColumnError(
        message(
            key,
            file=file,
            sheet=match.sheet.name,
            columns=[f'"{by_name[m].aliases[0]}" ({m})' for m in missing],
            row=match.header_row,
            field=missing[0],
        ),
        file=file,
        sheet=match.sheet.name,
    )


def first_rows(sheet: Sheet, row_label: str, n: int = HEADER_SCAN_ROWS) -> pl.DataFrame:
    """The sheet's first ``n`` rows as the analyst sees them in Excel: a column ``row_label``
    with the Excel row number, then the cells under their column letters (A, B, ...), CPR
    numbers masked."""
    rows = sheet.rows.head(n)
    return rows.select(
        pl.int_range(sheet.first_row, sheet.first_row + rows.height, dtype=pl.Int64).alias(
            row_label
        ),
        *(
            pl.col(c)
            .map_batches(cpr.mask_series, return_dtype=pl.String)
            .fill_null("")
            .alias(column_letters(int(c[1:]) + 1))
            for c in rows.columns
        ),
    )
