"""The child process that parses a workbook: ``python -m dashboard.importer.worker DIR MEMORY``.

``workbook.read_workbook`` runs this module in a fresh interpreter so that whatever calamine
does with a hostile file (a Rust abort on a failed allocation, a panic, hours of work) happens
to a process that may die. The child is started while the parent still runs the checks in
``safety.py``: it caps its memory, imports fastexcel and pyarrow (a few hundred milliseconds)
and then waits for its request, a JSON object on stdin, which the parent sends only once the
checks passed; the workbook's path is in the request, so the child never opens a file the
checks did not accept. When the checks refuse the file, the parent kills the child (or closes
stdin, and the child exits without reading anything). The sheets come back as Arrow IPC files
in DIR, plus ``manifest.json``, exactly as calamine gave them; naming the columns after their
Excel position, the 1904 shift and trimming leading blank rows are done by the parent
(``workbook.py``), so the child needs neither Polars nor its start-up time.

Before importing anything heavy the child caps its own memory with ``RLIMIT_DATA`` (and turns
core dumps off). ``RLIMIT_AS`` does not work here: Polars, pyarrow and the glibc allocator
reserve address space they never touch (1.3 GB of address space for 110 MB resident after
reading a 2,400-row sheet on two cores, and it grows with the number of cores and threads);
with ``RLIMIT_AS`` at 400 MB the child cannot even map fastexcel's shared library. So a cap
on address space either breaks the reader or has to be so loose that it limits nothing.
``RLIMIT_DATA`` counts private writable memory (heap, anonymous mmaps, thread stacks) and
leaves untouched reservations alone; since Linux 4.7 it is enforced for mmap as well as brk.
A Rust allocation beyond it aborts the child (SIGABRT, "memory allocation of N bytes
failed"), a Python one raises MemoryError. An ordinary export reads within 160 MiB; the
parent passes ``ReadLimits.memory_bytes``. The limit is set here rather than in
``preexec_fn`` because ``preexec_fn`` is unsafe in a multi-threaded parent such as a
Streamlit server.

What calamine (through fastexcel 0.21, every cell read as text) gives, which callers rely on:

- Rows: with ``header_row=None, skip_rows=0`` row 0 is Excel row 1, even when the first used
  row is further down; blank rows in between are kept as all-null rows. (With the default
  ``skip_rows=None`` fastexcel silently drops leading empty rows, so the row numbers shift.)
  Leading all-null rows are trimmed by the parent and ``first_row`` says which Excel row is
  first.
- Columns: fastexcel starts at the first used column; ``absolute_index`` says which one (it
  goes into the manifest). The parent pads the columns so that column ``cK`` is Excel column
  K (c0 = A, c1 = B, ...).
- Text cells come back exactly as typed (a 20-digit id typed as text stays exact), except
  that calamine trims leading and trailing whitespace from strings written without
  ``xml:space="preserve"`` (Excel always writes it when it matters), and a whitespace-only
  string of that kind becomes "".
- Numeric cells are rendered by calamine as text: an integral value without a decimal part
  ("3", not "3.0"; also "-5", "100000000000000000000"), other values with at most nine
  decimals, rounded ("0.333333333", "1234.567890123"; 1.5E-10 becomes "0"). A number typed
  as a number loses digits beyond double precision: 12345678901234567890 -> "12345678901234567168".
- Booleans are "true"/"false". Error cells (#N/A, #DIV/0!) and formulas without a cached
  value become null.
- Cells with a date or time format are rendered "YYYY-MM-DD HH:MM:SS", with ".fff" when there
  are fractions of a second; a time of day alone comes out on 1899-12-31 (1904-01-01 in the
  1904 system). Text that merely looks like a date is untouched.
- Merged cells: the value sits in the top-left cell only; the other cells are null.
- Hidden and very hidden sheets are reported by ``ExcelSheet.visible``; the parent already
  skips them from workbook.xml, and any that slip through are reported back, not read.

Dates in the 1904 system: calamine honours ``<workbookPr date1904="1">`` and ``"true"`` but
reads any other spelling of true (``"on"``, ``"True"``, ``"TRUE"``) as the 1900 system, which
puts every date 1462 days early without a word. Instead of hard-coding which spellings
calamine understands, the child asks it: it builds a one-cell workbook in memory with the
very same attribute value and looks at the date calamine renders. When the workbook's own
system (parsed by the parent) and calamine's reading differ, the manifest says by how many
days (``shift_days``) and the parent moves every cell in the exact datetime form above by 1462
days. This relies on one assumption: text dates in these exports
never have the form "YYYY-MM-DD HH:MM:SS" with a time part (they are "11-01-2023",
"2023-01-11", "11.01.2023 14:05" and the like), so only real date cells are moved.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

EXIT_OK = 0
EXIT_RESOURCES = 3  # out of memory, a Rust panic: the file needs more than an upload may use
EXIT_DAMAGED = 4  # calamine refused the file as malformed

DAYS_1900_TO_1904 = 1462
DATETIME_FORM = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$"
MANIFEST = "manifest.json"


class Damaged(Exception):
    """The workbook does not hold what workbook.xml promised."""


def limit_resources(memory_bytes: int) -> None:
    """Cap private writable memory and disable core dumps, for this process and its children."""
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out_dir, memory_bytes = Path(args[0]), int(args[1])
    limit_resources(memory_bytes)
    try:
        # Imported while the parent is still checking the file (see the module docstring).
        import fastexcel  # noqa: F401
        import pyarrow.ipc  # noqa: F401

        text = sys.stdin.read()
        if not text.strip():
            return EXIT_OK  # the parent refused the file (or had no sheet to read)
        manifest = _read(json.loads(text), out_dir)
    except MemoryError:
        return EXIT_RESOURCES
    except Damaged:
        return EXIT_DAMAGED
    except BaseException as exc:
        kind = _classify(exc)
        if kind is None:
            raise
        return kind
    (out_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return EXIT_OK


def _classify(exc: BaseException) -> int | None:
    if type(exc).__name__ == "PanicException":  # pyo3's, a BaseException
        return EXIT_RESOURCES
    if isinstance(exc, OSError) and exc.errno == 12:  # ENOMEM
        return EXIT_RESOURCES
    import fastexcel

    if isinstance(exc, fastexcel.FastExcelError):
        if "memory" in str(exc).lower() or "alloc" in str(exc).lower():
            return EXIT_RESOURCES
        return EXIT_DAMAGED
    return None


def _read(request: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    import fastexcel
    import pyarrow as pa
    import pyarrow.ipc

    reader = fastexcel.read_excel(request["path"])
    names = set(reader.sheet_names)
    calamine_1904 = calamine_reads_1904(request.get("date1904_attribute"))
    shift = (DAYS_1900_TO_1904 if request["date1904"] else 0) - (
        DAYS_1900_TO_1904 if calamine_1904 else 0
    )
    sheets = []
    for k, wanted in enumerate(request["sheets"]):
        name = wanted["name"]
        if name not in names:
            raise Damaged(name)
        sheet = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
        if sheet.visible != "visible":
            sheets.append({"name": name, "index": wanted["index"], "hidden": True})
            continue
        columns = [c.absolute_index for c in sheet.selected_columns]
        batch = sheet.to_arrow()
        del sheet
        if batch.num_columns != len(columns):
            raise Damaged("column count")
        target = out_dir / f"sheet{k}.arrow"
        # Uncompressed: the parent memory-maps the file instead of decompressing it.
        with pa.OSFile(str(target), "wb") as sink, pa.ipc.new_file(sink, batch.schema) as out:
            out.write_batch(batch)
        sheets.append(
            {
                "name": name,
                "index": wanted["index"],
                "hidden": False,
                "file": target.name,
                "columns": columns,
                "height": batch.num_rows,
            }
        )
        del batch
    return {"sheets": sheets, "calamine_1904": calamine_1904, "shift_days": shift}


# --------------------------------------------------------------------------- the 1904 probe

_PROBE_SERIAL = 1  # 1900-01-01 in the 1900 system, 1904-01-02 in the 1904 system
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def probe_workbook(date1904_attribute: str) -> bytes:
    """A one-cell workbook whose workbookPr carries exactly this date1904 value."""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
            f"<workbookPr date1904={quoteattr(date1904_attribute)}/>"
            '<sheets><sheet name="P" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{_MAIN}"><cellXfs count="2"><xf numFmtId="0"/>'
            '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1">'
            f'<c r="A1" s="1"><v>{_PROBE_SERIAL}</v></c></row></sheetData></worksheet>'
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return buf.getvalue()


def calamine_reads_1904(date1904_attribute: str | None) -> bool:
    """Whether calamine applies the 1904 system to a workbook with this attribute value."""
    if date1904_attribute is None:
        return False
    import fastexcel

    reader = fastexcel.read_excel(probe_workbook(date1904_attribute))
    batch = reader.load_sheet(0, header_row=None, dtypes="string", skip_rows=0).to_arrow()
    value = batch.column(0)[0].as_py()
    if not isinstance(value, str) or not re.match(DATETIME_FORM, value):
        raise RuntimeError(f"calamine rendered the probe date as {value!r}")
    return value.startswith("1904-")


if __name__ == "__main__":
    status = main()
    # The parent needs only the exit status and the files written above: skipping the
    # interpreter's teardown (freeing what calamine read, unloading modules) saves about
    # 50 ms at 100k rows.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
