"""Reading uploaded workbooks: real samples, row numbers, dates, hidden sheets, hostile files."""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import fastexcel
import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.chart import BarChart, Reference
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from polars.testing import assert_frame_equal

from dashboard.importer import safety
from dashboard.importer.errors import ImportFileError, NotAWorkbookError, UnsafeWorkbookError
from dashboard.importer.safety import (
    Extent,
    _exact_extent,
    _ExtentScanner,
    inspect_workbook,
)
from dashboard.importer.workbook import ReadLimits, Sheet, Workbook, _wait, read_workbook
from dashboard.importer.worker import calamine_reads_1904
from tests.importer import hostile
from tests.importer.build import make_xlsx

SAMPLES = Path(__file__).parents[2].parent / "shared" / "samples"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not present")

JARGON = ("calamine", "zip", "xml", "exception", "panic", "rust", "traceback", "errno")


def assert_one_sentence(error: ImportFileError, file: str) -> None:
    message = str(error)
    assert file in message
    assert error.file == file
    assert "\n" not in message
    assert message.endswith(".")
    assert not re.search(r"[.!?]\s+[A-Z]", message), f"more than one sentence: {message}"
    assert not any(word in message.lower() for word in JARGON), message


def strings_only(book: Workbook) -> None:
    for sheet in book.sheets:
        assert all(dtype == pl.String for dtype in sheet.rows.dtypes)
        assert sheet.rows.columns == [f"c{k}" for k in range(sheet.rows.width)]


# --------------------------------------------------------------------------- real samples


@needs_samples
def test_incident_sample_reads_every_row_with_excel_row_numbers() -> None:
    book = read_workbook(SAMPLES / "haendelser_2023-2024.xlsx")
    strings_only(book)
    assert book.file == "haendelser_2023-2024.xlsx"
    assert [(s.name, s.index, s.first_row) for s in book.sheets] == [
        ("Hændelser", 0, 1),
        ("Forklaring", 1, 1),
    ]
    assert book.hidden_sheets == []
    assert book.date1904 is False
    rows = book.sheets[0].rows
    assert rows.shape == (2425, 22)
    assert rows.item(3, "c0") == "Hændelses-ID"  # title rows above: the header is Excel row 4
    assert rows.item(rows.height - 1, "c0") == "I alt"
    blank = rows.select(pl.all_horizontal(pl.all().is_null())).to_series()
    assert blank[2]  # the empty row between the titles and the header is kept
    # Every record between header and total: 2,400 stored + 11 rejected + 3 exact duplicates.
    expected = json.loads((SAMPLES / "expected_counts.json").read_text())[
        "haendelser_2023-2024.xlsx"
    ]
    body = blank[4 : rows.height - 1]
    assert (~body).sum() == expected["stored"] + expected["rejected_rows"] + expected[
        "exact_duplicates"
    ]
    # Hændelsesdato (column E) holds real dates and text dates; both arrive as text.
    assert rows.item(3, "c4") == "Hændelsesdato"
    dates = rows.get_column("c4").slice(4).drop_nulls()
    real = dates.str.contains(r"^\d{4}-\d{2}-\d{2} 00:00:00$")
    assert real.sum() > 1000
    assert dates.filter(~real).str.contains(r"^\d{2}[-.]\d{2}[-.]\d{4}$").sum() > 100
    legend = book.sheets[1].rows
    assert legend.item(0, "c0") == "Forklaring"


@needs_samples
def test_inquiry_and_english_samples() -> None:
    inquiries = read_workbook(SAMPLES / "henvendelser_2023-2024.xlsx")
    strings_only(inquiries)
    (sheet,) = inquiries.sheets
    assert (sheet.name, sheet.first_row, sheet.rows.shape) == ("Henvendelser", 1, (902, 8))
    assert sheet.rows.item(1, "c0") == "Sagsnr."
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00", sheet.rows.item(2, "c4"))

    english = read_workbook(SAMPLES / "incidents_en_sample.xlsx")
    strings_only(english)
    assert [(s.name, s.index, s.rows.shape) for s in english.sheets] == [
        ("README", 0, (1, 1)),
        ("Incidents", 1, (301, 22)),
    ]
    assert english.sheets[1].rows.item(0, "c0") == "Incident ID"


@needs_samples
@pytest.mark.parametrize("name", ["not_a_workbook.xlsx", "truncated.xlsx"])
def test_bad_samples_that_are_not_workbooks(name: str) -> None:
    with pytest.raises(NotAWorkbookError) as caught:
        read_workbook(SAMPLES / "bad" / name)
    assert_one_sentence(caught.value, name)


def test_a_cut_off_workbook_is_called_damaged(tmp_path: Path) -> None:
    """Issue 17: a truncated .xlsx was called "not an Excel workbook"; it is a damaged one."""
    whole = make_xlsx(tmp_path / "whole.xlsx", {"Ark1": [["Hændelses-ID"], ["H-1"]]}).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(NotAWorkbookError) as caught:
        read_workbook(cut)
    assert caught.value.sentence_in("en").startswith("cut.xlsx is damaged or incomplete;")
    assert caught.value.sentence_in("da").startswith("cut.xlsx er beskadiget eller ufuldstændig;")
    not_zip = tmp_path / "notes.xlsx"
    not_zip.write_bytes(b"plain text, not a workbook")
    with pytest.raises(NotAWorkbookError) as caught:
        read_workbook(not_zip)
    assert "is not an Excel workbook" in caught.value.sentence_in("en")


