"""Incident metrics per group: counts, rates with Wilson intervals, delays, and case-mix
adjusted observed/expected ratios by indirect standardisation.

Indirect standardisation: the analysed population (the groups shown) is split into strata of
harassment type × severity; each stratum's rate of an outcome is taken over the whole
population, and a group's expected count is the sum, over its incidents, of their stratum's
rate. Expected counts therefore add up to the observed total, and O/E > 1 means the group
does the thing more often than its own case mix predicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from dashboard import stats
from dashboard.metrics import registry
from dashboard.metrics.registry import OUTCOME_NAMES, Outcome

GROUP_KEYS = ["department", "unit"]
STRATUM_KEYS = ["harassment_type", "severity"]
FUNNEL_CONFIDENCES = (0.95, 0.998)


@dataclass(frozen=True)
class OutcomeColumns:
    """Column names of one outcome in the stratum query and the metrics frame."""

    count: str  # number of incidents where the thing was done
    known: str  # incidents where it is known whether it was done

    def rate(self, outcome: Outcome) -> str:
        return f"{outcome}_rate"


# Derived from the registry (dashboard.metrics.registry), where each outcome is declared.
OUTCOMES: tuple[Outcome, ...] = OUTCOME_NAMES
COLUMNS: dict[Outcome, OutcomeColumns] = {
    spec.name: OutcomeColumns(spec.count, spec.known) for spec in registry.OUTCOMES
}
COUNT_COLUMNS = registry.COUNT_COLUMNS
# Columns of dashboard/sql/incident_delays_by_group.sql (for reports that leave the delays out).
DELAY_SCHEMA: dict[str, type[pl.DataType]] = {
    "department": pl.String,
    "unit": pl.String,
    "police_report_dated": pl.Int64,
    "days_to_police_report_median": pl.Float64,
    "days_to_police_report_p90": pl.Float64,
    "work_accident_dated": pl.Int64,
    "days_to_work_accident_median": pl.Float64,
    "days_to_work_accident_p90": pl.Float64,
    "days_warning_to_police_median": pl.Float64,
    "police_with_prior_warning_dated": pl.Int64,
}
SUMMED_COLUMNS = registry.SUMMED_COLUMNS


def _signal(value: float, low95: float, high95: float, low998: float, high998: float) -> int:
    """+2/-2 outside the 99.8 % limits, +1/-1 outside 95 %, 0 inside (nan counts as inside)."""
    if np.isnan(value):
        return 0
    if value > high998:
        return 2
    if value < low998:
        return -2
    if value > high95:
        return 1
    if value < low95:
        return -1
    return 0


def _expected_part(outcome: Outcome, cols: OutcomeColumns) -> pl.Expr:
    """A stratum row's share of the group's expected count: its known incidents times the
    population rate of its stratum (0 where nothing is known in the stratum)."""
    rate = pl.col(cols.count).sum().over(STRATUM_KEYS) / pl.col(cols.known).sum().over(STRATUM_KEYS)
    return (pl.col(cols.known) * rate.fill_nan(0.0)).alias(f"{outcome}_expected")


def incident_metrics(
    strata: pl.DataFrame,
    delays: pl.DataFrame,
    *,
    adjust: Literal["holm", "fdr_bh"] = "holm",
    suppress_below: int = 5,
) -> pl.DataFrame:
    """One row per group with every incident metric.

    ``strata`` is the result of ``incident_outcomes_by_group_stratum``, ``delays`` of
    ``incident_delays_by_group``. P-values of the O/E tests are adjusted across the groups.
    """
    # One collect for the counts and expected counts, one for the result: on tables this
    # small, each Polars collect costs more than the arithmetic.
    groups = (
        strata.lazy()
        .with_columns(_expected_part(o, c) for o, c in COLUMNS.items())
        .group_by(GROUP_KEYS, maintain_order=True)  # a fixed order of summation: same floats
        .agg(
            *(pl.col(c).sum() for c in SUMMED_COLUMNS),
            *(pl.col(f"{o}_expected").sum() for o in COLUMNS),
        )
        .sort(GROUP_KEYS, nulls_last=True)
        .collect()
    )
    columns: dict[str, list[object]] = {}
    for outcome, cols in COLUMNS.items():
        count = groups[cols.count].to_numpy()
        known = groups[cols.known].to_numpy()
        expected = groups[f"{outcome}_expected"].to_numpy()
        total_count, total_known = int(count.sum()), int(known.sum())
        baseline = total_count / total_known if total_known else float("nan")
        rate = np.divide(count, known, out=np.full(len(count), np.nan), where=known > 0)
        ci_low, ci_high = stats.wilson_intervals(count, known)
        oe = np.divide(count, expected, out=np.full(len(count), np.nan), where=expected > 0)
        oe_low, oe_high = stats.oe_ratio_cis(count, expected)
        p = np.where(expected > 0, stats.poisson_exact_tests(count, expected), np.nan)
        rate_limits = {
            conf: stats.proportion_funnel_limits(baseline, np.maximum(known, 1), conf)
            if total_known
            else (np.full(len(count), np.nan), np.full(len(count), np.nan))
            for conf in FUNNEL_CONFIDENCES
        }
        oe_limits = {
            conf: stats.ratio_funnel_limits(np.maximum(expected, 1e-9), conf)
            for conf in FUNNEL_CONFIDENCES
        }
        columns[f"{outcome}_rate"] = list(rate)
        columns[f"{outcome}_rate_ci_low"] = list(ci_low)
        columns[f"{outcome}_rate_ci_high"] = list(ci_high)
        columns[f"{outcome}_oe"] = list(oe)
        columns[f"{outcome}_oe_ci_low"] = list(oe_low)
        columns[f"{outcome}_oe_ci_high"] = list(oe_high)
        columns[f"{outcome}_p"] = list(p)
        columns[f"{outcome}_p_adjusted"] = list(stats.adjust_p_values(p, method=adjust))
        columns[f"{outcome}_rate_baseline"] = [baseline] * len(count)
        columns[f"{outcome}_rate_signal"] = [
            _signal(r, lo95, hi95, lo998, hi998) if n > 0 else 0
            for r, n, lo95, hi95, lo998, hi998 in zip(
                rate, known, *rate_limits[0.95], *rate_limits[0.998], strict=True
            )
        ]
        columns[f"{outcome}_oe_signal"] = [
            _signal(r, lo95, hi95, lo998, hi998) if e > 0 else 0
            for r, e, lo95, hi95, lo998, hi998 in zip(
                oe, expected, *oe_limits[0.95], *oe_limits[0.998], strict=True
            )
        ]
    for share in registry.SHARES:
        part = groups[share.part].to_numpy()
        whole = sum((groups[c].to_numpy() for c in share.whole), np.zeros(groups.height, np.int64))
        columns[share.name] = list(
            np.divide(part, whole, out=np.full(len(part), np.nan), where=whole > 0)
        )
        if share.interval:
            low, high = stats.wilson_intervals(part, whole)
            columns[f"{share.name}_ci_low"] = list(low)
            columns[f"{share.name}_ci_high"] = list(high)
        if share.finding:
            baselines, signals = _share_signal(part, whole)
            columns[f"{share.name}_baseline"] = list(baselines)
            columns[f"{share.name}_signal"] = list(signals)
    statistics = pl.DataFrame(
        columns, schema={k: pl.Int64 if k.endswith("signal") else pl.Float64 for k in columns}
    )
    return (
        pl.concat([groups, statistics], how="horizontal")
        .lazy()
        .with_columns(pl.col(s.name).fill_nan(None) for s in registry.SHARES)
        .join(delays.lazy(), on=GROUP_KEYS, how="left", nulls_equal=True, maintain_order="left")
        .with_columns(small_counts=small_counts(COUNT_COLUMNS, suppress_below))
        .collect()
    )


def _share_signal(part: np.ndarray, whole: np.ndarray) -> tuple[list[float], list[int]]:
    """The share over all groups, and each group's funnel signal around it (exact binomial
    limits, as the rates' funnels; 0 for a group with no whole)."""
    total_part, total_whole = int(part.sum()), int(whole.sum())
    if not total_whole:
        return [float("nan")] * len(part), [0] * len(part)
    baseline = total_part / total_whole
    share = np.divide(part, whole, out=np.full(len(part), np.nan), where=whole > 0)
    limits = {
        conf: stats.proportion_funnel_limits(baseline, np.maximum(whole, 1), conf)
        for conf in FUNNEL_CONFIDENCES
    }
    signals = [
        _signal(r, lo95, hi95, lo998, hi998) if n > 0 else 0
        for r, n, lo95, hi95, lo998, hi998 in zip(
            share, whole, *limits[0.95], *limits[0.998], strict=True
        )
    ]
    return [baseline] * len(part), signals


def small_counts(count_columns: list[str], suppress_below: int) -> pl.Expr:
    """A list of the count columns whose value is from 1 to ``suppress_below`` − 1 (disclosure risk)."""
    return pl.concat_list(
        pl.when(pl.col(c).is_between(1, suppress_below - 1)).then(pl.lit(c)) for c in count_columns
    ).list.drop_nulls()


def totals(strata: pl.DataFrame) -> dict[str, int]:
    """Population totals of every count (for headline figures)."""
    if strata.is_empty():
        return dict.fromkeys(SUMMED_COLUMNS, 0)
    row = strata.select(pl.col(SUMMED_COLUMNS).sum()).row(0, named=True)
    return {k: int(v) for k, v in row.items()}
