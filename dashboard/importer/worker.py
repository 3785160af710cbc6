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

Large sheets are read in parts. calamine holds a whole sheet (every cell, and a copy of each
shared string it uses) before fastexcel turns it into Arrow: 1.6 GiB for a 1,000,000 x 22
sheet. A worksheet part whose XML is larger than ``parts_above_bytes`` (in the request) is
therefore inflated from the zip 16 MiB at a time and cut at row starts (``<row`` or
``<x:row`` followed by whitespace, ">" or "/", found with ``bytes.rfind``) into parts of
about ``part_bytes``. Each part becomes a workbook of its own, written next to the output
and read with fastexcel: every member of the original, except that the sheet holds only the
part's rows (after the original XML up to ``<sheetData>``, without ``<dimension>``, from
which calamine could size its range) and every other worksheet is empty. A later part starts
with a sentinel row just above its first row, so that calamine's range starts there:
fastexcel's ``skip_rows=N`` would still fill a grid from row 1 in memory. Each part is
written as ``sheet{k}.part{j}.arrow``; the manifest lists for each its columns, height,
first Excel row and the first row of the next part (the rows between are blank; after the
last row with a value there is nothing, as in a whole read). The child holds one part's
XML, its workbook's shared strings and the small members; shared strings are parsed once
per part, which costs time (about 1.4 s per part for 2.7 million strings). A sheet that
cannot be cut safely (a row without ``r``, which calamine numbers by counting; rows out of
order; comments or CDATA among the rows; a cell whose own ``r`` puts it outside its part)
is read whole.

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
- Hidden and very hidden sheets: the parent skips them from workbook.xml and never asks for
  them. calamine reads the same unprefixed ``state`` attribute and knows exactly "visible",
  "hidden" and "veryHidden"; any other value makes it refuse the workbook (a damaged file),
  so the two cannot disagree about a sheet the child reads.

Sheets are loaded with ``eager=True``, which builds the Arrow batch in one step: about 9%
less time and CPU than ``load_sheet(...).to_arrow()`` for the 100k-row benchmark export
(medians of five interleaved runs each, no more memory); the reader child's share of the
1M-row import went from 37.7 s to 30.2 s. The eager call returns no ``ExcelSheet``, so the
absolute index of each column is collected by a ``use_columns`` callable that keeps every
column (see ``_load``).

Dates in the 1904 system: calamine honours ``<workbookPr date1904="1">`` and ``"true"`` but
reads any other spelling of true (``"on"``, ``"True"``, ``"TRUE"``) as the 1900 system, which
puts every date 1462 days early without a word. Instead of hard-coding which spellings
calamine understands, the child asks it: it builds a one-cell workbook in memory with the
file's own ``xl/workbook.xml`` (every sheet pointing at the probe sheet) and looks at the date
calamine renders. The whole part matters, not only the attribute: recent Excel writes an
``x15:workbookPr`` (without ``date1904``) in the ``extLst`` after the real one, and calamine
then reads the 1900 system even for ``date1904="1"``. When the workbook's own
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

EXIT_OK = 0
EXIT_RESOURCES = 3  # out of memory, a Rust panic: the file needs more than an upload may use
EXIT_DAMAGED = 4  # calamine refused the file as malformed
EXIT_TOO_MUCH = 5  # the sheets come to more than max_output_bytes (in the request)

DAYS_1900_TO_1904 = 1462
DATETIME_FORM = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$"
MANIFEST = "manifest.json"


class Damaged(Exception):
    """The workbook does not hold what workbook.xml promised."""


class _TooMuchOutput(Exception):
    """The sheets come to more than the parent may load (``max_output_bytes``)."""


