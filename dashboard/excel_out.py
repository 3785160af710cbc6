"""Writing tables to Excel and CSV safely for the people who open them.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return; OWASP "CSV Injection") is written as a text cell in xlsx, never as a formula, and
prefixed with an apostrophe in CSV. openpyxl is used in write-only mode (streaming rows).

A :class:`Sheet` may say what each column holds (:data:`ColumnKind`): the workbook then keeps
the exact value in the cell and shows it rounded through a number format (percent, ratio,
p-value, days, count, date), and the CSV writes the value as it is read, rounded, with the
language's decimal mark, so that Danish Excel reads it as a number again.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from dashboard.formatting import format_date

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
_TEXT_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
_MAX_WIDTH, _MAX_HEADER_WIDTH, _MIN_WIDTH = 60, 24, 8

ColumnKind = Literal[
    "text",
    "count",
    "integer",
    "percent",
    "ratio",
    "decimal",
    "days",
    "statistic",
    "variance",
    "p",
    "date",
]
# Number formats are stored in the file in Excel's neutral notation ("." decimal, ","
# thousands); Excel shows them with the reader's own separators. Only the quoted text of the
# p-value format is literal, so it is written per language.
_NUMBER_FORMATS: dict[ColumnKind, str] = {
    "count": "#,##0",
    "integer": "0",
    "percent": "0.0%",
    "ratio": "0.00",
    "decimal": "0.0",
    "days": "0.0",
    "statistic": "0.00",
    "variance": "0.0000",  # τ² between groups: as the Equal treatment page shows it
}
_DECIMALS: dict[ColumnKind, int] = {
    "ratio": 2,
    "decimal": 1,
    "days": 1,
    "statistic": 2,
    "variance": 4,
    "percent": 1,
}


def p_value_format(lang: str) -> str:
    """A p-value's number format: three decimals, and "< 0,001" (en "< 0.001") below that."""
    return f'[<0.001]"< 0{"," if lang == "da" else "."}001";0.000'


def date_number_format(lang: str) -> str:
    """The date format matching :func:`dashboard.formatting.format_date`."""
    return "DD-MM-YYYY" if lang == "da" else "YYYY-MM-DD"


@dataclass(frozen=True)
class Sheet:
    """One table of a workbook, and what its columns hold (unnamed columns: as they come)."""

    name: str
    frame: pl.DataFrame
    kinds: Mapping[str, ColumnKind] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        """``name, frame = sheet`` (and ``dict(sheets)``), as for the (name, frame) pairs
        that callers may still pass."""
        return iter((self.name, self.frame))


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, no []:*?/\\)."""
    base = name.translate(_INVALID_SHEET_CHARS).strip("'") or "Sheet"
    title = base[:31]
    n = 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.casefold())
    return title


def _as_sheet(sheet: Sheet | tuple[str, pl.DataFrame]) -> Sheet:
    return sheet if isinstance(sheet, Sheet) else Sheet(sheet[0], sheet[1])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def display_value(value: Any, kind: ColumnKind | None, lang: str) -> str:
    """A cell as a reader sees it: rounded by its kind, with the language's decimal mark.

    This is what the CSV holds, and what the workbook's column widths are fitted to.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, datetime | date):
        return format_date(value, "da" if lang == "da" else "en")
    if isinstance(value, bool) or not _is_number(value):
        return str(value)
    if kind == "p":
        text = "<0.001" if value < 0.001 else f"{value:.3f}"
    elif kind == "percent":
        text = f"{100 * value:.1f}%"
    elif kind in _DECIMALS:
        text = f"{value:.{_DECIMALS[kind]}f}"
    elif isinstance(value, float):
        text = repr(round(value, 6)).removesuffix(".0") if value.is_integer() else repr(value)
    else:
        text = str(value)
    return text.replace(".", ",") if lang == "da" else text


