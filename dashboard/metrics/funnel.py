"""Funnel-plot control-limit curves, ready to draw (see ``dashboard.charts.funnel_plot``).

The limits themselves come from :mod:`dashboard.stats` (Spiegelhalter's interpolated exact
limits); this module only chooses the grid they are evaluated on.

* ``kind="proportion"``: x is the number of incidents n (the denominator of the share),
  whole numbers on a log-spaced grid from 1 to ``n_max`` (the binomial needs integer n);
  the limits are shares around ``baseline``.
* ``kind="ratio"``: x is the expected count E on a log-spaced grid from about 0.5 to
  ``n_max``; the limits are O/E ratios around ``baseline`` (normally 1.0: O ~ Poisson(θ·E),
  so the O/E limits are θ times the limits of ``stats.ratio_funnel_limits`` at θ·E).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import polars as pl

from dashboard import stats

__all__ = ["CURVE_COLUMNS", "funnel_curve", "verdict_curve"]

CURVE_COLUMNS = ["x", "low95", "high95", "low998", "high998"]
RATIO_X_MIN = 0.5


def funnel_curve(
    baseline: float,
    n_max: float,
    *,
    kind: Literal["proportion", "ratio"],
    points: int = 120,
) -> pl.DataFrame:
    """95 % and 99.8 % funnel limits on a grid of x values up to ``n_max``.

    Returns a frame with columns ``x, low95, high95, low998, high998`` (Float64), x ascending.
    For proportions the grid holds at most ``points`` distinct whole numbers (fewer when
    ``n_max`` is small) and always ends at ``ceil(n_max)``; for ratios it has exactly
    ``points`` values ending at ``n_max``.
    """
    if kind not in ("proportion", "ratio"):
        raise ValueError(f"kind must be 'proportion' or 'ratio', got {kind!r}")
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points!r}")
    if not math.isfinite(n_max) or n_max <= 0:
        raise ValueError(f"n_max must be a finite number > 0, got {n_max!r}")
    if not math.isfinite(baseline):
        raise ValueError(f"baseline must be finite, got {baseline!r}")

    if kind == "proportion":
        top = max(1, math.ceil(n_max))
        x = np.unique(np.rint(np.geomspace(1.0, float(top), points)))
        low95, high95 = stats.proportion_funnel_limits(baseline, x, 0.95)
        low998, high998 = stats.proportion_funnel_limits(baseline, x, 0.998)
    else:
        if baseline <= 0:
            raise ValueError(f"a ratio baseline must be > 0, got {baseline!r}")
        start = min(RATIO_X_MIN, n_max / 10.0)
        x = np.geomspace(start, float(n_max), points)
        low95, high95 = (baseline * v for v in stats.ratio_funnel_limits(baseline * x, 0.95))
        low998, high998 = (baseline * v for v in stats.ratio_funnel_limits(baseline * x, 0.998))

    return pl.DataFrame(
        {
            "x": x,
            "low95": low95,
            "high95": high95,
            "low998": low998,
            "high998": high998,
        },
        schema=dict.fromkeys(CURVE_COLUMNS, pl.Float64),
    )


def verdict_curve(
    n_max: float,
    *,
    confidence: float,
    null: Literal["poisson", "poisson_binomial"],
    variance_ratio: float,
    overdispersion: stats.Overdispersion | None,
    points: int = 120,
) -> pl.DataFrame:
    """O/E limits of an outcome's verdict against E, in the columns of :func:`funnel_curve`:
    ``low998``/``high998`` at the verdict's own level ``confidence`` and ``low95``/``high95``
    at 95 %, both on the outcome's null and, unless ``overdispersion`` is None or its method
    "none", widened for over-dispersion.

    The Poisson null's unadjusted limits are the exact ones (:func:`stats.ratio_funnel_limits`).
    A Poisson-binomial group's limits depend on its case mix, not on E alone: the curve uses
    the normal limits with V = ``variance_ratio`` · E, the reference's average variance per
    expected count, so a point near the curve may fall on either side of its own exact limit;
    the verdict uses each group's own limits.
    """
    if not math.isfinite(n_max) or n_max <= 0:
        raise ValueError(f"n_max must be a finite number > 0, got {n_max!r}")
    start = min(RATIO_X_MIN, n_max / 10.0)
    x = np.geomspace(start, float(n_max), points)
    variance = None if null == "poisson" else variance_ratio * x
    adjusted = overdispersion is not None and overdispersion.method != "none"

    def limits(level: float) -> tuple[np.ndarray, np.ndarray]:
        if adjusted or variance is not None:
            return stats.oe_funnel_limits_adjusted(
                x, level, overdispersion if adjusted else None, variance
            )
        return stats.ratio_funnel_limits(x, level)

    low95, high95 = limits(0.95)
    low, high = limits(confidence)
    return pl.DataFrame(
        {"x": x, "low95": low95, "high95": high95, "low998": low, "high998": high},
        schema=dict.fromkeys(CURVE_COLUMNS, pl.Float64),
    )
