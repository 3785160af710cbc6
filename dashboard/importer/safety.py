"""Checks on an .xlsx file before any spreadsheet parser touches it.

Everything here runs in the parent (the Streamlit server) and reads the zip container with the
standard library and numpy only; the spreadsheet itself is parsed later in a child process
(``worker.py``). The checks, in order:

1. The file exists, is not empty and is not larger than ``max_file_bytes``. An OLE2 file (an
   old .xls, or an .xlsx protected by a password, which Excel stores encrypted in OLE2) gets
   its own sentence.
2. It is a zip whose end record announces a sane number of members; the central directory
   parses; no member is encrypted, stored with a method other than stored/deflate, or present
   twice (even in another case or with backslashes, which calamine ignores);
   ``[Content_Types].xml`` and ``xl/workbook.xml`` exist.
3. The *declared* uncompressed sizes: each member at most ``max_entry_bytes``, shared strings
   at most ``max_shared_strings_bytes``, the sum at most ``max_uncompressed_bytes``.
4. ``xl/workbook.xml`` and its relationships are parsed (sheet names, visibility, the part
   each sheet lives in, and ``<workbookPr date1904>``) without building a tree; a DTD (in
   any encoding), a sheet whose ids disagree, a relationship id or a worksheet part used
   twice are refused, so that the reader cannot read another part than the one checked.
5. Every XML member is inflated in chunks from its raw deflate stream — never whole into
   memory, and not through ``zipfile``, which stops at the declared size — counting the bytes
   that actually come out. A member that inflates past its limit is refused at that point
   (a lying header, a gigabyte of whitespace), as is one whose real size or CRC differs from
   what the central directory says.
6. While the worksheet parts of visible sheets inflate, their cell and row references
   (``r="XFD1048576"``, ``<row r="7">``) are scanned to find the real extent of the sheet;
   ``<dimension ref>`` is ignored. calamine allocates a dense rectangle from that extent, so
   a 2 KB file with cells in A1 and XFD1048576 would otherwise abort the whole process.

The scan is vectorised with numpy over canonical ``r="..."`` attributes, in pieces that fit
in the CPU cache; a 100,000-row by 22-column sheet (76 MB of XML) takes about 0.7 s,
inflation included, on a busy 2-core machine. Cells and rows
without an ``r`` attribute (legal; calamine numbers them by position) are bounded by counting
tags; when that bound is too coarse, the part is scanned again tag by tag. The scan is
conservative: stray ``r="..."`` text can only make a sheet look larger. A deliberately crafted
file might still get past it; the child's memory cap and time limit are the backstop.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue
from typing import TYPE_CHECKING, BinaryIO
from xml.parsers import expat

import numpy as np

from dashboard.importer.errors import NotAWorkbookError, UnsafeWorkbookError
from dashboard.importer.messages import Message, message

if TYPE_CHECKING:
    from dashboard.importer.workbook import ReadLimits

# Members a workbook needs at least.
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# A zip with more members, or a larger central directory, is not an export.
MAX_MEMBERS = 10_000
MAX_CENTRAL_DIRECTORY_BYTES = 16 * 2**20
# workbook.xml and relationship parts are parsed whole, so they get a small cap of their own.
MAX_SMALL_PART_BYTES = 16 * 2**20
# Excel's own grid, for the message when a sheet reaches beyond it.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"  # a zip member's local header: where every .xlsx starts
_READ_CHUNK = 256 << 10
_INFLATE_CHUNK = 2 << 20
_CARRY_MAX = 1 << 20
_TRUE = frozenset({"1", "true", "on"})


def _megabytes(n: int) -> int:
    return round(n / 2**20)


def column_letters(n: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD (beyond Excel's grid the letters simply continue)."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Extent:
    """How far a sheet's cells reach, 1-based; an upper bound when ``exact`` is false."""

    rows: int
    columns: int
    exact: bool


@dataclass(frozen=True)
class SheetInfo:
    name: str
    index: int  # position among the <sheet> elements of workbook.xml
    visible: bool
    part: str  # the zip member holding the worksheet
    extent: Extent | None  # scanned for visible sheets only


@dataclass(frozen=True)
class Inspection:
    sheets: list[SheetInfo]  # worksheets only (chart sheets and the like are left out)
    date1904: bool


class _Exceeded(Exception):
    """A member inflated past the cap it was given."""


# --------------------------------------------------------------------------- entry point


