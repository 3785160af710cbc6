"""The groups outside a limited scope (dashboard.metrics.peers): computed over the
municipality, carried without names, drawn rounded, sorted by value and suppressed."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard import store
from dashboard.demo import generate_demo
from dashboard.metrics import outcomes, peers, views
from dashboard.metrics.filters import ALL, Filters, Scope
from dashboard.metrics.report import build_report
from dashboard.store.seed import write_demo

DEPARTMENT = "Socialforvaltningen"
HEAD = Scope.restricted(departments=(DEPARTMENT,))


@pytest.fixture(scope="module")
def con():
    c = store.connect(":memory:")
    data = generate_demo(2024, scale=0.3)
    write_demo(c, "incidents", data.incidents, seed=2024)
    write_demo(c, "inquiries", data.inquiries, seed=2024)
    yield c
    c.close()


def test_peers_are_the_units_outside_the_scope_without_names(con) -> None:
    whole = build_report(con, Filters(), ALL, "unit", unsuppressed=True)
    anonymous = build_report(con, Filters(), HEAD, "unit", peers="anonymous")
    hidden = build_report(con, Filters(), HEAD, "unit", peers="hidden")
    outside = whole.incidents.filter(pl.col("department") != DEPARTMENT)
    assert anonymous.peers.height == outside.height == 22
    assert anonymous.peers["department"].null_count() == anonymous.peers.height
    assert anonymous.peers["unit"].null_count() == anonymous.peers.height
    assert hidden.peers.is_empty() and whole.peers.is_empty()
    # the ombudsman's figures for every unit, named or not, where they are not suppressed
    for column in ("police_report_expected", "police_report_oe", "incidents"):
        shown = [v for v in anonymous.peers[column].to_list() if v is not None]
        assert len(shown) > 10
        for value in shown:
            assert any(v == pytest.approx(value, rel=1e-12) for v in outside[column].to_list())
    # suppressed as a named unit is: a small count hides it and its O/E
    small = outside.filter(pl.col("police_reports").is_between(1, 4)).height
    assert small > 0
    assert anonymous.peers["police_report_oe"].null_count() >= small
    for report in (anonymous, hidden):
        own = whole.incidents.filter(pl.col("department") == DEPARTMENT)
        assert report.incidents["unit"].to_list() == own["unit"].to_list()
        assert report.incidents["warning_expected"].to_list() == pytest.approx(
            own["warning_expected"].to_list(), rel=1e-12
        )
        # the baseline is the municipality's rate, not the department's
        assert report.baseline("police_report") == pytest.approx(
            whole.incidents["police_reports"].sum() / whole.incidents["police_report_known"].sum()
        )


def peer_frame() -> pl.DataFrame:
    """Three unnamed groups written by hand: one with a small police-report count."""
    return pl.DataFrame(
        {
            "department": [None, None, None],
            "unit": [None, None, None],
            "incidents": [40, 60, 30],
            "police_reports": [2, 12, 6],
            "police_report_known": [40, 60, 30],
            "police_report_expected": [4.4444, 12.3456, 3.0123],
            "police_report_oe": [0.45, 0.97203, 1.99183],
            "police_report_verdict": ["too_few", "as_expected", "too_few"],
            "police_report_rate": [0.05, 0.2, 0.2],
            "police_report_rate_ci_low": [0.0138, 0.11814, 0.09513],
            "police_report_rate_ci_high": [0.1652, 0.31913, 0.37345],
            "small_counts": [["police_reports"], [], []],
        },
        schema_overrides={"department": pl.String, "unit": pl.String},
    )


def test_funnel_points_are_rounded_sorted_and_suppressed() -> None:
    own = pl.DataFrame(
        {
            "department": ["D"],
            "unit": ["U"],
            "police_report_expected": [5.0],
            "police_report_oe": [1.0],
            "police_report_verdict": ["as_expected"],
            "focus": [False],
        }
    )
    points = views.oe_points(own, "police_report", "unit", peers=peer_frame(), lang="en")
    assert points.rows() == [
        ("U", 5.0, 1.0, "as_expected", False),
        # sorted by E; 12.3456 -> 12, 0.97203 -> 0.97; the one with 2 reports is not drawn
        ("Another unit", 3.0, 1.99, "too_few", False),
        ("Another unit", 12.0, 0.97, "as_expected", False),
    ]


def test_dot_points_have_no_size_and_are_told_apart_by_rank() -> None:
    own = pl.DataFrame(
        {
            "department": ["D"],
            "unit": ["U"],
            "police_report_known": [9],
            "police_report_rate": [0.5],
            "police_report_rate_ci_low": [0.2],
            "police_report_rate_ci_high": [0.8],
            "police_report_verdict": ["too_few"],
            "focus": [False],
        }
    )
    rows = outcomes.rate_points(own, "police_report", "unit", peers=peer_frame(), lang="da")
    assert rows.rows() == [
        ("U", 0.5, 0.2, 0.8, "too_few", False, 9),
        # equal rates: the narrower interval first; a zero-width space more per rank
        ("En anden enhed", 0.2, 0.1, 0.37, "too_few", False, None),
        ("En anden enhed\u200b", 0.2, 0.12, 0.32, "as_expected", False, None),
    ]


def test_keys_of_unnamed_groups_cannot_be_a_name() -> None:
    rows = pl.DataFrame(
        {"department": ["A", None], "unit": ["A1", None], "peer": [None, 3], "incidents": [1, 2]}
    )
    keyed = peers.keyed(rows)
    assert "peer" not in keyed.columns
    assert keyed.filter(peers.is_peer())["department"].to_list() == ["\x00peer 3"]
    assert keyed.filter(~peers.is_peer())["department"].to_list() == ["A"]
