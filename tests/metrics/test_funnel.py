"""Funnel-limit curves: grid, nesting of the 95 % and 99.8 % limits, agreement with stats."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from dashboard import stats
from dashboard.metrics.funnel import CURVE_COLUMNS, funnel_curve


@pytest.mark.parametrize(
    ("baseline", "n_max", "kind"),
    [
        (0.2, 100, "proportion"),
        (0.03, 2500, "proportion"),
        (0.95, 40, "proportion"),
        (1.0, 60.5, "ratio"),
        (1.0, 3.0, "ratio"),
        (1.3, 200.0, "ratio"),
    ],
)
def test_limits_are_nested(baseline: float, n_max: float, kind: str) -> None:
    curve = funnel_curve(baseline, n_max, kind=kind)  # type: ignore[arg-type]
    assert curve.columns == CURVE_COLUMNS
    assert all(dtype == pl.Float64 for dtype in curve.dtypes)
    assert curve.null_count().sum_horizontal().item() == 0
    assert not curve.select(pl.all().is_nan().any()).row(0)[0]
    assert (curve["low95"] >= curve["low998"]).all()
    assert (curve["high95"] <= curve["high998"]).all()
    assert (curve["low95"] <= baseline).all() and (curve["high95"] >= baseline).all()
    assert curve["x"].is_sorted() and curve["x"].n_unique() == curve.height


def test_proportion_limits_match_stats() -> None:
    curve = funnel_curve(0.2, 100, kind="proportion")
    row = curve.filter(pl.col("x") == 100)
    assert row.height == 1
    low, high = stats.proportion_funnel_limits(0.2, 100, 0.95)
    assert row["low95"].item() == pytest.approx(low, abs=1e-12)
    assert row["high95"].item() == pytest.approx(high, abs=1e-12)
    low, high = stats.proportion_funnel_limits(0.2, 100, 0.998)
    assert row["low998"].item() == pytest.approx(low, abs=1e-12)
    assert row["high998"].item() == pytest.approx(high, abs=1e-12)


def test_proportion_grid_is_whole_numbers_from_one() -> None:
    curve = funnel_curve(0.2, 399.2, kind="proportion", points=50)
    x = curve["x"].to_numpy()
    assert x[0] == 1 and x[-1] == 400
    assert np.all(x == np.rint(x))
    assert curve.height <= 50
    # log spacing: at least a third of the points below the geometric midpoint (20)
    assert np.mean(x <= 20) > 1 / 3
    assert funnel_curve(0.5, 0.3, kind="proportion")["x"].to_list() == [1.0]


def test_ratio_grid_and_limits() -> None:
    curve = funnel_curve(1.0, 80.0, kind="ratio", points=30)
    x = curve["x"].to_numpy()
    assert curve.height == 30
    assert x[0] == pytest.approx(0.5) and x[-1] == pytest.approx(80.0)
    low, high = stats.ratio_funnel_limits(x, 0.998)
    np.testing.assert_allclose(curve["low998"].to_numpy(), low)
    np.testing.assert_allclose(curve["high998"].to_numpy(), high)
    assert funnel_curve(1.0, 2.0, kind="ratio")["x"][0] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline": 0.2, "n_max": 0.0, "kind": "proportion"}, "n_max"),
        ({"baseline": 0.2, "n_max": float("nan"), "kind": "proportion"}, "n_max"),
        ({"baseline": 1.2, "n_max": 10, "kind": "proportion"}, "baseline"),
        ({"baseline": 0.0, "n_max": 10, "kind": "ratio"}, "baseline"),
        ({"baseline": 0.2, "n_max": 10, "kind": "rate"}, "kind"),
        ({"baseline": 0.2, "n_max": 10, "kind": "proportion", "points": 1}, "points"),
    ],
)
def test_invalid_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        funnel_curve(**kwargs)  # type: ignore[arg-type]