def inspect_workbook(path: Path, file: str, limits: ReadLimits) -> Inspection:
    """Run every pre-parse check; raise NotAWorkbookError or UnsafeWorkbookError."""
    size = _check_file(path, file, limits)
    with path.open("rb") as fh:
        _check_end_record(fh, size, file)
        try:
            zf = zipfile.ZipFile(fh)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,  # "zip file version 14.7": a damaged version field
        ) as exc:
            raise NotAWorkbookError(message("damaged", file=file), file=file) from exc
        with zf:
            infos = _check_members(zf, file, limits)
            workbook_xml = _read_small(fh, size, infos["xl/workbook.xml"], file)
            rels_info = infos.get("xl/_rels/workbook.xml.rels")
            if rels_info is None:
                raise NotAWorkbookError(message("damaged", file=file), file=file)
            rels_xml = _read_small(fh, size, rels_info, file)
            date1904_attribute, sheets = _parse_workbook(workbook_xml, rels_xml, infos, file)
            scanned = _verify_members(fh, size, infos, sheets, file, limits)
    date1904 = date1904_attribute is not None and date1904_attribute.strip().lower() in _TRUE
    result = [
        SheetInfo(s.name, s.index, s.visible, s.part, scanned.get(s.part) if s.visible else None)
        for s in sheets
    ]
    for sheet in result:
        if sheet.extent is not None:
            _check_extent(sheet.name, sheet.extent, file, limits)
    # The parent holds every visible sheet at once: max_cells is for the workbook, not for
    # each sheet (six sheets of 30 million empty cells, a 4 KB file, took it 3 GB).
    if sum(s.extent.rows * s.extent.columns for s in result if s.extent) > limits.max_cells:
        raise UnsafeWorkbookError(message("too_much_data", file=file), file=file)
    return Inspection(result, date1904)


# --------------------------------------------------------------------------- file and zip


