"""The demo generator: contract shape, realism, determinism and the planted differences."""

from __future__ import annotations

import re
import time
from datetime import date
from typing import Any

import polars as pl
import pytest

from dashboard import contract
from dashboard.demo import CASE_MIX_ONLY_UNIT, DemoData, PlantedDifference, generate_demo

END = date(2024, 12, 31)
DTYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "ref": pl.String(),
    "freetext": pl.String(),
    "category": pl.String(),
    "date": pl.Date(),
    "bool": pl.Boolean(),
    "int": pl.Int64(),
}
STRATUM = ["harassment_type", "severity"]


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo()


@pytest.fixture(scope="module")
def small() -> DemoData:
    return generate_demo(7, scale=0.1)


def _planted(demo: DemoData, outcome: str) -> PlantedDifference:
    [p] = [p for p in demo.planted if p.outcome == outcome]
    return p


def observed_expected(incidents: pl.DataFrame, flag: str) -> pl.DataFrame:
    """Indirect standardisation over harassment type x severity, per unit.

    expected = sum over the unit's incidents of the municipality-wide rate in the stratum.
    """
    rates = incidents.group_by(STRATUM).agg(pl.col(flag).cast(pl.Float64).mean().alias("rate"))
    return (
        incidents.join(rates, on=STRATUM, how="left")
        .group_by("unit")
        .agg(
            pl.len().alias("n"),
            pl.col(flag).cast(pl.Int64).sum().alias("observed"),
            pl.col("rate").sum().alias("expected"),
            pl.col(flag).cast(pl.Float64).mean().alias("raw_rate"),
        )
        .with_columns((pl.col("observed") / pl.col("expected")).alias("oe"))
    )


def lo(s: pl.Series) -> Any:
    return s.min()


def hi(s: pl.Series) -> Any:
    return s.max()


def share(s: pl.Series) -> float:
    """Mean of a boolean or numeric series as a float."""
    value = s.cast(pl.Float64).mean()
    assert isinstance(value, float)
    return value


def _row(table: pl.DataFrame, unit: str) -> dict[str, Any]:
    return table.filter(pl.col("unit") == unit).row(0, named=True)


# --- shape ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", contract.KINDS)
def test_columns_and_dtypes_follow_the_contract(demo: DemoData, kind: contract.Kind) -> None:
    frame = demo.incidents if kind == "incidents" else demo.inquiries
    assert frame.columns == contract.field_names(kind)
    for field in contract.fields_for(kind):
        assert frame.schema[field.name] == DTYPES[field.type], field.name
        if field.required:
            assert frame[field.name].null_count() == 0, field.name


@pytest.mark.parametrize("kind", contract.KINDS)
def test_category_values_are_canonical(demo: DemoData, kind: contract.Kind) -> None:
    frame = demo.incidents if kind == "incidents" else demo.inquiries
    for field in contract.fields_for(kind):
        if field.type != "category":
            continue
        assert field.vocabulary is not None
        allowed = {c.value for c in contract.VOCABULARIES[field.vocabulary]}
        used = set(frame[field.name].drop_nulls().unique().to_list())
        assert used <= allowed, (field.name, used - allowed)
        assert len(used) >= 3, field.name


def test_ids_are_unique_and_well_formed(demo: DemoData) -> None:
    inc, inq = demo.incidents, demo.inquiries
    assert inc["incident_id"].n_unique() == inc.height
    assert inq["inquiry_id"].n_unique() == inq.height
    assert inc["incident_id"][0] == "D-2023-00001"
    assert inq["inquiry_id"][0] == "DQ-2023-000001"
    assert inc["incident_id"].str.contains(r"^D-\d{4}-\d{5,}$").all()
    assert inq["inquiry_id"].str.contains(r"^DQ-\d{4}-\d{6,}$").all()
    year = inc["occurred_on"].dt.year().cast(pl.String)
    assert (inc["incident_id"].str.slice(2, 4) == year).all()


