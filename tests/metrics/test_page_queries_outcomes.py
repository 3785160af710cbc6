"""The queries and metrics helpers of the Police reports, Warnings, Work accidents and
Documentation pages, on the hand-built fixture store (see its docstring for every incident)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboard import queries, store
from dashboard.metrics import outcomes, registry, views
from dashboard.metrics.filters import ALL, Filters, Scope, query_params
from dashboard.metrics.report import build_report
from tests.metrics.fixture import fixture_store

EXTRACT = date(2024, 3, 11)


def d(month: int, day: int) -> date:
    return date(2024, month, day)


@pytest.fixture(scope="module")
def con():
    c = fixture_store()
    yield c
    c.close()


@pytest.fixture(scope="module")
def edited():
    """The fixture store with decision makers, documentation forms and two edge cases of the
    prior-warning rule set by hand:

    * decided_by: 1 manager, 3 legal, 4 manager, 7 unknown (null);
    * documentation_form: 1 screenshot, 3 witness_statement, 4 screenshot, 5 unknown (null),
      7 saved_email, and 2 screenshot although 2 is not documented (so it must not count);
    * incident 5 is reported to the police with no report date; its warning has no date either,
      so whether it was warned first is unknown;
    * incident 7's report date is removed; its warning is dated (03-05), but with the report
      undated their order cannot be told: unknown too.
    """
    c = fixture_store()
    for sql in (
        "UPDATE incidents SET decided_by = 'legal' WHERE incident_id = '3'",
        "UPDATE incidents SET decided_by = NULL, police_reported_on = NULL WHERE incident_id = '7'",
        "UPDATE incidents SET police_reported = true WHERE incident_id = '5'",
        "UPDATE incidents SET documentation_form = 'screenshot' WHERE incident_id IN ('1', '2', '4')",
        "UPDATE incidents SET documentation_form = 'witness_statement' WHERE incident_id = '3'",
        "UPDATE incidents SET documentation_form = 'saved_email' WHERE incident_id = '7'",
    ):
        c.execute(sql)
    store.refresh_summaries(c)  # edited behind the store's back: rebuild what it derives
    yield c
    c.close()


def params(
    by: str = "unit", filters: Filters | None = None, scope: Scope = ALL, limit: int = 100
) -> dict:
    return query_params(
        filters or Filters(),
        scope,
        group_by=by,
        work_accident_days=9,
        extract_date=EXTRACT,
        limit=limit,
    )


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    return frame.select(columns).rows()


# --------------------------------------------------------------------------- police_without_prior_warning


def test_police_without_prior_warning_lists_the_incidents_newest_first(con) -> None:
    # Reported: 1 (warned 01-05 before 01-10), 3 (no warning), 4 (warned 02-05, after the
    # report on 02-01), 7 (warned 03-05 before 03-10) -> 4 and 3, newest first.
    frame = queries.run(con, "police_without_prior_warning", params())
    assert frame.columns[:11] == [
        "incident_id", "department", "unit", "occurred_on", "harassment_type", "severity",
        "channel", "warning_given", "warning_on", "police_reported_on", "decided_by",
    ]  # fmt: skip
    assert rows(
        frame,
        "incident_id",
        "unit",
        "occurred_on",
        "warning_given",
        "warning_on",
        "police_reported_on",
    ) == [
        ("4", "A2", d(2, 1), True, d(2, 5), d(2, 1)),
        ("3", "A1", d(1, 15), False, None, d(1, 20)),
    ]
    assert rows(frame, "harassment_type", "severity", "channel", "decided_by") == [
        ("violence", "high", "email", "manager"),
        ("violence", "high", "email", "manager"),
    ]
    # the timeline's dates come along: both were notified as work accidents
    assert rows(frame, "work_accident_reported_on", "documented") == [
        (d(2, 15), True),
        (d(1, 20), True),
    ]


def test_police_without_prior_warning_limit_filters_and_scope(con) -> None:
    assert queries.run(con, "police_without_prior_warning", params(limit=1))[
        "incident_id"
    ].to_list() == ["4"]
    only_b = Filters(departments=("B",))
    assert queries.run(con, "police_without_prior_warning", params(filters=only_b)).is_empty()
    january = Filters(date_from=d(1, 1), date_to=d(1, 31))
    assert queries.run(con, "police_without_prior_warning", params(filters=january))[
        "incident_id"
    ].to_list() == ["3"]
    a1_only = Scope.restricted(units=("A1",))
    got = queries.run(
        con,
        "police_without_prior_warning",
        params(filters=Filters(departments=("A",)), scope=a1_only),
    )
    assert got["incident_id"].to_list() == ["3"]


def test_police_without_prior_warning_edge_cases(edited) -> None:
    # 5: reported, undated report, undated warning -> unknown; 7: undated report, dated
    # warning -> unknown: neither is listed as without, and each is counted as unknown
    frame = queries.run(edited, "police_without_prior_warning", params())
    assert frame["incident_id"].to_list() == ["4", "3"]
    counted = queries.run(edited, "incident_outcomes_by_group_stratum", params())
    per_unit = counted.group_by("unit").agg(
        pl.col("police_prior_warning_unknown").sum(), pl.col("police_with_prior_warning").sum()
    )
    assert dict(per_unit.select("unit", "police_prior_warning_unknown").rows()) == {
        "A1": 0,
        "A2": 1,
        "B1": 1,
    }
    # with a prior warning: only 1 (warned 01-05, reported 01-10)
    assert dict(per_unit.select("unit", "police_with_prior_warning").rows()) == {
        "A1": 1,
        "A2": 0,
        "B1": 0,
    }


@pytest.mark.parametrize("store", ["con", "edited"])
def test_police_without_prior_warning_agrees_with_the_stratum_counts(store, request) -> None:
    c = request.getfixturevalue(store)
    listed = queries.run(c, "police_without_prior_warning", params())
    counted = queries.run(c, "incident_outcomes_by_group_stratum", params())
    per_unit = dict(
        counted.group_by("unit").agg(pl.col("police_without_prior_warning").sum()).iter_rows()
    )
    assert dict(listed.group_by("unit").len().iter_rows()) == {
        u: n for u, n in per_unit.items() if n
    }


# --------------------------------------------------------------------------- police_decided_by


def test_police_decided_by(con, edited) -> None:
    # every police report of the fixture was decided by a manager: A1 1 and 3, A2 4, B1 7
    assert rows(
        queries.run(con, "police_decided_by", params()), "unit", "decided_by", "police_reports"
    ) == [
        ("A1", "manager", 2),
        ("A2", "manager", 1),
        ("B1", "manager", 1),
    ]
    by_department = queries.run(con, "police_decided_by", params("department"))
    assert rows(by_department, "department", "unit", "decided_by", "police_reports") == [
        ("A", None, "manager", 3),
        ("B", None, "manager", 1),
    ]
    # edited: 3 legal, 7 unknown, 5 now reported without a decision maker
    assert rows(
        queries.run(edited, "police_decided_by", params()), "unit", "decided_by", "police_reports"
    ) == [
        ("A1", "legal", 1),
        ("A1", "manager", 1),
        ("A2", "manager", 1),
        ("A2", None, 1),
        ("B1", None, 1),
    ]


def test_police_decided_by_sums_to_the_police_reports(edited) -> None:
    decided = queries.run(edited, "police_decided_by", params("department"))
    counted = queries.run(edited, "incident_outcomes_by_group_stratum", params("department"))
    assert dict(
        decided.group_by("department").agg(pl.col("police_reports").sum()).iter_rows()
    ) == dict(counted.group_by("department").agg(pl.col("police_reports").sum()).iter_rows())


# --------------------------------------------------------------------------- documentation_forms


def test_documentation_forms(con, edited) -> None:
    # documented: 1, 3 (A1), 4, 5 (A2), 7 (B1); 8 unknown and 2, 6 not documented
    assert rows(
        queries.run(con, "documentation_forms", params()),
        "unit",
        "documentation_form",
        "documented",
    ) == [
        ("A1", None, 2),
        ("A2", None, 2),
        ("B1", None, 1),
    ]
    assert rows(
        queries.run(edited, "documentation_forms", params()),
        "unit",
        "documentation_form",
        "documented",
    ) == [
        ("A1", "screenshot", 1),
        ("A1", "witness_statement", 1),
        ("A2", "screenshot", 1),
        ("A2", None, 1),
        ("B1", "saved_email", 1),
    ]
    by_department = queries.run(edited, "documentation_forms", params("department"))
    assert rows(by_department, "department", "documentation_form", "documented") == [
        ("A", "screenshot", 2),  # 1 and 4; 2 has a form but is not documented
        ("A", "witness_statement", 1),
        ("A", None, 1),
        ("B", "saved_email", 1),
    ]


def test_documentation_forms_filters(edited) -> None:
    violence = Filters(types=("violence",))  # 3, 4 documented; 8 unknown
    frame = queries.run(edited, "documentation_forms", params(filters=violence))
    assert rows(frame, "unit", "documentation_form", "documented") == [
        ("A1", "witness_statement", 1),
        ("A2", "screenshot", 1),
    ]


# --------------------------------------------------------------------------- metrics helpers


@pytest.fixture(scope="module")
def report(con):
    # 13 days, so that incident 4 (notified 14 days after it, no absence) is late
    return build_report(
        con, by="unit", extract_on=EXTRACT, work_accident_days=13, unsuppressed=True
    )


def test_outcome_totals(report) -> None:
    police = outcomes.outcome_totals(report.incidents, "police_report")
    # police known for 7 of 8 (5 unknown), reported 1, 3, 4, 7
    assert (police.incidents, police.count, police.known, police.unknown) == (8, 4, 7, 1)
    assert police.rate == pytest.approx(4 / 7)
    assert police.prior_warning_share == pytest.approx(2 / 4)  # 1 and 7 warned before
    work = outcomes.outcome_totals(report.incidents, "work_accident")
    # no absence anywhere, so the deadline runs from the incident date: notified 3 (5 days),
    # 4 (14 days), 8 (8 days): 2 of 3 within 13 days
    assert (work.count, work.known) == (3, 8)
    assert work.within_deadline_share == pytest.approx(2 / 3)
    documentation = outcomes.outcome_totals(report.incidents, "documentation")
    assert (documentation.count, documentation.known, documentation.unknown) == (5, 7, 1)


def test_outcome_totals_of_nothing() -> None:
    empty = outcomes.outcome_totals(
        pl.DataFrame(schema={c: pl.Int64 for c in [*_TOTAL_COLUMNS, *registry.COUNT_COLUMNS]}),
        "warning",
    )
    assert (empty.count, empty.rate, empty.prior_warning_share, empty.within_deadline_share) == (
        0,
        None,
        None,
        None,
    )


_TOTAL_COLUMNS = [
    "incidents", "warnings", "warning_known", "police_reports", "police_without_prior_warning",
    "work_accidents", "work_accidents_within_deadline",
]  # fmt: skip


def test_rate_points(report) -> None:
    points = outcomes.rate_points(report.incidents, "police_report", "unit")
    assert points.columns == [
        "unit", "police_report_rate", "police_report_rate_ci_low", "police_report_rate_ci_high",
        "police_report_verdict", "focus", "n",
    ]  # fmt: skip
    # A1 2 of 3, A2 1 of 1 (5 unknown), B1 1 of 3
    assert rows(points, "unit", "n") == [("A1", 3), ("A2", 1), ("B1", 3)]
    assert points["police_report_rate"].to_list() == pytest.approx([2 / 3, 1.0, 1 / 3])


def test_delay_and_gap_points(report) -> None:
    police = outcomes.delay_points(report.incidents, "police_report", "unit")
    # A1: 9 and 5 days -> median 7, p90 8.6; A2: 0 days; B1: 9 days (7: 03-01 to 03-10)
    assert rows(police, "unit", "days_to_police_report_median", "n") == [
        ("A1", 7.0, 2),
        ("A2", 0.0, 1),
        ("B1", 9.0, 1),
    ]
    assert police["days_to_police_report_p90"][0] == pytest.approx(8.6)
    work = outcomes.delay_points(report.incidents, "work_accident", "unit")
    assert rows(work, "unit", "days_to_work_accident_median") == [
        ("A1", 5.0),
        ("A2", 14.0),
        ("B1", 8.0),
    ]
    with pytest.raises(ValueError, match="delays"):
        outcomes.delay_points(report.incidents, "warning", "unit")
    # warned before the report: 1 (5 days, A1) and 7 (5 days, B1)
    gaps = outcomes.warning_to_police_points(report.incidents, "unit")
    assert rows(gaps, "unit", "days_warning_to_police_median", "n") == [
        ("A1", 5.0, 1),
        ("B1", 5.0, 1),
    ]


def test_within_deadline_points(report) -> None:
    within = outcomes.within_deadline_points(report.incidents, "unit")
    # A1: 3 in 5 days; A2: 4 in 14 days (late); B1: 8 in 8 days
    assert rows(within, "unit", "work_accidents_within_deadline_share", "n") == [
        ("A1", 1.0, 1),
        ("A2", 0.0, 1),
        ("B1", 1.0, 1),
    ]


def test_prior_warning_shares(report) -> None:
    labels = {
        "police_with_prior_warning": "before",
        "police_without_prior_warning": "not",
        "police_prior_warning_unknown": "?",
    }
    shares = outcomes.prior_warning_shares(report.incidents, "unit", labels)
    # A1: 1 with (incident 1), 1 without (3); A2: 4 without; B1: 7 with
    assert rows(shares, "unit", "warning_given", "police_reports", "share", "n") == [
        ("A1", "before", 1, 0.5, 2),
        ("A1", "not", 1, 0.5, 2),
        ("A1", "?", 0, 0.0, 2),
        ("A2", "before", 0, 0.0, 1),
        ("A2", "not", 1, 1.0, 1),
        ("A2", "?", 0, 0.0, 1),
        ("B1", "before", 1, 1.0, 1),
        ("B1", "not", 0, 0.0, 1),
        ("B1", "?", 0, 0.0, 1),
    ]


def test_a_group_with_every_share_hidden_is_not_an_empty_bar(report) -> None:
    """A group whose parts are all hidden (small counts) would draw as an empty bar, read
    as 0 %: it is left out. Here B1's parts are nulled as suppression would."""
    labels = {c: c for c in registry.POLICE_REPORT.partition}
    hidden = report.incidents.with_columns(
        pl.when(pl.col("unit") == "B1").then(None).otherwise(pl.col(c)).alias(c)
        for c in registry.POLICE_REPORT.partition
    )
    shares = outcomes.prior_warning_shares(hidden, "unit", labels)
    assert shares["unit"].unique(maintain_order=True).to_list() == ["A1", "A2"]
    # one part hidden is not all: A1 keeps its three rows, the hidden one without a share
    one = report.incidents.with_columns(
        pl.when(pl.col("unit") == "A1")
        .then(None)
        .otherwise(pl.col("police_with_prior_warning"))
        .alias("police_with_prior_warning")
    )
    a1 = outcomes.prior_warning_shares(one, "unit", labels).filter(pl.col("unit") == "A1")
    assert a1["share"].to_list() == [None, 0.5, 0.0]