class _Budget:
    """Bytes of Arrow output the child may still write for the parent to load.

    Each sheet is bounded by the child's memory cap, but not their number: a few cells that
    repeat one long shared string, on sheet after sheet, would fill the parent (four such
    sheets of a 9 KB file took it 2.3 GB) and the disk.
    """

    def __init__(self, left: int) -> None:
        self.left = left

    def spend(self, nbytes: int) -> None:
        self.left -= nbytes
        if self.left < 0:
            raise _TooMuchOutput


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
    except _TooMuchOutput:
        return EXIT_TOO_MUCH
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
    source = _Source(request)
    calamine_1904 = calamine_reads_1904(source.zip().read("xl/workbook.xml"))
    shift = (DAYS_1900_TO_1904 if request["date1904"] else 0) - (
        DAYS_1900_TO_1904 if calamine_1904 else 0
    )
    budget = _Budget(request.get("max_output_bytes", _NEVER))
    sheets = []
    for k, wanted in enumerate(request["sheets"]):
        entry: dict[str, Any] | None = None
        if source.size(wanted.get("part")) > request.get("parts_above_bytes", _NEVER):
            left = budget.left
            try:
                entry = _read_in_parts(source, wanted, k, request["part_bytes"], out_dir, budget)
            except _NotSplittable:
                # The XML is not laid out as cutting it at rows assumes (see _split_rows):
                # read the sheet whole, as calamine would read it anyway.
                for stale in out_dir.glob(f"sheet{k}.part*"):
                    stale.unlink()
                budget.left = left
        if entry is None:
            entry = _read_whole(source.reader(), wanted, k, out_dir, budget)
        sheets.append(entry)
    return {"sheets": sheets, "calamine_1904": calamine_1904, "shift_days": shift}