def test_a_folder_is_not_a_workbook(tmp_path: Path) -> None:
    """A folder opens for reading on Linux; reading it then raised IsADirectoryError."""
    folder = tmp_path / "eksport.xlsx"
    folder.mkdir()
    with pytest.raises(NotAWorkbookError) as caught:
        read_workbook(folder)
    assert_one_sentence(caught.value, "eksport.xlsx")


@needs_samples
def test_display_name_is_used_in_the_sentence(tmp_path: Path) -> None:
    upload = tmp_path / "tmpa81f3c.upload"
    shutil.copy(SAMPLES / "bad" / "not_a_workbook.xlsx", upload)
    with pytest.raises(NotAWorkbookError) as caught:
        read_workbook(upload, display_name="haendelser.xlsx")
    assert_one_sentence(caught.value, "haendelser.xlsx")
    assert "tmpa81f3c" not in str(caught.value)


# --------------------------------------------------------------------------- what cells become


@pytest.fixture(scope="module")
def features_book(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    """One openpyxl workbook exercising rows, columns, cell kinds and sheet visibility."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    # Data starts at B4; row 6 is blank.
    ws["B4"], ws["C4"], ws["D4"], ws["E4"] = "id", "dato", "antal", "samlet"
    ws["B5"], ws["C5"], ws["D5"] = "12345678901234567890", dt.datetime(2023, 1, 11), 3
    ws["B7"], ws["C7"], ws["D7"] = "00123", "11-01-2023", 3.5
    ws["B8"], ws["C8"], ws["D8"] = True, dt.date(2024, 2, 29), 12345678901234567890
    ws["E5"] = "flettet"
    ws.merge_cells("E5:F6")
    hidden = wb.create_sheet("Skjult")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    very = wb.create_sheet("MegetSkjult")
    very["A1"] = "y"
    very.sheet_state = "veryHidden"
    chart_sheet = wb.create_chartsheet("Graf")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=5, max_row=8))
    chart_sheet.add_chart(chart)
    legend = wb.create_sheet("Forklaring")
    legend["A1"] = "Forklaring"
    path = tmp_path_factory.mktemp("features") / "features.xlsx"
    wb.save(path)
    return read_workbook(path)


def test_first_row_is_the_excel_row_and_blank_rows_are_kept(features_book: Workbook) -> None:
    data = features_book.sheets[0]
    assert data.first_row == 4
    assert data.rows.row(0) == (None, "id", "dato", "antal", "samlet")
    assert data.rows.row(2) == (None, None, None, None, None)  # Excel row 6
    assert data.rows.height == 5  # Excel rows 4..8
    assert data.rows.get_column("c0").null_count() == data.rows.height  # column A is empty


def test_cells_are_text_as_documented(features_book: Workbook) -> None:
    rows = features_book.sheets[0].rows

    def cell(ref: str) -> str | None:
        col = ord(ref[0]) - ord("A")
        value = rows.item(int(ref[1:]) - features_book.sheets[0].first_row, f"c{col}")
        assert value is None or isinstance(value, str)
        return value

    assert cell("B5") == "12345678901234567890"  # a long id typed as text stays exact
    assert cell("B7") == "00123"
    assert cell("C5") == "2023-01-11 00:00:00"  # a real date
    assert cell("C7") == "11-01-2023"  # a text date is untouched
    assert cell("C8") == "2024-02-29 00:00:00"
    assert cell("D5") == "3"  # not "3.0"
    assert cell("D7") == "3.5"
    long_number = cell("D8")  # typed as a number: only double precision survives
    assert long_number is not None and re.fullmatch(r"1234567890123456\d{4}", long_number)
    assert long_number != "12345678901234567890"
    assert cell("B8") == "true"
    assert cell("E5") == "flettet"  # merged E5:F6: top-left only
    assert cell("E6") is None
    assert rows.width == 5  # the rest of a merged area adds no cells (no column F)


def test_hidden_and_chart_sheets_are_skipped(features_book: Workbook) -> None:
    assert [(s.name, s.index) for s in features_book.sheets] == [("Data", 0), ("Forklaring", 4)]
    assert features_book.hidden_sheets == ["Skjult", "MegetSkjult"]
    strings_only(features_book)


def test_fastexcel_reports_visibility() -> None:
    """calamine knows the three states the parent skips by (its own check was dropped)."""
    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.active["A1"] = 1
    wb.create_sheet("h").sheet_state = "hidden"
    wb.create_sheet("v").sheet_state = "veryHidden"
    buf = io.BytesIO()
    wb.save(buf)
    reader = fastexcel.read_excel(buf.getvalue())
    assert [reader.load_sheet(i, header_row=None).visible for i in range(3)] == [
        "visible",
        "hidden",
        "veryhidden",
    ]


@pytest.mark.parametrize("state", ["Hidden", "VERYHIDDEN", "no"])
def test_a_sheet_state_calamine_does_not_know_refuses_the_file(tmp_path: Path, state: str) -> None:
    """The parent reads such a sheet as visible; calamine refuses the workbook, so it is never
    read with a visibility the two disagree on."""
    body = f'<row r="1">{hostile.text_cell("A1", "a")}</row>'
    path = hostile.write_workbook(
        tmp_path / "state.xlsx",
        [
            hostile.SheetSpec("Data", hostile.sheet_xml(body)),
            hostile.SheetSpec("Odd", hostile.sheet_xml(body), state=state),
        ],
    )
    with pytest.raises(NotAWorkbookError, match=r"state\.xlsx"):
        read_workbook(path)


def test_rows_from_hand_written_xml_with_a_lying_dimension(tmp_path: Path) -> None:
    body = (
        f'<row r="3">{hostile.text_cell("C3", "a")}{hostile.text_cell("D3", "b")}</row>'
        f'<row r="6">{hostile.text_cell("C6", "c")}</row>'
    )
    path = hostile.write_workbook(
        tmp_path / "c3.xlsx", [hostile.SheetSpec("S", hostile.sheet_xml(body, dimension="A1:A1"))]
    )
    (sheet,) = read_workbook(path).sheets
    assert sheet.first_row == 3
    assert sheet.rows.rows() == [
        (None, None, "a", "b"),
        (None, None, None, None),
        (None, None, None, None),
        (None, None, "c", None),
    ]


# --------------------------------------------------------------------------- the 1904 system


def _with_date1904(source: Path, target: Path, value: str) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text, n = re.subn(r'date1904="[^"]*"', f'date1904="{value}"', data.decode())
                assert n == 1
                data = text.encode()
            zout.writestr(info.filename, data)
    return target


@pytest.fixture(scope="module")
def mac_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    assert ws is not None
    ws["A1"] = dt.datetime(2023, 1, 11)
    ws["A2"] = dt.datetime(2024, 2, 29, 14, 5, 7)
    ws["A3"] = "2023-01-11"
    ws["A4"] = "11-01-2023 14:05"
    ws["A5"] = 44937  # a bare serial number stays a number
    path = tmp_path_factory.mktemp("mac") / "mac.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("value", ["1", "true", "on"])
def test_1904_workbooks_give_the_right_calendar_dates(
    mac_workbook: Path, tmp_path: Path, value: str
) -> None:
    book = read_workbook(_with_date1904(mac_workbook, tmp_path / f"mac_{value}.xlsx", value))
    assert book.date1904 is True
    assert book.sheets[0].rows.get_column("c0").to_list() == [
        "2023-01-11 00:00:00",
        "2024-02-29 14:05:07",
        "2023-01-11",
        "11-01-2023 14:05",
        "44937",
    ]


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _probe_xml(attribute: str | None) -> bytes:
    pr = "" if attribute is None else f"<workbookPr date1904={quoteattr(attribute)}/>"
    return (
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{pr}'
        '<sheets><sheet name="P" sheetId="1" r:id="rId7"/></sheets></workbook>'
    ).encode()


def test_calamine_probe() -> None:
    assert calamine_reads_1904(_probe_xml(None)) is False
    assert calamine_reads_1904(_probe_xml("1")) is True
    assert calamine_reads_1904(_probe_xml("true")) is True
    assert calamine_reads_1904(_probe_xml("0")) is False
    assert calamine_reads_1904(_probe_xml("false")) is False


# Issue 15, item 11: the forms of xl/workbook.xml that Excel (and tools writing for it) use
# for the 1904 system. Recent Excel (2013 and later) writes the x15 namespaces, an
# mc:AlternateContent block with the file's path, and an extLst whose x15:workbookPr carries
# no date1904: calamine then read the 1900 system, and every date came 1,462 days early.
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X15_NS = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"
XR_NS = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"


def _recent_excel(workbook_pr: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<{p}workbook {ns} xmlns:r="{REL_NS}" xmlns:mc="{MC_NS}" mc:Ignorable="x15 xr" '
        f'xmlns:x15="{X15_NS}" xmlns:xr="{XR_NS}">'
        f'<{p}fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>'
        f"{workbook_pr.replace('<workbookPr', f'<{p}workbookPr')}"
        '<mc:AlternateContent><mc:Choice Requires="x15"><x15ac:absPath url="C:\\Users\\a\\" '
        'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"/>'
        "</mc:Choice></mc:AlternateContent>"
        '<xr:revisionPtr revIDLastSave="0" documentId="8_{0}"/>'
        f'<{p}bookViews><{p}workbookView xWindow="0" yWindow="0"/></{p}bookViews>'
        f'<{p}sheets><{p}sheet name="Sheet" sheetId="1" r:id="rId1"/></{p}sheets>'
        f'<{p}calcPr calcId="191029"/>'
        f'<{p}extLst><{p}ext uri="{{140A7094-0E35-4892-8432-C4D2E57EDEB5}}">'
        f'<x15:workbookPr chartTrackingRefBase="1"/></{p}ext></{p}extLst></{p}workbook>'
    )


def _with_workbook_xml(source: Path, target: Path, text: str) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(
                info.filename, text.encode() if info.filename == "xl/workbook.xml" else data
            )
    return target


@pytest.mark.parametrize(
    ("form", "text", "is_1904"),
    [
        (
            "recent_excel_1",
            _recent_excel('<workbookPr date1904="1" defaultThemeVersion="166925"/>'),
            True,
        ),
        ("recent_excel_true", _recent_excel('<workbookPr date1904="true"/>'), True),
        ("recent_excel_TRUE", _recent_excel('<workbookPr date1904=" TRUE "/>'), True),
        ("recent_excel_prefix", _recent_excel('<workbookPr date1904="1"/>', prefix="x"), True),
        ("recent_excel_1900", _recent_excel('<workbookPr date1904="0"/>'), False),
        ("recent_excel_no_attribute", _recent_excel("<workbookPr/>"), False),
    ],
)
def test_the_date_system_is_read_from_every_form_excel_writes(
    mac_workbook: Path, tmp_path: Path, form: str, text: str, is_1904: bool
) -> None:
    book = read_workbook(_with_workbook_xml(mac_workbook, tmp_path / f"{form}.xlsx", text))
    assert book.date1904 is is_1904
    # The cell holds serial 43475: 2023-01-11 in the 1904 system, 2019-01-10 in the 1900 one.
    expected = "2023-01-11 00:00:00" if is_1904 else "2019-01-10 00:00:00"
    assert book.sheets[0].rows.get_column("c0").to_list()[0] == expected


# --------------------------------------------------------------------------- refused files


def test_files_that_are_not_workbooks(tmp_path: Path) -> None:
    cases: dict[str, bytes] = {
        "empty.xlsx": b"",
        "report.xlsx": b"Id;Dato\n1;2023-01-11\n",
        "old.xlsx": bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 1000,
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    with zipfile.ZipFile(tmp_path / "document.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w/>")
    for name in [*cases, "document.xlsx", "missing.xlsx"]:
        with pytest.raises(NotAWorkbookError) as caught:
            read_workbook(tmp_path / name)
        assert_one_sentence(caught.value, name)
    with pytest.raises(NotAWorkbookError, match="old-style"):
        read_workbook(tmp_path / "old.xlsx")


def test_damaged_members_are_refused(tmp_path: Path) -> None:
    sheet = hostile.sheet_xml(f'<row r="1">{hostile.text_cell("A1", "id")}</row>')
    good = hostile.stored("sheet", sheet)
    flipped = hostile.RawMember("sheet", sheet.replace(b"id", b"ix"), good.crc, good.size, 0)
    path = hostile.write_workbook(tmp_path / "crc.xlsx", [hostile.SheetSpec("S", flipped)])
    with pytest.raises(NotAWorkbookError) as caught:
        read_workbook(path)
    assert_one_sentence(caught.value, "crc.xlsx")
    # Well-formed zip, but calamine cannot read the sheet: the child reports it as damaged.
    bad_ref = hostile.sheet_xml('<row r="2"><c r=" E2"><v>1</v></c></row>')
    path = hostile.write_workbook(tmp_path / "ref.xlsx", [hostile.SheetSpec("S", bad_ref)])
    with pytest.raises(NotAWorkbookError) as caught:
        read_workbook(path)
    assert_one_sentence(caught.value, "ref.xlsx")


def test_duplicate_members_are_refused(tmp_path: Path) -> None:
    sheet = hostile.sheet_xml(f'<row r="1">{hostile.text_cell("A1", "id")}</row>')
    members = hostile.workbook_members([hostile.SheetSpec("S", sheet)])
    members.append(hostile.deflated("xl/worksheets/sheet1.xml", hostile.sheet_xml("")))
    path = hostile.write_zip(tmp_path / "twice.xlsx", members)
    with pytest.raises(UnsafeWorkbookError) as caught:
        read_workbook(path)
    assert_one_sentence(caught.value, "twice.xlsx")


@needs_samples
def test_limits_on_size_and_rows() -> None:
    sample = SAMPLES / "haendelser_2023-2024.xlsx"
    with pytest.raises(UnsafeWorkbookError) as caught:
        read_workbook(sample, limits=ReadLimits(max_file_bytes=100_000))
    assert_one_sentence(caught.value, sample.name)
    with pytest.raises(UnsafeWorkbookError, match="2,425 rows") as caught:
        read_workbook(sample, limits=ReadLimits(max_rows=1000))
    assert_one_sentence(caught.value, sample.name)
    assert caught.value.sheet == "Hændelser"


def test_dimension_bomb(dimension_bomb_xlsx: Path) -> None:
    """(a) A1 and XFD1048576: calamine would abort the process allocating 17 billion cells."""
    assert dimension_bomb_xlsx.stat().st_size < 4096
    with pytest.raises(UnsafeWorkbookError) as caught:
        read_workbook(dimension_bomb_xlsx)
    assert_one_sentence(caught.value, dimension_bomb_xlsx.name)
    assert "XFD" in str(caught.value)


def test_dimension_bomb_kills_the_child_if_it_gets_there(dimension_bomb_xlsx: Path) -> None:
    """Without the scan, the child dies (SIGABRT) and that too becomes one sentence."""
    limits = ReadLimits(max_rows=10**9, max_columns=10**9, max_cells=10**18)
    with pytest.raises(UnsafeWorkbookError) as caught:
        read_workbook(dimension_bomb_xlsx, limits=limits)
    assert_one_sentence(caught.value, dimension_bomb_xlsx.name)


def test_huge_shared_string(huge_shared_string_xlsx: Path, lying_shared_string_xlsx: Path) -> None:
    """(b) 400 MiB in one shared string, honest headers and lying ones."""
    assert huge_shared_string_xlsx.stat().st_size < 1_000_000
    for path in (huge_shared_string_xlsx, lying_shared_string_xlsx):
        with pytest.raises(UnsafeWorkbookError) as caught:
            read_workbook(path)
        assert_one_sentence(caught.value, path.name)


def test_whitespace_sheet(whitespace_xlsx: Path, lying_size_xlsx: Path) -> None:
    """(c) 1 GB of whitespace in the sheet XML; (d) the same with headers claiming 4 KB."""
    assert whitespace_xlsx.stat().st_size < 2_000_000
    assert hostile.WHITESPACE_BYTES > ReadLimits().max_entry_bytes
    with zipfile.ZipFile(lying_size_xlsx) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size == 4096
    for path in (whitespace_xlsx, lying_size_xlsx):
        with pytest.raises(UnsafeWorkbookError) as caught:
            read_workbook(path)
        assert_one_sentence(caught.value, path.name)


def test_slightly_lying_size(tmp_path: Path) -> None:
    path = hostile.slightly_lying_size(tmp_path / "lie.xlsx")
    with pytest.raises(UnsafeWorkbookError) as caught:
        read_workbook(path)
    assert_one_sentence(caught.value, "lie.xlsx")


def test_memory_cap_stops_the_child(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """64 MiB in one string passes every pre-check; the child needs more than 256 MiB."""
    path = hostile.huge_shared_string(tmp_path / "sst.xlsx", 64 * hostile.MiB)
    inspect_workbook(path, "sst.xlsx", ReadLimits())  # nothing to object to before parsing
    with caplog.at_level(logging.INFO, logger="dashboard.importer.workbook"):
        with pytest.raises(UnsafeWorkbookError) as caught:
            read_workbook(path, limits=ReadLimits(memory_bytes=256 * hostile.MiB))
    assert_one_sentence(caught.value, "sst.xlsx")
    # The child died of the cap (a Rust abort or a MemoryError), not of anything else.
    assert any("stopped" in r.getMessage() for r in caplog.records), caplog.text
    assert caught.value.__cause__ is None


@pytest.mark.slow
def test_the_same_file_reads_with_enough_memory(tmp_path: Path) -> None:
    path = hostile.huge_shared_string(tmp_path / "sst.xlsx", 64 * hostile.MiB)
    book = read_workbook(path, limits=ReadLimits(memory_bytes=2**30))
    assert len(book.sheets[0].rows.item(0, "c0")) == 64 * hostile.MiB


@needs_samples
def test_time_limit_stops_the_child() -> None:
    started = time.monotonic()
    with pytest.raises(UnsafeWorkbookError) as caught:
        read_workbook(SAMPLES / "henvendelser_2023-2024.xlsx", limits=ReadLimits(seconds=0.05))
    assert_one_sentence(caught.value, "henvendelser_2023-2024.xlsx")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("pidfd", [True, False])
def test_waiting_for_the_child(monkeypatch: pytest.MonkeyPatch, pidfd: bool) -> None:
    """The exit status comes back, and a child over its time gets TimeoutExpired, with or
    without pidfd_open."""
    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    quick = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    assert _wait(quick, 60) == 3
    # A child that runs until its stdin closes, as the reader waits for its request.
    slow = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            _wait(slow, 0.2)
        assert slow.poll() is None
        assert slow.stdin is not None
        slow.stdin.close()
        assert _wait(slow, 60) == 0
    finally:
        slow.kill()
        slow.wait()


# --------------------------------------------------------------------------- the extent scan


def _cell(ref: str | None, value: int = 1) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>' if ref else f"<c><v>{value}</v></c>"


MAIN = hostile.MAIN_NS
SCAN_CASES = {
    "canonical": f'<row r="1">{_cell("A1")}{_cell("C1")}</row><row r="3">{_cell("B3")}</row>',
    "gap": f'<row r="3">{_cell("C3")}{_cell("D3")}</row><row r="6">{_cell("C6")}</row>',
    "cell row beyond its row": f'<row r="1">{_cell("A5")}</row>',
    "no r": f"<row>{_cell(None)}{_cell(None)}{_cell(None)}</row><row>{_cell(None)}</row>",
    "r then none": f'<row r="5">{_cell(None)}</row><row>{_cell("C6")}{_cell(None)}</row>',
    "explicit then none": f'<row r="2">{_cell("E2")}{_cell(None)}{_cell(None)}</row>',
    "r not first": '<row r="2"><c s="0" r="D2"><v>1</v></c></row>',
    "single quotes": "<row r='2'><c r='C2'><v>1</v></c></row>",
    "spaces around =": '<row r = "2"><c   r = "D2" ><v>1</v></c></row>',
    "newlines": '<row\nr="4"\n><c\nr="F4"\n><v>1</v></c></row>',
    "prefixed": f'<x:row r="2" xmlns:x="{MAIN}"><x:c r="B2"><x:v>1</x:v></x:c></x:row>',
    "prefixed no r": f'<x:row xmlns:x="{MAIN}"><x:c><x:v>1</x:v></x:c><x:c><x:v>1</x:v></x:c></x:row>',
    "gt in an attribute": '<row r="2"><c foo=">" r="E2"><v>1</v></c></row>',
    "lowercase": f'<row r="1">{_cell("c1")}</row>',
    "two r attributes": '<row r="2"><c r="B2" r="XFD9"><v>1</v></c></row>',
}


@pytest.mark.parametrize("case", SCAN_CASES)
def test_scan_never_underestimates_calamine(case: str, tmp_path: Path) -> None:
    xml = hostile.sheet_xml(SCAN_CASES[case])
    path = hostile.write_workbook(tmp_path / "s.xlsx", [hostile.SheetSpec("S", xml)])
    sheet = fastexcel.read_excel(str(path)).load_sheet(
        0, header_row=None, dtypes="string", skip_rows=0
    )
    actual = (sheet.height, max(c.absolute_index for c in sheet.selected_columns) + 1)
    for chunk_size in (7, len(xml)):  # tiny chunks put tags across chunk boundaries
        scanner = _ExtentScanner("s.xlsx")
        for at in range(0, len(xml), chunk_size):
            scanner.feed(xml[at : at + chunk_size])
        extent = scanner.finish()
        assert extent.rows >= actual[0] and extent.columns >= actual[1]
        if extent.exact:
            assert (extent.rows, extent.columns) == actual
    walked = _exact_extent(iter([xml]), "s.xlsx")
    assert (walked.rows, walked.columns) == actual


def _scan(xml: bytes, chunk_size: int) -> Extent:
    scanner = _ExtentScanner("s.xlsx")
    for at in range(0, len(xml), chunk_size):
        scanner.feed(xml[at : at + chunk_size])
    return scanner.finish()


@pytest.mark.parametrize("case", SCAN_CASES)
def test_scan_in_small_pieces_agrees(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Buffers are scanned in cache-sized pieces; tags across piece boundaries count once."""
    xml = hostile.sheet_xml(SCAN_CASES[case] * 30 + '<row r="9"><c r="AB99"/></row>')
    whole = _scan(xml, len(xml))
    for piece in (40, 97):
        monkeypatch.setattr(safety, "_PIECE", piece)
        for chunk_size in (7, 500, len(xml)):
            assert _scan(xml, chunk_size) == whole


def test_sheets_without_r_attributes_are_measured_exactly(tmp_path: Path) -> None:
    row = "<row>" + _cell(None) * 30 + "</row>"
    path = hostile.write_workbook(
        tmp_path / "norefs.xlsx", [hostile.SheetSpec("S", hostile.sheet_xml(row * 2000))]
    )
    extent = inspect_workbook(path, "norefs.xlsx", ReadLimits()).sheets[0].extent
    assert extent is not None and extent.columns == 30 and extent.rows >= 2000
    wide = "<row>" + _cell(None) * 600 + "</row>"
    path = hostile.write_workbook(
        tmp_path / "wide.xlsx", [hostile.SheetSpec("S", hostile.sheet_xml(wide))]
    )
    with pytest.raises(UnsafeWorkbookError) as caught:
        inspect_workbook(path, "wide.xlsx", ReadLimits())
    assert_one_sentence(caught.value, "wide.xlsx")


@pytest.mark.slow
def test_scan_of_a_100k_by_22_sheet_is_fast(dense_100k_xlsx: Path) -> None:
    started = time.perf_counter()
    inspection = inspect_workbook(dense_100k_xlsx, dense_100k_xlsx.name, ReadLimits())
    elapsed = time.perf_counter() - started
    assert inspection.sheets[0].extent == Extent(100_000, 22, exact=True)
    print(f"scan of 100,000 x 22: {elapsed:.2f} s")
    assert elapsed < 10  # about 1 s on a busy 2-core machine


def test_inflating_ahead_stops_with_the_consumer() -> None:
    """The thread that inflates ahead of the scan ends however the scan ends."""
    import threading

    def chunks():
        for k in range(1000):
            yield bytes([k % 256]) * 10

    def failing():
        yield b"x"
        raise safety._Exceeded

    stream = safety._ahead(chunks())
    assert next(stream) == bytes([0]) * 10
    stream.close()  # the consumer gave up early
    with pytest.raises(safety._Exceeded):  # the producer's error reaches the consumer
        list(safety._ahead(failing()))
    assert b"".join(safety._ahead(chunks())) == b"".join(chunks())
    assert not [t for t in threading.enumerate() if t.name == "xlsx-inflate"]


# --------------------------------------------------------------------------- reading in parts

TINY_PARTS = ReadLimits(parts_above_bytes=1, part_bytes=2_000)


def read_in_parts(path: Path, limits: ReadLimits = TINY_PARTS) -> tuple[Workbook, Workbook]:
    """The workbook read whole and read in tiny parts; the two must give the same rows."""
    whole = read_workbook(path)
    parted = read_workbook(path, limits=limits)
    assert all(sheet.rest is None for sheet in whole.sheets)
    assert parted.hidden_sheets == whole.hidden_sheets
    assert parted.date1904 == whole.date1904
    assert [(s.name, s.index) for s in parted.sheets] == [(s.name, s.index) for s in whole.sheets]
    for a, b in zip(whole.sheets, parted.sheets, strict=True):
        assert b.first_row == a.first_row, a.name
        blocks = list(b.blocks())
        row = b.first_row
        for first, frame in blocks:
            assert first == row  # each block starts where the one before ended
            assert frame.columns == b.rows.columns
            row += frame.height
        assert_frame_equal(pl.concat([frame for _, frame in blocks]), a.rows)
        # From a later row on (it may lie beyond the first part): the rest of the whole read.
        later = list(b.blocks(2)) or [(a.first_row + 2, b.rows.clear())]
        assert later[0][0] == a.first_row + 2
        assert_frame_equal(pl.concat([frame for _, frame in later]), a.rows.slice(2))
    strings_only(parted)
    return whole, parted


def parts(sheet: Sheet) -> int:
    return 1 + (len(sheet.rest.parts) if sheet.rest is not None else 0)


@needs_samples
@pytest.mark.parametrize(
    "name", sorted(p.name for p in SAMPLES.glob("*.xlsx")) if SAMPLES.is_dir() else []
)
def test_samples_read_in_parts_give_the_same_rows(name: str) -> None:
    _, parted = read_in_parts(SAMPLES / name)
    assert max(parts(s) for s in parted.sheets) > 5


def _rows_xml(rows: dict[int, dict[str, str]], *, prefix: str = "", r_first: bool = True) -> str:
    """``{excel row: {column letters: text}}`` as rows of inline-string cells."""
    p = f"{prefix}:" if prefix else ""
    out = []
    for n, cells in rows.items():
        body = "".join(
            f'<{p}c r="{col}{n}" t="inlineStr"><{p}is><{p}t>{text}</{p}t></{p}is></{p}c>'
            for col, text in cells.items()
        )
        attrs = f'r="{n}" spans="1:3"' if r_first else f'spans="1:3" r="{n}"'
        out.append(f"<{p}row {attrs}>{body}</{p}row>")
    return "".join(out)


def _data(
    first: int, count: int, columns: str = "BC", gap_every: int = 0
) -> dict[int, dict[str, str]]:
    rows: dict[int, dict[str, str]] = {}
    for n in range(first, first + count):
        if gap_every and n % gap_every == 0:
            continue  # a blank row (no row element at all)
        rows[n] = {col: f"{col}{n}" for col in columns}
    return rows


def test_blank_rows_across_part_boundaries(tmp_path: Path) -> None:
    rows = {**_data(3, 40, gap_every=7), **_data(200, 30), **_data(5000, 20, "BCD")}
    path = hostile.write_workbook(
        tmp_path / "gaps.xlsx",
        [hostile.SheetSpec("S", hostile.sheet_xml(_rows_xml(rows), dimension="A1:A1"))],
    )
    whole, parted = read_in_parts(path)
    (sheet,) = parted.sheets
    assert parts(sheet) > 5 and sheet.first_row == 3
    assert whole.sheets[0].rows.height == 5019 - 3 + 1
    # One row per part: every gap lies between two parts.
    _, parted = read_in_parts(path, ReadLimits(parts_above_bytes=1, part_bytes=1))
    assert parts(parted.sheets[0]) == len(rows)


def test_a_column_present_only_in_a_later_part(tmp_path: Path) -> None:
    rows = {**_data(1, 60), 61: {"AB": "far right"}, **_data(62, 10)}
    path = hostile.write_workbook(
        tmp_path / "wide.xlsx", [hostile.SheetSpec("S", hostile.sheet_xml(_rows_xml(rows)))]
    )
    _, parted = read_in_parts(path)
    (sheet,) = parted.sheets
    assert sheet.rows.width == 28  # AB is column 28: the first part has it too, all null
    assert sheet.rows.get_column("c27").null_count() == sheet.rows.height


def test_leading_parts_without_a_value(tmp_path: Path) -> None:
    """Rows of styled but empty cells fill the first parts; the sheet starts after them."""
    empty = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{c}{n}" s="1"/>' for c in "ABCDEF") + "</row>"
        for n in range(1, 200)
    )
    body = empty + _rows_xml(_data(300, 30)) + '<row r="400"><c r="B400" s="1"/></row>'
    path = hostile.write_workbook(
        tmp_path / "late.xlsx", [hostile.SheetSpec("S", hostile.sheet_xml(body))]
    )
    _, parted = read_in_parts(path)
    (sheet,) = parted.sheets
    assert sheet.first_row == 300
    assert sheet.rows.item(0, "c1") == "B300"


