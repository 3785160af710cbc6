"""A department head's pages against the municipality: the reference is the whole
municipality's, their own units are named, the others are unnamed points or not there at all
(``DASHBOARD_PEERS``), and nothing sent to the browser names a unit outside the scope."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from dashboard import access
from dashboard.access import RIGHTS
from dashboard.components.navigation import visible
from dashboard.components.text import literal
from dashboard.demo import generate_demo
from dashboard.i18n import t
from tests.pages import test_access_pages
from tests.pages.test_access_pages import (
    EMAILS,
    HEAD_DEPARTMENT,
    assert_clean,
    claims,
    outside_names,
    rendered_bytes,
)

granted = test_access_pages.granted  # the grants of one user per role (a fixture)

PEERS = ("anonymous", "hidden")
HEAD = EMAILS["department_head"]
SUPPRESS_BELOW = 5  # the default of DASHBOARD_SUPPRESS_BELOW


def chart_frames(at) -> list[pl.DataFrame]:  # type: ignore[no-untyped-def]
    """Every dataset of every chart the run sent to the browser (Arrow IPC, as Streamlit
    sends them)."""
    frames: list[pl.DataFrame] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "datasets") and hasattr(proto, "spec"):
            blobs = [d.data.data for d in proto.datasets]
            if proto.data.data:
                blobs.append(proto.data.data)
            for blob in blobs:
                table = pa.ipc.open_stream(io.BytesIO(blob)).read_all()
                frames.append(pl.from_arrow(table))  # type: ignore[arg-type]
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return frames


def chart_with(at, column: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """The one chart dataset that has ``column``."""
    found = [f for f in chart_frames(at) if column in f.columns]
    assert len(found) == 1, [f.columns for f in chart_frames(at)]
    return found[0]


def demo_incidents() -> pl.DataFrame:
    """The incidents of the page tests' store, as generated (the store was written from them)."""
    return generate_demo(2024, scale=0.3).incidents


def by_unit(outcome_count: str) -> pl.DataFrame:
    """Per unit of the demo data: incidents, the outcome's count and known count, computed
    with Polars from the generated rows (independently of the store and its SQL)."""
    flag = {"police_reports": "police_reported"}[outcome_count]
    return (
        demo_incidents()
        .group_by("department", "unit")
        .agg(
            pl.len().alias("incidents"),
            pl.col(flag).sum().alias("count"),
            pl.col(flag).is_not_null().sum().alias("known"),
        )
    )


def head_period() -> tuple[date, date]:
    """The range of the head's own records: the period their pages open with."""
    data = generate_demo(2024, scale=0.3)
    own = [
        data.incidents.filter(pl.col("department") == HEAD_DEPARTMENT)["occurred_on"],
        data.inquiries.filter(pl.col("department") == HEAD_DEPARTMENT)["received_on"],
    ]
    return min(c.min() for c in own), max(c.max() for c in own)  # type: ignore[type-var,return-value]


def small(column: pl.Expr) -> pl.Expr:
    return column.is_between(1, SUPPRESS_BELOW - 1)


def unnamed_expected() -> int:
    """How many units outside the head's department a police-report chart may draw: every
    one whose counts behind it are not small (suppressed as a named unit's are)."""
    units = by_unit("police_reports").filter(pl.col("department") != HEAD_DEPARTMENT)
    shown = units.filter(
        ~small(pl.col("incidents")) & ~small(pl.col("count")) & ~small(pl.col("known"))
    )
    return shown.height


@pytest.mark.parametrize("peers", PEERS)
@pytest.mark.parametrize("page", [s.file for s in visible(RIGHTS["department_head"])])
def test_no_name_outside_the_scope_with_either_setting(
    app, granted: Path, monkeypatch: pytest.MonkeyPatch, page: str, peers: str
) -> None:
    monkeypatch.setenv("DASHBOARD_PEERS", peers)
    outside = outside_names()
    at = app(page, user=claims(HEAD), by="unit")
    assert_clean(at)
    sent = rendered_bytes(at)
    leaked = [name for name in outside if name.encode() in sent]
    assert not leaked, f"{page} ({peers}) names {leaked}"


