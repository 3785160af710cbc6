"""Generators of hostile and unusual .xlsx files for the importer tests.

Everything is written at test time into a temporary directory; no binary file is committed.
The zip writer is hand-made so that a test can store pre-compressed data and make the headers
say whatever it wants (a lying uncompressed size, for example). Gigabyte-sized members are
never built in memory: a unit of repeated bytes is deflated once and, because a full flush
resets the compressor, its compressed form can simply be repeated.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

MiB = 2**20


# --------------------------------------------------------------------------- zip writing


@dataclass(frozen=True)
class RawMember:
    """One zip member as stored: ``payload`` is already compressed with ``method``."""

    name: str
    payload: bytes
    crc: int
    size: int  # the true uncompressed size
    method: int = 8  # 8 = deflate, 0 = stored
    declared_size: int | None = None  # what the headers claim; defaults to the truth


def deflated(name: str, data: bytes | str, level: int = 6) -> RawMember:
    raw = data.encode() if isinstance(data, str) else data
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return RawMember(name, c.compress(raw) + c.flush(), zlib.crc32(raw), len(raw))


def stored(name: str, data: bytes | str) -> RawMember:
    raw = data.encode() if isinstance(data, str) else data
    return RawMember(name, raw, zlib.crc32(raw), len(raw), method=0)


@functools.lru_cache(maxsize=8)
def _deflated_unit(unit: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor starts afresh, so the same input gives the same bytes.
    assert c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH) == block
    return block


def repeated(
    name: str,
    head: bytes,
    unit: bytes,
    count: int,
    tail: bytes,
    *,
    declared_size: int | None = None,
) -> RawMember:
    """A member holding ``head + unit * count + tail`` without building it in memory."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = _deflated_unit(unit)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = c.compress(tail) + c.flush(zlib.Z_FINISH)
    size = len(head) + len(unit) * count + len(tail)
    crc = _repeated_crc(head, unit, count, tail)
    return RawMember(name, first + block * count + last, crc, size, 8, declared_size)


@functools.lru_cache(maxsize=8)
def _repeated_crc(head: bytes, unit: bytes, count: int, tail: bytes) -> int:
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(unit, crc)
    return zlib.crc32(tail, crc)


def write_zip(path: Path, members: Iterable[RawMember]) -> Path:
    """Write a plain (non-zip64) archive; sizes in both headers are ``declared_size``."""
    central = bytearray()
    count = 0
    with path.open("wb") as out:
        for m in members:
            declared = m.size if m.declared_size is None else m.declared_size
            name = m.name.encode()
            offset = out.tell()
            fields = (20, 0, m.method, 0, 0x21, m.crc, len(m.payload), declared, len(name), 0)
            out.write(b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields) + name)
            out.write(m.payload)
            central += b"PK\x01\x02" + struct.pack(
                "<HHHHHHIIIHHHHHII",
                20,
                20,
                0,
                m.method,
                0,
                0x21,
                m.crc,
                len(m.payload),
                declared,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            central += name
            count += 1
        cd_offset = out.tell()
        out.write(central)
        out.write(
            b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, count, count, len(central), cd_offset, 0)
        )
    return path


# --------------------------------------------------------------------------- xlsx parts


def column_letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA, 16384 -> XFD."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def number_cell(ref: str, value: float | int, style: int | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    return f'<c r="{ref}"{s}><v>{value}</v></c>'


def sheet_xml(body: str, *, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'{XML_DECL}<worksheet xmlns="{MAIN_NS}">{dim}<sheetData>{body}</sheetData></worksheet>'
    ).encode()


STYLES = (
    f'{XML_DECL}<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
)
DATE_STYLE = 1  # cellXfs index of a date format in STYLES


@dataclass(frozen=True)
class SheetSpec:
    name: str
    xml: bytes | RawMember  # the worksheet part, or a ready member (its name is replaced)
    state: str = "visible"


