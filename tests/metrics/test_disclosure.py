"""Small-count suppression (dashboard.metrics.disclosure): hand-worked frames, the fixture
store and the demo municipality, and a property test, each checked with the attacker's
checker of tests/metrics/recovery.py (which fails on the unsuppressed frames)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import store
from dashboard.demo import generate_demo
from dashboard.metrics import disclosure
from dashboard.metrics.filters import Filters
from dashboard.metrics.report import build_report
from dashboard.store.seed import write_demo
from tests.metrics.fixture import fixture_store
from tests.metrics.recovery import (
    incident_recoveries,
    inquiry_recoveries,
    recovered_small_counts,
)

ONE_COUNT = disclosure.SuppressionSpec(counts=("n",), relations=(), dependents={"rate": ("n",)})


def test_a_lone_small_cell_takes_the_next_smallest_with_it() -> None:
    # column 3, 7, 20, 40 (total 70): 3 is primary; alone, 70 − 7 − 20 − 40 gives it back,
    # so the next-smallest, 7, is hidden too (Danmarks Statistik's secondary suppression)
    frame = pl.DataFrame({"n": [3, 7, 20, 40], "rate": [0.1, 0.2, 0.3, 0.4]})
    shown = disclosure.suppress(frame, ONE_COUNT, 5).frame
    assert shown["n"].to_list() == [None, None, 20, 40]
    assert shown["rate"].to_list() == [None, None, 0.3, 0.4]  # each hidden count's rate too
    assert shown["small_counts"].to_list() == [["n"], [], [], []]
    assert shown["suppressed_counts"].to_list() == [["n"], ["n"], [], []]


def test_two_small_cells_summing_below_the_threshold_take_a_third() -> None:
    # 1 + 2 = 3 would be the total minus the cells shown: hide the next-smallest (6) as well
    frame = pl.DataFrame({"n": [1, 2, 6, 9, 0], "rate": [0.5] * 5})
    shown = disclosure.suppress(frame, ONE_COUNT, 5).frame
    assert shown["n"].to_list() == [None, None, None, 9, 0]  # a zero is shown
    # 2 + 3 = 5 reaches the threshold: nothing more is hidden
    frame = pl.DataFrame({"n": [2, 3, 6, 9], "rate": [0.5] * 4})
    assert disclosure.suppress(frame, ONE_COUNT, 5).frame["n"].to_list() == [None, None, 6, 9]


def test_rows_and_columns_are_protected_together() -> None:
    # total = a + b + c in every row. Row 0: a = 2 and c = 3 are small; together they sum
    # to 5, so row 0 is safe. But column a (2, 20, 20) would give the 2 back from its total
    # (42) minus 20 and 20, so the next-smallest of it, row 1's 20, is hidden; the same for
    # column c (3, 10, 10): row 1's 10. Row 1 then hides two parts summing to 30: safe.
    spec = disclosure.SuppressionSpec(
        counts=("total", "a", "b", "c"), relations=(("total", ("a", "b", "c")),), dependents={}
    )
    frame = pl.DataFrame(
        {"total": [12, 40, 50], "a": [2, 20, 20], "b": [7, 10, 20], "c": [3, 10, 10]}
    )
    result = disclosure.suppress(frame, spec, 5)
    assert result.frame.rows() == [
        (12, None, 7, None, ["a", "c"], ["a", "c"]),
        (40, None, 10, None, [], ["a", "c"]),
        (50, 20, 20, 10, [], []),
    ]
    assert result.hidden_totals == frozenset()
    totals = {c: int(frame[c].sum()) for c in spec.counts}
    assert (
        recovered_small_counts(
            result.frame, frame, spec.counts, totals, 5, relations=spec.relations
        )
        == []
    )


def test_a_single_group_hides_the_total_of_a_secondary_cell() -> None:
    # one group: inquiries 9 = 2 answered + 7 open. The 2 is small, so the 7 is hidden too
    # (else 9 − 7); but the column totals are the group's own cells, so the total of the
    # open ones must be hidden as well, or the headline would give 7 and then 2 back.
    frame = pl.DataFrame(
        {"inquiries": [9], "answered": [2], "open": [7], "open_overdue": [0],
         "answered_within_deadline": [2]}
    )  # fmt: skip
    result = disclosure.suppress(frame, disclosure.INQUIRIES, 5)
    assert result.frame["open"].to_list() == [None]
    assert result.hidden_totals == frozenset({"open"})


def breakdown(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "department": ["D"] * len(rows),
            "unit": [unit for unit, _, _ in rows],
            "documented_by": [who for _, who, _ in rows],
            "documented": [n for _, _, n in rows],
        }
    )


def groups_of(frame: pl.DataFrame, hidden: frozenset[str] = frozenset()) -> pl.DataFrame:
    """The metrics frame's rows for the breakdown's groups: their totals are shown."""
    units = frame["unit"].unique(maintain_order=True).to_list()
    return pl.DataFrame(
        {
            "department": ["D"] * len(units),
            "unit": units,
            "suppressed_counts": [["documented"] if u in hidden else [] for u in units],
        }
    )


def test_a_breakdown_is_protected_along_its_categories_too() -> None:
    """Issue 15, point 9: a suppressed cell must not come back from its row or its column
    total. Worked by hand: A documented 3 by hr and 20 by the employee, B 10 and 15, C 12
    and 30. The 3 is small; A's line (its total, 23, is shown) hides the 20 too. The
    category totals (hr 25, employee 65) are shown in the report's category tables: with
    only A's line protected, hr's 25 − 10 − 12 gives the 3 back. So hr's line hides the
    next-smallest, B's 10, and the employee's line B's 15; B's line then hides 10 + 15:
    safe. What a reader is left with is a + b = 13, c + d = 35, a + c = 23, b + d = 25,
    which holds for every a from 0 to 13."""
    frame = breakdown(
        [("A", "hr", 3), ("A", "employee", 20), ("B", "hr", 10), ("B", "employee", 15),
         ("C", "hr", 12), ("C", "employee", 30)]
    )  # fmt: skip
    shown = disclosure.suppress_breakdown(frame, "documented", groups_of(frame), 5)
    assert shown["documented"].to_list() == [None, None, None, None, 12, 30]
    assert shown["small_counts"].to_list() == [["documented"], [], [], [], [], []]
    assert shown["share"].to_list()[4:] == pytest.approx([12 / 42, 30 / 42])
    assert shown["share"].to_list()[:4] == [None] * 4
    # the category totals the report shows: both at least 5, neither hidden
    margin = disclosure.category_totals(frame, "documented_by", "documented", 5)
    assert margin.rows() == [("employee", 65, False), ("hr", 25, False)]


def test_a_small_category_total_is_a_hidden_margin() -> None:
    # hr is 1 + 2 = 3 over the view: the category tables hide it and employee's 60 with it
    # (one line: 63 − 60). In the breakdown hr's cells are small anyway, and the employee's
    # line, whose total is hidden, needs a hidden cell: A's is hidden by A's own line.
    frame = breakdown(
        [("A", "hr", 1), ("A", "employee", 25), ("B", "hr", 2), ("B", "employee", 35)]
    )
    margin = disclosure.category_totals(frame, "documented_by", "documented", 5)
    assert margin.rows() == [("employee", 60, True), ("hr", 3, True)]
    shown = disclosure.suppress_breakdown(frame, "documented", groups_of(frame), 5)
    assert shown["documented"].to_list() == [None, None, None, None]


def report_pair(con, **kwargs):
    return build_report(con, **kwargs), build_report(con, unsuppressed=True, **kwargs)


def test_the_checker_finds_the_small_counts_of_an_unsuppressed_report() -> None:
    # the fixture store: unit A1 has 3 incidents, 2 police reports (hand-worked in
    # tests/metrics/fixture.py); unsuppressed, its counts are shown and its rate gives them
    _, plain = report_pair(fixture_store(), by="unit")
    found = incident_recoveries(plain.incidents, plain.incidents, plain.totals, 5)
    assert any(line.startswith("police_reports of row 0 = 2") for line in found)
    hidden = plain.incidents.with_columns(pl.lit(None, dtype=pl.Int64).alias("police_reports"))
    # with the count alone hidden, the rate × police_report_known gives it back
    found = incident_recoveries(hidden, plain.incidents, plain.totals, 5)
    assert "police_reports of row 0 = 2, from police_report_rate × denominator" in found


@pytest.mark.parametrize("by", ["unit", "department"])
def test_no_small_count_is_recoverable_from_the_fixture_report(by) -> None:
    shown, plain = report_pair(fixture_store(), by=by)
    assert incident_recoveries(shown.incidents, plain.incidents, shown.totals, 5) == []
    assert inquiry_recoveries(shown.inquiries, plain.inquiries, shown.totals, 5) == []
    # the headline keeps the real totals, but for those hidden
    assert {c: v for c, v in shown.totals.items() if v is not None}.items() <= plain.totals.items()


@pytest.mark.parametrize("by", ["unit", "department"])
def test_no_small_count_is_recoverable_from_the_demo_report(by) -> None:
    con = store.connect(":memory:")
    data = generate_demo(2024)
    write_demo(con, "incidents", data.incidents, seed=2024)
    write_demo(con, "inquiries", data.inquiries, seed=2024)
    shown, plain = report_pair(con, by=by)
    assert incident_recoveries(shown.incidents, plain.incidents, shown.totals, 5) == []
    assert inquiry_recoveries(shown.inquiries, plain.inquiries, shown.totals, 5) == []
    # the checker is not idle here: the unsuppressed demo gives small counts back
    assert incident_recoveries(plain.incidents, plain.incidents, plain.totals, 5)
    by_type_totals = {c: v for c, v in shown.totals.items() if v is not None}
    assert (
        inquiry_recoveries(shown.inquiries_by_type, plain.inquiries_by_type, by_type_totals, 5)
        == []
    )


INQUIRY_ROW = st.tuples(
    st.integers(0, 12), st.integers(0, 12), st.integers(0, 12), st.integers(0, 12)
)


@settings(max_examples=150, deadline=None)
@given(st.lists(INQUIRY_ROW, min_size=1, max_size=8), st.integers(2, 6))
def test_no_generated_inquiry_frame_gives_a_small_count_back(rows, threshold) -> None:
    # answered, open, of the answered within the deadline, of the open overdue
    answered = [a for a, _, _, _ in rows]
    open_ = [o for _, o, _, _ in rows]
    within = [min(w, a) for (a, _, w, _) in rows]
    overdue = [min(d, o) for (_, o, _, d) in rows]
    decided = [a + d for a, d in zip(answered, overdue, strict=True)]
    frame = pl.DataFrame(
        {
            "inquiries": [a + o for a, o in zip(answered, open_, strict=True)],
            "answered": answered,
            "open": open_,
            "open_overdue": overdue,
            "answered_within_deadline": within,
            "share_within_deadline": [
                w / n if n else None for w, n in zip(within, decided, strict=True)
            ],
            "share_within_deadline_answered": [
                w / a if a else None for w, a in zip(within, answered, strict=True)
            ],
        }
    )
    totals = {c: int(frame[c].sum()) for c in disclosure.INQUIRIES.counts}
    result = disclosure.suppress(frame, disclosure.INQUIRIES, threshold)
    # the headline shows every total but the hidden ones
    totals = {c: v for c, v in totals.items() if c not in result.hidden_totals}
    assert inquiry_recoveries(result.frame, frame, totals, threshold) == []


def test_a_suppressed_group_has_no_verdict_figures() -> None:
    con = store.connect(":memory:")
    data = generate_demo(2024)
    write_demo(con, "incidents", data.incidents, seed=2024)
    write_demo(con, "inquiries", data.inquiries, seed=2024)
    shown, plain = report_pair(con, by="unit")
    figures = ("expected", "variance", "p", "p_adjusted", "oe_lower", "oe_upper")
    figures += ("oe_lower_unadjusted", "oe_upper_unadjusted")
    hidden_any = False
    for o in ("police_report", "warning", "documentation", "work_accident"):
        for c in (*(f"{o}_{f}" for f in figures), f"{o}_verdict"):
            assert c in disclosure.INCIDENTS.dependents
        count, known = disclosure.INCIDENTS.dependents[f"{o}_verdict"]
        for row in shown.incidents.iter_rows(named=True):
            if count in row["suppressed_counts"] or known in row["suppressed_counts"]:
                hidden_any = True
                assert row[f"{o}_verdict"] == disclosure.HIDDEN_VERDICT
                assert all(row[f"{o}_{f}"] is None for f in figures)
        named = {g["unit"] for g in shown.equal_treatment[f"{o}_rate"]["verdicts"]}
        small = {r["unit"] for r in plain.incidents.iter_rows(named=True) if 0 < r[count] < 5}
        assert not named & small
    assert hidden_any


def test_the_headline_adds_up_the_focus_rows() -> None:
    con = fixture_store()
    plain = build_report(con, unsuppressed=True, by="unit")
    department = plain.incidents["department"][0]
    focused = build_report(con, Filters(departments=(department,)), by="unit", unsuppressed=True)
    expected = int(focused.focus_incidents["incidents"].sum())
    assert focused.totals["incidents"] == expected
    shown = build_report(con, Filters(departments=(department,)), by="unit")
    assert shown.totals["incidents"] in (expected, None)
