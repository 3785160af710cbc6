"""The report's table of police reports without a prior warning (aliases, never the
pseudonym), its documentation breakdowns and the ombudsman's own inquiries: each checked
against figures computed here from the stored rows, in both languages and for a restricted
scope."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboard import stats, store
from dashboard.contract import DEFAULT_DEADLINES
from dashboard.formatting import format_count, format_date, format_interval, format_percent
from dashboard.i18n import LANGS, Lang, label, t
from dashboard.metrics.filters import Scope
from dashboard.metrics.report import MetricsReport, build_report
from dashboard.report_pdf import report_pdf
from dashboard.report_pdf.content import WITHOUT_WARNING_LIMIT
from tests.report_pdf.conftest import flat, pdf_text, save_pages

GENERATED = datetime(2026, 12, 4, 9, 30).astimezone()
THRESHOLD = 5


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    return con.sql(f"SELECT * FROM {table}").pl()


def _pdf(con: duckdb.DuckDBPyConnection, report: MetricsReport, lang: Lang, path: Path) -> str:
    path.write_bytes(report_pdf(con, report, lang, generated=GENERATED, demo=True))
    return pdf_text(path, layout=True).replace("\xa0", " ")


def _count(n: int, lang: Lang) -> str:
    return format_count(n, lang, small=0 < n < THRESHOLD, threshold=THRESHOLD)


def _without_warning(incidents: pl.DataFrame) -> pl.DataFrame:
    """The reports without a prior warning by the rule written out here (Straffeloven's
    warning-first practice as the contract states it): reported to the police, and either no
    warning, or a warning dated after the report; newest first, citizens numbered in the
    order they first appear."""
    dated = pl.col("warning_on").is_not_null() & pl.col("police_reported_on").is_not_null()
    rows = (
        incidents.filter(
            pl.col("police_reported").eq(True)
            & (
                (
                    pl.col("warning_given").ne_missing(False)
                    & dated
                    & (pl.col("warning_on") > pl.col("police_reported_on"))
                )
                | (
                    ~(pl.col("warning_given").ne_missing(False) & dated)
                    & pl.col("warning_given").eq(False)
                )
            )
        )
        .sort(["occurred_on", "incident_id"], descending=[True, False])
        .head(WITHOUT_WARNING_LIMIT)
    )
    order: dict[str, int] = {}
    for ref in rows["citizen_ref"].to_list():
        if ref is not None and ref not in order:
            order[ref] = len(order) + 1
    return rows.with_columns(
        citizen_no=pl.Series([order.get(r) for r in rows["citizen_ref"].to_list()])
    )


@pytest.fixture(scope="module")
def con(demo_db: Path) -> duckdb.DuckDBPyConnection:
    connection = store.connect(demo_db)
    yield connection
    connection.close()


@pytest.mark.parametrize("lang", LANGS)
def test_reports_without_warning_list_aliases_and_never_the_pseudonym(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, lang: Lang
) -> None:
    report = build_report(con, by="unit")
    text = _pdf(con, report, lang, tmp_path / "r.pdf")
    lines = [flat(line) for line in text.splitlines()]
    incidents = _rows(con, "incidents")
    expected = _without_warning(incidents)
    assert expected.height == WITHOUT_WARNING_LIMIT  # the demo has more than the table shows
    citizen = t("person_alias.citizen", lang, n="1").removesuffix("1")
    for row in expected.iter_rows(named=True):
        line = next((x for x in lines if row["incident_id"] in x), None)
        assert line is not None, row["incident_id"]
        alias = f"{citizen}{row['citizen_no']}" if row["citizen_no"] else "–"
        assert f"{row['incident_id']} {alias} {format_date(row['occurred_on'], lang)}" in line
        assert format_date(row["police_reported_on"], lang) in line
        assert label("decided_by", row["decided_by"], lang) in line
    # A repeat citizen keeps one alias within the table.
    assert expected["citizen_no"].n_unique() < expected.height
    squeezed = "".join(text.split())
    for column in ("citizen_ref", "employee_ref"):
        for ref in incidents[column].drop_nulls().unique().to_list():
            assert ref not in squeezed, column
    assert "p_" not in squeezed.replace("p_value", "")
    save_pages(tmp_path / "r.pdf", f"content-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_documentation_forms_and_who_documented_are_the_stored_counts(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, lang: Lang
) -> None:
    report = build_report(con, by="unit")
    text = flat(_pdf(con, report, lang, tmp_path / "r.pdf"))
    documented = _rows(con, "incidents").filter(pl.col("documented").eq(True))
    assert t("report_content.documented_by_title", lang) in text
    for column in ("documentation_form", "documented_by"):
        counts = documented[column].value_counts()
        assert counts.height >= 2
        for value, n in counts.iter_rows():
            cells = f"{label(column, value, lang)} {_count(n, lang)} " + format_percent(
                n / documented.height, lang
            )
            assert cells.replace("\xa0", " ") in text, (column, value)


def _ombudsman_text(inquiries: pl.DataFrame, extract: date, lang: Lang) -> str:
    """The ombudsman paragraph from the stored inquiries, counted here: an inquiry without a
    deadline of its own has the contract's default (21 days for the ombudsman)."""
    mine = inquiries.filter(pl.col("inquiry_type") == "ombudsman").with_columns(
        deadline=pl.coalesce("deadline_on", pl.col("received_on") + DEFAULT_DEADLINES["ombudsman"])
    )
    answered = mine.filter(pl.col("answered_on").is_not_null())
    within = answered.filter(pl.col("answered_on") <= pl.col("deadline")).height
    still_open = mine.filter(pl.col("answered_on").is_null())
    overdue = still_open.filter(pl.col("deadline") < extract).height

    def share(part: int, whole: int) -> tuple[str, str]:
        low, high = stats.wilson_interval(part, whole)
        return format_percent(part / whole, lang), format_interval(low, high, lang, percent=True)

    decided_share, decided_ci = share(within, answered.height + overdue)
    answered_share, answered_ci = share(within, answered.height)
    # A suppressed overdue count hides the share that would reveal it.
    hidden = 0 < overdue < THRESHOLD
    return t(
        "report_content.ombudsman_paragraph_hidden"
        if hidden
        else "report_content.ombudsman_paragraph",
        lang,
        inquiries=_count(mine.height, lang),
        answered=_count(answered.height, lang),
        within=_count(within, lang),
        share=decided_share,
        ci=decided_ci,
        answered_share=answered_share,
        answered_ci=answered_ci,
        open=_count(still_open.height, lang),
        overdue=_count(overdue, lang),
        extract=format_date(extract, lang),
    ).replace("\xa0", " ")