def test_refs_are_pseudonyms_and_nothing_is_cpr_like(demo: DemoData) -> None:
    cpr = re.compile(r"\d{6}-?\d{4}")
    for frame, cols in (
        (demo.incidents, ["citizen_ref", "employee_ref"]),
        (demo.inquiries, ["citizen_ref"]),
    ):
        for col in cols:
            refs = frame[col].drop_nulls()
            assert refs.len() > 0.85 * frame.height
            assert refs.str.contains(r"^p_[a-p]{24}$").all(), col
    notes = demo.incidents["notes"].drop_nulls()
    assert 0.5 * demo.incidents.height < notes.len() < 0.9 * demo.incidents.height
    assert not any(cpr.search(n) for n in notes.unique().to_list())
    # Citizens come back: fewer distinct citizens than incidents.
    assert demo.incidents["citizen_ref"].n_unique() < 0.8 * demo.incidents.height


# --- determinism, counts, scale ---------------------------------------------------------


def test_deterministic_for_a_seed_and_different_for_another(small: DemoData) -> None:
    again = generate_demo(7, scale=0.1)
    other = generate_demo(8, scale=0.1)
    assert small.incidents.equals(again.incidents)
    assert small.inquiries.equals(again.inquiries)
    assert not small.incidents.equals(other.incidents)
    assert not small.inquiries.equals(other.inquiries)


def test_counts_near_targets_and_municipal_structure(demo: DemoData) -> None:
    inc = demo.incidents
    assert 5_700 <= inc.height <= 6_300
    assert 1_900 <= demo.inquiries.height <= 2_100
    units = inc.group_by("department").agg(pl.col("unit").n_unique().alias("units"))
    assert units.height == 7
    assert lo(units["units"]) >= 3 and hi(units["units"]) <= 5
    sizes = inc.group_by("unit").len()["len"]
    assert lo(sizes) >= 15
    assert ((sizes >= 20) & (sizes <= 60)).sum() >= 3
    assert (sizes >= 400).sum() >= 3
    assert set(demo.inquiries["unit"].unique()) == set(inc["unit"].unique())


def test_scale_multiplies_counts(small: DemoData) -> None:
    assert 560 <= small.incidents.height <= 640
    assert 180 <= small.inquiries.height <= 220
    assert small.incidents.columns == contract.field_names("incidents")


def test_other_window_keeps_dates_inside() -> None:
    start, end = date(2024, 3, 1), date(2024, 5, 31)
    data = generate_demo(3, start=start, end=end, scale=0.05)
    inc, inq = data.incidents, data.inquiries
    assert inc.height == 300 and inq.height == 100
    assert lo(inc["occurred_on"]) >= start and hi(inc["occurred_on"]) <= end
    assert lo(inq["received_on"]) >= start and hi(inq["received_on"]) <= end
    for col in ("registered_on", "warning_on", "police_reported_on", "work_accident_reported_on"):
        assert hi(inc[col]) <= end, col
    assert hi(inq["answered_on"]) <= end
    assert inc["incident_id"][0] == "D-2024-00001"


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_demo(start=date(2024, 1, 2), end=date(2024, 1, 1))
    with pytest.raises(ValueError):
        generate_demo(scale=0)


def test_fast_at_scale_one() -> None:
    t0 = time.perf_counter()
    generate_demo(11)
    assert time.perf_counter() - t0 < 1.0


# --- date rules -------------------------------------------------------------------------


