"""The queries and display helpers of the Response times, Equal treatment and Incidents
pages, on the hand-built fixture store (values worked out from tests/metrics/fixture.py)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboard import queries
from dashboard.formatting import format_number, format_ratio
from dashboard.metrics import outcomes, views
from dashboard.metrics.filters import ALL, Filters, Scope, query_params
from dashboard.metrics.findings import format_p
from dashboard.metrics.report import build_report
from tests.metrics.fixture import d, fixture_store

EXTRACT = date(2024, 3, 11)


@pytest.fixture(scope="module")
def con():
    c = fixture_store()
    # Free text to search in (the fixture has none): a note on 2, a case number on 4.
    c.execute(
        "UPDATE incidents SET notes = 'Borger truede med 50% flere klager' WHERE incident_id = '2'"
    )
    c.execute("UPDATE incidents SET case_id = '2024-AbC-17' WHERE incident_id = '4'")
    yield c
    c.close()


@pytest.fixture(scope="module")
def report(con):
    return build_report(con, by="unit", unsuppressed=True)


def params(filters: Filters | None = None, scope: Scope = ALL, **extra) -> dict:
    base = {"extract_date": EXTRACT, "limit": 100, "search": "", "incident_id": ""}
    return query_params(filters or Filters(), scope, work_accident_days=9, **{**base, **extra})


def ids(frame: pl.DataFrame, column: str = "incident_id") -> list[str]:
    return frame[column].to_list()


# --------------------------------------------------------------------------- open inquiries


def test_open_inquiries_at_the_extract_date_most_overdue_first(con) -> None:
    frame = queries.run(con, "open_inquiries", params())
    got = frame.select("inquiry_id", "unit", "days_open", "days_overdue").rows()
    # Q5: received 02-10, deadline 02-17 -> 30 days open, 23 past the deadline;
    # Q3: received 03-01, deadline 03-22 -> 10 days open, not overdue.
    assert got == [("Q5", "B1", 30, 23), ("Q3", "A1", 10, None)]
    assert frame["received_on"].to_list() == [d(2, 10), d(3, 1)]
    assert frame["deadline_on"].to_list() == [d(2, 17), d(3, 22)]


def test_open_inquiries_follow_the_extract_date_filters_scope_and_limit(con) -> None:
    # On 02-05 Q1 (answered 01-10) and Q4 (answered 02-03) are closed; Q2 was answered
    # 01-20; Q3 and Q5 had not been received: nothing is open.
    assert queries.run(con, "open_inquiries", params(extract_date=d(2, 5))).is_empty()
    # On 01-05 Q1 and Q2 are both 4 days open, neither past its deadline (01-29, 01-08);
    # on 01-15 Q1 has been answered (01-10) and Q2 is 14 days open, 7 past its deadline.
    early = queries.run(con, "open_inquiries", params(extract_date=d(1, 5)))
    assert early.select("inquiry_id", "days_open", "days_overdue").rows() == [
        ("Q1", 4, None),
        ("Q2", 4, None),
    ]
    mid = queries.run(con, "open_inquiries", params(extract_date=d(1, 15)))
    assert mid.select("inquiry_id", "days_open", "days_overdue").rows() == [("Q2", 14, 7)]
    assert ids(
        queries.run(con, "open_inquiries", params(Filters(departments=("A",)))), "inquiry_id"
    ) == ["Q3"]
    scoped = queries.run(
        con, "open_inquiries", params(Filters(departments=("B",)), Scope.restricted(units=("A1",)))
    )
    assert scoped.is_empty()
    assert ids(queries.run(con, "open_inquiries", params(limit=1)), "inquiry_id") == ["Q5"]


# --------------------------------------------------------------------------- incident list


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("", ["8", "7", "6", "5", "4", "3", "2", "1"]),  # newest first; same day: higher id first
        ("b1", ["8", "7", "6"]),  # unit, case-insensitive
        ("A2", ["5", "4"]),
        ("3", ["3"]),  # incident id
        ("TRUEDE", ["2"]),  # notes, case-insensitive
        ("50%", ["2"]),  # % is a literal character, not a wildcard
        ("%", ["2"]),  # only the note holds a "%"
        ("5%k", []),  # as a wildcard it would match "50% flere klager"
        ("_", []),
        ("abc-1", ["4"]),  # case number
        ("' OR 1=1 --", []),  # a parameter, never SQL
        ("ingen sådan tekst", []),
    ],
)
def test_incident_list_search(con, search: str, expected: list[str]) -> None:
    frame = queries.run(con, "incident_list", params(search=search))
    assert ids(frame) == expected
    assert queries.run(con, "incident_count", params(search=search))["incidents"][0] == len(
        expected
    )


def test_incident_list_columns_filters_scope_and_limit(con) -> None:
    frame = queries.run(con, "incident_list", params())
    assert set(views.INCIDENT_LIST_COLUMNS) <= set(frame.columns)
    first = frame.row(0, named=True)
    assert (
        first["incident_id"],
        first["occurred_on"],
        first["harassment_type"],
        first["severity"],
    ) == (
        "8",
        d(3, 3),
        "violence",
        None,
    )
    violence = Filters(types=("violence",))
    assert ids(queries.run(con, "incident_list", params(violence))) == ["8", "4", "3"]
    assert queries.run(con, "incident_count", params(violence))["incidents"][0] == 3
    scope = Scope.restricted(departments=("A",))
    assert ids(queries.run(con, "incident_list", params(scope=scope, search="b1"))) == []
    assert queries.run(con, "incident_count", params(scope=scope))["incidents"][0] == 5
    # the limit cuts the list, not the count
    assert ids(queries.run(con, "incident_list", params(limit=2))) == ["8", "7"]
    assert queries.run(con, "incident_count", params())["incidents"][0] == 8


# --------------------------------------------------------------------------- incident detail


def test_incident_detail(con) -> None:
    frame = queries.run(con, "incident_detail", params(incident_id="3"))
    assert frame.height == 1
    row = frame.row(0, named=True)
    assert (row["department"], row["unit"], row["harassment_type"], row["severity"]) == (
        "A",
        "A1",
        "violence",
        "high",
    )
    assert (row["police_reported_on"], row["work_accident_reported_on"], row["warning_given"]) == (
        d(1, 20),
        d(1, 20),
        False,
    )
    assert queries.run(con, "incident_detail", params(incident_id="99")).is_empty()


def test_incident_detail_refuses_an_incident_outside_the_scope(con) -> None:
    b_only = Scope.restricted(units=("B1",))
    assert queries.run(con, "incident_detail", params(scope=b_only, incident_id="3")).is_empty()
    assert ids(queries.run(con, "incident_detail", params(scope=b_only, incident_id="7"))) == ["7"]
    # Filters cannot widen the scope
    asking_for_a = Filters(departments=("A",))
    assert queries.run(
        con, "incident_detail", params(asking_for_a, b_only, incident_id="3")
    ).is_empty()
    # and the filters apply as well
    assert queries.run(
        con, "incident_detail", params(Filters(departments=("B",)), incident_id="3")
    ).is_empty()


# --------------------------------------------------------------------------- views: response times


def test_inquiry_totals(report) -> None:
    totals = views.inquiry_totals(report.inquiries)
    # Q1–Q5: answered Q1, Q2, Q4; open Q3, Q5 (Q5 overdue); within the deadline Q1, Q4;
    # decided: the answered and Q5 (open past its deadline: late); Q3 is still in time
    assert (totals.inquiries, totals.answered, totals.open, totals.open_overdue) == (5, 3, 2, 1)
    assert totals.share_within_deadline == pytest.approx(2 / 4)
    assert totals.share_within_deadline_answered == pytest.approx(2 / 3)
    assert views.inquiry_totals(report.inquiries.clear()).share_within_deadline is None


def test_inquiry_group_table_suppresses_small_counts(con, report) -> None:
    table = views.inquiry_group_table(report.inquiries, "unit", "da")
    assert table.columns[0] == "Enhed"
    a1 = table.row(0, named=True)
    assert a1["Enhed"] == "A1"
    assert a1["Henvendelser"] == "3" and a1["Åbne henvendelser over fristen"] == "0"
    assert a1["Andel inden for fristen"] == "50,0\u00a0%"  # Q1 of Q1, Q2 (Q3 in time)
    assert a1["Andel af de besvarede, besvaret inden for fristen"] == "50,0\u00a0%"
    # A1: the median of answered ones is 14, the Kaplan–Meier median 19 (Q3 open, censored)
    assert a1["Svartid i dage (median)"] == "14,0"
    assert a1["Svartid i dage (median inkl. åbne, Kaplan–Meier)"] == "19,0"
    # its 95 % interval (Brookmeyer–Crowley, log-log; worked out in tests/metrics/test_report.py)
    assert a1["Kaplan–Meier-median, 95\u00a0%-interval (dage)"] == "9,0–ikke nået"
    en = views.inquiry_group_table(report.inquiries, "unit", "en")
    # B1: Q4 answered in time, Q5 open past its deadline (late)
    assert en.row(1, named=True)["Share within the deadline"] == "50.0%"
    assert en.row(1, named=True)["Share of the answered answered within the deadline"] == "100.0%"
    # B1 sits on 1/2 from day 2 to the open inquiry's day 30: survfit's midpoint 16, (2, NA)
    assert (
        en.row(1, named=True)["Response time in days (median incl. open, Kaplan–Meier)"] == "16.0"
    )
    assert en.row(1, named=True)["Kaplan–Meier median, 95% interval (days)"] == "2.0–not reached"
    big = report.inquiries.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("small_counts"))
    assert views.with_chart_n(big, "answered")["n"].to_list() == [2, 1]
    # suppressed, as every page gets it: every count of the fixture is small, so the table
    # shows "<5" and no share or median computed from them, and the tooltips get no n
    shown = build_report(con, by="unit")
    a1 = views.inquiry_group_table(shown.inquiries, "unit", "da").row(0, named=True)
    assert a1["Henvendelser"] == "<5" and a1["Åbne henvendelser over fristen"] == "0"
    assert a1["Andel inden for fristen"] == "–" and a1["Svartid i dage (median)"] == "–"
    assert views.with_chart_n(shown.inquiries, "answered")["n"].to_list() == [None, None]


def test_open_inquiry_rows_translate_the_type(con) -> None:
    rows = views.open_inquiry_rows(queries.run(con, "open_inquiries", params()), "da")
    assert rows["inquiry_type"].to_list() == ["Klage", "Klage"]
    assert rows.schema["received_on"] == pl.Date
    assert views.open_inquiry_headers("en")["days_overdue"] == "Days past the deadline"
    assert views.open_inquiry_headers("da")["deadline_on"] == "Svarfrist"


def test_group_labels() -> None:
    frame = pl.DataFrame(
        {"department": ["A", "B", "C", "D"], "unit": ["Jobcenter", "Jobcenter", None, "Bibliotek"]}
    )
    assert views.with_group_label(frame, "unit")["unit"].to_list() == [
        "Jobcenter (A)",
        "Jobcenter (B)",
        "C",
        "Bibliotek",
    ]
    assert views.with_group_label(frame, "department").equals(frame)


# --------------------------------------------------------------------------- views: equal treatment


def test_chi2_table(report) -> None:
    result = report.equal_treatment["police_report_rate"]
    table = views.chi2_table(result, "unit", "en")
    values = dict(table.iter_rows())
    assert values["Units compared"] == "3"
    assert values["Degrees of freedom"] == "2"
    assert values["Method"] == "Chi-square with Monte Carlo simulation"
    assert values["p-value"] not in ("", "–")


def test_chi2_table_with_the_generalised_cmh_beside_it(report) -> None:
    result = report.tests_with_cmh("police_report_rate")
    adjusted = result["generalised_cmh"]
    for lang, crude, adjusted_header in (
        ("en", "Crude (chi-square)", "Adjusted for type and severity (generalised CMH)"),
        ("da", "Ujusteret (chi-i-anden)", "Justeret for type og alvorlighed (generaliseret CMH)"),
    ):
        table = views.chi2_table(result, "unit", lang)  # type: ignore[arg-type]
        assert table.columns[1:] == [crude, adjusted_header]
        measures = table[table.columns[0]].to_list()
        column = dict(zip(measures, table[adjusted_header].to_list(), strict=True))
        assert column[measures[1]] == format_number(adjusted["statistic"], lang, 2)  # type: ignore[arg-type]
        assert column[measures[2]] == str(adjusted["dof"])
        assert column[measures[3]] == format_p(adjusted["p_value"], lang)  # type: ignore[arg-type]
        alone = views.chi2_table(report.equal_treatment["police_report_rate"], "unit", lang)  # type: ignore[arg-type]
        assert table[crude].to_list()[:4] == alone.to_series(1).to_list()[:4]
    # police reports of the fixture, by hand (strata with two or more incidents):
    # digital/low A1 (1, 1), B1 (0, 1); violence/high A1 (1, 0), A2 (1, 0)
    assert adjusted["strata"] == 2 and adjusted["dof"] == 1


def test_cmh_table_sorted_by_adjusted_p(report) -> None:
    result = report.tests_with_cmh("police_report_rate")
    table = views.cmh_table(result, "unit", "en")
    assert table.columns == [
        "Unit", "Department", "Odds ratio (pooled)", "95% interval", "p-value", "Adjusted p-value",
        "p-value, same odds ratio in all strata (Breslow–Day)",
    ]  # fmt: skip
    assert table.height == 3
    by_adjusted = sorted(
        result["cmh"],
        key=lambda r: (r["p_adjusted"] is None, r["p_adjusted"] or 0.0, r["p_value"] or 0.0),
    )
    assert table.select("Unit", "Department").rows() == [
        (r["unit"], r["department"]) for r in by_adjusted
    ]
    first = by_adjusted[0]
    assert table.row(0)[2] == format_ratio(first["pooled_odds_ratio"], "en")
    assert table.row(0)[5] == format_p(first["p_adjusted"], "en")
    # no unit of the fixture has both outcomes in two strata: no Breslow–Day test ("–")
    assert table["p-value, same odds ratio in all strata (Breslow–Day)"].to_list() == ["–"] * 3
    by_department = views.cmh_table(result, "department", "da")
    assert by_department.columns[:2] == ["Forvaltning", "Odds ratio (samlet)"]


def test_oe_points_curve_and_rate(report) -> None:
    points = views.oe_points(report.incidents, "police_report", "unit")
    assert points.columns == [
        "unit",
        "police_report_expected",
        "police_report_oe",
        "police_report_verdict",
        "focus",
    ]
    # expected counts from tests/metrics/test_report.py: A1 5/3, A2 1, B1 4/3
    assert points["police_report_expected"].to_list() == pytest.approx([5 / 3, 1.0, 4 / 3])
    curve = views.oe_curve(report.incidents, "police_report")
    assert curve is not None and curve["x"].max() == pytest.approx(5 / 3)
    verdict = views.oe_curve(report.incidents, "police_report", report.screenings["police_report"])
    assert verdict is not None and verdict["x"].max() == pytest.approx(5 / 3)
    assert views.oe_curve(report.incidents.clear(), "police_report") is None
    # police reports 4 of 7 known (incident 5 unknown)
    assert outcomes.outcome_totals(report.totals, "police_report").rate == pytest.approx(4 / 7)


# --------------------------------------------------------------------------- views: incidents


def detail(con, incident_id: str) -> dict:
    return queries.run(con, "incident_detail", params(incident_id=incident_id)).row(0, named=True)


def test_timeline_events(con) -> None:
    events = views.timeline_events(detail(con, "1"), "da")
    assert events.rows() == [
        ("Hændelse", d(1, 1)),
        ("Advarsel", d(1, 5)),
        ("Politianmeldelse", d(1, 10)),
    ]
    events = views.timeline_events(detail(con, "4"), "en")
    assert events.rows() == [
        ("Incident", d(2, 1)),
        ("Warning", d(2, 5)),
        ("Police report", d(2, 1)),
        ("Reported as work accident", d(2, 15)),
    ]
    # 5: warned, but without a date; the police report is unknown
    five = detail(con, "5")
    assert views.timeline_events(five, "da").rows() == [("Hændelse", d(2, 2))]
    assert views.undated_steps(five, "da") == ["Advarsel: ja, men datoen mangler"]
    assert views.undated_steps(detail(con, "1"), "da") == []


def test_incident_rows_and_facts_are_translated(con) -> None:
    rows = views.incident_rows(queries.run(con, "incident_list", params()), "da")
    eight = rows.row(0, named=True)
    assert (eight["harassment_type"], eight["severity"], eight["documented"]) == (
        "Vold",
        "Ukendt",
        "Ukendt",
    )
    assert (eight["police_reported"], eight["work_accident_reported"], eight["channel"]) == (
        "Nej",
        "Ja",
        "E-mail",
    )
    assert rows.schema["occurred_on"] == pl.Date
    assert views.incident_headers(["occurred_on"], "en") == {"occurred_on": "Date of incident"}
    facts = dict(views.incident_facts(detail(con, "3"), "da").iter_rows())
    assert facts["Hændelsesdato"] == "15-01-2024"
    assert facts["Alvorlighed"] == "Høj" and facts["Politianmeldt"] == "Ja"
    assert facts["Bemærkninger"] == "–"
    facts_en = dict(views.incident_facts(detail(con, "3"), "en").iter_rows())
    assert facts_en["Date of incident"] == "2024-01-15" and facts_en["Decided by"] == "Manager"


# --------------------------------------------------------------------------- person aliases


def test_people_are_numbered_within_the_list_and_pseudonyms_never_leave_the_store() -> None:
    c = fixture_store()
    # Incidents 8 (newest) .. 1; citizens by hand: 8 and 5 share one, 7 and 2 another.
    refs = {"8": "p_x", "7": "p_y", "5": "p_x", "2": "p_y", "3": "p_z"}
    for incident_id, ref in refs.items():
        c.execute(
            "UPDATE incidents SET citizen_ref = $r, employee_ref = 'p_e' WHERE incident_id = $i",
            {"r": ref, "i": incident_id},
        )
    frame = queries.run(c, "incident_list", params())
    assert "citizen_ref" not in frame.columns and "employee_ref" not in frame.columns
    numbers = dict(zip(ids(frame), frame["citizen_no"].to_list(), strict=True))
    # newest first: 8 -> 1, 7 -> 2, 5 -> 1 again, 3 -> 3, 2 -> 2 again; unknown -> None
    assert numbers == {"8": 1, "7": 2, "6": None, "5": 1, "4": None, "3": 3, "2": 2, "1": None}
    rows = views.incident_rows(frame, "da")
    assert rows.row(0, named=True)["citizen_no"] == "Borger 1"
    assert views.incident_headers(["citizen_no"], "en") == {"citizen_no": "Citizen"}
    # one incident: numbered as the list shows it
    detail_3 = queries.run(c, "incident_detail", params(incident_id="3")).row(0, named=True)
    assert "citizen_ref" not in detail_3 and detail_3["citizen_no"] == 1
    facts = dict(views.incident_facts(views.numbered_as_listed(detail_3, frame), "en").iter_rows())
    assert facts["Citizen"] == "Citizen 3"
    assert facts["Employee"] == "Employee 1"
    only = dict(views.incident_facts(detail_3, "da").iter_rows())
    assert only["Borger"] == "Borger 1"
    assert not any("p_" in str(v) for v in [*facts.values(), *only.values()])
    c.close()
