"""The Response times, Equal treatment and Incidents pages under AppTest: they render in both
languages without an exception or error box, their headline figures are the metrics layer's
(computed here independently on the same demo store and formatted the same way), and a
filter, an outcome or a search changes them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dashboard import store
from dashboard.components.text import literal, literal_t
from dashboard.formatting import format_count, format_number, format_percent
from dashboard.i18n import Lang, field_label, group_words, label, metric_label, t
from dashboard.metrics.filters import Filters
from dashboard.metrics.findings import finding_sentence, format_p
from dashboard.metrics.report import MetricsReport, build_report

DEPT = "Socialforvaltningen"
OTHER_DEPT = "Teknik- og Miljøforvaltningen"
SUPPRESS_BELOW = 5  # the default of DASHBOARD_SUPPRESS_BELOW


@pytest.fixture(scope="module")
def demo_con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = store.connect(demo_db)
    yield con
    con.close()


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def count(value: int, lang: Lang) -> str:
    return format_count(value, lang, small=0 < value < SUPPRESS_BELOW, threshold=SUPPRESS_BELOW)


def set_lang(at, lang: Lang):
    return at.segmented_control(key="lang").set_value(lang).run()


# --------------------------------------------------------------------------- response times


def expected_inquiry_figures(report: MetricsReport, lang: Lang) -> dict[str, str]:
    inq = report.inquiries
    # decided: the answered, and the open past their deadline (late)
    decided = int(inq["answered"].sum()) + int(inq["open_overdue"].sum())
    return {
        metric_label("inquiries", lang): count(int(inq["inquiries"].sum()), lang),
        metric_label("open", lang): count(int(inq["open"].sum()), lang),
        metric_label("open_overdue", lang): count(int(inq["open_overdue"].sum()), lang),
        # withheld when a total it is computed from is from 1 to 4 (it would give it back)
        metric_label("share_within_deadline", lang): format_percent(
            None
            if any(
                0 < int(inq[c].sum()) < 5
                for c in ("answered", "open_overdue", "answered_within_deadline")
            )
            else int(inq["answered_within_deadline"].sum()) / decided,
            lang,
        ),
    }


def test_response_times(app, demo_con) -> None:
    at = app("response_times.py")
    assert_clean(at)
    everyone = build_report(demo_con, by="unit", unsuppressed=True)
    assert metrics(at) == expected_inquiry_figures(everyone, "da")
    assert at.title[0].value == t("nav.response_times", "da")
    assert any(t("response_times.km_why", "da") == i.value for i in at.info)
    assert len(at.get("vega_lite_chart")) == 3  # within deadline, response days, Kaplan–Meier

    # the breakdown by inquiry type: one row per type present, labelled in Danish
    by_type = at.dataframe[1].value
    assert sorted(by_type[field_label("inquiry_type", "da")].tolist()) == sorted(
        label("inquiry_type", v, "da") for v in everyone.inquiries_by_type["inquiry_type"]
    )
    # the open list: one row per open inquiry, most overdue first, with localised headers
    open_list = at.dataframe[2].value
    assert len(open_list) == int(everyone.inquiries["open"].sum())
    overdue = [v for v in open_list["days_overdue"].tolist() if v == v]  # NaN: not overdue
    assert overdue == sorted(overdue, reverse=True)
    assert len(overdue) == int(everyone.inquiries["open_overdue"].sum())

    at = set_lang(at, "en")
    assert_clean(at)
    assert at.title[0].value == t("nav.response_times", "en")
    assert metrics(at) == expected_inquiry_figures(everyone, "en")

    at.multiselect(key="dept").set_value([DEPT]).run()
    assert_clean(at)
    one_department = build_report(
        demo_con, Filters(departments=(DEPT,)), by="unit", unsuppressed=True
    )
    assert metrics(at) == expected_inquiry_figures(one_department, "en")
    assert metrics(at) != expected_inquiry_figures(everyone, "en")

    # the inquiry-type filter: only the ombudsman's requests
    at.multiselect(key="itype").set_value(["ombudsman"]).run()
    assert_clean(at)
    ombudsman = build_report(
        demo_con,
        Filters(departments=(DEPT,), inquiry_types=("ombudsman",)),
        by="unit",
        unsuppressed=True,
    )
    assert metrics(at) == expected_inquiry_figures(ombudsman, "en")
    assert ombudsman.inquiries_by_type["inquiry_type"].to_list() == ["ombudsman"]


# --------------------------------------------------------------------------- equal treatment


def expected_outcome_figures(report: MetricsReport, outcome: str, lang: Lang) -> dict[str, str]:
    result = report.equal_treatment[f"{outcome}_rate"]
    counts = {
        "police_report": ("police_reports", "police_report_known"),
        "warning": ("warnings", "warning_known"),
    }[outcome]
    inc = report.focus_incidents
    return {
        metric_label(f"{outcome}_rate", lang): format_percent(
            int(inc[counts[0]].sum()) / int(inc[counts[1]].sum()), lang
        ),
        t("equal_treatment.groups_compared", lang, **group_words("unit", lang)): format_number(
            result["groups"], lang
        ),
        t("verdict.named", lang): format_number(len(result["verdicts"]), lang),
        t("equal_treatment.chi2_p", lang): format_p(result["reported_p_value"], lang),
    }


def test_equal_treatment(app, demo_con) -> None:
    at = app("equal_treatment.py")
    assert_clean(at)
    everyone = build_report(demo_con, by="unit", unsuppressed=True)
    assert metrics(at) == expected_outcome_figures(everyone, "police_report", "da")
    # the planted unit is named with its figures, the chi-square result is said in words
    police_findings = [f for f in everyone.findings if f.outcome == "police_report"]
    assert police_findings
    shown = "\n".join(m.value for m in at.markdown)
    for finding in police_findings:
        assert literal(finding_sentence(finding, "da")) in shown  # escaped for Markdown
    assert len(at.dataframe) == 3  # how the verdict was reached, chi-square, CMH per group
    assert len(at.get("vega_lite_chart")) == 1  # the funnel plot
    assert len(at.dataframe[2].value) == everyone.equal_treatment["police_report_rate"]["groups"]

    at = set_lang(at, "en")
    assert_clean(at)
    assert metrics(at) == expected_outcome_figures(everyone, "police_report", "en")
    at.segmented_control(key="outcome").set_value("warning").run()
    assert_clean(at)
    assert metrics(at) == expected_outcome_figures(everyone, "warning", "en")

    at.multiselect(key="dept").set_value([DEPT]).run()
    assert_clean(at)
    one_department = build_report(
        demo_con, Filters(departments=(DEPT,)), by="unit", unsuppressed=True
    )
    assert metrics(at) == expected_outcome_figures(one_department, "warning", "en")
    assert metrics(at) != expected_outcome_figures(everyone, "warning", "en")


def test_equal_treatment_outcome_link_is_canonical(app, demo_con) -> None:
    """The outcome goes into the link as its canonical name, not the displayed label, so a
    link made in Danish opens the same outcome in English (issue 17)."""
    at = app("equal_treatment.py")
    at.segmented_control(key="outcome").set_value("warning").run()
    assert_clean(at)
    assert at.query_params["outcome"] == "warning"
    everyone = build_report(demo_con, by="unit", unsuppressed=True)
    assert metrics(at) == expected_outcome_figures(everyone, "warning", "da")
    at = set_lang(at, "en")
    assert at.query_params["outcome"] == "warning"
    assert metrics(at) == expected_outcome_figures(everyone, "warning", "en")

    # a shared link opened in a new session, in the other language
    shared = app("equal_treatment.py", outcome="warning", lang="en")
    assert_clean(shared)
    assert shared.segmented_control(key="outcome").value == "warning"
    assert metrics(shared) == expected_outcome_figures(everyone, "warning", "en")
    # back at the default, the link names no outcome
    shared.segmented_control(key="outcome").set_value("police_report").run()
    assert "outcome" not in shared.query_params


# --------------------------------------------------------------------------- incidents


def showing(shown: int, total: int, lang: Lang) -> str:
    return t("incidents.showing", lang, shown=count(shown, lang), total=count(total, lang))


def test_incidents(app, demo_con) -> None:
    at = app("incidents.py")
    assert_clean(at)
    total = int(build_report(demo_con, unsuppressed=True).incidents["incidents"].sum())
    captions = [c.value for c in at.caption]
    assert showing(min(total, 1000), total, "da") in captions
    assert len(at.dataframe[0].value) == min(total, 1000)

    # searching for a department finds exactly that department's incidents
    at.text_input(key="q").set_value(DEPT.lower()).run()
    assert_clean(at)
    in_dept = int(
        build_report(demo_con, Filters(departments=(DEPT,)), unsuppressed=True)
        .focus_incidents["incidents"]
        .sum()
    )
    assert showing(min(in_dept, 1000), in_dept, "da") in [c.value for c in at.caption]
    assert set(at.dataframe[0].value["department"]) == {DEPT}

    at = set_lang(at, "en")
    assert_clean(at)
    assert showing(min(in_dept, 1000), in_dept, "en") in [c.value for c in at.caption]


def test_incident_opened_from_the_url(app, demo_con) -> None:
    incident_id, department = store.fetch_one(
        demo_con,
        "SELECT incident_id, department FROM incidents WHERE department = $d "
        "AND police_reported ORDER BY incident_id LIMIT 1",
        {"d": DEPT},
    )  # type: ignore[misc]
    at = app("incidents.py")
    at.query_params["incident"] = incident_id
    at.run()
    assert_clean(at)
    assert literal_t("incidents.detail_title", "da", id=incident_id) in [
        s.value for s in at.subheader
    ]
    assert at.get("vega_lite_chart"), "no timeline chart"
    facts = at.dataframe[1].value
    assert incident_id in facts.iloc[:, 1].tolist() and department in facts.iloc[:, 1].tolist()

    # outside the filters (and so outside what a restricted viewer may see): not shown
    at.multiselect(key="dept").set_value([OTHER_DEPT]).run()
    assert_clean(at)
    assert literal_t("incidents.not_found", "da", id=incident_id) in [w.value for w in at.warning]


def test_equal_treatment_shows_the_adjusted_p_value_next_to_the_group(app) -> None:
    """Issue 17: "Justeret p-værdi", which the page says to use, was off-screen at 1280 px."""
    for lang in ("da", "en"):
        at = app("equal_treatment.py", lang=lang)
        assert_clean(at)
        adjusted = t("equal_treatment.p_adjusted", lang)
        [cmh] = [d for d in at.dataframe if adjusted in d.value.columns]
        order = list(cmh.proto.column_order)
        assert order[:2] == [field_label("unit", lang), adjusted]
        assert set(order) == set(cmh.value.columns)
