"""Metric computations on the fixture store (hand-computed) and on the demo municipality."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
import scipy.stats

from dashboard import stats, store
from dashboard.demo import CASE_MIX_ONLY_UNIT, generate_demo
from dashboard.metrics.filters import ALL, Filters, query_params
from dashboard.metrics.findings import summary
from dashboard.metrics.report import build_report, rows_json
from dashboard.store.seed import write_demo
from tests.metrics.fixture import fixture_store


@pytest.fixture(scope="module")
def report():
    con = fixture_store()
    yield build_report(con, by="unit", unsuppressed=True)
    con.close()


def row(frame, unit: str) -> dict:
    return next(r for r in frame.iter_rows(named=True) if r["unit"] == unit)


def test_extract_date_is_latest_date_in_data(report) -> None:
    assert report.extract_date == date(2024, 3, 11)


def test_rates_and_wilson_interval(report) -> None:
    a1 = row(report.incidents, "A1")
    assert a1["police_report_rate"] == pytest.approx(2 / 3)
    # Wilson 95 % for 2/3 (Newcombe 1998's formula, worked by hand): 0.2077 to 0.9385
    assert a1["police_report_rate_ci_low"] == pytest.approx(0.2077, abs=5e-5)
    assert a1["police_report_rate_ci_high"] == pytest.approx(0.9385, abs=5e-5)
    a2 = row(report.incidents, "A2")
    assert a2["police_report_rate"] == 1.0  # the unknown (empty) report is not in the denominator
    assert a2["police_without_prior_warning_share"] == 1.0  # warned after the report


def test_indirect_standardisation_by_hand(report) -> None:
    # police stratum rates: digital/low 1/3, violence/high 2/2, threats/medium 1/1, violence/unknown 0/1
    # A1: 2 × 1/3 + 1 × 1 = 5/3; A2: 1 × 1 = 1; B1: 1/3 + 1 + 0 = 4/3
    expected = {"A1": 5 / 3, "A2": 1.0, "B1": 4 / 3}
    for unit, e in expected.items():
        r = row(report.incidents, unit)
        assert r["police_report_expected"] == pytest.approx(e)
        assert r["police_report_oe"] == pytest.approx(r["police_reports"] / e)
    total_expected = report.incidents["police_report_expected"].sum()
    assert total_expected == pytest.approx(report.incidents["police_reports"].sum())


def test_inquiry_metrics_and_kaplan_meier(report) -> None:
    a1, b1 = row(report.inquiries, "A1"), row(report.inquiries, "B1")
    # A1: Q1 in time, Q2 late, Q3 open and still in time (undecided); B1: Q4 in time, Q5
    # open past its deadline, so late; among the answered only, B1 is 1 of 1
    assert a1["share_within_deadline"] == 0.5 and b1["share_within_deadline"] == 0.5
    assert a1["share_within_deadline_answered"] == 0.5
    assert b1["share_within_deadline_answered"] == 1.0
    # A1: answered after 9 and 19 days, one open for 10 days (censored):
    # S(9) = 2/3, S(19) = 0 -> KM median 19, while the median of answered ones is 14
    assert a1["median_response_days"] == 14
    assert a1["km_median_response_days"] == 19
    # B1: answered after 2 days, one open for 30: S = 1/2 from day 2 to the end of follow-up,
    # so survfit's rule gives the midpoint (2 + 30)/2 = 16 (survival's R/quantile.survfit.R:
    # "a flat at the end of the curve", (x + xmax)/2), where the first crossing gave 2
    assert b1["km_median_response_days"] == 16
    # Brookmeyer–Crowley, log-log band S^exp(±z·se/|log S|), Greenwood se, by hand:
    # A1 at 9: se² = 1/(3·2), u = 1.96·0.408/0.405 = 1.97, band (0.054, 0.945); at 19 S = 0
    # (no band) -> lower limit 9, upper never reaches 1/2 (R: NA)
    assert a1["km_median_response_days_ci_low"] == 9
    assert a1["km_median_response_days_ci_high"] is None
    # B1 at 2: se² = 1/(2·1), u = 2.00, band (0.006, 0.911) -> (2, NA)
    assert b1["km_median_response_days_ci_low"] == 2
    assert b1["km_median_response_days_ci_high"] is None


def test_small_counts_are_marked() -> None:
    report = build_report(fixture_store(), by="unit")
    a1 = row(report.incidents, "A1")
    assert "incidents" in a1["small_counts"] and "police_reports" in a1["small_counts"]
    assert row(report.inquiries, "B1")["small_counts"] == [
        "inquiries",
        "answered",
        "open",
        "open_overdue",
        "answered_within_deadline",
    ]


def test_equal_treatment_says_when_expected_counts_are_small(report) -> None:
    police = report.equal_treatment["police_report_rate"]
    assert police["small_expected"] is True
    assert police["method"] == "monte_carlo_chi2" and police["exact_p_value"] is not None
    assert "cmh" not in police  # computed on demand
    assert len(report.tests_with_cmh("police_report_rate")["cmh"]) == 3


def test_json_rows_pair_intervals(report) -> None:
    first = rows_json(report.incidents)[0]
    assert (
        isinstance(first["police_report_rate_ci"], list)
        and len(first["police_report_rate_ci"]) == 2
    )
    assert "police_report_rate_ci_low" not in first


def test_filters_change_the_report() -> None:
    con = fixture_store()
    violence = build_report(con, Filters(types=("violence",)), by="department", unsuppressed=True)
    assert violence.incidents["incidents"].to_list() == [2, 1]


@pytest.mark.parametrize(
    ("by", "lang", "words"),
    [
        ("department", "da", "mellem forvaltningerne"),
        ("unit", "da", "mellem enhederne"),
        ("department", "en", "between the departments"),
        ("unit", "en", "between the units"),
    ],
)
def test_the_chi_square_sentences_name_the_groups_compared(by, lang, words) -> None:
    """Grouped by department, the summary said "the differences between units"."""
    report = build_report(fixture_store(), by=by)
    tested = [line for line in summary(report, lang) if "chi" in line]
    assert tested and all(words in line for line in tested)


# ---------------------------------------------------------------- the demo municipality


def demo_report(seed: int):
    con = store.connect(":memory:")
    data = generate_demo(seed)
    write_demo(con, "incidents", data.incidents, seed=seed)
    write_demo(con, "inquiries", data.inquiries, seed=seed)
    return data, build_report(con, by="unit")


def test_planted_units_are_found() -> None:
    data, report = demo_report(2024)
    planted = {(p.unit, p.outcome) for p in data.planted if p.outcome != "response_time"}
    found = {(f.unit, f.outcome) for f in report.findings}
    assert planted <= found  # the extra ones are counted against chance below
    # the unit planted to leave work accidents un-notified is the one named for leaving
    # required ones un-notified, and no other
    under_notifying = {p.unit for p in data.planted if p.outcome == "work_accident"}
    assert {f.unit for f in report.rule_findings} == under_notifying
    assert all(f.share == "work_accident_compliance_rate" for f in report.rule_findings)
    assert any(
        f"{next(iter(under_notifying))} (" in line and "had to be notified" in line
        for line in summary(report, "en")
    )
    # the case-mix-only unit: its crude police rate is far above the crude 99.8 % binomial
    # funnel limit around the municipal rate, but its verdict after case mix is as expected
    unit = row(report.incidents, CASE_MIX_ONLY_UNIT)
    baseline = unit["police_report_rate_baseline"]
    _, crude_upper = stats.proportion_funnel_limits(baseline, unit["police_report_known"], 0.998)
    assert unit["police_report_rate"] > crude_upper
    assert unit["police_report_verdict"] == "as_expected"
    # the slow unit: the longest Kaplan–Meier median and the lowest share within deadline
    slow = next(p.unit for p in data.planted if p.outcome == "response_time")
    # (a unit whose inquiries are too few to show has a null median: it sorts last)
    inq = report.inquiries.sort("km_median_response_days", descending=True, nulls_last=True)
    assert inq["unit"][0] == slow
    assert report.inquiries.sort("share_within_deadline", nulls_last=True)["unit"][0] == slow
    lines = summary(report, "en")
    assert any(
        f"{next(p.unit for p in data.planted if p.outcome == 'police_report')}" in line
        for line in lines
    )


def test_no_more_false_verdicts_than_chance() -> None:
    """Over the demo seed and five others, the groups named beyond the planted ones are no
    more than chance predicts. Under Benjamini–Hochberg every tested p-value <= α* (= 1 −
    the screening confidence) is named, and a true-null p-value is uniform, so a municipality
    expects m0·α* false verdicts per outcome (m0 the tested groups with no planted
    difference); their sum over seeds and outcomes is near Poisson, and the count must lie
    below its 99 % quantile. The legal-duty findings use 99.8 % limits: 0.1 % per group."""
    false_verdicts, expected_false = 0, 0.0
    false_rules, groups = 0, 0
    for seed in (2024, 1, 2, 3, 4, 5):
        data, report = demo_report(seed)
        planted = {(p.unit, p.outcome) for p in data.planted}
        false_verdicts += sum((f.unit, f.outcome) not in planted for f in report.findings)
        for outcome, screening in report.screenings.items():
            verdicts = report.incidents.filter(pl.col(f"{outcome}_verdict") != "too_few")
            m0 = sum((u, outcome) not in planted for u in verdicts["unit"].to_list())
            expected_false += m0 * (1.0 - screening.confidence)
        under_notifying = {p.unit for p in data.planted if p.outcome == "work_accident"}
        false_rules += sum(f.unit not in under_notifying for f in report.rule_findings)
        groups += report.incidents.height
    assert false_verdicts <= scipy.stats.poisson.ppf(0.99, expected_false)
    assert false_rules <= scipy.stats.poisson.ppf(0.99, groups * 0.001)


def test_a_view_with_no_rows_gives_empty_typed_frames() -> None:
    con = fixture_store()
    empty = build_report(con, Filters(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31)))
    assert empty.incidents.is_empty() and empty.inquiries.is_empty()
    assert empty.findings == []
    assert empty.incidents.schema["police_report_oe_signal"] == pl.Int64
    assert summary(empty, "da") == [] or all(isinstance(line, str) for line in summary(empty, "da"))


def test_findings_suppress_small_observed_counts() -> None:
    from dashboard.metrics.equal_treatment import GroupFinding
    from dashboard.metrics.findings import finding_sentence

    finding = GroupFinding("police_report", "A", "A1", 3, 14.5, 3 / 14.5, "low", 0.0001)
    sentence = finding_sentence(finding, "en", suppress_below=5)
    assert "(<5 against 14.5 expected" in sentence


def test_report_without_delays_has_the_same_columns(report) -> None:
    from dashboard import queries
    from dashboard.metrics.incidents import DELAY_SCHEMA

    con = fixture_store()
    lean = build_report(con, by="unit", delays=False, unsuppressed=True)
    assert lean.incidents.columns == report.incidents.columns
    assert lean.incidents["days_to_police_report_median"].null_count() == lean.incidents.height
    assert lean.incidents.drop(*DELAY_SCHEMA.keys() - {"department", "unit"}).equals(
        report.incidents.drop(*DELAY_SCHEMA.keys() - {"department", "unit"})
    )
    real = queries.run(
        con, "incident_delays_by_group", query_params(Filters(), ALL, group_by="unit")
    )
    assert dict(real.schema) == DELAY_SCHEMA  # the declared schema is the query's


def test_the_monthly_series_hide_small_months_and_the_next_smallest() -> None:
    from dashboard.metrics.disclosure import suppress_series

    # incidents 0, 1, 4, 5, 9: the 1 and 4 are small but sum to 5, so no more is hidden;
    # other 2, 2, 2, 6, 6: the three 2s (sum 6) are hidden, the rest drawn
    frame = pl.DataFrame(
        {"month": [1, 2, 3, 4, 5], "incidents": [0, 1, 4, 5, 9], "other": [2, 2, 2, 6, 6]}
    )
    shown = suppress_series(frame, ["incidents", "other"], 5)
    assert shown.columns == ["month", "incidents", "other"]
    assert shown["incidents"].to_list() == [0, None, None, 5, 9]
    assert shown["other"].to_list() == [None, None, None, 6, 6]
    # a lone small month takes the next-smallest with it (else the total minus the rest)
    lone = suppress_series(pl.DataFrame({"incidents": [3, 8, 20]}), ["incidents"], 5)
    assert lone["incidents"].to_list() == [None, None, 20]