def workbook_members(
    sheets: Sequence[SheetSpec],
    *,
    date1904: str | None = None,
    shared_strings: bytes | RawMember | None = None,
) -> list[RawMember]:
    """The parts of a minimal workbook, in the order Excel writes them."""
    overrides = [
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>',
    ]
    rels = []
    entries = []
    for i, spec in enumerate(sheets, start=1):
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        )
        state = "" if spec.state == "visible" else f' state="{spec.state}"'
        entries.append(f'<sheet name={quoteattr(spec.name)} sheetId="{i}"{state} r:id="rId{i}"/>')
    n = len(sheets)
    rels.append(f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>')
    if shared_strings is not None:
        overrides.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{n + 2}" Type="{REL_NS}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
    content_types = (
        f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>"
    )
    root_rels = (
        f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    pr = "" if date1904 is None else f"<workbookPr date1904={quoteattr(date1904)}/>"
    workbook = (
        f'{XML_DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{pr}'
        f"<sheets>{''.join(entries)}</sheets></workbook>"
    )
    members = [
        deflated("[Content_Types].xml", content_types),
        deflated("_rels/.rels", root_rels),
        deflated("xl/workbook.xml", workbook),
        deflated(
            "xl/_rels/workbook.xml.rels",
            f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">{"".join(rels)}</Relationships>',
        ),
        deflated("xl/styles.xml", STYLES),
    ]
    for i, spec in enumerate(sheets, start=1):
        part = f"xl/worksheets/sheet{i}.xml"
        if isinstance(spec.xml, RawMember):
            members.append(_renamed(spec.xml, part))
        else:
            members.append(deflated(part, spec.xml))
    if shared_strings is not None:
        if isinstance(shared_strings, RawMember):
            members.append(_renamed(shared_strings, "xl/sharedStrings.xml"))
        else:
            members.append(deflated("xl/sharedStrings.xml", shared_strings))
    return members


def _renamed(m: RawMember, name: str) -> RawMember:
    return RawMember(name, m.payload, m.crc, m.size, m.method, m.declared_size)


def write_workbook(path: Path, sheets: Sequence[SheetSpec], **kwargs: object) -> Path:
    return write_zip(path, workbook_members(sheets, **kwargs))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- hostile files


def dimension_bomb(path: Path) -> Path:
    """(a) Two cells, A1 and XFD1048576: a 2 KB file whose dense range is 17 billion cells."""
    body = (
        f'<row r="1">{text_cell("A1", "id")}</row>'
        f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>'
    )
    return write_workbook(path, [SheetSpec("Data", sheet_xml(body, dimension="A1"))])


def _one_cell_sheet() -> bytes:
    return sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')


def huge_shared_string(
    path: Path, size: int = 400 * MiB, *, declared_size: int | None = None
) -> Path:
    """(b) One shared string of ``size`` bytes; the file itself is a few hundred KB."""
    unit = b"a" * (16 * MiB)
    count = max(1, size // len(unit))
    sst = repeated(
        "xl/sharedStrings.xml",
        f'{XML_DECL}<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>'.encode(),
        unit,
        count,
        b"</t></si></sst>",
        declared_size=declared_size,
    )
    return write_workbook(path, [SheetSpec("Data", _one_cell_sheet())], shared_strings=sst)


WHITESPACE_BYTES = 1_000_000_000  # a gigabyte


def whitespace_sheet(
    path: Path, size: int = WHITESPACE_BYTES, *, declared_size: int | None = None
) -> Path:
    """(c) A sheet whose XML holds ``size`` bytes of spaces (about 1 MB compressed)."""
    unit = b" " * (16 * MiB)
    head = (
        f'{XML_DECL}<worksheet xmlns="{MAIN_NS}"><sheetData>'
        f'<row r="1">{text_cell("A1", "id")}</row>'
    ).encode()
    member = repeated(
        "sheet",
        head,
        unit,
        max(1, size // len(unit)),
        b"</sheetData></worksheet>",
        declared_size=declared_size,
    )
    return write_workbook(path, [SheetSpec("Data", member)])


def lying_size(path: Path) -> Path:
    """(d) The headers say the sheet is 4 KB; it inflates to 1.1 GB."""
    return whitespace_sheet(path, declared_size=4096)


def slightly_lying_size(path: Path) -> Path:
    """(d') A small, plausible sheet whose headers state a size 10 bytes short of the truth."""
    xml = sheet_xml(f'<row r="1">{text_cell("A1", "id")}</row>')
    m = deflated("sheet", xml)
    lie = RawMember(m.name, m.payload, m.crc, m.size, m.method, m.size - 10)
    return write_workbook(path, [SheetSpec("Data", lie)])


def dense_sheet_xml(rows: int, cols: int, *, first_row: int = 1) -> bytes:
    """A realistic sheet of ``rows`` x ``cols``: date serials, shared strings and numbers."""
    cells = []
    for j in range(cols):
        col = column_letters(j + 1)
        if j % 3 == 0:
            cells.append(f'<c r="{col}{{i}}" s="{DATE_STYLE}"><v>{{d}}</v></c>')
        elif j % 3 == 1:
            cells.append(f'<c r="{col}{{i}}" t="s"><v>{{s}}</v></c>')
        else:
            cells.append(f'<c r="{col}{{i}}"><v>{{i}}</v></c>')
    template = f'<row r="{{i}}" spans="1:{cols}">{"".join(cells)}</row>'
    body = "".join(
        template.format(i=i, d=44000 + i % 700, s=i % 50)
        for i in range(first_row, first_row + rows)
    )
    return sheet_xml(body)


def dense_workbook(path: Path, rows: int, cols: int) -> Path:
    sst = (
        f'{XML_DECL}<sst xmlns="{MAIN_NS}" count="50" uniqueCount="50">'
        + "".join(f"<si><t>tekst {k}</t></si>" for k in range(50))
        + "</sst>"
    )
    sheet = deflated("sheet", dense_sheet_xml(rows, cols), level=1)  # level 1: fast to build
    return write_workbook(path, [SheetSpec("Data", sheet)], shared_strings=sst.encode())
