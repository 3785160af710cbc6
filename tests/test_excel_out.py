"""Exports never contain a formula (OWASP CSV/formula injection), whatever the text."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from dashboard import store
from dashboard.excel_out import csv_text, sheet_title, write_xlsx
from dashboard.importer.pipeline import import_file
from dashboard.importer.pseudonym import Pseudonymiser
from dashboard.metrics.export_tables import about_table, export_tables
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
    units = [c.value for c in wb["Hændelser pr. gruppe"]["B"]]
    assert "=1+1" in units


def test_sheet_titles_are_valid_and_unique() -> None:
    taken: set[str] = set()
    first = sheet_title("Hændelser pr. gruppe [2024]: a/b", taken)
    second = sheet_title("Hændelser pr. gruppe [2024]: a/b", taken)
    assert len(first) <= 31 and not set("[]:*?/\\") & set(first)
    assert first != second


def test_dates_are_real_dates(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    write_xlsx(path, [("D", pl.DataFrame({"on": [date(2024, 7, 24)]}))])
    cell = load_workbook(path)["D"]["A2"]
    assert cell.is_date and cell.number_format == "DD-MM-YYYY"
