"""A small streaming .xlsx writer for the import benchmark's workbooks.

Why not openpyxl: writing the 1M-row workbook with openpyxl takes many minutes and several GB
of memory (even its write-only mode builds every cell as a Python object), which would make
the benchmark's own set-up dwarf what it measures. This writer builds the sheet XML a chunk
of rows at a time with vectorised Polars string expressions and streams it into the zip, so
1M rows x 22 columns take well under a minute.

It writes what Excel itself writes, so the importer sees a realistic file:

- one worksheet part with ``<dimension>``, ``<row r=".." spans="..">`` and a ``r="A1"``
  reference on every cell (the importer's safety scan reads those), empty cells omitted;
- every text cell as an index into a shared-strings table (``xl/sharedStrings.xml``, each
  distinct string once, as Excel does);
- dates as real date cells: the serial day number (1900 date system) with a style whose
  number format is the custom ``dd-mm-yyyy`` (how Danish exports usually show dates);
- numbers as plain numeric cells;
- deflate compression at zlib's default level, as Excel uses.

Only what the benchmark needs is supported: one sheet (plus title rows above the header,
which are written as ordinary text rows), columns of type text, date and number.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

ColumnType = Literal["text", "date", "number"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 onwards: epoch + serial days (1900 system)
DATE_STYLE = 1  # index into cellXfs of the date style
CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class Column:
    """One column of the data block: its header text, its source column and how to write it."""

    header: str
    source: str
    type: ColumnType


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    n = index + 1
    text = ""
    while n:
        n, rem = divmod(n - 1, 26)
        text = chr(65 + rem) + text
    return text


def _escape(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shared_strings(
    frame: pl.DataFrame, columns: Sequence[Column], extra: Sequence[str]
) -> pl.Series:
    """Every distinct string of the workbook, in first-seen order (the SST's order)."""
    parts = [pl.Series("s", list(extra), dtype=pl.String)]
    parts += [frame[c.source].cast(pl.String).alias("s") for c in columns if c.type == "text"]
    return pl.concat(parts).drop_nulls().unique(maintain_order=True)


def _cell_exprs(columns: Sequence[Column], sst_index: dict[str, pl.Expr]) -> list[pl.Expr]:
    """One expression per column giving the cell's XML (null for an empty cell)."""
    cells: list[pl.Expr] = []
    for k, col in enumerate(columns):
        ref = pl.concat_str(pl.lit(f'<c r="{column_letters(k)}'), pl.col("_row"))
        if col.type == "text":
            attrs, value = '" t="s"><v>', sst_index[col.source]
        elif col.type == "date":
            attrs = f'" s="{DATE_STYLE}"><v>'
            value = (pl.col(col.source).cast(pl.Date) - pl.lit(_EXCEL_EPOCH)).dt.total_days()
        else:
            attrs, value = '"><v>', pl.col(col.source)
        cells.append(
            pl.when(value.is_not_null()).then(
                pl.concat_str(ref, pl.lit(attrs), value.cast(pl.String), pl.lit("</v></c>"))
            )
        )
    return cells


def _text_row(row: int, texts: Sequence[str | None], sst: dict[str, int]) -> str:
    cells = "".join(
        f'<c r="{column_letters(k)}{row}" t="s"><v>{sst[t]}</v></c>'
        for k, t in enumerate(texts)
        if t is not None
    )
    return f'<row r="{row}">{cells}</row>' if cells else ""


def write_xlsx(
    path: Path,
    frame: pl.DataFrame,
    columns: Sequence[Column],
    *,
    sheet_name: str = "Ark1",
    title_rows: Sequence[Sequence[str | None]] = (),
    footer_rows: Sequence[Sequence[str | None]] = (),
    compresslevel: int = 6,
) -> Path:
    """Write ``title_rows``, a header row, ``frame``'s rows and ``footer_rows`` to one sheet.

    Title and footer rows are text only (None = empty cell). Written to a temporary name and
    renamed, so an interrupted run never leaves a half-written file behind.
    """
    width = len(columns)
    extra = [t for row in (*title_rows, *footer_rows) for t in row if t is not None]
    extra += [c.header for c in columns]
    strings = _shared_strings(frame, columns, extra)
    lookup = pl.DataFrame({"s": strings, "i": pl.int_range(0, strings.len(), eager=True)})
    head = lookup.filter(pl.col("s").is_in(extra))
    small = dict(zip(head["s"].to_list(), head["i"].to_list(), strict=True))
    header_row = len(title_rows) + 1
    first_data_row = header_row + 1
    last_row = first_data_row + frame.height - 1 + len(footer_rows)
    text_columns = [c.source for c in columns if c.type == "text"]

    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for name, text in _static_parts(sheet_name).items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}">'
                    f'<dimension ref="A1:{column_letters(width - 1)}{last_row}"/>'
                    "<sheetData>"
                ).encode()
            )
            rows = [_text_row(r + 1, texts, small) for r, texts in enumerate(title_rows)]
            rows.append(_text_row(header_row, [c.header for c in columns], small))
            out.write("".join(rows).encode())
            indexed = _indexed(frame, columns, lookup, first_data_row)
            sst_index = {c: pl.col(f"_sst_{c}") for c in text_columns}
            row_xml = pl.concat_str(
                pl.lit('<row r="'),
                pl.col("_row"),
                pl.lit(f'" spans="1:{width}">'),
                *_cell_exprs(columns, sst_index),
                pl.lit("</row>"),
                ignore_nulls=True,
            )
            for start in range(0, frame.height, CHUNK_ROWS):
                chunk = indexed.slice(start, CHUNK_ROWS)
                out.write(chunk.select(row_xml.str.join("")).item().encode())
            footer = [
                _text_row(first_data_row + frame.height + r, texts, small)
                for r, texts in enumerate(footer_rows)
            ]
            out.write(("".join(footer) + "</sheetData></worksheet>").encode())
        with zf.open("xl/sharedStrings.xml", "w") as out:
            out.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<sst xmlns="{_MAIN}" count="{strings.len()}" uniqueCount="{strings.len()}">'
                ).encode()
            )
            for start in range(0, strings.len(), 500_000):
                part = strings.slice(start, 500_000).to_frame()
                xml = part.select(
                    pl.concat_str(
                        pl.lit("<si><t>"), _escape(pl.col("s")), pl.lit("</t></si>")
                    ).str.join("")
                ).item()
                out.write(xml.encode())
            out.write(b"</sst>")
    tmp.replace(path)
    return path


