"""The Kaplan–Meier curves of the Response times page never give a small department's
number of inquiries back (issue 15, point 9). Worked by hand."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.metrics.inquiries import kaplan_meier_curve


def durations(sizes: dict[str, int]) -> pl.DataFrame:
    """Every department's inquiries answered one a day (days 1, 2, …, n): a curve with a
    step of 1/n at each day, so the size of a drawn curve can be read off it."""
    rows = [(d, day, True, 1) for d, n in sizes.items() for day in range(1, n + 1)]
    return pl.DataFrame(
        rows,
        schema={
            "department": pl.String,
            "days": pl.Int64,
            "answered": pl.Boolean,
            "inquiries": pl.Int64,
        },
        orient="row",
    )


def drawn(curve: pl.DataFrame) -> dict[str, int]:
    """The departments drawn and the size each curve gives away (its number of steps)."""
    return {
        d: part.height - 1 for (d,), part in curve.group_by(["department"], maintain_order=True)
    }


def test_a_small_department_takes_the_next_smallest_curve_with_it() -> None:
    # 3 + 6 + 20 = 29 inquiries, the total the page shows. Leaving out only the 3 would let
    # 29 − 6 − 20 give it back from the steps of the two curves drawn; so the 6 goes too
    curve = kaplan_meier_curve(
        durations({"X": 3, "Y": 6, "Z": 20}), ["department"], suppress_below=5
    )
    assert drawn(curve) == {"Z": 20}
    # Z's curve: 1 at day 0, then 19/20, 18/20, … down to 0 at day 20
    z = curve.filter(pl.col("department") == "Z")
    assert z["unanswered"].to_list()[:3] == pytest.approx([1.0, 0.95, 0.90])
    assert z["unanswered"][-1] == pytest.approx(0.0)


def test_two_small_departments_that_reach_the_threshold_together_are_enough() -> None:
    # 2 + 3 = 5 left out: at least two and at least the threshold, so Y and Z are drawn
    curve = kaplan_meier_curve(
        durations({"V": 2, "W": 3, "Y": 6, "Z": 20}), ["department"], suppress_below=5
    )
    assert drawn(curve) == {"Y": 6, "Z": 20}


def test_without_small_departments_or_suppression_every_curve_is_drawn() -> None:
    assert drawn(
        kaplan_meier_curve(durations({"Y": 6, "Z": 20}), ["department"], suppress_below=5)
    ) == {
        "Y": 6,
        "Z": 20,
    }
    assert drawn(kaplan_meier_curve(durations({"X": 3, "Z": 20}), ["department"])) == {
        "X": 3,
        "Z": 20,
    }