def test_category_shares(edited) -> None:
    frame = queries.run(edited, "police_decided_by", params())
    shares = outcomes.category_shares(frame, "unit", category="decided_by", count="police_reports")
    assert rows(shares, "unit", "decided_by", "share") == [
        ("A1", "legal", 0.5),
        ("A1", "manager", 0.5),
        ("A2", "manager", 0.5),
        ("A2", None, 0.5),
        ("B1", None, 1.0),
    ]
    by_department = queries.run(edited, "documentation_forms", params("department"))
    shares = outcomes.category_shares(
        by_department, "department", category="documentation_form", count="documented"
    )
    assert shares.filter(pl.col("department") == "A")["share"].to_list() == [0.5, 0.25, 0.25]
    empty = outcomes.category_shares(
        frame.clear(), "unit", category="decided_by", count="police_reports"
    )
    assert empty.is_empty() and empty.columns == ["unit", "decided_by", "police_reports", "share"]


def test_count_cells_hide_small_counts() -> None:
    frame = pl.DataFrame(
        {
            "incidents": [12, 3, 0, None],
            "police_reports": [5, 4, 0, 7],
            "small_counts": [[], ["incidents"], [], []],
        }
    )
    shown = outcomes.count_cells(frame, ["incidents", "police_reports"], "da")
    assert shown["incidents"].to_list() == ["12", "<5", "0", "–"]
    assert shown["police_reports"].to_list() == ["5", "<5", "0", "7"]
    # listed in small_counts wins even when the value itself would not be small (threshold 3)
    listed = outcomes.count_cells(frame, ["incidents"], "en", suppress_below=3)
    assert listed["incidents"].to_list() == ["12", "<3", "0", "–"]
    assert outcomes.count_cells(pl.DataFrame({"n": [1234]}), ["n"], "da")["n"].to_list() == [
        "1.234"
    ]


