"""The export carries the rules in both languages: the rule columns of the incident sheet,
the sheet per inquiry type, the documentation breakdowns, with small counts as "<5"."""

from __future__ import annotations

import pytest

from dashboard import queries
from dashboard.i18n import field_label, group_words, label, metric_label, t
from dashboard.metrics.export_tables import BREAKDOWNS, export_tables
from dashboard.metrics.filters import ALL, Filters, query_params
from dashboard.metrics.report import build_report
from tests.metrics.fixture import fixture_store


@pytest.fixture(scope="module")
def con():
    c = fixture_store()
    for sql in (
        "UPDATE incidents SET documented_by = 'hr' WHERE incident_id IN ('1', '3')",
        "UPDATE incidents SET documented_by = 'employee' WHERE incident_id = '4'",
    ):
        c.execute(sql)
    yield c
    c.close()


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_export_shows_the_rules(con, lang) -> None:
    report = build_report(con, by="unit", work_accident_days=13)
    breakdowns = {
        name: queries.run(con, name, query_params(Filters(), ALL, group_by="unit"))
        for name in BREAKDOWNS
    }
    sheets = dict(export_tables(report, lang, breakdowns=breakdowns))
    incidents = sheets[t("export.table_incidents", lang, **group_words("unit", lang))]
    for column in (
        "police_with_prior_warning",
        "police_without_prior_warning",
        "police_prior_warning_unknown",
        "work_accident_required",
        "work_accident_missing",
        "work_accidents_within_deadline",
        "work_accidents_late",
        "work_accident_compliance_rate",
    ):
        assert metric_label(column, lang) in incidents.columns, column
    # the fixture's A2: police report 4, warned after it: without; notified 14 days after: late
    a2 = incidents.filter(incidents[t("filters.unit", lang)] == "A2").row(0, named=True)
    assert a2[metric_label("police_without_prior_warning", lang)] == "<5"  # 1, a small count
    assert a2[metric_label("work_accidents_late", lang)] == "<5"
    # one sheet per inquiry type: the fixture's five inquiries are all complaints
    by_type = sheets[t("rules.by_type_title", lang)]
    assert by_type[field_label("inquiry_type", lang)].to_list() == [
        label("inquiry_type", "complaint", lang)
    ]
    # who documented: A1 1 and 3 by HR (2), A2 4 by the employee, 5 unknown
    documented_by = sheets[field_label("documented_by", lang)]
    rows = {
        (r[t("filters.unit", lang)], r[field_label("documented_by", lang)]): r[
            metric_label("documented", lang)
        ]
        for r in documented_by.iter_rows(named=True)
    }
    assert rows[("A1", label("documented_by", "hr", lang))] == "<5"
    assert rows[("A2", label("documented_by", "employee", lang))] == "<5"
    assert ("A2", t("common.unknown", lang)) in rows
    assert field_label("documentation_form", lang) in sheets