def _check_file(path: Path, file: str, limits: ReadLimits) -> int:
    try:
        st = path.stat()
    except OSError as exc:
        raise NotAWorkbookError(message("not_found", file=file), file=file) from exc
    if not path.is_file():
        raise NotAWorkbookError(message("not_a_workbook", file=file), file=file)
    if st.st_size == 0:
        raise NotAWorkbookError(message("empty", file=file), file=file)
    if st.st_size > limits.max_file_bytes:
        raise UnsafeWorkbookError(
            message(
                "too_large",
                file=file,
                size=_megabytes(st.st_size),
                limit=_megabytes(limits.max_file_bytes),
            ),
            file=file,
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:  # no permission to read it, for one
        raise NotAWorkbookError(message("unreadable", file=file), file=file) from exc
    if head == _OLE_MAGIC:
        raise NotAWorkbookError(message("old_excel", file=file), file=file)
    if not zipfile.is_zipfile(path):
        # it starts as a zip (every .xlsx does) but has no directory at its end: cut off
        damaged = head.startswith(_ZIP_MAGIC)
        key = "damaged" if damaged else "not_a_workbook"
        raise NotAWorkbookError(message(key, file=file), file=file)
    return st.st_size


def _check_end_record(fh: BinaryIO, size: int, file: str) -> None:
    """Refuse a zip announcing absurdly many members before zipfile builds a list of them."""
    tail_len = min(size, 22 + 65_535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise NotAWorkbookError(message("not_a_workbook", file=file), file=file)
    _, _, _, _, members, cd_size, cd_offset, _ = struct.unpack("<4sHHHHIIH", tail[at : at + 22])
    count, cd_bytes = members, cd_size
    if members == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        locator = tail[at - 20 : at] if at >= 20 else b""
        if len(locator) == 20 and locator[:4] == b"PK\x06\x07":
            (z64_offset,) = struct.unpack("<Q", locator[8:16])
            if z64_offset + 56 <= size:
                fh.seek(z64_offset)
                record = fh.read(56)
                if record[:4] == b"PK\x06\x06":
                    count, cd_bytes = struct.unpack("<QQ", record[32:48])
    if count > MAX_MEMBERS or cd_bytes > MAX_CENTRAL_DIRECTORY_BYTES:
        raise UnsafeWorkbookError(message("unsafe", file=file), file=file)


def _check_members(
    zf: zipfile.ZipFile, file: str, limits: ReadLimits
) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnsafeWorkbookError(message("unsafe", file=file), file=file)
    by_name: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    for info in infos:
        # calamine finds a member whatever its case and with "\\" for "/", and takes the
        # last that fits: "XL/WORKSHEETS/SHEET1.XML" after xl/worksheets/sheet1.xml is the
        # sheet it reads, while this module checks the other.
        key = info.filename.replace("\\", "/").lower()
        if key in seen:
            # Two members with one name: which one a reader picks is up to the reader.
            raise UnsafeWorkbookError(message("unusual", file=file), file=file)
        seen.add(key)
        by_name[info.filename] = info
    if any(part not in by_name for part in REQUIRED_PARTS):
        raise NotAWorkbookError(message("not_a_workbook", file=file), file=file)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            raise NotAWorkbookError(message("unusual", file=file), file=file)
        total += info.file_size
        if info.file_size > limits.max_entry_bytes or (
            _is_shared_strings(info.filename) and info.file_size > limits.max_shared_strings_bytes
        ):
            raise UnsafeWorkbookError(
                _sentence_declared(file, info.file_size, info.compress_size), file=file
            )
    if total > limits.max_uncompressed_bytes:
        raise UnsafeWorkbookError(
            _sentence_declared(file, total, sum(i.compress_size for i in infos)), file=file
        )
    return by_name


def _sentence_declared(file: str, unpacked: int, packed: int) -> Message:
    # An honest export compresses perhaps 5-20 times; a bomb a thousand times.
    if unpacked > 100 * max(packed, 1):
        return message("unsafe", file=file)
    return message("too_much_data", file=file)


def _is_shared_strings(name: str) -> bool:
    return "sharedstrings" in name.lower()


def _is_xml(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(".xml") or lower.endswith(".rels")


# --------------------------------------------------------------------------- raw inflation


def _inflate(
    fh: BinaryIO, size: int, info: zipfile.ZipInfo, file: str, cap: int
) -> Generator[bytes, None, None]:
    """Yield the decompressed bytes of one member, straight from its raw data.

    Reads until the deflate stream itself ends (not until the declared size), raises
    ``_Exceeded`` once more than ``cap`` bytes came out, and at the end checks the real size
    and CRC against the central directory.
    """
    if not 0 <= info.header_offset <= size - 30:
        # zipfile shifts every offset by the bytes it finds before the archive, so a damaged
        # central directory can send one before the start of the file.
        raise NotAWorkbookError(message("damaged", file=file), file=file)
    fh.seek(info.header_offset)
    header = fh.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise NotAWorkbookError(message("damaged", file=file), file=file)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    fh.seek(start)
    produced = 0
    crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        left = info.compress_size
        while left > 0:
            data = fh.read(min(_READ_CHUNK, left))
            if not data:
                raise NotAWorkbookError(message("damaged", file=file), file=file)
            left -= len(data)
            produced += len(data)
            if produced > cap:
                raise _Exceeded
            crc = zlib.crc32(data, crc)
            yield data
    else:
        available = size - start
        d = zlib.decompressobj(-15)
        pending = b""
        while not d.eof:
            if not pending:
                if available <= 0:
                    raise NotAWorkbookError(message("damaged", file=file), file=file)
                pending = fh.read(min(_READ_CHUNK, available))
                if not pending:
                    raise NotAWorkbookError(message("damaged", file=file), file=file)
                available -= len(pending)
            try:
                out = d.decompress(pending, _INFLATE_CHUNK)
            except zlib.error as exc:
                raise NotAWorkbookError(message("damaged", file=file), file=file) from exc
            pending = d.unconsumed_tail
            if out:
                produced += len(out)
                if produced > cap:
                    raise _Exceeded
                crc = zlib.crc32(out, crc)
                yield out
    if produced != info.file_size:
        # The headers lie about the size; readers that trust them can be led astray.
        raise UnsafeWorkbookError(message("altered", file=file), file=file)
    if crc != info.CRC:
        raise NotAWorkbookError(message("damaged", file=file), file=file)


def _read_small(fh: BinaryIO, size: int, info: zipfile.ZipInfo, file: str) -> bytes:
    try:
        return b"".join(_inflate(fh, size, info, file, MAX_SMALL_PART_BYTES))
    except _Exceeded:
        raise UnsafeWorkbookError(message("unsafe", file=file), file=file) from None


# --------------------------------------------------------------------------- workbook.xml


@dataclass(frozen=True)
class _Sheet:
    name: str
    index: int
    visible: bool
    part: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


_Found = list[tuple[tuple[str, ...], dict[str, str]]]
_MAX_DEPTH = 100  # workbook.xml and its relationships nest a few elements deep


class _Elements:
    """Handlers for an expat parser that keep the attributes of the elements at ``keep`` and
    nothing else, and refuse a DTD.

    ``keep`` holds paths of local names below the root: ``("sheets", "sheet")`` is a sheet
    element in the sheets element of the root. No tree is built, so a part of millions of
    elements costs no memory. The DTD is refused by the parser itself, whatever the encoding
    of the part (a byte search misses ``<!DOCTYPE`` in UTF-16), as soon as it starts: OOXML
    forbids DTDs, and entity expansion would let a small part fill the parent's memory.
    (pyexpat stops parsing when a handler raises; ElementTree's parser would carry on to the
    end of the part, expanding entities all the way.)
    """

    def __init__(self, file: str, keep: frozenset[tuple[str, ...]]) -> None:
        self.file = file
        self.keep = keep
        self.depth = 0
        self.parent = ""  # local name of the current child of the root
        self.found: _Found = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            # expat keeps every open element: a part nested a million deep costs 100 MB.
            raise NotAWorkbookError(message("unusual", file=self.file), file=self.file)
        if self.depth == 2:
            self.parent = _local(tag)
            path: tuple[str, ...] = (self.parent,)
        elif self.depth == 3:
            path = (self.parent, _local(tag))
        else:
            return
        if path in self.keep:
            if len(self.found) >= MAX_MEMBERS:
                # More sheets or relationships than a workbook can have parts.
                raise UnsafeWorkbookError(message("unsafe", file=self.file), file=self.file)
            self.found.append((path, attrib))

    def end(self, tag: str) -> None:
        self.depth -= 1

    def doctype(self, *args: object) -> None:
        raise NotAWorkbookError(message("unusual", file=self.file), file=self.file)


def _parse_xml(data: bytes, file: str, keep: frozenset[tuple[str, ...]]) -> _Found:
    """The attributes of the elements at ``keep`` (see ``_Elements``), in document order.

    Names in a namespace come as ``uri}local`` (``_local`` takes the local name).
    """
    elements = _Elements(file, keep)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = elements.doctype
    parser.StartElementHandler = elements.start
    parser.EndElementHandler = elements.end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise NotAWorkbookError(message("damaged", file=file), file=file) from exc
    except (LookupError, ValueError) as exc:
        # An encoding Python does not know ("F-8"), or cannot hand to expat ("UTF-7",
        # "hex") in the XML declaration: Excel writes UTF-8.
        raise NotAWorkbookError(message("unusual", file=file), file=file) from exc
    return elements.found


_WORKBOOK_KEEP = frozenset({("workbookPr",), ("sheets", "sheet")})
_RELS_KEEP = frozenset({("Relationship",)})


def _parse_workbook(
    workbook_xml: bytes, rels_xml: bytes, infos: dict[str, zipfile.ZipInfo], file: str
) -> tuple[str | None, list[_Sheet]]:
    targets: dict[str, tuple[str, str]] = {}
    for _, rel in _parse_xml(rels_xml, file, _RELS_KEEP):
        if rel.get("TargetMode") == "External":
            continue
        rid, rtype, target = rel.get("Id"), rel.get("Type", ""), rel.get("Target")
        if rid and target:
            if rid in targets:
                # Two relationships with one id: which one a reader follows is up to the reader.
                raise UnsafeWorkbookError(message("unusual", file=file), file=file)
            targets[rid] = (rtype, _resolve(target))
    date1904: str | None = None
    sheets: list[_Sheet] = []
    names: set[str] = set()
    parts: set[str] = set()
    position = 0
    for path, attrib in _parse_xml(workbook_xml, file, _WORKBOOK_KEEP):
        if path == ("workbookPr",):
            date1904 = attrib.get("date1904")
            continue
        index = position
        position += 1
        name = attrib.get("name")
        # The relationship id is r:id; an id in any other namespace must not say otherwise,
        # or the parent could check one part while the reader reads another.
        rids = {v for k, v in attrib.items() if _local(k) == "id"}
        rid = rids.pop() if len(rids) == 1 else None
        if name is None or rid is None or rid not in targets or name in names:
            raise NotAWorkbookError(message("damaged", file=file), file=file)
        names.add(name)
        rtype, part = targets[rid]
        if not rtype.endswith("/worksheet"):
            continue  # a chart sheet, dialog sheet or macro sheet holds no table
        if part not in infos:
            raise NotAWorkbookError(message("damaged", file=file), file=file)
        if part in parts:
            # Sheets sharing one part: Excel never writes that, and each would be read again.
            raise UnsafeWorkbookError(message("unusual", file=file), file=file)
        parts.add(part)
        state = attrib.get("state", "visible")
        sheets.append(_Sheet(name, index, state not in ("hidden", "veryHidden"), part))
    return date1904, sheets


def _resolve(target: str) -> str:
    """A relationship target of xl/workbook.xml as a zip member name."""
    target = target.replace("\\", "/")
    path = target[1:] if target.startswith("/") else posixpath.join("xl", target)
    return posixpath.normpath(path)


# --------------------------------------------------------------------------- inflating members


def _verify_members(
    fh: BinaryIO,
    size: int,
    infos: dict[str, zipfile.ZipInfo],
    sheets: list[_Sheet],
    file: str,
    limits: ReadLimits,
) -> dict[str, Extent]:
    """Inflate every XML member, counting real bytes; scan the visible worksheets."""
    to_scan = {s.part: s.name for s in sheets if s.visible}
    extents: dict[str, Extent] = {}
    budget = limits.max_uncompressed_bytes
    for name, info in infos.items():
        if not _is_xml(name) and name not in to_scan:
            continue
        cap = limits.max_entry_bytes
        if _is_shared_strings(name):
            cap = min(cap, limits.max_shared_strings_bytes)
        cap = min(cap, budget)
        scanner = _ExtentScanner(file) if name in to_scan else None
        produced = 0
        chunks = _inflate(fh, size, info, file, cap)
        try:
            # closing(): the producer thread is stopped even when the scan raises.
            with contextlib.closing(_ahead(chunks) if scanner is not None else chunks) as stream:
                for chunk in stream:
                    produced += len(chunk)
                    if scanner is not None:
                        scanner.feed(chunk)
        except _Exceeded:
            raise UnsafeWorkbookError(message("unsafe", file=file), file=file) from None
        budget -= produced
        if scanner is not None:
            extent = scanner.finish()
            if not extent.exact and not _within(extent, limits):
                extent = _exact_extent(_inflate(fh, size, info, file, cap), file)
            extents[name] = extent
    return extents


_AHEAD_CHUNKS = 2


def _ahead(chunks: Iterator[bytes]) -> Generator[bytes, None, None]:
    """``chunks``, produced in a second thread a few chunks ahead of the consumer.

    Inflating (zlib lets go of the GIL) then overlaps the extent scan (numpy mostly does
    too). An exception in the producer is raised here; when the consumer stops early, the
    producer is told to stop and is waited for, so the file handle is free again either way.
    """
    queue: Queue[bytes | BaseException | None] = Queue(maxsize=_AHEAD_CHUNKS)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                queue.put(chunk)
            queue.put(None)
        except BaseException as exc:  # handed over to the consumer
            queue.put(exc)

    thread = threading.Thread(target=produce, name="xlsx-inflate", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get(timeout=0.05)
        thread.join()


def _within(extent: Extent, limits: ReadLimits) -> bool:
    return (
        extent.rows <= limits.max_rows
        and extent.columns <= limits.max_columns
        and extent.rows * extent.columns <= limits.max_cells
    )


def _check_extent(sheet: str, extent: Extent, file: str, limits: ReadLimits) -> None:
    if _within(extent, limits):
        return
    plausible = (
        extent.columns <= limits.max_columns
        and extent.rows <= EXCEL_MAX_ROWS
        and extent.columns <= EXCEL_MAX_COLUMNS
    )
    if plausible:
        # A genuine export that is simply too long.
        raise UnsafeWorkbookError(
            message("too_many_rows", sheet=sheet, file=file, rows=extent.rows),
            file=file,
            sheet=sheet,
        )
    on_the_sheet = extent.rows <= EXCEL_MAX_ROWS and extent.columns <= EXCEL_MAX_COLUMNS
    raise UnsafeWorkbookError(
        message(
            "cells_too_far",
            sheet=sheet,
            file=file,
            row=extent.rows,
            column=column_letters(extent.columns),
        )
        if on_the_sheet
        else message("cells_off_the_sheet", sheet=sheet, file=file),
        file=file,
        sheet=sheet,
    )


# --------------------------------------------------------------------------- extent scan

_WS = np.zeros(256, dtype=bool)
_WS[[9, 10, 13, 32]] = True
_TAG_END = _WS.copy()
_TAG_END[[ord(">"), ord("/")]] = True
_QUOTE = np.zeros(256, dtype=bool)
_QUOTE[[ord('"'), ord("'")]] = True

_MAX_LETTERS = 4  # beyond XFD (3 letters) any count means "too wide"
_MAX_DIGITS = 9
_HUGE = 10**9
_WIDTH = _MAX_LETTERS + _MAX_DIGITS + 3
_NARROW = 3 + 7 + 1  # XFD1048576 and its closing quote
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0") : ord("9") + 1] = True
_LETTER = np.zeros(256, dtype=bool)
_LETTER[ord("A") : ord("Z") + 1] = True
_LETTER[ord("a") : ord("z") + 1] = True
_PIECE = 256 << 10
_PAD = b"\0" * (_WIDTH + 8)


def _windows(a: np.ndarray, width: int) -> np.ndarray:
    """Row i is a[i : i + width] (a view, nothing copied until indexed)."""
    return np.lib.stride_tricks.sliding_window_view(a, width)


_GENERIC_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]*)(\d*)")
_PREFIXED_C = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_PREFIXED_ROW = re.compile(rb"<[A-Za-z_][\w.-]*:row[\s/>]")


def _column_number(letters: bytes) -> int:
    if len(letters) > _MAX_LETTERS:
        return _HUGE
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _Markup:
    """Cuts a stream of XML into buffers that hold whole tags only.

    Every tag starts with "<" and "<" never occurs inside one, so cutting before the last "<"
    keeps each tag, and its r attribute, whole. A stretch of text without any "<" (a gigabyte
    of whitespace, a long string) is dropped once it passes a megabyte, keeping what lies
    before its last ">"; a single tag longer than that is refused.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.carry = b""

    def push(self, chunk: bytes) -> list[bytes]:
        return [buf[:end] for buf, end in self.push_spans(chunk)]

    def push_spans(self, chunk: bytes) -> list[tuple[bytes, int]]:
        """Like ``push``, as (buffer, end) with the whole tags in ``buffer[:end]`` (no copy)."""
        buf = self.carry + chunk if self.carry else chunk
        out = []
        cut = buf.rfind(b"<")
        if cut > 0:
            out.append((buf, cut))
            self.carry = buf[cut:]
        else:
            self.carry = buf
        if len(self.carry) > _CARRY_MAX:
            gt = self.carry.rfind(b">")
            if gt < 0 and self.carry.startswith(b"<"):
                # One tag over a megabyte long: no spreadsheet writer does that.
                raise UnsafeWorkbookError(message("unusual", file=self.file), file=self.file)
            if gt >= 0:
                out.append((self.carry, gt + 1))
            # The rest is text; keep its end in case an attribute pattern straddles chunks.
            self.carry = (self.carry[gt + 1 :] if gt >= 0 else self.carry)[-64:]
        return out

    def flush(self) -> bytes:
        rest, self.carry = self.carry, b""
        return rest


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']""")


def _check_declared_encoding(head: bytes, file: str) -> None:
    """Refuse a worksheet part that declares an encoding Python does not know or expat cannot
    read, as ``xl/workbook.xml`` is refused (``_parse_xml``): the reader would guess.

    ``head`` is the start of the part (a UTF-16 part is decoded for the look at its
    declaration; a byte-order mark is skipped).
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        bom = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        codec = "utf-16" if bom else ("utf-16-le" if head[:1] == b"<" else "utf-16-be")
        text = head[:512].decode(codec, errors="ignore").encode("utf-8", errors="ignore")
    else:
        text = head[:512].removeprefix(b"\xef\xbb\xbf")
    declared = _DECLARED_ENCODING.match(text)
    if declared is None:
        return
    name = declared.group(1).decode("ascii", errors="replace")
    probe = expat.ParserCreate()
    try:
        probe.Parse(f'<?xml version="1.0" encoding="{name}"?><a/>'.encode("ascii", "replace"), True)
    except expat.ExpatError:
        pass  # a multi-byte encoding does not fit the probe's bytes: expat knows it
    except (LookupError, ValueError) as exc:
        raise NotAWorkbookError(message("unusual", file=file), file=file) from exc


class _ExtentScanner:
    """Streams over a worksheet part and bounds the rows and columns its cells reach."""

    def __init__(self, file: str) -> None:
        self.markup = _Markup(file)
        self.max_row = 0
        self.max_col = 0
        self.cell_tags = 0
        self.row_tags = 0
        self.cell_refs = 0
        self.row_refs = 0
        self.cells_in_row = 0  # cell tags since the last row tag
        self.max_cells_in_row = 0
        self.prefixed = False  # prefixed tags are counted, but not per row
        self.file = file
        self.started = False

    def feed(self, chunk: bytes) -> None:
        if not self.started:
            self.started = True
            _check_declared_encoding(chunk, self.file)
        for buf, end in self.markup.push_spans(chunk):
            self._scan_pieces(buf, end)

    def finish(self) -> Extent:
        rest = self.markup.flush()
        self._scan_pieces(rest, len(rest))
        rless_cells = max(0, self.cell_tags - self.cell_refs)
        if rless_cells == 0:
            return Extent(self.max_row, self.max_col, exact=True)
        # calamine places a cell without r after the previous one in its row (or at its
        # position in the row), and a row without r after the previous row; bound both.
        rless_rows = max(0, self.row_tags - self.row_refs)
        per_row = max(self.max_cells_in_row, self.cells_in_row)
        extra_cols = rless_cells if self.prefixed else min(rless_cells, per_row)
        return Extent(self.max_row + rless_rows + 1, self.max_col + extra_cols, exact=False)

    def _scan_pieces(self, buf: bytes, end: int) -> None:
        """Scan ``buf[:end]`` (whole tags) in pieces of about ``_PIECE`` bytes, cut before "<".

        numpy's passes over a piece that fits in the CPU cache are about a third faster than
        over a whole inflated chunk. Look-aheads past a piece's end see the bytes that really
        follow; after the last piece they see zeros (``_PAD``).
        """
        a = np.frombuffer(buf, dtype=np.uint8)
        start = 0
        while end - start > _PIECE + len(_PAD):
            cut = buf.rfind(b"<", start + 1, start + _PIECE)
            if cut < 0:
                cut = buf.find(b"<", start + _PIECE, end - len(_PAD))
                if cut < 0:
                    break
            self._scan(buf, a, start, cut)
            start = cut
        if end > start:
            tail = buf[start:end] + _PAD
            self._scan(tail, np.frombuffer(tail, dtype=np.uint8), 0, end - start)

    def _scan(self, buf: bytes, padded: np.ndarray, start: int, end: int) -> None:
        """Scan ``buf[start:end]`` (whole tags); ``padded`` is ``buf`` as bytes, with at least
        ``len(_PAD)`` bytes after ``end``."""
        # A few passes over the piece (find "<" and "="); everything else looks only at the
        # bytes around those positions. ``a`` reaches past the piece, so look-aheads stay in
        # bounds; positions are relative to ``start``.
        n = end - start
        a = padded[start : end + len(_PAD)]
        piece = a[:n]
        # Tag starts: "<c" or "<row" followed by whitespace, ">" or "/".
        lt = np.flatnonzero(piece == ord("<"))
        first = a[lt + 1]
        c_lt = lt[first == ord("c")]
        c_at = c_lt[_TAG_END[a[c_lt + 2]]]
        r_lt = lt[first == ord("r")]
        row_at = r_lt[(a[r_lt + 2] == ord("o")) & (a[r_lt + 3] == ord("w")) & _TAG_END[a[r_lt + 4]]]
        self.cell_tags += int(c_at.size)
        self.row_tags += int(row_at.size)
        # Cells per row, for the bound on cells without r (the last row may continue).
        per_row = np.bincount(np.searchsorted(row_at, c_at), minlength=row_at.size + 1)
        self.cells_in_row += int(per_row[0])
        if row_at.size:
            self.max_cells_in_row = max(self.max_cells_in_row, self.cells_in_row)
            self.max_cells_in_row = max(self.max_cells_in_row, int(per_row[1:].max()))
            self.cells_in_row = int(per_row[-1])
        # The same after a namespace prefix (<x:c r="A1">), which some writers use.
        colon = np.flatnonzero(piece == ord(":"))
        if colon.size and (
            ((a[colon + 1] == ord("c")) & _TAG_END[a[colon + 2]]).any()
            or ((a[colon + 1] == ord("r")) & (a[colon + 2] == ord("o"))).any()
        ):
            body = buf[start:end]
            self.cell_tags += len(_PREFIXED_C.findall(body))
            self.row_tags += len(_PREFIXED_ROW.findall(body))
            self.prefixed = True
        eq = np.flatnonzero(piece == ord("="))
        eq = eq[eq >= 2]
        before, after = a[eq - 1], a[eq + 1]
        # (Whitespace is below "!": most pieces need no look-up at all.)
        if (np.minimum(before, after) < ord("!")).any() and (_WS[before] | _WS[after]).any():
            # Whitespace around "=" (legal XML, e.g. r = "A1"): let the regex handle it.
            self._scan_generic(buf[start:end])
            return
        eq = eq[before == ord("r")]
        starts = eq[_WS[a[eq - 2]] & _QUOTE[a[eq + 1]]] + 2
        if starts.size == 0:
            return
        # Up to 4 letters, up to 9 digits, then the closing quote. Every ref of Excel's own
        # grid (up to XFD1048576) fits in _NARROW bytes; longer ones get a second look. The
        # bytes are taken column by column (byte j of every ref): numpy is much faster on
        # such 1-D arrays than along the short rows of a 2-D window.
        column = [a[starts + j] for j in range(_NARROW)]
        n_letters = np.zeros(starts.size, dtype=np.intp)
        run = np.ones(starts.size, dtype=bool)
        for j in range(_MAX_LETTERS + 1):
            run &= _LETTER[column[j]]
            n_letters += run
        closing = np.full(starts.size, _WIDTH, dtype=np.intp)  # where the first quote is
        for j in reversed(range(_NARROW)):
            np.copyto(closing, j, where=(column[j] == ord('"')) | (column[j] == ord("'")))
        if (closing == _WIDTH).any():
            far = np.flatnonzero(closing == _WIDTH)
            wide = _QUOTE[_windows(a, _WIDTH)[starts[far]]]
            closing[far] = np.where(wide.any(axis=1), np.argmax(wide, axis=1), _WIDTH)
        n_digits = closing - n_letters
        # Only the largest values matter: among the refs with the most letters (digits), the
        # largest is found column by column.
        max_col = max_row = 0
        widest = int(n_letters.max())
        if widest > _MAX_LETTERS:
            max_col = _HUGE
        elif widest > 0:
            pick = n_letters == widest
            value = np.zeros(int(np.count_nonzero(pick)), dtype=np.int64)
            for j in range(widest):
                value = value * 26 + ((column[j][pick] & 0xDF).astype(np.int64) - 64)
            max_col = int(value.max())
        longest = int(n_digits.max())
        if longest > _MAX_DIGITS:
            max_row = _HUGE
        elif longest > 0:
            at = starts[n_digits == longest] + n_letters[n_digits == longest]
            value = np.zeros(at.size, dtype=np.int64)
            plain = np.ones(at.size, dtype=bool)
            for j in range(longest):
                byte = a[at + j]
                plain &= _DIGIT[byte]
                value = value * 10 + (byte.astype(np.int64) - 48)
            if not plain.all():
                self._scan_generic(buf[start:end])  # not a plain reference; let the regex judge
                return
            max_row = int(value.max())
        cells = int(np.count_nonzero(n_letters))
        self.cell_refs += cells
        self.row_refs += int(n_letters.size - cells)
        self.max_col = max(self.max_col, max_col)
        self.max_row = max(self.max_row, max_row)

    def _scan_generic(self, buf: bytes) -> None:
        """Regex scan of one buffer's r attributes, for spaces around "=" and the like."""
        for letters, digits in _GENERIC_REF.findall(buf):
            if letters:
                self.cell_refs += 1
                self.max_col = max(self.max_col, _column_number(letters))
            else:
                self.row_refs += 1
            if digits:
                self.max_row = max(self.max_row, _row_number(digits))


_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_R_ATTR = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]*)(\d*)[\"']")