def _unhyphenated(text: str) -> str:
    """Text without the hyphen of "95 %-interval", which a line break may swallow."""
    return flat(text).replace("%-", "%")


@pytest.mark.parametrize("lang", LANGS)
def test_the_ombudsmans_inquiries_are_counted_from_the_stored_rows(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, lang: Lang
) -> None:
    report = build_report(con, by="unit")
    text = flat(_pdf(con, report, lang, tmp_path / "r.pdf"))
    assert t("report_content.ombudsman_heading", lang) in text
    inquiries = _rows(con, "inquiries")
    assert _unhyphenated(_ombudsman_text(inquiries, report.extract_date, lang)) in _unhyphenated(
        text
    )


def test_a_restricted_scope_lists_and_counts_only_its_own_cases(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    everything = build_report(con, by="unit")
    mine = sorted(set(everything.incidents["department"].to_list()))[0]
    report = build_report(con, scope=Scope.restricted(departments=(mine,)), by="unit")
    incidents = _rows(con, "incidents")
    inside = incidents.filter(pl.col("department") == mine)
    outside = incidents.filter(pl.col("department") != mine)
    for lang in LANGS:
        text = _pdf(con, report, lang, tmp_path / f"{lang}.pdf")
        for row in _without_warning(inside).iter_rows(named=True):
            assert row["incident_id"] in text
        for incident in _without_warning(outside)["incident_id"].to_list():
            assert incident not in text, incident
        inquiries = _rows(con, "inquiries").filter(pl.col("department") == mine)
        expected = _ombudsman_text(inquiries, report.extract_date, lang)
        # the scope's few open ones hide more of the paragraph when suppressed: compare
        # the counts from the stored rows with the analyst's unsuppressed report
        plain = build_report(
            con, scope=Scope.restricted(departments=(mine,)), by="unit", unsuppressed=True
        )
        full = _pdf(con, plain, lang, tmp_path / f"{lang}-plain.pdf")
        assert _unhyphenated(expected) in _unhyphenated(full)
        assert t("report_content.ombudsman_heading", lang) in text