def test_incident_date_rules(demo: DemoData) -> None:
    inc = demo.incidents
    start = date(2023, 1, 1)
    assert lo(inc["occurred_on"]) >= start and hi(inc["occurred_on"]) <= END
    lag = (inc["registered_on"] - inc["occurred_on"]).dt.total_days()
    assert lo(lag) >= 0 and hi(lag) <= 5
    for flag, col in (
        ("warning_given", "warning_on"),
        ("police_reported", "police_reported_on"),
        ("work_accident_reported", "work_accident_reported_on"),
    ):
        # The date is there exactly when the flag is True.
        assert inc.filter(pl.col(flag) != pl.col(col).is_not_null()).height == 0, col
        done = inc.filter(pl.col(flag))
        assert (done[col] >= done["occurred_on"]).all(), col
        assert (done[col] <= END).all(), col
    assert inc.filter(~pl.col("documented") & pl.col("documentation_form").is_not_null()).is_empty()
    assert inc.filter(pl.col("documented") & pl.col("documentation_form").is_null()).is_empty()
    assert inc.filter(pl.col("police_reported") != pl.col("decided_by").is_not_null()).is_empty()
    # Warnings 1-10 days after the incident (unless cut off at the end of the window).
    warned = inc.filter(pl.col("warning_given") & (pl.col("warning_on") < END))
    wlag = (warned["warning_on"] - warned["occurred_on"]).dt.total_days()
    assert lo(wlag) >= 1 and hi(wlag) <= 10
    # A warning usually comes before the police report.
    both = inc.filter(pl.col("warning_given") & pl.col("police_reported"))
    assert share(both["warning_on"] <= both["police_reported_on"]) > 0.8
    # Work-accident notifications: 1 + an exponential lag of mean 5.6 days, so about
    # 1 - exp(-14 / 5.6) = 92 % within the statutory 14 days of the incident.
    wa = inc.filter(pl.col("work_accident_reported"))
    walag = (wa["work_accident_reported_on"] - wa["occurred_on"]).dt.total_days()
    assert lo(walag) >= 1
    assert 0.85 < share(walag <= 14) < 0.95
    # The first day of absence, when given, is after the incident, and only with absence.
    given = inc.filter(pl.col("absence_from").is_not_null())
    assert (given["absence_from"] > given["occurred_on"]).all()
    assert (given["absence_days"] >= 1).all()
    absent = inc.filter(pl.col("absence_days") >= 1)
    assert 0.5 < share(absent["absence_from"].is_not_null()) < 0.7  # ABSENCE_FROM_GIVEN 0.6
    # Who documented: there exactly when documented.
    assert inc.filter(pl.col("documented") != pl.col("documented_by").is_not_null()).is_empty()


def test_inquiry_date_rules(demo: DemoData) -> None:
    inq = demo.inquiries
    assert inq["deadline_on"].null_count() == 0
    days = {k: v.days for k, v in contract.DEFAULT_DEADLINES.items()}
    expected = pl.col("received_on") + pl.duration(
        days=pl.col("inquiry_type").replace_strict(days, return_dtype=pl.Int64)
    )
    assert inq.filter(pl.col("deadline_on") != expected).is_empty()
    answered = inq.filter(pl.col("answered_on").is_not_null())
    assert (answered["answered_on"] >= answered["received_on"]).all()
    assert (answered["answered_on"] <= END).all()
    open_share = share(inq["answered_on"].is_null())
    assert 0.03 < open_share < 0.08
    late_months = inq.filter(pl.col("received_on") >= date(2024, 11, 1))
    early = inq.filter(pl.col("received_on") < date(2024, 11, 1))
    assert share(late_months["answered_on"].is_null()) > 2 * share(early["answered_on"].is_null())
    # Mostly within the deadline.
    on_time = share(answered["answered_on"] <= answered["deadline_on"])
    assert 0.7 < on_time < 0.95


# --- outcome realism --------------------------------------------------------------------


def test_outcomes_depend_on_type_and_severity(demo: DemoData) -> None:
    planted_units = {p.unit for p in demo.planted}
    inc = demo.incidents.filter(~pl.col("unit").is_in(planted_units))
    rates = inc.group_by(STRATUM).agg(
        pl.col("police_reported").mean(), pl.col("work_accident_reported").mean()
    )

    def rate(t: str, s: str, col: str) -> float:
        return rates.filter((pl.col("harassment_type") == t) & (pl.col("severity") == s))[col][0]

    assert 0.5 < rate("violence", "high", "police_reported") < 0.7
    assert rate("digital_harassment", "low", "police_reported") < 0.06
    assert rate("violence", "high", "work_accident_reported") > 0.4
    assert 0.65 < share(demo.incidents["documented"]) < 0.85
    # Documentation form follows the channel.
    forms = demo.incidents.filter(pl.col("documented")).group_by("channel", "documentation_form")
    top = forms.len().sort("len", descending=True).group_by("channel").first()
    top_form = dict(zip(top["channel"], top["documentation_form"], strict=True))
    assert top_form["social_media"] == "screenshot"
    assert top_form["email"] == "saved_email"
    assert top_form["in_person"] in {"witness_statement", "log_entry"}
    # Absence: mostly none, some days for violence.
    assert share(demo.incidents["absence_days"] == 0) > 0.85
    assert lo(demo.incidents["absence_days"]) >= 0
    assert hi(demo.incidents["absence_days"]) <= 30
    violent = demo.incidents.filter(pl.col("harassment_type") == "violence")
    assert share(violent["absence_days"] > 0) > 0.3