def test_trailing_error_cells_and_empty_parts(tmp_path: Path) -> None:
    """Error cells count as used (all-null rows at the end); empty cells after them do not."""
    errors = "".join(f'<row r="{n}"><c r="D{n}" t="e"><v>#N/A</v></c></row>' for n in (60, 61))
    empty = "".join(f'<row r="{n}"><c r="B{n}" s="1"/></row>' for n in range(70, 400))
    body = _rows_xml(_data(1, 50)) + errors + empty
    path = hostile.write_workbook(
        tmp_path / "tail.xlsx", [hostile.SheetSpec("S", hostile.sheet_xml(body))]
    )
    whole, _ = read_in_parts(path)
    assert whole.sheets[0].rows.height == 61


def test_a_sheet_without_any_value(tmp_path: Path) -> None:
    empty = "".join(f'<row r="{n}"><c r="B{n}" s="1"/></row>' for n in range(1, 400))
    errors = "".join(f'<row r="{n}"><c r="D{n}" t="e"><v>#N/A</v></c></row>' for n in (50, 300))
    for name, body in [("empty.xlsx", empty), ("errors.xlsx", empty + errors)]:
        path = hostile.write_workbook(
            tmp_path / name, [hostile.SheetSpec("S", hostile.sheet_xml(body))]
        )
        read_in_parts(path)


