"""Hostile workbook.xml and relationship parts, which the parent parses itself."""

from __future__ import annotations

import os
import re
import struct
import tracemalloc
from pathlib import Path

import pytest

from dashboard.importer import workbook
from dashboard.importer.errors import NotAWorkbookError, UnsafeWorkbookError
from dashboard.importer.safety import Inspection, inspect_workbook
from dashboard.importer.workbook import ReadLimits, read_workbook
from tests.importer import hostile
from tests.importer.test_workbook import assert_one_sentence

SHEET = hostile.sheet_xml(f'<row r="1">{hostile.text_cell("A1", "id")}</row>')
BOMB = hostile.sheet_xml(
    f'<row r="1">{hostile.text_cell("A1", "id")}</row><row r="300"><c r="XFD300"><v>1</v></c></row>'
)
WORKSHEET = f"{hostile.REL_NS}/worksheet"


def _with(members: list[hostile.RawMember], name: str, data: bytes) -> list[hostile.RawMember]:
    return [hostile.deflated(name, data) if m.name == name else m for m in members]


def _text(members: list[hostile.RawMember], name: str) -> str:
    import zlib

    m = next(m for m in members if m.name == name)
    return zlib.decompress(m.payload, -15).decode()


def _utf16(xml: str) -> bytes:
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    return ('<?xml version="1.0" encoding="UTF-16"?>' + body).encode("utf-16")


def test_a_dtd_is_refused_in_any_encoding(tmp_path: Path) -> None:
    """A byte search for <!DOCTYPE misses it in UTF-16, where expat would expand entities
    (a 20 KB file took 3 GB of the parent's memory that way)."""
    members = hostile.workbook_members([hostile.SheetSpec("S", SHEET)])
    xml = _text(members, "xl/workbook.xml")
    dtd = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    xml = xml.replace("?>\n", "?>\n" + dtd, 1).replace('name="S"', 'name="&b;"')
    for encoding, data in [("utf8", xml.encode()), ("utf16", _utf16(xml))]:
        path = hostile.write_zip(
            tmp_path / f"{encoding}.xlsx", _with(members, "xl/workbook.xml", data)
        )
        with pytest.raises(NotAWorkbookError, match="not a standard Excel workbook") as caught:
            inspect_workbook(path, path.name, ReadLimits())
        assert_one_sentence(caught.value, path.name)
    rels = _text(members, "xl/_rels/workbook.xml.rels")
    rels = rels.replace("?>\n", '?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    path = hostile.write_zip(
        tmp_path / "xxe.xlsx", _with(members, "xl/_rels/workbook.xml.rels", _utf16(rels))
    )
    with pytest.raises(NotAWorkbookError, match="not a standard Excel workbook"):
        inspect_workbook(path, path.name, ReadLimits())


def test_a_workbook_part_of_millions_of_elements_builds_no_tree(tmp_path: Path) -> None:
    """2 million elements in workbook.xml took the parent 360 MB as a tree; nesting a million
    deep costs expat itself 100 MB, so that is refused."""
    members = hostile.workbook_members([hostile.SheetSpec("S", SHEET)])
    xml = _text(members, "xl/workbook.xml")
    data = xml.replace("<sheets>", "<a/>" * 2_000_000 + "<sheets>").encode()
    path = hostile.write_zip(tmp_path / "wide.xlsx", _with(members, "xl/workbook.xml", data))
    tracemalloc.start()
    try:
        inspection = inspect_workbook(path, path.name, ReadLimits())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [s.name for s in inspection.sheets] == ["S"]
    assert peak < 64 * hostile.MiB, f"{peak / hostile.MiB:.0f} MiB"
    data = xml.replace("<sheets>", "<a>" * 1_000_000 + "</a>" * 1_000_000 + "<sheets>").encode()
    path = hostile.write_zip(tmp_path / "deep.xlsx", _with(members, "xl/workbook.xml", data))
    with pytest.raises(NotAWorkbookError, match="not a standard Excel workbook") as caught:
        inspect_workbook(path, path.name, ReadLimits())
    assert_one_sentence(caught.value, "deep.xlsx")


def _two_sheet_ids(tmp_path: Path, plain: str, prefixed: str) -> Path:
    """Sheet "S" with id="{plain}" and r:id="{prefixed}"; rId9 is a sheet 16,384 columns wide."""
    members = hostile.workbook_members([hostile.SheetSpec("S", SHEET)])
    xml = re.sub(
        r'r:id="rId1"', f'id="{plain}" r:id="{prefixed}"', _text(members, "xl/workbook.xml")
    )
    rels = _text(members, "xl/_rels/workbook.xml.rels").replace(
        "</Relationships>",
        f'<Relationship Id="rId9" Type="{WORKSHEET}" Target="worksheets/wide.xml"/></Relationships>',
    )
    members = _with(
        _with(members, "xl/workbook.xml", xml.encode()), "xl/_rels/workbook.xml.rels", rels.encode()
    )
    return hostile.write_zip(
        tmp_path / "ids.xlsx", [*members, hostile.deflated("xl/worksheets/wide.xml", BOMB)]
    )


