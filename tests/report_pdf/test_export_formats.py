"""The export workbook of the demo municipality as Excel opens it (openpyxl): no number left in
Excel's General format (a raw 0.0012397008939 or 2.2e-20 is a cell to fix), p-values and τ²
formatted as the pages show them, header rows frozen, and the methods stating the verdict
rule the figures follow, from the same declarations as the report's appendix.

Lives beside the report tests for their demo store (the fixture store has too few groups for
the tests sheet's over-dispersion and generalised CMH columns to hold numbers)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from dashboard import stats, store
from dashboard.excel_out import xlsx_bytes
from dashboard.i18n import LANGS, Lang, group_words, t
from dashboard.metrics.export_tables import workbook_sheets
from dashboard.metrics.report import build_report

GENERATED = datetime(2026, 12, 4, 9, 30)


@pytest.fixture(scope="module")
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = store.connect(demo_db)
    yield connection
    connection.close()


@pytest.mark.parametrize("lang", LANGS)
def test_every_number_has_a_readable_format(con: duckdb.DuckDBPyConnection, lang: Lang) -> None:
    report = build_report(con, by="unit")
    sheets = workbook_sheets(report, lang, threshold=5, generated=GENERATED)
    book = load_workbook(io.BytesIO(xlsx_bytes(sheets, lang=lang)))
    general: list[tuple[str, object]] = []
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            for name, cell in zip(header, row, strict=False):
                if isinstance(cell.value, float) and cell.number_format == "General":
                    general.append((sheet.title, name))
    assert sorted(set(general)) == []
    tests = book[t("export.table_tests", lang)]
    header = [c.value for c in tests[1]]
    formats = {name: tests.cell(2, i + 1).number_format for i, name in enumerate(header)}
    assert formats[t("verdict.tau2", lang)] == "0.0000"  # as the Equal treatment page: 4 decimals
    assert formats[t("strata_tests.export_adjusted_p", lang)].endswith("0.000")
    cmh = book[t("export.table_cmh", lang, **group_words("unit", lang))]
    header = [c.value for c in cmh[1]]
    column = header.index(t("strata_tests.breslow_day_p", lang)) + 1
    assert cmh.cell(2, column).number_format.endswith("0.000")


@pytest.mark.parametrize("lang", LANGS)
def test_the_methods_state_the_verdict_rule(con: duckdb.DuckDBPyConnection, lang: Lang) -> None:
    report = build_report(con, by="unit")
    about = workbook_sheets(report, lang, threshold=5, generated=GENERATED)[0].frame
    text = " ".join(str(v) for v in about[about.columns[1]].to_list()).replace("\xa0", " ")
    assert "Benjamini–Hochberg" in text and "Spiegelhalter" in text
    fdr = f"{100 * stats.SCREENING_FDR:.0f}" + (" %" if lang == "da" else "%")
    assert fdr in text
    assert "99,8 %" in text if lang == "da" else "99.8%" in text  # the legal duties' funnel