def test_a_namespace_prefixed_sheet(tmp_path: Path) -> None:
    rows = {**_data(2, 60, gap_every=5), **_data(100, 20)}
    xml = (
        f'{hostile.XML_DECL}<x:worksheet xmlns:x="{hostile.MAIN_NS}"><x:dimension ref="A1"/>'
        f"<x:sheetData>{_rows_xml(rows, prefix='x')}</x:sheetData></x:worksheet>"
    ).encode()
    path = hostile.write_workbook(tmp_path / "x.xlsx", [hostile.SheetSpec("S", xml)])
    _, parted = read_in_parts(path)
    assert parts(parted.sheets[0]) > 5


def test_rows_with_r_after_other_attributes(tmp_path: Path) -> None:
    path = hostile.write_workbook(
        tmp_path / "late_r.xlsx",
        [hostile.SheetSpec("S", hostile.sheet_xml(_rows_xml(_data(4, 80), r_first=False)))],
    )
    _, parted = read_in_parts(path)
    assert parts(parted.sheets[0]) > 5


@pytest.mark.parametrize(
    "case",
    [
        "row without r",
        "rows out of order",
        "comment",
        "cell below its row",
        "cell above its row",
    ],
)
def test_sheets_that_cannot_be_cut_are_read_whole(case: str, tmp_path: Path) -> None:
    body = _rows_xml(_data(1, 60))
    if case == "row without r":
        body += "<row><c><v>7</v></c></row>"
    elif case == "rows out of order":
        body += _rows_xml(_data(30, 1, "E"))
    elif case == "comment":
        body = body.replace('<row r="20"', '<!-- <row r="900"> --><row r="20"')
    elif case == "cell below its row":
        body = body.replace('<c r="B40"', '<c r="B4000"')
    else:
        body = body.replace('<c r="C40"', '<c r="F3"')
    path = hostile.write_workbook(
        tmp_path / "odd.xlsx", [hostile.SheetSpec("S", hostile.sheet_xml(body))]
    )
    _, parted = read_in_parts(path)
    assert parts(parted.sheets[0]) == 1


