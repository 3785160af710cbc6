"""Writing tables to Excel and CSV safely for the people who open them.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return; OWASP "CSV Injection") is written as a text cell in xlsx, never as a formula, and
prefixed with an apostrophe in CSV. openpyxl is used in write-only mode (streaming rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


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


def _cell(ws: WriteOnlyWorksheet, value: Any, *, date_format: str) -> WriteOnlyCell:
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, datetime | date):
        cell.number_format = date_format
    return cell


def write_xlsx(
    target: Path | BinaryIO,
    sheets: Sequence[tuple[str, pl.DataFrame]],
    *,
    date_format: str = "DD-MM-YYYY",
) -> None:
    """Write each (name, frame) as a sheet with a bold, frozen header row."""
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    for name, frame in sheets:
        ws = wb.create_sheet(sheet_title(name, taken))
        ws.freeze_panes = "A2"
        for index, column in enumerate(frame.columns, start=1):
            sample = [str(v) for v in frame[column].head(200).to_list() if v is not None]
            width = max([len(column), *(len(s) for s in sample)] or [8])
            ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
        header = []
        for column in frame.columns:
            cell = _cell(ws, column, date_format=date_format)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            header.append(cell)
        ws.append(header)
        for row in frame.iter_rows():
            ws.append([_cell(ws, v, date_format=date_format) for v in row])
    if not sheets:
        wb.create_sheet("Sheet")
    wb.save(target)


def xlsx_bytes(sheets: Sequence[tuple[str, pl.DataFrame]]) -> bytes:
    """The workbook of :func:`write_xlsx` as bytes (for downloads)."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()


def neutralise(text: str) -> str:
    """Prefix text that a spreadsheet would treat as a formula with an apostrophe."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_text(frame: pl.DataFrame, *, separator: str = ",", decimal_comma: bool = False) -> str:
    """CSV of a frame with formula-like text neutralised; lists are joined with '; '.

    Danish spreadsheets expect ``separator=";"`` and ``decimal_comma=True``.
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