@pytest.mark.parametrize("by", ["unit", "department"])
def test_no_name_outside_the_scope_on_the_equal_treatment_page_by_either_grouping(
    app, granted: Path, by: str
) -> None:
    at = app("equal_treatment.py", user=claims(HEAD), by=by)
    assert_clean(at)
    sent = rendered_bytes(at)
    assert not [name for name in outside_names() if name.encode() in sent]


def test_funnel_expected_counts_are_the_municipalitys_stratum_rates(app, granted: Path) -> None:
    """A unit's E on the head's funnel = Σ over its incidents (police report known) of the
    municipality's rate in their stratum (harassment type × severity) within the period
    shown, computed here from the generated rows; O/E = its police reports / E. The period
    a head sees first is the range of their own records (the filters offer no more)."""
    data = generate_demo(2024, scale=0.3)
    start, end = head_period()
    incidents = data.incidents.filter(pl.col("occurred_on").is_between(start, end))
    incidents = incidents.with_columns(pl.col("severity").fill_null("unknown"))
    known = incidents.filter(pl.col("police_reported").is_not_null())
    rates = known.group_by("harassment_type", "severity").agg(
        (pl.col("police_reported").sum() / pl.len()).alias("rate")
    )
    unit = "Socialcenter Nørrebro"
    cases = known.filter(pl.col("unit") == unit).join(rates, on=["harassment_type", "severity"])
    expected = cases["rate"].sum()
    observed = int(cases["police_reported"].sum())
    # its expected count within its own department alone would differ: the check means something
    own_rates = (
        known.filter(pl.col("department") == HEAD_DEPARTMENT)
        .group_by("harassment_type", "severity")
        .agg((pl.col("police_reported").sum() / pl.len()).alias("rate"))
    )
    within = cases.drop("rate").join(own_rates, on=["harassment_type", "severity"])["rate"].sum()
    assert abs(within - expected) > 0.5

    at = app("equal_treatment.py", user=claims(HEAD), by="unit")
    assert_clean(at)
    points = chart_with(at, "police_report_expected")
    row = points.filter(pl.col("unit") == unit)
    assert row.height == 1
    assert row["police_report_expected"][0] == pytest.approx(expected, rel=1e-12)
    assert row["police_report_oe"][0] == pytest.approx(observed / expected, rel=1e-12)


def screening_shown(at) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The page's table of how the verdicts were reached (null, φ, its p, τ², method)."""
    first = t("verdict.null", "da")
    tables = [d.value for d in at.dataframe if d.value.iloc[0, 0] == first]
    assert len(tables) == 1
    return [tuple(row) for row in tables[0].itertuples(index=False)]


@pytest.mark.parametrize("peers", PEERS)
def test_funnel_limits_are_the_municipalitys_and_peers_are_counted(
    app, granted: Path, monkeypatch: pytest.MonkeyPatch, peers: str
) -> None:
    """The head's funnel is judged on the ombudsman's screening (the same null, φ and τ²
    over the whole municipality) and, with the unnamed units, draws exactly the ombudsman's
    limits; anonymous: one unnamed point per unit outside the scope that is not suppressed,
    hidden: none, and the curve ends at the head's own largest expected count."""
    start, end = head_period()
    period = f"{start.isoformat()}..{end.isoformat()}"  # the head's, as their link would hold
    ombudsman = app(
        "equal_treatment.py", user=claims(EMAILS["ombudsman"]), by="unit", period=period
    )
    assert_clean(ombudsman)
    monkeypatch.setenv("DASHBOARD_PEERS", peers)
    at = app("equal_treatment.py", user=claims(HEAD), by="unit", period=period)
    assert_clean(at)
    assert screening_shown(at) == screening_shown(ombudsman)
    points = chart_with(at, "police_report_expected")
    curve = chart_with(at, "high998")
    unnamed = points.filter(pl.col("unit").str.starts_with("En anden enhed"))
    assert unnamed.height == (unnamed_expected() if peers == "anonymous" else 0)
    assert unnamed.height > 5 or peers == "hidden"
    named = points.filter(~pl.col("unit").str.starts_with("En anden enhed"))
    assert named.height == 5  # the head's five units
    if peers == "anonymous":
        limits = chart_with(ombudsman, "high998")
        for column in ("x", "low95", "high95", "low998", "high998"):
            assert curve[column].to_list() == pytest.approx(limits[column].to_list(), rel=1e-12)
    else:
        assert curve["x"].max() == pytest.approx(named["police_report_expected"].max())


