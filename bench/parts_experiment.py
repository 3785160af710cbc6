"""One-off measurement behind bench/README's "Against the targets": would reading a sheet in
parts pay if each part's shared-strings table held only the strings the part uses?

Cuts the 100k benchmark export's sheet into parts at row starts and writes each part as a
workbook twice: with the whole shared-strings table, and with a pruned one (every entry the
part does not use becomes ``<si/>``, so the indices stay valid). Times fastexcel on each
against one whole read, and the work of finding the used entries and building the tables.
Run after ``python -m bench import`` has cached the workbook:

    .venv/bin/python -m bench.parts_experiment
"""

from __future__ import annotations

import re
import tempfile
import time
import zipfile
from pathlib import Path

import fastexcel

WORKBOOK = Path(__file__).resolve().parent / ".cache" / "incidents_100000_v2.xlsx"
SHEET, STRINGS = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
PARTS = 4


def _read(path: Path) -> tuple[float, int]:
    """Seconds to open the workbook and load its first sheet as text, and its rows."""
    start = time.perf_counter()
    batch = fastexcel.read_excel(str(path)).load_sheet(
        0, header_row=None, dtypes="string", eager=True
    )
    return time.perf_counter() - start, batch.num_rows


def main() -> None:
    source = zipfile.ZipFile(WORKBOOK)
    sheet, strings = source.read(SHEET), source.read(STRINGS)
    others = {i.filename: source.read(i) for i in source.infolist()} | {SHEET: b"", STRINGS: b""}

    start = time.perf_counter()
    entries = [m.span() for m in re.finditer(rb"<si>.*?</si>", strings, re.S)]
    split_seconds = time.perf_counter() - start

    data_start = sheet.index(b"<sheetData>") + len(b"<sheetData>")
    head = re.sub(rb"<dimension[^>]*/>", b"", sheet[:data_start])
    body = sheet[data_start : sheet.index(b"</sheetData>")]
    rows = [m.start() for m in re.finditer(rb"<row ", body)]
    cuts = [rows[len(rows) * k // PARTS] for k in range(PARTS)] + [len(body)]
    strings_head, strings_tail = strings[: entries[0][0]], strings[entries[-1][1] :]

    def write(path: Path, part: bytes, table: bytes) -> None:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
            for name, content in others.items():
                if name == SHEET:
                    content = head + part + b"</sheetData></worksheet>"
                elif name == STRINGS:
                    content = table
                out.writestr(name, content)

    full = pruned = find = build = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(PARTS):
            part = body[cuts[k] : cuts[k + 1]]
            write(Path(tmp) / f"full{k}.xlsx", part, strings)
            start = time.perf_counter()
            used = {int(n) for n in re.findall(rb't="s"><v>(\d+)</v>', part)}
            found = time.perf_counter()
            table = b"".join(
                [strings_head]
                + [strings[a:b] if i in used else b"<si/>" for i, (a, b) in enumerate(entries)]
                + [strings_tail]
            )
            built = time.perf_counter()
            write(Path(tmp) / f"pruned{k}.xlsx", part, table)
            find, build = find + found - start, build + built - found
            seconds_full, rows_full = _read(Path(tmp) / f"full{k}.xlsx")
            seconds_pruned, rows_pruned = _read(Path(tmp) / f"pruned{k}.xlsx")
            assert rows_full == rows_pruned
            full, pruned = full + seconds_full, pruned + seconds_pruned
            print(
                f"part {k}: {len(used):,} of {len(entries):,} strings used; read "
                f"{seconds_full:.3f} s with all, {seconds_pruned:.3f} s with its own"
            )
    whole, _ = _read(WORKBOOK)
    print(
        f"{PARTS} parts: {full:.2f} s with every string, {pruned:.2f} s with their own; "
        f"one whole read {whole:.2f} s. Finding the used strings (regex) {find:.2f} s, "
        f"splitting the table {split_seconds:.2f} s, building the pruned tables {build:.2f} s."
    )


if __name__ == "__main__":
    main()