def test_case_mix_differs_between_units(demo: DemoData) -> None:
    share = demo.incidents.group_by("unit").agg(
        (pl.col("harassment_type") == "violence").mean().alias("violence"),
        (pl.col("harassment_type") == "verbal_abuse").mean().alias("verbal"),
        (pl.col("harassment_type") == "digital_harassment").mean().alias("digital"),
    )
    assert _row(share, CASE_MIX_ONLY_UNIT)["violence"] > 0.25
    assert _row(share, "Biblioteker")["verbal"] > 0.55
    assert _row(share, "Borgercenter Børn og Unge")["digital"] > 0.45


# --- planted differences ----------------------------------------------------------------


def test_planted_differences_are_described(demo: DemoData) -> None:
    assert len(demo.planted) >= 4
    assert len({p.department for p in demo.planted}) == len(demo.planted)
    outcomes = {p.outcome for p in demo.planted}
    assert {"police_report", "warning", "work_accident", "response_time"} <= outcomes
    pairs = set(demo.incidents.select("department", "unit").unique().iter_rows())
    for p in demo.planted:
        assert (p.department, p.unit) in pairs
        assert p.description.endswith(".") and len(p.description) > 20
    assert CASE_MIX_ONLY_UNIT not in {p.unit for p in demo.planted}


def test_planted_police_unit_and_case_mix_only_unit(demo: DemoData) -> None:
    table = observed_expected(demo.incidents, "police_reported")
    municipal = share(demo.incidents["police_reported"])
    planted = _row(table, _planted(demo, "police_report").unit)
    assert planted["oe"] > 1.8
    case_mix = _row(table, CASE_MIX_ONLY_UNIT)
    assert case_mix["raw_rate"] > 1.4 * municipal
    assert 0.8 <= case_mix["oe"] <= 1.25
    # The planted unit mostly reports without a prior warning.
    reported = demo.incidents.filter(
        (pl.col("unit") == planted["unit"]) & pl.col("police_reported")
    )
    prior = reported["warning_given"] & (reported["warning_on"] <= reported["police_reported_on"])
    assert share(prior) < 0.4
    # Large ordinary units stay close to what their case mix predicts.
    planted_units = {p.unit for p in demo.planted}
    ordinary = table.filter(~pl.col("unit").is_in(planted_units) & (pl.col("n") >= 300))
    assert lo(ordinary["oe"]) > 0.6 and hi(ordinary["oe"]) < 1.4


@pytest.mark.parametrize(
    ("outcome", "flag", "limit"),
    [
        ("warning", "warning_given", 0.6),
        ("work_accident", "work_accident_reported", 0.6),
        ("documentation", "documented", 0.7),
    ],
)
def test_planted_shortfalls(demo: DemoData, outcome: str, flag: str, limit: float) -> None:
    table = observed_expected(demo.incidents, flag)
    assert _row(table, _planted(demo, outcome).unit)["oe"] < limit
    assert 0.8 <= _row(table, CASE_MIX_ONLY_UNIT)["oe"] <= 1.25


def test_planted_slow_unit_answers_late(demo: DemoData) -> None:
    slow = _planted(demo, "response_time").unit
    # Response time as a share of the inquiry type's deadline, so the type mix cancels out.
    days = (pl.col("answered_on") - pl.col("received_on")).dt.total_days()
    allowed = (pl.col("deadline_on") - pl.col("received_on")).dt.total_days()
    ratio = demo.inquiries.with_columns((days / allowed).alias("r"))
    by_unit = ratio.group_by(pl.col("unit") == slow).agg(
        pl.col("r").median(),
        (pl.col("answered_on").is_null() | (pl.col("answered_on") > pl.col("deadline_on")))
        .mean()
        .alias("late_or_open"),
    )
    s = by_unit.filter(pl.col("unit")).row(0, named=True)
    o = by_unit.filter(~pl.col("unit")).row(0, named=True)
    assert s["r"] > 1.8 * o["r"]
    assert s["late_or_open"] > 0.4 > o["late_or_open"]