def test_a_sheet_whose_ids_disagree_is_refused(tmp_path: Path) -> None:
    """The parent took the first attribute named id, calamine reads r:id: the parent checked
    one sheet and the reader read a 16,384-column one past the column limit."""
    path = _two_sheet_ids(tmp_path, "rId1", "rId9")
    with pytest.raises(NotAWorkbookError) as caught:
        read_workbook(path)
    assert_one_sentence(caught.value, "ids.xlsx")


def test_relationships_and_parts_used_twice_are_refused(tmp_path: Path) -> None:
    members = hostile.workbook_members([hostile.SheetSpec("S", SHEET)])
    rels = _text(members, "xl/_rels/workbook.xml.rels")
    twice = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId1" Type="{WORKSHEET}" Target="worksheets/bomb.xml"/></Relationships>',
    )
    path = hostile.write_zip(
        tmp_path / "rid.xlsx",
        [
            *_with(members, "xl/_rels/workbook.xml.rels", twice.encode()),
            hostile.deflated("xl/worksheets/bomb.xml", BOMB),
        ],
    )
    with pytest.raises(UnsafeWorkbookError, match="not a standard Excel workbook") as caught:
        inspect_workbook(path, path.name, ReadLimits())
    assert_one_sentence(caught.value, "rid.xlsx")
    # A thousand sheets that are all one part: the reader would read it a thousand times.
    xml = _text(members, "xl/workbook.xml")
    sheets = "".join(f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId1"/>' for i in range(1000))
    xml = re.sub(r"<sheets>.*</sheets>", f"<sheets>{sheets}</sheets>", xml)
    path = hostile.write_zip(
        tmp_path / "alias.xlsx", _with(members, "xl/workbook.xml", xml.encode())
    )
    with pytest.raises(UnsafeWorkbookError, match="not a standard Excel workbook") as caught:
        inspect_workbook(path, path.name, ReadLimits())
    assert_one_sentence(caught.value, "alias.xlsx")


def test_max_cells_is_for_all_sheets_together(tmp_path: Path) -> None:
    """Six sheets of 30 million empty cells each (a 4 KB file) were each within the limit,
    and took the parent 3 GB together."""
    xml = hostile.sheet_xml(
        f'<row r="1">{hostile.text_cell("A1", "id")}</row>'
        '<row r="100000"><c r="J100000"><v>1</v></c></row>'
    )
    specs = [hostile.SheetSpec(f"S{i}", xml) for i in range(3)]
    path = hostile.write_workbook(tmp_path / "sheets.xlsx", specs)
    limits = ReadLimits(max_cells=2_500_000)  # each sheet is 1,000,000 cells
    inspect_workbook(path, path.name, ReadLimits(max_cells=3_000_000))
    with pytest.raises(UnsafeWorkbookError, match="more data than one upload") as caught:
        inspect_workbook(path, path.name, limits)
    assert_one_sentence(caught.value, "sheets.xlsx")


def test_output_of_all_sheets_together_is_limited(tmp_path: Path) -> None:
    """A few cells repeating one long shared string, on sheet after sheet: each sheet is
    within the reader's memory, but together they filled the parent (2.3 GB for 9 KB)."""
    sst = hostile.repeated(
        "sst",
        f'<sst xmlns="{hostile.MAIN_NS}" count="1" uniqueCount="1"><si><t>'.encode(),
        b"a" * hostile.MiB,
        1,
        b"</t></si></sst>",
    )
    cells = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(1, 41))
    specs = [hostile.SheetSpec(f"S{i}", hostile.sheet_xml(cells)) for i in range(3)]
    path = hostile.write_workbook(tmp_path / "repeat.xlsx", specs, shared_strings=sst)
    book = read_workbook(path, limits=ReadLimits(max_output_bytes=200 * hostile.MiB))
    assert [s.rows.height for s in book.sheets] == [40, 40, 40]
    with pytest.raises(UnsafeWorkbookError, match="more data than one upload") as caught:
        read_workbook(path, limits=ReadLimits(max_output_bytes=100 * hostile.MiB))
    assert_one_sentence(caught.value, "repeat.xlsx")