def _cell(
    ws: WriteOnlyWorksheet, value: Any, *, kind: ColumnKind | None, lang: str
) -> WriteOnlyCell:
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        value = None
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones: the wall-clock time
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if len(value) > _MAX_WIDTH:
            cell.alignment = _TEXT_ALIGNMENT
    elif isinstance(value, datetime):
        cell.number_format = date_number_format(lang) + " hh:mm"
    elif isinstance(value, date):
        cell.number_format = date_number_format(lang)
    elif _is_number(value) and kind == "p":
        cell.number_format = p_value_format(lang)
    elif _is_number(value) and kind in _NUMBER_FORMATS:
        cell.number_format = _NUMBER_FORMATS[kind]
    return cell


def _width(header: str, values: list[Any], kind: ColumnKind | None, lang: str) -> float:
    """Characters wide enough for the widest shown value; headers wrap past 24 characters."""
    shown = [len(display_value(v, kind, lang)) for v in values]
    if kind in ("count", "integer") or (kind is None and values and all(map(_is_number, values))):
        shown = [n + n // 3 for n in shown]  # room for thousands separators
    longest_word = max((len(word) for word in header.split()), default=0)
    width = max([min(len(header), _MAX_HEADER_WIDTH), longest_word, *shown])
    return min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)


def write_xlsx(
    target: Path | BinaryIO,
    sheets: Sequence[Sheet | tuple[str, pl.DataFrame]],
    *,
    lang: str = "da",
) -> None:
    """Write each sheet with a bold, frozen, wrapping header row and fitted column widths."""
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    for sheet in map(_as_sheet, sheets):
        frame, kinds = sheet.frame, sheet.kinds
        ws = wb.create_sheet(sheet_title(sheet.name, taken))
        ws.freeze_panes = "A2"
        for index, column in enumerate(frame.columns, start=1):
            sample = [v for v in frame[column].head(500).to_list() if v is not None]
            ws.column_dimensions[get_column_letter(index)].width = _width(
                column, sample, kinds.get(column), lang
            )
        header = []
        for column in frame.columns:
            cell = _cell(ws, column, kind="text", lang=lang)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            cell.alignment = _HEADER_ALIGNMENT
            header.append(cell)
        ws.append(header)
        column_kinds = [kinds.get(c) for c in frame.columns]
        for row in frame.iter_rows():
            ws.append(
                [_cell(ws, v, kind=k, lang=lang) for v, k in zip(row, column_kinds, strict=True)]
            )
    if not sheets:
        wb.create_sheet("Sheet")
    wb.save(target)


def xlsx_bytes(sheets: Sequence[Sheet | tuple[str, pl.DataFrame]], *, lang: str = "da") -> bytes:
    """The workbook of :func:`write_xlsx` as bytes (for downloads)."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets, lang=lang)
    return buffer.getvalue()


def neutralise(text: str) -> str:
    """Prefix text that a spreadsheet would treat as a formula with an apostrophe."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_text(frame: pl.DataFrame, *, separator: str = ",", decimal_comma: bool = False) -> str:
    """CSV of a frame with formula-like text neutralised; lists are joined with '; '.

    Numbers are written exactly (the command line's machine-readable CSV); for a reader's
    CSV, rounded and in the reader's language, use :func:`csv_bytes`.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\n")
    writer.writerow([neutralise(c) for c in frame.columns])
    for row in frame.iter_rows():
        cells = []
        for v in row:
            if isinstance(v, list | tuple):
                v = "; ".join(str(x) for x in v)
            if isinstance(v, str):
                cells.append(neutralise(v))
            elif isinstance(v, float) and decimal_comma:
                cells.append(repr(v).replace(".", ","))
            else:
                cells.append("" if v is None else v)
        writer.writerow(cells)
    return out.getvalue()


def csv_bytes(sheet: Sheet, lang: str) -> bytes:
    """One table as a CSV file for a spreadsheet: UTF-8 with a byte-order mark (without it
    Excel reads the file as the Windows code page and garbles æøå), in Danish with ";" and a
    decimal comma, values rounded as the workbook shows them (:func:`display_value`)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if lang == "da" else ",", lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in sheet.frame.columns])
    kinds = [sheet.kinds.get(c) for c in sheet.frame.columns]
    for row in sheet.frame.iter_rows():
        writer.writerow(
            neutralise(display_value(v, k, lang))
            if isinstance(v, str)
            else display_value(v, k, lang)
            for v, k in zip(row, kinds, strict=True)
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