@pytest.mark.parametrize("peers", PEERS)
def test_dot_plot_shows_unnamed_units_without_their_size(
    app, granted: Path, monkeypatch: pytest.MonkeyPatch, peers: str
) -> None:
    monkeypatch.setenv("DASHBOARD_PEERS", peers)
    at = app("police.py", user=claims(HEAD), by="unit")
    assert_clean(at)
    dots = chart_with(at, "police_report_rate")
    unnamed = dots.filter(pl.col("unit").str.starts_with("En anden enhed"))
    assert unnamed.height == (unnamed_expected() if peers == "anonymous" else 0)
    # no size: no "(n = …)" in the label, no n in the tooltip, rows in the order of the rate
    assert all(label.strip("\u200b") == "En anden enhed" for label in unnamed["unit"])
    assert set(unnamed["_n"].to_list()) <= {"–"}
    rates = unnamed["police_report_rate"].to_list()
    assert rates == sorted(rates, reverse=True)
    # the municipality's share as the baseline, the head's own units named with their n
    assert dots.filter(pl.col("unit").str.starts_with("Socialcenter Nørrebro (n")).height == 1


def test_the_report_is_cached_per_peers_setting(
    app, granted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app("police.py", user=claims(HEAD), by="unit")
    shown = chart_with(at, "police_report_rate")
    monkeypatch.setenv("DASHBOARD_PEERS", "hidden")
    at.run()
    hidden = chart_with(at, "police_report_rate")
    assert shown.height > hidden.height == 5


def test_a_bad_peers_setting_is_one_sentence(
    app, granted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_PEERS", "named")
    at = app("police.py", user=claims(HEAD))
    assert not at.exception
    assert [e.value for e in at.error] == [
        literal(t("errors.peers_invalid", "da", value="named", known="anonymous, hidden"))
    ]


OTHER_HEAD = "boernechef@kommune.dk"
LATE_DEPARTMENT = "Børne- og Ungdomsforvaltningen"  # its records end 2024-12-28, others' 12-31


def test_the_extract_date_is_the_latest_date_in_the_scope(app, granted: Path) -> None:
    """The head of a department whose records end before the municipality's sees their own
    latest date as the data's "today", and the municipality's nowhere."""
    data = generate_demo(2024, scale=0.3)
    dates = [
        data.incidents.filter(pl.col("department") == LATE_DEPARTMENT)[c].max()
        for c in ("occurred_on", "registered_on", "warning_on", "police_reported_on",
                  "work_accident_reported_on")
    ] + [
        data.inquiries.filter(pl.col("department") == LATE_DEPARTMENT)[c].max()
        for c in ("received_on", "answered_on")
    ]  # fmt: skip
    own_latest = max(d for d in dates if d is not None)
    latest = max(data.incidents["occurred_on"].max(), data.inquiries["received_on"].max())  # type: ignore[type-var]
    assert own_latest < latest  # the check means something
    access.save_grant(
        granted,
        access.Grant(OTHER_HEAD, "department_head", (LATE_DEPARTMENT,)),
        by="test",
        by_role="cli",
    )
    try:
        at = app("response_times.py", user=claims(OTHER_HEAD))
        assert_clean(at)
        shown = f"{own_latest:%d-%m-%Y}"
        assert any(shown in c.value for c in at.caption)
        sent = rendered_bytes(at)
        for text in (f"{latest:%d-%m-%Y}", f"{latest:%Y-%m-%d}", f"{latest:%Y/%m/%d}"):
            assert text.encode() not in sent
    finally:
        access.revoke_grant(granted, OTHER_HEAD, by="test", by_role="cli")
