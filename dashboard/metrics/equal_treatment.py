"""Are comparable cases treated the same across the groups shown?

For each outcome: a Pearson chi-square test of homogeneity of the rates across groups (with
an exact or Monte Carlo p-value when expected counts are small) and, next to it, the
generalised Cochran–Mantel–Haenszel test of the same question within harassment type ×
severity strata; a Cochran–Mantel–Haenszel test of each group against the rest within those
strata (p-values adjusted across groups) with the Breslow–Day test of its common odds ratio;
and the groups whose verdict (``<outcome>_verdict``, see :mod:`dashboard.metrics.incidents`)
is higher or lower than their case mix predicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from dashboard import stats
from dashboard.metrics import registry
from dashboard.metrics.incidents import (
    COLUMNS,
    GROUP_KEYS,
    OUTCOMES,
    STRATUM_KEYS,
    Outcome,
    OutcomeScreening,
)


@dataclass(frozen=True)
class GroupFinding:
    """A group whose verdict for one outcome is ``higher`` or ``lower``, with its figures
    (``p_adjusted``: its Benjamini–Hochberg adjusted p-value)."""

    outcome: Outcome
    department: str
    unit: str | None
    observed: int
    expected: float
    ratio: float
    direction: Literal["high", "low"]
    p_adjusted: float
    # the level of the verdict's limits (its screening confidence), e.g. 0.996
    confidence: float = 0.998

    @property
    def name(self) -> str:
        """The group's display name: the unit, or the department."""
        return self.unit if self.unit is not None else self.department


@dataclass(frozen=True)
class RuleFinding:
    """A group whose share of a legal duty (e.g. work accidents notified among those that
    had to be) lies below the 99.8 % limits around the share over the reference population
    (the municipality, whatever the viewer's scope)."""

    share: str  # the registry's Share name
    department: str
    unit: str | None
    part: int  # e.g. notified among the required
    whole: int  # e.g. required (with a known notification)
    rate: float
    baseline: float

    @property
    def name(self) -> str:
        """The group's display name: the unit, or the department."""
        return self.unit if self.unit is not None else self.department


def rule_outliers(metrics: pl.DataFrame) -> list[RuleFinding]:
    """Groups below the 99.8 % limits of a share declared with ``finding`` in the registry,
    lowest share first."""
    findings = []
    for share in registry.SHARES:
        if not share.finding or metrics.is_empty():
            continue
        low = metrics.filter(pl.col(f"{share.name}_signal") == -2)
        for row in low.iter_rows(named=True):
            findings.append(
                RuleFinding(
                    share=share.name,
                    department=row["department"],
                    unit=row["unit"],
                    part=int(row[share.part]),
                    whole=int(sum(row[c] for c in share.whole)),
                    rate=float(row[share.name]),
                    baseline=float(row[f"{share.name}_baseline"]),
                )
            )
    return sorted(findings, key=lambda f: (f.share, f.rate))