def _indexed(
    frame: pl.DataFrame, columns: Sequence[Column], lookup: pl.DataFrame, first_row: int
) -> pl.DataFrame:
    """The row number as text, each text column as its shared-string index, other columns."""
    out = [
        pl.int_range(first_row, first_row + frame.height, eager=True).cast(pl.String).alias("_row")
    ]
    for col in columns:
        if col.type == "text":
            index = frame.select(pl.col(col.source).cast(pl.String).alias("s")).join(
                lookup, on="s", how="left", maintain_order="left"
            )["i"]
            out.append(index.alias(f"_sst_{col.source}"))
        else:
            out.append(frame[col.source])
    return pl.DataFrame(out)


def _static_parts(sheet_name: str) -> dict[str, str]:
    decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheet_ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": decl
        + f'<Types xmlns="{_CT}">'
        + '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        + '<Default Extension="xml" ContentType="application/xml"/>'
        + f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_ct}.sheet.main+xml"/>'
        + f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_ct}.worksheet+xml"/>'
        + f'<Override PartName="/xl/styles.xml" ContentType="{sheet_ct}.styles+xml"/>'
        + f'<Override PartName="/xl/sharedStrings.xml" ContentType="{sheet_ct}.sharedStrings+xml"/>'
        + "</Types>",
        "_rels/.rels": decl
        + f'<Relationships xmlns="{_PKG}">'
        + f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
        + "</Relationships>",
        "xl/workbook.xml": decl
        + f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><workbookPr/>'
        + f'<sheets><sheet name="{_escape_text(sheet_name)}" sheetId="1" r:id="rId1"/></sheets>'
        + "</workbook>",
        "xl/_rels/workbook.xml.rels": decl
        + f'<Relationships xmlns="{_PKG}">'
        + f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        + f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/>'
        + f'<Relationship Id="rId3" Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        + "</Relationships>",
        "xl/styles.xml": decl
        + f'<styleSheet xmlns="{_MAIN}">'
        + '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd\\-mm\\-yyyy"/></numFmts>'
        + '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        + '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        + '<fill><patternFill patternType="gray125"/></fill></fills>'
        + '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        + '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        + '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        + "</cellXfs>"
        + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        + "</styleSheet>",
    }