def _exact_extent(chunks: Iterator[bytes], file: str) -> Extent:
    """Tag-by-tag walk for sheets whose cells lack r attributes (slow, rarely needed)."""
    max_row = max_col = 0
    row = 0  # 1-based number of the current row
    position = 0  # cells seen in the current row
    last_col = 0
    markup = _Markup(file)

    def buffers() -> Iterator[bytes]:
        for chunk in chunks:
            yield from markup.push(chunk)
        yield markup.flush()

    try:
        for body in buffers():
            for m in _TAG.finditer(body):
                # Two r attributes are not XML, but calamine takes the last: consider both.
                refs = _R_ATTR.findall(m.group(2))
                if m.group(1) == b"row":
                    numbers = [_row_number(digits) for _, digits in refs if digits]
                    row = max(numbers) if numbers else row + 1
                    position = last_col = 0
                    max_row = max(max_row, row)
                    continue
                position += 1
                cols = [_column_number(letters) for letters, _ in refs if letters]
                col = max(cols) if cols else max(position, last_col + 1)
                rows = [_row_number(digits) for letters, digits in refs if letters and digits]
                max_row = max(max_row, *rows) if rows else max(max_row, row, 1)
                last_col = col
                max_col = max(max_col, col)
    except _Exceeded:
        raise UnsafeWorkbookError(message("unsafe", file=file), file=file) from None
    return Extent(max_row, max_col, exact=True)


def _row_number(digits: bytes) -> int:
    return int(digits) if len(digits) <= _MAX_DIGITS else _HUGE