def _finite(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def chi2_for(metrics: pl.DataFrame, outcome: Outcome) -> dict[str, Any]:
    """Chi-square test of homogeneity of one outcome's rate across the groups."""
    cols = COLUMNS[outcome]
    yes = metrics[cols.count].to_numpy()
    known = metrics[cols.known].to_numpy()
    result = stats.chi2_homogeneity(np.column_stack([yes, known - yes]))
    reported = result.exact_p_value if result.exact_p_value is not None else result.p_value
    return {
        "chi2": _finite(result.statistic),
        "dof": result.dof,
        "p_value": _finite(result.p_value),
        "small_expected": result.small_expected,
        "exact_p_value": _finite(result.exact_p_value)
        if result.exact_p_value is not None
        else None,
        "method": result.method,
        "reported_p_value": _finite(reported),
        "groups": int((known > 0).sum()),
    }


# Whether the CMH statistic of each group against the rest uses the 0.5 continuity
# correction. Uncorrected by default, as SAS PROC FREQ and statsmodels report it and as the
# generalised CMH test (the adjusted global test, which has no correction) reduces to for two
# groups; R's ``mantelhaen.test`` corrects by default (``correct = TRUE``). The choice is an
# option of :func:`dashboard.metrics.report.build_report` and ``metrics --cmh-correction``.
CMH_CONTINUITY_CORRECTION = False


def _group_stratum_counts(
    strata: pl.DataFrame, outcome: Outcome
) -> tuple[pl.DataFrame, np.ndarray]:
    """The groups (department, unit) in order and a dense groups × strata × (yes, no) array
    of one outcome's counts (harassment type × severity strata)."""
    cols = COLUMNS[outcome]
    groups = strata.select(GROUP_KEYS).unique(maintain_order=True).with_row_index("g")
    levels = strata.select(STRATUM_KEYS).unique(maintain_order=True).with_row_index("s")
    # A dense groups × strata grid of (yes, no), built with one join rather than a filter per group.
    grid = (
        groups.join(levels, how="cross")
        .join(
            strata.select(
                *GROUP_KEYS,
                *STRATUM_KEYS,
                yes=pl.col(cols.count),
                no=pl.col(cols.known) - pl.col(cols.count),
            ),
            on=[*GROUP_KEYS, *STRATUM_KEYS],
            how="left",
            nulls_equal=True,
        )
        .fill_null(0)
        .sort("g", "s")
    )
    shape = (groups.height, levels.height, 2)
    counts = grid.select("yes", "no").to_numpy().reshape(shape).astype(float)
    return groups.select(GROUP_KEYS), counts


CMH_SCHEMA = {
    "department": pl.String,
    "unit": pl.String,
    "statistic": pl.Float64,
    "p_value": pl.Float64,
    "pooled_odds_ratio": pl.Float64,
    "odds_ratio_ci_low": pl.Float64,
    "odds_ratio_ci_high": pl.Float64,
    # Breslow–Day (Tarone) test that the odds ratio is the same in every stratum
    "breslow_day_statistic": pl.Float64,
    "breslow_day_dof": pl.Int64,
    "breslow_day_p_value": pl.Float64,
}


def cmh_for(
    strata: pl.DataFrame,
    outcome: Outcome,
    *,
    adjust: Literal["holm", "fdr_bh"] = "holm",
    correction: bool = CMH_CONTINUITY_CORRECTION,
) -> pl.DataFrame:
    """Each group against the rest, within strata: CMH statistic (continuity-corrected when
    ``correction``), p, adjusted p, pooled odds ratio, and the Breslow–Day (Tarone) test of a
    common odds ratio across the strata, which the pooled odds ratio assumes."""
    groups, counts = _group_stratum_counts(strata, outcome)
    everyone = counts.sum(axis=0)  # strata × 2
    rows = []
    for g, (department, unit) in enumerate(groups.iter_rows()):
        tables = np.stack(
            [counts[g], everyone - counts[g]], axis=1
        )  # K × 2 × 2: this group, the rest
        result = stats.cmh_test(tables, correction=correction)
        homogeneity = stats.breslow_day_test(tables, tarone=True)
        rows.append(
            {
                "department": department,
                "unit": unit,
                "statistic": result.statistic,
                "p_value": result.p_value,
                "pooled_odds_ratio": result.pooled_odds_ratio,
                "odds_ratio_ci_low": result.odds_ratio_ci[0],
                "odds_ratio_ci_high": result.odds_ratio_ci[1],
                "breslow_day_statistic": homogeneity.statistic,
                "breslow_day_dof": homogeneity.dof if homogeneity.n_strata >= 2 else None,
                "breslow_day_p_value": homogeneity.p_value,
            }
        )
    frame = pl.DataFrame(rows, schema=CMH_SCHEMA)
    adjusted = stats.adjust_p_values(frame["p_value"].to_numpy(), method=adjust)
    return frame.with_columns(p_adjusted=pl.Series(adjusted, dtype=pl.Float64)).fill_nan(None)


def generalised_cmh_for(strata: pl.DataFrame, outcome: Outcome) -> dict[str, Any]:
    """The adjusted global test: the generalised CMH test of no association between group and
    outcome (yes/no) given harassment type × severity, over all groups shown at once — the
    crude chi-square's question with the case mix held fixed."""
    _, counts = _group_stratum_counts(strata, outcome)
    result = stats.generalised_cmh_test(np.moveaxis(counts, 0, 1))  # strata × groups × 2
    return {
        "statistic": _finite(result.statistic),
        "dof": result.dof or None,
        "p_value": _finite(result.p_value),
        "strata": result.n_strata,
    }


def outliers(
    metrics: pl.DataFrame, outcome: Outcome, screening: OutcomeScreening | None = None
) -> list[GroupFinding]:
    """Groups whose verdict is ``higher`` or ``lower``, most extreme O/E first."""
    verdict = f"{outcome}_verdict"
    named = metrics.filter(pl.col(verdict).is_in(["higher", "lower"]))
    findings = [
        GroupFinding(
            outcome=outcome,
            department=row["department"],
            unit=row["unit"],
            observed=int(row[COLUMNS[outcome].count]),
            expected=float(row[f"{outcome}_expected"]),
            ratio=float(row[f"{outcome}_oe"]),
            direction="high" if row[verdict] == "higher" else "low",
            p_adjusted=float(row[f"{outcome}_p_adjusted"]),
            confidence=screening.confidence if screening else 0.998,
        )
        for row in named.iter_rows(named=True)
    ]
    return sorted(findings, key=lambda f: -abs(math.log(f.ratio)) if f.ratio > 0 else -math.inf)


def equal_treatment(
    metrics: pl.DataFrame,
    strata: pl.DataFrame,
    screenings: dict[Outcome, OutcomeScreening] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per outcome rate: the chi-square result, how the verdicts were reached (null,
    ``overdispersion: {phi, p_value, tau2, method}``, level) and the groups named by them
    (the CMH tests per group are computed on demand: :meth:`MetricsReport.tests_with_cmh`)."""
    result: dict[str, dict[str, Any]] = {}
    for outcome in OUTCOMES:
        screening = screenings.get(outcome) if screenings else None
        result[f"{outcome}_rate"] = {
            **chi2_for(metrics, outcome),
            **(screening.as_dict() if screening else {}),
            "verdicts": verdicts_json(metrics, outcome, screening),
        }
    return result


def verdicts_json(
    metrics: pl.DataFrame, outcome: Outcome, screening: OutcomeScreening | None = None
) -> list[dict[str, Any]]:
    """The groups named by one outcome's verdicts, as JSON objects (from the frame given:
    in a suppressed one a group whose figures are hidden is not named)."""
    return [
        {
            "department": f.department,
            "unit": f.unit,
            "observed": f.observed,
            "expected": round(f.expected, 2),
            "oe": round(f.ratio, 3),
            "verdict": "higher" if f.direction == "high" else "lower",
            "p_adjusted": f.p_adjusted,
        }
        for f in outliers(metrics, outcome, screening)
    ]