class _Source:
    """The workbook being read: calamine's reader of the whole file, opened only when a sheet
    is read whole, and the zip's members for building the small workbooks of parts."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.path = request["path"]
        self.worksheets = set(request.get("worksheet_parts", ()))
        self._reader: Any = None
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, bytes] | None = None

    def reader(self) -> Any:
        import fastexcel

        if self._reader is None:
            self._reader = fastexcel.read_excel(self.path)
        return self._reader

    def zip(self) -> zipfile.ZipFile:
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.path)
        return self._zip

    def size(self, member: str | None) -> int:
        if member is None:
            return 0
        try:
            return self.zip().getinfo(member).file_size
        except KeyError:
            raise Damaged(member) from None

    def members(self) -> dict[str, bytes]:
        """Every member except the worksheets, read once (they go into every part's workbook)."""
        if self._members is None:
            zf = self.zip()
            self._members = {
                info.filename: b"" if info.filename in self.worksheets else zf.read(info)
                for info in zf.infolist()
            }
        return self._members


def _read_whole(
    reader: Any, wanted: dict[str, Any], k: int, out_dir: Path, budget: _Budget
) -> dict[str, Any]:
    name = wanted["name"]
    if name not in reader.sheet_names:
        raise Damaged(name)
    batch, columns = _load(reader, name, skip_rows=0)
    target = out_dir / f"sheet{k}.arrow"
    _write_batch(batch, target, budget)
    return {
        "name": name,
        "index": wanted["index"],
        "file": target.name,
        "columns": columns,
        "height": batch.num_rows,
    }


def _load(reader: Any, name: str, *, skip_rows: int | None) -> tuple[Any, list[int]]:
    """One sheet, every cell as text: an Arrow RecordBatch and each column's absolute Excel
    index (0 = A; fastexcel starts at the first used column)."""
    columns: list[int] = []

    def keep(column: Any) -> bool:
        columns.append(column.absolute_index)
        return True

    batch = reader.load_sheet(
        name,
        header_row=None,
        dtypes="string",
        skip_rows=skip_rows,
        eager=True,
        use_columns=keep,
    )
    if batch.num_columns != len(columns):
        raise Damaged("column count")
    return batch, columns


def _write_batch(batch: Any, target: Path, budget: _Budget) -> None:
    import pyarrow as pa
    import pyarrow.ipc

    budget.spend(batch.nbytes)

    # Uncompressed: the parent memory-maps the file instead of decompressing it.
    with pa.OSFile(str(target), "wb") as sink, pa.ipc.new_file(sink, batch.schema) as out:
        out.write_batch(batch)


# --------------------------------------------------------------------------- reading in parts

_NEVER = 2**63
_CHUNK = 16 * 2**20  # bytes of sheet XML inflated at a time
_HEAD_MAX = 64 * 2**20  # the worksheet XML before <sheetData> (sheet views, column widths)
_NAME = rb"[A-Za-z_][\w.-]*"
_SHEET_DATA = re.compile(rb"<(?:(" + _NAME + rb"):)?sheetData(?=[\s/>])[^>]*>")
_ROOT = re.compile(rb"<(?:(" + _NAME + rb"):)?worksheet(?=[\s/>])")
_DIMENSION = re.compile(
    rb"<(?:"
    + _NAME
    + rb":)?dimension(?=[\s/>])[^>]*?(?:/>|>.*?</(?:"
    + _NAME
    + rb":)?dimension\s*>)",
    re.DOTALL,
)
_ROW_R = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_TAG_FOLLOW = frozenset(b" \t\r\n>/")
_SENTINEL = "sentinel"


class _NotSplittable(Exception):
    """The sheet cannot be cut at its rows safely; it is read whole instead."""


@dataclass
class _Part:
    rows: bytearray  # whole <row> elements; only ``rows[:end]`` belongs to this part
    end: int
    first_row: int  # the smallest r of the part's rows (0 for the first part: skip nothing)
    next_row: int | None  # the smallest r of the next part's rows


class _Splitter:
    """Cuts one worksheet's XML, inflated a chunk at a time, into parts of whole rows.

    ``head`` is the XML up to and including ``<sheetData>`` without ``<dimension>``, ``tail``
    closes what ``head`` opened; ``head + part rows + tail`` is a worksheet of its own.
    """

    def __init__(self, stream: Any, part_bytes: int) -> None:
        self.stream = stream
        self.part_bytes = max(1, part_bytes)
        buf = bytearray()
        while (m := _SHEET_DATA.search(buf)) is None:
            if len(buf) > _HEAD_MAX or not self._more(buf):
                raise _NotSplittable("no <sheetData> near the start")
        root = _ROOT.search(buf, 0, m.start())
        if root is None or m.group(0).endswith(b"/>"):
            raise _NotSplittable("no worksheet root, or an empty sheetData")
        head = bytes(buf[: m.end()])
        if b"<!" in head[root.start() :]:  # a comment or CDATA might hide tags
            raise _NotSplittable("comment before sheetData")
        self.head = _DIMENSION.sub(b"", head)  # calamine could size its range from it
        p = m.group(1) + b":" if m.group(1) else b""
        wp = root.group(1) + b":" if root.group(1) else b""
        self.tail = b"</" + p + b"sheetData></" + wp + b"worksheet>"
        self.prefix = p
        self.row_tag = b"<" + p + b"row"
        self.end_tag = b"</" + p + b"sheetData"
        self.buf = buf
        del buf[: m.end()]
        at = buf.find(self.end_tag)
        self.finished = at >= 0
        if self.finished:
            del buf[at:]
        self.plain_r = re.compile(re.escape(self.row_tag) + rb' r="(\d+)"')
        self.any_tag = re.compile(re.escape(self.row_tag) + rb"(?=[\s/>])([^>]*)")

    def _more(self, buf: bytearray) -> bool:
        chunk = self.stream.read(_CHUNK)
        if not chunk:
            return False
        buf += chunk
        return True

    def _fill(self, size: int) -> None:
        """Read until ``buf`` holds ``size`` bytes or the end of sheetData."""
        buf = self.buf
        while not self.finished and len(buf) < size:
            start = max(0, len(buf) - len(self.end_tag))
            if not self._more(buf):
                raise _NotSplittable("no </sheetData>")
            at = buf.find(self.end_tag, start)
            if at >= 0:
                del buf[at:]
                self.finished = True

    def _row_at(self, at: int) -> bool:
        """Whether a row element starts at ``at`` (the tag name is followed by what ends it)."""
        after = at + len(self.row_tag)
        return after < len(self.buf) and self.buf[after] in _TAG_FOLLOW

    def _cut(self) -> int:
        """Where the current part (from ``buf[0]``) ends: a row start near ``part_bytes``."""
        buf, tag = self.buf, self.row_tag
        self._fill(self.part_bytes + len(tag) + 1)
        if self.finished and len(buf) <= self.part_bytes:
            return len(buf)
        # The last row start before part_bytes (but not the part's own first row)...
        at = buf.rfind(tag, 1, min(len(buf), self.part_bytes + len(tag)))
        while at > 0 and not self._row_at(at):
            at = buf.rfind(tag, 1, at + len(tag) - 1)
        if at > 0:
            return at
        # ...or else the first one after it (a row longer than a part: read on until it ends).
        searched = 1
        while True:
            at = buf.find(tag, searched)
            while at > 0 and not self._row_at(at):
                at = buf.find(tag, at + 1)
            if at > 0:
                return at
            if self.finished:
                return len(buf)
            searched = max(1, len(buf) - len(tag))
            self._fill(len(buf) + _CHUNK)

    def _row_number_at(self, at: int) -> int:
        """The r of the row element starting at ``buf[at]``."""
        while (close := self.buf.find(b">", at)) < 0:
            if self.finished:
                raise _NotSplittable("an unfinished row tag")
            self._fill(len(self.buf) + _CHUNK)
        r = _ROW_R.search(self.buf, at, close)
        if r is None:
            raise _NotSplittable("a row without r")
        return int(r.group(1))

    def _row_numbers(self, end: int) -> tuple[int, int] | None:
        """(smallest, largest) r of the rows in ``buf[:end]``; None when there are none.

        Raises _NotSplittable when a row lacks r (calamine numbers such a row by counting the
        rows before it, which a part cannot do) or when anything but rows might be there.
        """
        buf, tag = self.buf, self.row_tag
        if buf.find(b"<!", 0, end) >= 0 or buf.find(b"<?", 0, end) >= 0:
            # A comment or CDATA section could hold text that looks like a row.
            raise _NotSplittable("comment, CDATA or processing instruction among the rows")
        tags = buf.count(tag, 0, end)
        if tags == 0:
            if buf[:end].strip():
                raise _NotSplittable("something other than rows in sheetData")
            return None
        numbers = self.plain_r.findall(buf, 0, end)
        if len(numbers) != tags:
            # Attributes in another order or quoting: look at every row tag.
            numbers = []
            for m in self.any_tag.finditer(buf, 0, end):
                r = _ROW_R.search(m.group(1))
                if r is None:
                    raise _NotSplittable("a row without r")
                numbers.append(r.group(1))
            if len(numbers) != tags:
                raise _NotSplittable("a tag that starts like a row but is not one")
        values = [int(n) for n in numbers]
        return min(values), max(values)

    def parts(self) -> Iterator[_Part]:
        """The parts in order; each is valid until the next one is asked for."""
        first = 0  # the first part is read from Excel row 1, as a whole sheet is
        last = 0  # the largest r so far
        while True:
            end = self._cut()
            numbers = self._row_numbers(end)
            if numbers is None:
                raise _NotSplittable("no rows")  # nothing to read: cheap to read whole
            low, high = numbers
            if (first and low != first) or low <= last or low < 1:
                # Rows out of order: calamine would put them back in place, a part cannot.
                raise _NotSplittable("rows out of order")
            last = high
            done = self.finished and end == len(self.buf)
            following = None if done else self._row_number_at(end)
            yield _Part(self.buf, end, first, following)
            if following is None:
                return
            del self.buf[:end]
            first = following


def _first_row_values(batch: Any) -> list[Any]:
    if batch.num_rows == 0:
        return []
    return [column[0].as_py() for column in batch.columns]


def _trim_heap() -> None:
    """Hand freed memory back to the system between parts.

    calamine's millions of small allocations (a string per shared string and per cell) leave
    glibc's heap fragmented; without this, the peak grows by some 50 MB with every part.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc


def _empty_worksheet() -> bytes:
    return f'<worksheet xmlns="{_MAIN}"><sheetData/></worksheet>'.encode()


def _part_workbook(
    source: _Source, member: str, splitter: _Splitter, part: _Part, target: Path
) -> None:
    """Write a workbook of the original members, with only this part's rows in the sheet and
    every other worksheet empty.

    It goes to a file rather than into memory: calamine reads a workbook given as bytes from a
    copy of its own, so the part's XML and the shared strings would be held three times.
    """
    sentinel = b""
    if part.first_row > 1:
        # A row with one value just above the part's first row, in column A (see
        # _read_in_parts); in this workbook the rows above the part are empty anyway.
        p, n = splitter.prefix, b"%d" % (part.first_row - 1)
        sentinel = (
            b'<%srow r="%s"><%sc r="A%s" t="inlineStr"><%sis><%st>%s</%st></%sis></%sc></%srow>'
            % (p, n, p, n, p, p, _SENTINEL.encode(), p, p, p, p)
        )
    body = memoryview(part.rows)[: part.end]
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
            for name, data in source.members().items():
                if name == member:
                    info = zipfile.ZipInfo(name)
                    info.file_size = (
                        len(splitter.head) + len(sentinel) + len(body) + len(splitter.tail)
                    )
                    with zf.open(info, "w") as sheet:
                        sheet.write(splitter.head)
                        sheet.write(sentinel)
                        sheet.write(body)
                        sheet.write(splitter.tail)
                elif name in source.worksheets:
                    zf.writestr(name, _empty_worksheet())
                else:
                    zf.writestr(name, data)
    finally:
        body.release()


def _read_in_parts(
    source: _Source,
    wanted: dict[str, Any],
    k: int,
    part_bytes: int,
    out_dir: Path,
    budget: _Budget,
) -> dict[str, Any]:
    """Read one large sheet a few tens of megabytes of XML at a time (see the docstring)."""
    import fastexcel

    name, member = wanted["name"], wanted["part"]
    if member not in source.worksheets:
        raise Damaged(member)
    parts: list[dict[str, Any]] = []
    try:
        stream = source.zip().open(member)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Damaged(member) from exc
    with stream:
        splitter = _Splitter(stream, part_bytes)
        for j, part in enumerate(splitter.parts()):
            workbook = out_dir / f"sheet{k}.part{j}.xlsx"
            _part_workbook(source, member, splitter, part, workbook)
            reader = fastexcel.read_excel(str(workbook))
            workbook.unlink()  # calamine keeps it open
            if name not in reader.sheet_names:
                raise Damaged(name)
            # The first part is read as a whole sheet is, from Excel row 1. A later one starts
            # with the sentinel row (see _part_workbook), where calamine's range then starts:
            # with the default skip_rows fastexcel neither pads the rows above it (skip_rows=N
            # would still fill a grid from row 1 in memory) nor drops any below it.
            batch, columns = _load(reader, name, skip_rows=0 if j == 0 else None)
            del reader
            if j > 0:
                if _first_row_values(batch) != [_SENTINEL] + [None] * (len(columns) - 1):
                    # A cell placed above the part by its own r: the whole read has it.
                    raise _NotSplittable("calamine's range does not start at the sentinel")
                batch = batch.slice(1)
            first_row = max(1, part.first_row)
            if part.next_row is not None and first_row + batch.num_rows > part.next_row:
                # A cell whose own r points below its row: the whole read places it.
                raise _NotSplittable("cells beyond their part")
            target = out_dir / f"sheet{k}.part{j}.arrow"
            _write_batch(batch, target, budget)
            parts.append(
                {
                    "file": target.name,
                    "columns": columns,
                    "height": batch.num_rows,
                    "first_row": first_row,
                    "next_row": part.next_row,
                }
            )
            del batch
            _trim_heap()
    # A whole read ends at the last row with a value: parts after it add nothing, and the
    # blank rows before them are not part of the sheet.
    while len(parts) > 1 and parts[-1]["height"] == 0:
        parts.pop()
    parts[-1]["next_row"] = None
    return {"name": name, "index": wanted["index"], "parts": parts}


# --------------------------------------------------------------------------- the 1904 probe

_PROBE_SERIAL = 1  # 1900-01-01 in the 1900 system, 1904-01-02 in the 1904 system
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


_ID_ATTRIBUTE = re.compile(rb"""(?<![\w.-])(?:[\w.-]+:)?id\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def probe_workbook(workbook_xml: bytes) -> bytes:
    """A one-cell workbook with this workbook.xml: every sheet it names is one probe sheet.

    The file's own workbook.xml, not a copy of its ``date1904`` attribute: how calamine reads
    the date system depends on the rest of the part too (recent Excel writes an
    ``x15:workbookPr`` in the ``extLst`` after the real one, and calamine then reads the 1900
    system whatever ``date1904`` says).
    """
    ids = sorted(
        {(m[1] or m[2]).decode("utf-8", "replace") for m in _ID_ATTRIBUTE.finditer(workbook_xml)}
    )
    rels = "".join(
        f'<Relationship Id={quoteattr(rid)} Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        for rid in ids
    )
    parts: dict[str, str | bytes] = {
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
        "xl/workbook.xml": workbook_xml,
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PKG}">{rels}'
            f'<Relationship Id="rIdProbeStyles" Type="{_RELS}/styles" Target="styles.xml"/>'
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


def calamine_reads_1904(workbook_xml: bytes) -> bool:
    """Whether calamine applies the 1904 system to a workbook with this workbook.xml."""
    if b"date1904" not in workbook_xml:
        return False
    import fastexcel

    reader = fastexcel.read_excel(probe_workbook(workbook_xml))
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
