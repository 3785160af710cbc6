"""Exports never contain a formula (OWASP CSV/formula injection), whatever the text."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from dashboard import store
from dashboard.excel_out import Sheet, csv_bytes, csv_text, sheet_title, write_xlsx
from dashboard.i18n import group_words, t
from dashboard.importer.pipeline import import_file
from dashboard.importer.pseudonym import Pseudonymiser
from dashboard.metrics.export_tables import about_table, export_tables, workbook_sheets
from dashboard.metrics.report import build_report
from tests.samples import sample

DANGEROUS = ["=1+1", "+SUM(1,2)", "-2+3", "@cmd", "\tx", '=HYPERLINK("http://example.invalid","x")']


def formulas_in(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]


def test_formula_like_text_is_written_as_text(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    write_xlsx(
        path, [("Data", pl.DataFrame({"note": DANGEROUS, "n": list(range(len(DANGEROUS)))}))]
    )
    assert formulas_in(path) == []
    sheet = load_workbook(path)["Data"]
    assert [c.value for c in sheet["A"][1:]] == DANGEROUS
    assert all(c.data_type == "s" for c in sheet["A"][1:])


def test_csv_neutralises_formula_triggers() -> None:
    text = csv_text(pl.DataFrame({"note": DANGEROUS}))
    lines = text.splitlines()[1:]
    assert all(line.lstrip('"').startswith("'") for line in lines)


def test_csv_danish_decimal_comma() -> None:
    text = csv_text(pl.DataFrame({"rate": [0.25]}), separator=";", decimal_comma=True)
    assert text.splitlines()[1] == "0,25"


def test_export_of_formula_injection_sample_holds_no_formula(tmp_path: Path) -> None:
    con = store.connect(":memory:")
    import_file(con, sample("bad/formula_injection.xlsx"), pseudonymiser=Pseudonymiser(b"k" * 32))
    report = build_report(con, by="unit")
    assert "=1+1" in report.incidents["unit"].to_list()  # the hostile unit name is in the tables
    path = tmp_path / "export.xlsx"
    write_xlsx(
        path,
        [
            (
                "About",
                about_table(
                    report, "da", threshold=5, generated=__import__("datetime").datetime(2024, 1, 1)
                ),
            ),
            *export_tables(report, "da"),
        ],
    )
    assert formulas_in(path) == []
    wb = load_workbook(path)
    units = [c.value for c in wb["Hændelser pr. enhed"]["B"]]
    assert "=1+1" in units


def test_sheet_titles_are_valid_and_unique() -> None:
    taken: set[str] = set()
    first = sheet_title("Hændelser pr. enhed [2024]: a/b", taken)
    second = sheet_title("Hændelser pr. enhed [2024]: a/b", taken)
    assert len(first) <= 31 and not set("[]:*?/\\") & set(first)
    assert first != second


def test_dates_are_real_dates(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    write_xlsx(path, [("D", pl.DataFrame({"on": [date(2024, 7, 24)]}))])
    cell = load_workbook(path)["D"]["A2"]
    assert cell.is_date and cell.number_format == "DD-MM-YYYY"


# --------------------------------------------------------------------------- formatted exports


def _fixture_sheets(lang: str, *, unsuppressed: bool = True) -> list[Sheet]:
    """The fixture's sheets; unsuppressed by default, as every count of the fixture is small
    and the tests here are about the formats of the figures."""
    from tests.metrics.fixture import fixture_store

    report = build_report(fixture_store(), by="unit", unsuppressed=unsuppressed)
    return workbook_sheets(report, lang, threshold=5, generated=datetime(2024, 3, 12, 9, 30))  # type: ignore[arg-type]


def _header_column(sheet: Any, header: str) -> int:
    headers = [c.value for c in sheet[1]]
    assert header in headers, headers
    return headers.index(header) + 1


def test_workbook_keeps_exact_values_behind_readable_formats(tmp_path: Path) -> None:
    path = tmp_path / "view.xlsx"
    write_xlsx(path, _fixture_sheets("da"), lang="da")
    wb = load_workbook(path)
    # The sheet describing the view comes first, then the tables, all named in Danish.
    assert wb.sheetnames[:3] == ["Om udtrækket", "Hændelser pr. enhed", "Henvendelser pr. enhed"]
    about = wb["Om udtrækket"]
    values = {row[0].value: row[1] for row in about.iter_rows(min_row=2)}
    extract = values["Udtræksdato"]
    # The fixture's extract date is 2024-03-11 (tests/metrics/fixture.py's docstring).
    assert extract.is_date and extract.value.date() == date(2024, 3, 11)
    assert extract.number_format == "DD-MM-YYYY"
    assert values["Omfang (hvad brugeren må se)"].value == "Hele kommunen"

    incidents = wb["Hændelser pr. enhed"]
    assert incidents.freeze_panes == "A2"
    rate = _header_column(incidents, "Andel politianmeldt")
    units = [c.value for c in incidents["B"][1:]]
    a1 = incidents.cell(row=units.index("A1") + 2, column=rate)
    # Unit A1: incidents 1-3, police reports on 1 and 3 (fixture table): 2/3, kept exact.
    assert a1.value == pytest.approx(2 / 3, abs=1e-15)
    assert a1.number_format == "0.0%"
    # Its count of 2 is exported as a number in the unsuppressed workbook (suppressed, it
    # is "<5": test_export_tables_csv_from_a_report_is_readable_in_danish).
    count = _header_column(incidents, "Politianmeldelser")
    assert incidents.cell(row=units.index("A1") + 2, column=count).value == 2

    tests = wb["Test for ligebehandling"]
    p = _header_column(tests, "p-værdi")
    p_cell = tests.cell(row=2, column=p)
    assert (
        isinstance(p_cell.value, int | float) and p_cell.number_format == '[<0.001]"< 0,001";0.000'
    )
    methods = {c.value for c in tests["E"][1:]}
    assert methods <= {
        "Chi-i-anden-test",
        "Fishers eksakte test",
        "Chi-i-anden med Monte Carlo-simulering",
        "Kan ikke testes",
    }
    for sheet in wb.worksheets:
        assert sheet.freeze_panes == "A2"
        widths = [d.width for d in sheet.column_dimensions.values()]
        assert widths and all(8 <= w <= 60 for w in widths)
    # A percent column is as wide as its wrapped header, not as its 17-digit value.
    assert incidents.column_dimensions[get_column_letter(rate)].width < 26
    assert formulas_in(path) == []


def test_english_workbook_has_english_sheets_headers_and_methods(tmp_path: Path) -> None:
    path = tmp_path / "view.xlsx"
    write_xlsx(path, _fixture_sheets("en"), lang="en")
    wb = load_workbook(path)
    assert wb.sheetnames[0] == t("export.sheet_about", "en")
    da_only = {
        t("export.table_incidents", "da", **group_words("unit", "da")),
        "Andel politianmeldt",
        "Chi-i-anden-test",
    }
    for sheet in wb.worksheets:
        cells = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
        assert not cells & da_only, sheet.title
    extract = {r[0].value: r[1] for r in wb.worksheets[0].iter_rows(min_row=2)}["Extract date"]
    assert extract.number_format == "YYYY-MM-DD"
    tests = wb[t("export.table_tests", "en")]
    assert tests.cell(row=2, column=4).number_format == '[<0.001]"< 0.001";0.000'


def _open_like_danish_excel(data: bytes) -> list[list[str]]:
    """How Excel opens a double-clicked .csv: a UTF-8 byte-order mark means UTF-8, anything
    else is read in the Windows code page (cp1252 on a Danish Windows); ";" separates."""
    text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("cp1252")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_danish_csv_opens_in_excel_with_aeoeaa_intact_and_rounded_values() -> None:
    frame = pl.DataFrame(
        {
            "Forvaltning": ["Børne- og Ungeforvaltningen", "Ældreområdet"],
            "Enhed": ["Skærtoft Øst", "=1+1"],
            "Andel politianmeldt": [0.1465968586387434, 0.5],
            "Dage (median)": [26.200000000000003, 3.0],
            "p": [3.43e-11, 0.04567],
            "Hændelser": [191, 1234],
        }
    )
    sheet = Sheet(
        "Tabel",
        frame,
        {"Andel politianmeldt": "percent", "Dage (median)": "days", "p": "p", "Hændelser": "count"},
    )
    data = csv_bytes(sheet, "da")
    rows = _open_like_danish_excel(data)
    assert rows[0] == [
        "Forvaltning",
        "Enhed",
        "Andel politianmeldt",
        "Dage (median)",
        "p",
        "Hændelser",
    ]
    # 28/191 = 14.659...% to one decimal; 26.2 without float noise; p below 0.001 as on pages.
    assert rows[1] == [
        "Børne- og Ungeforvaltningen",
        "Skærtoft Øst",
        "14,7%",
        "26,2",
        "<0,001",
        "191",
    ]
    assert rows[2] == ["Ældreområdet", "'=1+1", "50,0%", "3,0", "0,046", "1234"]
    # Without the mark, the same text is garbled the way the issue reports.
    garbled = _open_like_danish_excel(data[3:])
    assert garbled[1][0] != "Børne- og Ungeforvaltningen"


def test_english_csv_uses_commas_and_points() -> None:
    sheet = Sheet("T", pl.DataFrame({"rate": [0.25], "n": [3]}), {"rate": "percent"})
    text = csv_bytes(sheet, "en").decode("utf-8-sig")
    assert text.splitlines() == ["rate,n", "25.0%,3"]


def test_export_tables_csv_from_a_report_is_readable_in_danish() -> None:
    sheets = _fixture_sheets("da")
    incidents = next(s for s in sheets if s.name == "Hændelser pr. enhed")
    rows = _open_like_danish_excel(csv_bytes(incidents, "da"))
    header = rows[0]
    a1 = next(r for r in rows if r[1] == "A1")
    assert a1[header.index("Andel politianmeldt")] == "66,7%"  # 2/3 by hand
    assert a1[header.index("Politianmeldelser")] == "2"
    # suppressed, as exported by default: the count is "<5" and its rate is not given
    sheets = _fixture_sheets("da", unsuppressed=False)
    incidents = next(s for s in sheets if s.name == "Hændelser pr. enhed")
    rows = _open_like_danish_excel(csv_bytes(incidents, "da"))
    a1 = next(r for r in rows if r[1] == "A1")
    assert a1[header.index("Politianmeldelser")] == "<5"
    assert a1[header.index("Andel politianmeldt")] == ""
    assert all(len(cell) < 30 for row in rows[1:] for cell in row[2:])  # no float noise


def test_a_time_zone_aware_time_is_written_as_its_wall_clock_time(tmp_path: Path) -> None:
    from datetime import timedelta, timezone

    path = tmp_path / "tz.xlsx"
    aware = datetime(2024, 3, 12, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    write_xlsx(path, [("T", pl.DataFrame({"at": pl.Series([aware], dtype=pl.Object)}))])
    cell = load_workbook(path)["T"]["A2"]
    assert cell.value == datetime(2024, 3, 12, 9, 30)
    assert cell.number_format == "DD-MM-YYYY hh:mm"