def test_shared_strings_dates_1904_and_hidden_sheets(tmp_path: Path) -> None:
    data = [
        [f"id {n}", n, dt.datetime(2023, 1, 1) + dt.timedelta(days=n), "same"] for n in range(80)
    ]
    data[10:13] = [[None] * 4] * 3  # blank rows
    for date1904 in (False, True):
        path = make_xlsx(
            tmp_path / f"book{date1904}.xlsx",
            {"A": data, "Hidden": data, "B": [[None], [None], *data]},
            hidden=["Hidden"],
            date1904=date1904,
        )
        whole, parted = read_in_parts(path)
        assert parted.hidden_sheets == ["Hidden"]
        assert [parts(s) for s in parted.sheets] == [parts(parted.sheets[0])] * 2
        assert parts(parted.sheets[0]) > 5
        assert whole.sheets[0].rows.item(0, "c2") == "2023-01-01 00:00:00"


def test_the_parts_directory_lives_as_long_as_the_parts(tmp_path: Path) -> None:
    path = hostile.write_workbook(
        tmp_path / "p.xlsx", [hostile.SheetSpec("S", hostile.sheet_xml(_rows_xml(_data(1, 80))))]
    )
    book = read_workbook(path, limits=TINY_PARTS)
    rest = book.sheets[0].rest
    assert rest is not None
    directory = Path(rest._directory.name)
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        p.file.name for p in rest.parts if p.file is not None
    )
    del book, rest
    gc.collect()
    assert not directory.exists()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    layout=st.lists(
        st.tuples(st.integers(0, 40), st.integers(1, 12), st.sampled_from(["A", "BC", "CDE", "Z"])),
        min_size=1,
        max_size=6,
    ),
    part_bytes=st.integers(1, 3_000),
)
def test_any_layout_of_rows_reads_the_same_in_parts(
    layout: list[tuple[int, int, str]], part_bytes: int, tmp_path: Path
) -> None:
    """Runs of rows, each after a gap of blank rows, in varying columns."""
    rows: dict[int, dict[str, str]] = {}
    n = 1
    for gap, count, columns in layout:
        rows.update(_data(n + gap, count, columns))
        n += gap + count
    path = hostile.write_workbook(
        tmp_path / "any.xlsx", [hostile.SheetSpec("S", hostile.sheet_xml(_rows_xml(rows)))]
    )
    read_in_parts(path, ReadLimits(parts_above_bytes=1, part_bytes=part_bytes))


def test_the_content_hash_is_of_the_bytes_that_were_read(tmp_path: Path) -> None:
    """The import records the sha256 of the private copy the checks and the reader used."""
    import hashlib

    from tests.importer.build import make_xlsx

    path = make_xlsx(tmp_path / "h.xlsx", {"Ark1": [["Hændelses-ID"], ["H-1"]]})
    book = read_workbook(path)
    assert book.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
