"""Every query in dashboard/sql/ on the hand-built fixture store, against hand-computed values."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboard import queries
from dashboard.metrics.filters import ALL, Filters, Scope, query_params
from dashboard.metrics.inquiries import inquiry_metrics
from tests.metrics.fixture import fixture_store

EXTRACT = date(2024, 3, 11)


@pytest.fixture(scope="module")
def con():
    c = fixture_store()
    yield c
    c.close()


def params(by: str = "unit", filters: Filters | None = None, scope: Scope = ALL) -> dict:
    return query_params(
        filters or Filters(),
        scope,
        group_by=by,
        work_accident_days=9,
        extract_date=EXTRACT,
        limit=100,
        search="",
        incident_id="",
    )


def by_unit(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["unit"]: row for row in frame.iter_rows(named=True)}


@pytest.mark.parametrize("name", queries.names())
def test_every_query_runs_and_documents_itself(con, name: str) -> None:
    query = queries.load(name)
    for heading in ("Purpose:", "Parameters:", "Grain:"):
        assert heading in query.header, f"{name}.sql lacks a {heading} line in its header"
    frame = queries.run(con, name, params())
    assert isinstance(frame, pl.DataFrame)


def test_unknown_query_is_a_clear_error() -> None:
    with pytest.raises(queries.UnknownQueryError, match="no query 'nope'"):
        queries.load("nope")


def test_missing_parameter_is_a_clear_error(con) -> None:
    with pytest.raises(queries.MissingParameterError, match="group_by"):
        queries.run(
            con, "incident_delays_by_group", {k: v for k, v in params().items() if k != "group_by"}
        )


def test_outcomes_by_group_stratum(con) -> None:
    frame = queries.run(con, "incident_outcomes_by_group_stratum", params())
    totals = frame.group_by("unit").agg(
        pl.exclude("department", "harassment_type", "severity").sum()
    )
    got = by_unit(totals)
    # (incidents, police known, police, warning known, warnings, wa known, wa, doc known, documented,
    #  police without prior warning, work accidents within 9 days)
    expected = {
        "A1": (3, 3, 2, 3, 1, 3, 1, 3, 2, 1, 1),
        "A2": (2, 1, 1, 2, 2, 2, 1, 2, 2, 1, 0),
        "B1": (3, 3, 1, 3, 2, 3, 1, 2, 1, 0, 1),
    }
    columns = [
        "incidents",
        "police_report_known",
        "police_reports",
        "warning_known",
        "warnings",
        "work_accident_known",
        "work_accidents",
        "documentation_known",
        "documented",
        "police_without_prior_warning",
        "work_accidents_within_deadline",
    ]
    for unit, values in expected.items():
        assert tuple(got[unit][c] for c in columns) == values, unit
    # a missing severity is its own stratum
    assert ("violence", "unknown") in set(frame.select("harassment_type", "severity").iter_rows())


def test_delays_by_group(con) -> None:
    got = by_unit(queries.run(con, "incident_delays_by_group", params()))
    # A1: police after 9 and 5 days -> median 7, p90 = 5 + 0.9 * (9 - 5) = 8.6
    assert got["A1"]["days_to_police_report_median"] == 7
    assert got["A1"]["days_to_police_report_p90"] == pytest.approx(8.6)
    assert got["A1"]["days_to_work_accident_median"] == 5
    assert got["A2"]["days_to_police_report_median"] == 0
    assert got["A2"]["days_to_work_accident_median"] == 14
    assert got["B1"]["days_to_work_accident_median"] == 8
    assert got["B1"]["days_warning_to_police_median"] == 5  # warned 03-05, reported 03-10


def test_by_department_groups_units_together(con) -> None:
    frame = queries.run(con, "incident_outcomes_by_group_stratum", params("department"))
    assert frame["unit"].null_count() == frame.height
    assert dict(frame.group_by("department").agg(pl.col("incidents").sum()).iter_rows()) == {
        "A": 5,
        "B": 3,
    }


def test_inquiry_durations_by_group(con) -> None:
    frame = queries.run(con, "inquiry_durations_by_group", params())
    rows = sorted(
        (r["unit"], r["days"], r["answered"], r["past_deadline"], r["inquiries"])
        for r in frame.iter_rows(named=True)
    )
    assert rows == [
        ("A1", 9, True, False, 1),  # Q1 answered 01-10, deadline 01-29
        ("A1", 10, False, False, 1),  # Q3 open: 03-11 minus 03-01; deadline 03-22 not passed
        ("A1", 19, True, True, 1),  # Q2 answered 01-20 after its deadline 01-08
        ("B1", 2, True, False, 1),  # Q4 answered 02-03, deadline 02-08
        ("B1", 30, False, True, 1),  # Q5 open since 02-10 (2024 is a leap year), overdue
    ]


def test_inquiry_metrics_from_the_durations(con) -> None:
    got = by_unit(inquiry_metrics(queries.run(con, "inquiry_durations_by_group", params())))
    a1, b1 = got["A1"], got["B1"]
    assert (a1["inquiries"], a1["answered"], a1["open"], a1["open_overdue"]) == (3, 2, 1, 0)
    assert (b1["inquiries"], b1["answered"], b1["open"], b1["open_overdue"]) == (2, 1, 1, 1)
    # A1 answered in 9 and 19 days: median 14, p90 9 + 0.9 * 10 = 18 (type 7)
    assert a1["median_response_days"] == 14 and a1["p90_response_days"] == pytest.approx(18.0)
    assert (a1["answered_within_deadline"], b1["answered_within_deadline"]) == (1, 1)
    # Kaplan–Meier: A1 events at 9 (3 at risk: S = 2/3) and 19 (1 at risk: S = 0) -> 19
    assert a1["km_median_response_days"] == 19
    # B1: event at 2 (2 at risk: S = 1/2), flat at 1/2 to the open one's 30 days: survfit's
    # midpoint rule (survival's R/quantile.survfit.R) -> (2 + 30)/2 = 16
    assert b1["km_median_response_days"] == 16


def test_monthly_and_extract_date(con) -> None:
    monthly = queries.run(con, "incident_monthly", params())
    assert monthly.select("month", "incidents", "police_reports").rows() == [
        (date(2024, 1, 1), 3, 2),
        (date(2024, 2, 1), 2, 1),
        (date(2024, 3, 1), 3, 1),
    ]
    assert (
        queries.run(con, "extract_date", query_params(Filters(), ALL))["extract_date"][0] == EXTRACT
    )


def test_filters_narrow_the_rows(con) -> None:
    violence = Filters(types=("violence",))
    frame = queries.run(con, "incident_outcomes_by_group_stratum", params(filters=violence))
    assert frame["incidents"].sum() == 3
    february = Filters(date_from=date(2024, 2, 1), date_to=date(2024, 2, 29))
    assert queries.run(con, "incident_monthly", params(filters=february))[
        "incidents"
    ].to_list() == [2]
    high = Filters(severities=("high",), departments=("A",))
    assert (
        queries.run(con, "incident_outcomes_by_group_stratum", params(filters=high))[
            "incidents"
        ].sum()
        == 2
    )


def test_scope_is_enforced_whatever_the_filters(con) -> None:
    scope = Scope.restricted(units=("A1",))
    asking_for_b = Filters(departments=("B",))
    assert queries.run(
        con, "incident_outcomes_by_group_stratum", params(filters=asking_for_b, scope=scope)
    ).is_empty()
    frame = queries.run(con, "inquiry_durations_by_group", params(scope=scope))
    assert set(frame["unit"]) == {"A1"}
    dept_scope = Scope.restricted(departments=("B",))
    assert set(queries.run(con, "incident_delays_by_group", params(scope=dept_scope))["unit"]) == {
        "B1"
    }


def test_period_totals_equal_the_report_headline(con) -> None:
    from dashboard.metrics.headline import headline, headline_from_totals
    from dashboard.metrics.report import build_report

    for filters in (Filters(), Filters(types=("violence",)), Filters(departments=("B",))):
        totals = queries.run(con, "period_totals", params(filters=filters))
        report = build_report(con, filters, work_accident_days=9, extract_on=EXTRACT)
        assert headline_from_totals(totals).counts == headline(report).counts
    # by hand: 8 incidents, 4 police reports of 7 known, 2 without prior warning; 2 open, 1 overdue
    h = headline_from_totals(queries.run(con, "period_totals", params()))
    assert (h.incidents, h.police_reports, h.police_without_prior_warning) == (8, 4, 2)
    assert h.police_report_rate == pytest.approx(4 / 7)
    assert (h.inquiries, h.open, h.open_overdue) == (5, 2, 1)
    # notified 3 (5 days), 4 (14), 8 (8), no absence: 2 within the 9 days these tests set
    assert (h.work_accidents_within_deadline, h.work_accidents_late) == (2, 1)
    assert h.work_accidents_within_deadline_share == pytest.approx(2 / 3)


@pytest.mark.parametrize("name", queries.names())
def test_the_view_reaches_every_query_as_one_value(name: str) -> None:
    """Filters, scope and settings come in $view; only query-specific values stand alone."""
    assert queries.load(name).parameters <= {"view", "group_by", "limit", "search", "incident_id"}


def test_the_scope_is_applied_in_one_macro() -> None:
    """Only macros.sql's in_scope reads the scope's fields; every query and macro reaches it."""
    from importlib import resources

    macros = (resources.files("dashboard.store") / "macros.sql").read_text(encoding="utf-8")
    code = "\n".join(line for line in macros.splitlines() if not line.lstrip().startswith("--"))
    assert code.count("v['scope_") == 3  # scope_all, scope_departments, scope_units, in in_scope
    for name in queries.names():
        assert "scope_" not in queries.load(name).sql.split("\nSELECT", 1)[-1], name


def test_a_reference_view_counts_the_municipality_and_names_only_the_scope(con) -> None:
    """With ``reference`` set the outcome query counts every department within the other
    filters, but a group outside the viewer's scope (B1, for a scope of department A) comes
    without its names, only a ``peer`` number; its counts are B1's."""
    a_only = Scope.restricted(departments=("A",))
    everything = queries.run(con, "incident_outcomes_by_group_stratum", params())
    reference = queries.run(
        con,
        "incident_outcomes_by_group_stratum",
        query_params(Filters(), a_only, group_by="unit", work_accident_days=9, reference=True),
    )
    named = reference.filter(pl.col("peer").is_null())
    unnamed = reference.filter(pl.col("peer").is_not_null())
    assert set(named["unit"]) == {"A1", "A2"}
    assert unnamed["department"].null_count() == unnamed["unit"].null_count() == unnamed.height
    assert set(unnamed["peer"]) == {1}  # one group outside the scope: B1
    counts = [c for c in everything.columns if c not in ("department", "unit", "peer")]
    b1 = everything.filter(pl.col("unit") == "B1").select(counts).sort(counts)
    assert unnamed.select(counts).sort(counts).equals(b1)
    assert named.drop("peer").equals(everything.filter(pl.col("department") == "A").drop("peer"))
    # the delays never leave the scope, even asked for the reference
    delays = queries.run(
        con,
        "incident_delays_by_group",
        query_params(Filters(), a_only, group_by="unit", work_accident_days=9, reference=True),
    )
    assert set(delays["unit"]) == {"A1", "A2"}


def test_the_extract_date_is_the_latest_date_within_the_scope(con) -> None:
    """Department A's latest date is inquiry Q3's receipt (03-01); the municipality's is
    incident 8's notification in B (03-11), which A must not learn."""
    a_only = Scope.restricted(departments=("A",))
    result = queries.run(con, "extract_date", query_params(Filters(), a_only))
    assert result["extract_date"][0] == date(2024, 3, 1) < EXTRACT