@pytest.mark.parametrize("name", ["XL/WORKSHEETS/SHEET1.XML", "xl\\worksheets\\sheet1.xml"])
def test_members_whose_names_differ_only_as_calamine_ignores_are_refused(
    tmp_path: Path, name: str
) -> None:
    """calamine reads the last member that matches whatever the case and the slashes: the
    parent checked xl/worksheets/sheet1.xml and the reader read this one."""
    members = hostile.workbook_members([hostile.SheetSpec("S", SHEET)])
    path = hostile.write_zip(tmp_path / "shadow.xlsx", [*members, hostile.deflated(name, BOMB)])
    with pytest.raises(UnsafeWorkbookError, match="not a standard Excel workbook") as caught:
        inspect_workbook(path, path.name, ReadLimits())
    assert_one_sentence(caught.value, "shadow.xlsx")


def test_the_reader_parses_the_bytes_that_were_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader opened the file by its path after the checks: a file replaced in between
    (here by a dimension bomb) was parsed unchecked."""
    path = hostile.write_workbook(tmp_path / "book.xlsx", [hostile.SheetSpec("S", SHEET)])
    bomb = hostile.dimension_bomb(tmp_path / "bomb.xlsx")
    checked = workbook.inspect_workbook

    def check_then_swap(checked_path: Path, file: str, limits: ReadLimits) -> Inspection:
        inspection = checked(checked_path, file, limits)
        os.replace(bomb, path)
        return inspection

    monkeypatch.setattr(workbook, "inspect_workbook", check_then_swap)
    book = read_workbook(path)
    assert book.sheets[0].rows.item(0, "c0") == "id"
    # A named pipe is not opened to be copied (that would wait for a writer).
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    with pytest.raises(NotAWorkbookError) as caught:
        read_workbook(fifo)
    assert_one_sentence(caught.value, "pipe.xlsx")


def test_a_file_that_cannot_be_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the user may not read gave a PermissionError traceback on the command line."""
    path = hostile.write_workbook(tmp_path / "secret.xlsx", [hostile.SheetSpec("S", SHEET)])
    os_open, path_open = os.open, Path.open

    def denied(file: object) -> bool:
        return Path(str(file)).name == "secret.xlsx"

    def no_os_open(file: str, *args: object, **kwargs: object) -> int:
        if denied(file):
            raise PermissionError(13, "Permission denied", str(file))
        return os_open(file, *args, **kwargs)  # type: ignore[arg-type]

    def no_path_open(self: Path, *args: object, **kwargs: object) -> object:
        if denied(self):
            raise PermissionError(13, "Permission denied", str(self))
        return path_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "open", no_os_open)
    monkeypatch.setattr(Path, "open", no_path_open)
    with pytest.raises(NotAWorkbookError, match="could not be opened") as caught:
        read_workbook(path)
    assert_one_sentence(caught.value, "secret.xlsx")


def test_damaged_zip_directories_give_a_sentence(tmp_path: Path) -> None:
    """Found by flipping bytes: an end record whose directory offset is too large (zipfile
    then puts members before the start of the file: OSError from seek) and a version field
    zipfile does not know (NotImplementedError) ended in tracebacks."""
    good = hostile.write_workbook(tmp_path / "good.xlsx", [hostile.SheetSpec("S", SHEET)])
    data = good.read_bytes()
    end = data.rfind(b"PK\x05\x06")
    (offset,) = struct.unpack("<I", data[end + 16 : end + 20])
    shifted = data[: end + 16] + struct.pack("<I", offset + 1000) + data[end + 20 :]
    central = data.find(b"PK\x01\x02")
    version = data[: central + 6] + struct.pack("<H", 147) + data[central + 8 :]
    for name, content in [("shifted.xlsx", shifted), ("version.xlsx", version)]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(NotAWorkbookError, match="damaged") as caught:
            read_workbook(path)
        assert_one_sentence(caught.value, name)


@pytest.mark.parametrize("encoding", ["F-8", "UTF-7", "hex"])
@pytest.mark.parametrize(
    "part",
    # a worksheet too (issue 15, item 12: its declaration was not looked at)
    ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"],
)
def test_an_unknown_encoding_in_the_xml_declaration(
    tmp_path: Path, encoding: str, part: str
) -> None:
    """Found by mutating the XML: the parser raised LookupError or ValueError, a traceback."""
    members = hostile.workbook_members([hostile.SheetSpec("S", SHEET)])
    xml = _text(members, part).replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)
    path = hostile.write_zip(tmp_path / "enc.xlsx", _with(members, part, xml.encode()))
    with pytest.raises(NotAWorkbookError, match="not a standard Excel workbook") as caught:
        read_workbook(path)
    assert_one_sentence(caught.value, "enc.xlsx")