def test_outcome_table(report) -> None:
    da = outcomes.outcome_table(
        report.incidents,
        "police_report",
        "unit",
        "da",
        extra_counts=["police_without_prior_warning"],
    )
    assert da.columns[:4] == [
        "Enhed",
        "Hændelser",
        "Politianmeldelser",
        "Politianmeldt uden forudgående advarsel",
    ]
    assert da.row(0)[:5] == ("A1", "<5", "<5", "<5", "66,7\u00a0%")
    assert da.row(1)[4] == "100,0\u00a0%"
    en = outcomes.outcome_table(report.incidents, "police_report", "department", "en")
    assert en.columns[0] == "Department"
    assert all(dtype == pl.String for dtype in en.dtypes)


def test_without_warning_rows_are_localised(con) -> None:
    frame = queries.run(con, "police_without_prior_warning", params())
    da = outcomes.without_warning_rows(frame, "da")
    assert da.columns == list(outcomes.without_warning_headers("da"))
    assert rows(da, "harassment_type", "severity", "warning_given") == [
        ("Vold", "Høj", "Ja"),
        ("Vold", "Høj", "Nej"),
    ]
    assert da.schema["occurred_on"] == pl.Date  # the table formats dates, so they sort as dates
    assert outcomes.without_warning_headers("en")["police_reported_on"] == "Police report date"


def test_drill_down_shows_the_selected_incident(con) -> None:
    frame = queries.run(con, "police_without_prior_warning", params())
    assert outcomes.selected_incident(frame, []) is None
    assert outcomes.selected_incident(frame, [5]) is None  # stale selection after the rows changed
    incident = outcomes.selected_incident(frame, [0])
    assert incident is not None and incident["incident_id"] == "4"
    events = views.timeline_events(incident, "en")
    # incident 02-01, police report 02-01, warning 02-05 (after the report), work accident 02-15
    assert sorted(zip(events["on"], events["event"], strict=True)) == [
        (d(2, 1), "Incident"),
        (d(2, 1), "Police report"),
        (d(2, 5), "Warning"),
        (d(2, 15), "Reported as work accident"),
    ]
    facts = dict(views.incident_facts(incident, "da").iter_rows())
    assert facts["Hændelsesdato"] == "01-02-2024"
    assert facts["Advarselsdato"] == "05-02-2024"
    assert facts["Hændelses-ID"] == "4"
