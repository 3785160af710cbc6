"""Incident metrics per group: counts, rates with Wilson intervals, delays, and case-mix
adjusted observed/expected ratios by indirect standardisation.

Indirect standardisation: incidents are split into strata of harassment type × severity;
each stratum's rate of an outcome is taken over the *reference population* — the whole
municipality within the period, type, channel and severity filters, never narrowed by the
department/unit filter or the viewer's scope — and a group's expected count E is the sum,
over its incidents, of their stratum's rate. O/E > 1 means the group does the thing more
often than its own case mix predicts, against the municipality.

The verdict per group and outcome (``<outcome>_verdict``: higher, lower, as_expected,
too_few) is :func:`dashboard.stats.screen_oe` on the reference population's groups: the null
chosen by :func:`dashboard.stats.choose_null` (Poisson-binomial for common yes/no outcomes,
Poisson when rare), Spiegelhalter's over-dispersion check, Benjamini–Hochberg at 5 %. The
groups shown are tested against that same null, φ̂/τ̂² and family, so a unit's verdict does
not depend on who looks or on the focus. ``<outcome>_oe_signal`` and ``<outcome>_rate_signal``
are the verdict as ±2/0, for the charts' shapes; the crude rate limits are not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import stats as sps

from dashboard import stats
from dashboard.metrics import registry
from dashboard.metrics.registry import OUTCOME_NAMES, Outcome

GROUP_KEYS = ["department", "unit"]
STRATUM_KEYS = ["harassment_type", "severity"]
FUNNEL_CONFIDENCES = (0.95, 0.998)
VERDICT_SIGNAL = {"higher": 2, "lower": -2, "as_expected": 0, "too_few": 0}


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


@dataclass(frozen=True)
class OutcomeScreening:
    """How one outcome's verdicts were reached, over the reference population's groups."""

    outcome: Outcome
    null: Literal["poisson", "poisson_binomial"]
    overdispersion: stats.Overdispersion
    # the per-group confidence 1 − α* of the Benjamini–Hochberg screening: the funnel's level
    confidence: float
    # ΣV/ΣE over the reference (1 for the Poisson null): the variance per expected count
    # with which the funnel curve is drawn (each group's own limits use its own case mix)
    variance_ratio: float

    def as_dict(self) -> dict[str, Any]:
        """The screening as the CLI JSON and the export state it."""
        return {
            "null": self.null,
            "overdispersion": self.overdispersion.as_dict(),
            "verdict_confidence": self.confidence,
            "fdr": stats.SCREENING_FDR,
            "min_expected": stats.MIN_EXPECTED,
        }


def _grid(
    strata: pl.DataFrame, groups: pl.DataFrame, levels: pl.DataFrame, cols: OutcomeColumns
) -> tuple[np.ndarray, np.ndarray]:
    """Dense (groups × strata) arrays of "yes" and known incidents of one outcome."""
    g = groups.select(GROUP_KEYS).with_row_index("_g")
    s = levels.select(STRATUM_KEYS).with_row_index("_s")
    cells = (
        strata.select(*GROUP_KEYS, *STRATUM_KEYS, cols.count, cols.known)
        .join(g, on=GROUP_KEYS, nulls_equal=True)
        .join(s, on=STRATUM_KEYS, nulls_equal=True)
    )
    yes = np.zeros((g.height, s.height))
    known = np.zeros((g.height, s.height))
    at = (cells["_g"].to_numpy(), cells["_s"].to_numpy())
    np.add.at(yes, at, cells[cols.count].to_numpy())
    np.add.at(known, at, cells[cols.known].to_numpy())
    return yes, known


def _central_poisson(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """min(1, 2·min(P(X <= O), P(X >= O))), X ~ Poisson(E): the central p-value that
    :func:`dashboard.stats.screen_oe` uses for the Poisson null (``nan`` where E = 0)."""
    with np.errstate(invalid="ignore"):
        central = 2.0 * np.minimum(
            sps.poisson.cdf(observed, expected), sps.poisson.sf(observed - 1, expected)
        )
    return np.where(expected > 0, np.minimum(central, 1.0), np.nan)


@dataclass(frozen=True)
class _Tested:
    p_values: np.ndarray  # on the null, after the over-dispersion adjustment when used
    lower: np.ndarray  # the verdict's limits (adjusted when over-dispersion is significant)
    upper: np.ndarray
    lower_unadjusted: np.ndarray  # the same level on the null itself
    upper_unadjusted: np.ndarray


def _test_rows(
    observed: np.ndarray,
    expected: np.ndarray,
    variance: np.ndarray,
    rates: np.ndarray,
    known: np.ndarray,
    screening: OutcomeScreening,
) -> _Tested:
    """P-values and limits of the given groups on the reference's null, φ̂/τ̂² and level: the
    branches of :func:`dashboard.stats.screen_oe`, applied to groups that need not be the
    reference's own (a viewer's scoped groups)."""
    od, confidence = screening.overdispersion, screening.confidence
    if screening.null == "poisson_binomial":
        raw_p = stats.poisson_binomial_tests(observed, rates, known, two_sided="central")
        raw_low, raw_high = stats.poisson_binomial_funnel_limits(rates, known, confidence)
        v: np.ndarray | None = variance
    else:
        raw_p = _central_poisson(observed, expected)
        raw_low, raw_high = stats.ratio_funnel_limits(np.maximum(expected, 1e-9), confidence)
        v = None
    if od.method != "none":
        p = stats.oe_p_values_adjusted(observed, expected, od, v)
        low, high = stats.oe_funnel_limits_adjusted(expected, confidence, od, v)
    else:
        p, low, high = raw_p, raw_low, raw_high
    empty = expected <= 0
    return _Tested(
        p_values=np.where(empty, np.nan, p),
        lower=np.where(empty, np.nan, low),
        upper=np.where(empty, np.nan, high),
        lower_unadjusted=np.where(empty, np.nan, raw_low),
        upper_unadjusted=np.where(empty, np.nan, raw_high),
    )


def _family_q_values(
    shown_keys: list[tuple[object, ...]],
    p_values: np.ndarray,
    tested: np.ndarray,
    reference_keys: list[tuple[object, ...]],
    reference_p: np.ndarray,
    reference_tested: np.ndarray,
) -> np.ndarray:
    """Each shown group's Benjamini–Hochberg adjusted p-value within the reference's family:
    its own p-value in its group's place (added when the group is not among the reference's),
    so a group shown with the reference's own counts gets exactly the reference's q."""
    family = np.where(reference_tested, reference_p, np.nan)
    index = {key: i for i, key in enumerate(reference_keys)}
    q = np.full(len(shown_keys), np.nan)
    for row, key in enumerate(shown_keys):
        if not tested[row]:
            continue
        own = index.get(key)
        values = family.copy() if own is not None else np.append(family, np.nan)
        position = own if own is not None else values.size - 1
        values[position] = p_values[row]
        q[row] = stats.adjust_p_values(values, method="fdr_bh")[position]
    return q


def screen_outcome(
    reference: pl.DataFrame, outcome: Outcome, levels: pl.DataFrame
) -> tuple[OutcomeScreening, pl.DataFrame, np.ndarray, np.ndarray]:
    """One outcome's screening over the reference population's groups.

    Returns the screening, the reference's group keys, their p-values and which of them are
    tested (E >= :data:`dashboard.stats.MIN_EXPECTED`); the stratum rates are
    :func:`dashboard.stats.reference_rates` of the whole reference.
    """
    cols = COLUMNS[outcome]
    keys = reference.select(GROUP_KEYS).unique().sort(GROUP_KEYS, nulls_last=True)
    yes, known = _grid(reference, keys, levels, cols)
    rates = stats.reference_rates(yes, known)
    observed, expected = yes.sum(axis=1), known @ rates
    variance = known @ (rates * (1.0 - rates))
    null = stats.choose_null(expected, variance)
    pb = null == "poisson_binomial"
    result = stats.screen_oe(
        observed,
        expected,
        variance if pb else None,
        probabilities=rates if pb else None,
        counts=known if pb else None,
    )
    total_e = float(expected.sum())
    screening = OutcomeScreening(
        outcome=outcome,
        null=null,
        overdispersion=result.overdispersion,
        confidence=result.confidence,
        variance_ratio=float(variance.sum()) / total_e if pb and total_e > 0 else 1.0,
    )
    tested = (expected >= stats.MIN_EXPECTED) & np.isfinite(result.p_values)
    return screening, keys, result.p_values, tested


def _outcome_columns(
    shown: pl.DataFrame,
    groups: pl.DataFrame,
    reference: pl.DataFrame,
    levels: pl.DataFrame,
    outcome: Outcome,
) -> tuple[OutcomeScreening, dict[str, list[object]]]:
    """E, V, O/E, p, q, limits and verdict of one outcome for the groups shown."""
    cols = COLUMNS[outcome]
    screening, ref_keys, ref_p, ref_tested = screen_outcome(reference, outcome, levels)
    rates = stats.reference_rates(*_grid(reference, ref_keys, levels, cols))
    _, known = _grid(shown, groups, levels, cols)
    observed = groups[cols.count].to_numpy().astype(np.float64)
    expected = known @ rates
    variance = known @ (rates * (1.0 - rates))
    tested_rows = _test_rows(observed, expected, variance, rates, known, screening)
    is_tested = (expected >= stats.MIN_EXPECTED) & np.isfinite(tested_rows.p_values)
    q = _family_q_values(
        list(groups.select(GROUP_KEYS).iter_rows()),
        tested_rows.p_values,
        is_tested,
        list(ref_keys.iter_rows()),
        ref_p,
        ref_tested,
    )
    verdict = np.full(observed.shape, "as_expected", dtype="<U11")
    named = is_tested & (q <= stats.SCREENING_FDR)
    verdict[named & (observed > expected)] = "higher"
    verdict[named & (observed < expected)] = "lower"
    verdict[~is_tested] = "too_few"
    oe = np.divide(observed, expected, out=np.full(len(observed), np.nan), where=expected > 0)
    oe_low, oe_high = stats.oe_ratio_cis(observed, expected)
    signal = [VERDICT_SIGNAL[str(v)] for v in verdict]
    return screening, {
        f"{outcome}_expected": list(expected),
        f"{outcome}_variance": list(variance),
        f"{outcome}_oe": list(oe),
        f"{outcome}_oe_ci_low": list(oe_low),
        f"{outcome}_oe_ci_high": list(oe_high),
        f"{outcome}_p": list(tested_rows.p_values),
        f"{outcome}_p_adjusted": list(q),
        f"{outcome}_oe_lower": list(tested_rows.lower),
        f"{outcome}_oe_upper": list(tested_rows.upper),
        f"{outcome}_oe_lower_unadjusted": list(tested_rows.lower_unadjusted),
        f"{outcome}_oe_upper_unadjusted": list(tested_rows.upper_unadjusted),
        f"{outcome}_verdict": [str(v) for v in verdict],
        f"{outcome}_oe_signal": signal,
        f"{outcome}_rate_signal": signal,
    }


def incident_metrics(
    strata: pl.DataFrame,
    delays: pl.DataFrame,
    *,
    reference: pl.DataFrame | None = None,
    focus: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
    suppress_below: int = 5,
) -> tuple[pl.DataFrame, dict[Outcome, OutcomeScreening]]:
    """One row per group shown with every incident metric, and each outcome's screening.

    ``strata`` is the result of ``incident_outcomes_by_group_stratum`` for the groups shown,
    ``reference`` the same query for the reference population (default ``strata``: the
    groups shown are the whole municipality), ``delays`` of ``incident_delays_by_group``.
    ``focus`` (departments, units) marks the groups that pass both (as the filters do) in
    the ``focus`` column; they lead the frame. O/E, p-values and verdicts are those described in the module docstring.
    """
    reference = strata if reference is None else reference
    levels = (
        pl.concat([reference.select(STRATUM_KEYS), strata.select(STRATUM_KEYS)])
        .unique()
        .sort(STRATUM_KEYS, nulls_last=True)
    )
    groups = (
        strata.lazy()
        .group_by(GROUP_KEYS, maintain_order=True)  # a fixed order of summation: same floats
        .agg(*(pl.col(c).sum() for c in SUMMED_COLUMNS))
        .sort(GROUP_KEYS, nulls_last=True)
        .collect()
    )
    columns: dict[str, list[object]] = {}
    screenings: dict[Outcome, OutcomeScreening] = {}
    # baselines are the reference population's, as E is: a viewer's scope does not move them
    reference_totals = totals(reference)
    for outcome, cols in COLUMNS.items():
        count = groups[cols.count].to_numpy()
        known = groups[cols.known].to_numpy()
        total_count, total_known = reference_totals[cols.count], reference_totals[cols.known]
        baseline = total_count / total_known if total_known else float("nan")
        rate = np.divide(count, known, out=np.full(len(count), np.nan), where=known > 0)
        ci_low, ci_high = stats.wilson_intervals(count, known)
        columns[f"{outcome}_rate"] = list(rate)
        columns[f"{outcome}_rate_ci_low"] = list(ci_low)
        columns[f"{outcome}_rate_ci_high"] = list(ci_high)
        columns[f"{outcome}_rate_baseline"] = [baseline] * len(count)
        screenings[outcome], screened = _outcome_columns(strata, groups, reference, levels, outcome)
        columns.update(screened)
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
            baselines, signals = _share_signal(
                part,
                whole,
                reference_totals[share.part],
                sum(reference_totals[c] for c in share.whole),
            )
            columns[f"{share.name}_baseline"] = list(baselines)
            columns[f"{share.name}_signal"] = list(signals)

    def dtype(name: str) -> type[pl.DataType]:
        if name.endswith("signal"):
            return pl.Int64
        return pl.String if name.endswith("_verdict") else pl.Float64

    statistics = pl.DataFrame(columns, schema={k: dtype(k) for k in columns})
    departments, units = focus
    frame = (
        pl.concat([groups, statistics], how="horizontal")
        .lazy()
        .with_columns(pl.col(s.name).fill_nan(None) for s in registry.SHARES)
        .join(delays.lazy(), on=GROUP_KEYS, how="left", nulls_equal=True, maintain_order="left")
        .with_columns(
            small_counts=small_counts(COUNT_COLUMNS, suppress_below),
            # both filters must pass, as in the SQL filter macros; an empty one passes all
            focus=(pl.lit(not departments) | pl.col("department").is_in(list(departments)))
            & (pl.lit(not units) | pl.col("unit").is_in(list(units)).fill_null(False))
            & pl.lit(bool(departments or units)),
        )
        .sort("focus", descending=True, maintain_order=True)
        .collect()
    )
    return frame, screenings


def _share_signal(
    part: np.ndarray, whole: np.ndarray, total_part: int, total_whole: int
) -> tuple[list[float], list[int]]:
    """The share over the reference population (``total_part`` of ``total_whole``), and each
    group's funnel signal around it (exact binomial limits, as the rates' funnels; 0 for a
    group with no whole)."""
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
