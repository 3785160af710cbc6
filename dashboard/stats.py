"""Thin, typed statistics layer over scipy and statsmodels.

The dashboard and analysts' notebooks use these helpers for the
equal-treatment and case-handling statistics: confidence intervals for
proportions and counts, funnel-plot control limits, tests of homogeneity
across groups (with and without stratification), multiple-testing
adjustment and Kaplan–Meier estimates of time to case closure; and for
equal treatment the Poisson-binomial null of yes/no outcomes,
Spiegelhalter's over-dispersion check and one verdict per group.

Everything that scipy or statsmodels already provides is delegated to
them; the few things computed here (Spiegelhalter's interpolated funnel
limits, R's two-sided exact Poisson p-value, R's Monte Carlo chi-square
p-value, the Poisson-binomial distribution from per-stratum counts, the
generalised CMH test, survfit's median and its interval) are explained
where they are computed.

Conventions
-----------
* ``confidence`` is a two-sided coverage, e.g. ``0.95`` or ``0.998``.
* Empty or undefined inputs give ``nan`` rather than raising, so a
  dashboard tile with no data shows "–" instead of crashing; malformed
  inputs (negative counts, ``successes > trials``, confidence outside
  (0, 1)) raise ``ValueError``.

Usage
-----
>>> from dashboard import stats
>>> lo, hi = stats.wilson_interval(81, 263)
>>> round(lo, 4), round(hi, 4)
(0.2553, 0.3662)
>>> res = stats.chi2_homogeneity([[762, 327, 468], [484, 239, 477]])
>>> round(res.statistic, 2), res.dof, res.method
(30.07, 2, 'pearson_chi2')
>>> lower, upper = stats.proportion_funnel_limits(0.2, [25, 100, 400], confidence=0.998)
>>> [round(float(x), 3) for x in upper]
[0.458, 0.327, 0.263]
>>> stats.kaplan_meier_median_ci([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1]).median
3.0
>>> round(float(stats.poisson_binomial_tests([682], [0.75], [[925]])[0]), 4)
0.3825
>>> stats.verdicts([30, 5, 12], [15.0, 12.0, 3.0], [0.0004, 0.01, 0.2]).tolist()
['higher', 'lower', 'too_few']
>>> stats.kaplan_meier_median_ci([1, 2, 3, 4], [1, 1, 1, 1]).median
2.5
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps
from scipy.special import gammaln, pdtr, pdtrc, xlogy
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

__all__ = [
    "MIN_EXPECTED",
    "SCREENING_FDR",
    "VERDICTS",
    "BreslowDayResult",
    "CMHResult",
    "Chi2Result",
    "GeneralisedCMHResult",
    "KaplanMeier",
    "MedianSurvival",
    "Overdispersion",
    "Screening",
    "adjust_p_values",
    "breslow_day_test",
    "chi2_homogeneity",
    "choose_null",
    "cmh_test",
    "generalised_cmh_test",
    "kaplan_meier",
    "kaplan_meier_median_ci",
    "kaplan_meier_median_ci_from_counts",
    "monte_carlo_chi2_p_value",
    "oe_funnel_limits_adjusted",
    "oe_p_values_adjusted",
    "oe_ratio_ci",
    "oe_z_scores",
    "overdispersion",
    "poisson_binomial_funnel_limits",
    "poisson_binomial_normal_tests",
    "poisson_binomial_pmf",
    "poisson_binomial_tests",
    "poisson_exact_ci",
    "poisson_exact_test",
    "proportion_funnel_limits",
    "quantile_from_counts",
    "ratio_funnel_limits",
    "reference_rates",
    "screen_oe",
    "screening_confidence",
    "unit_vs_rest_moments",
    "verdicts",
    "wilson_interval",
    "winsorise",
]

FloatArray = NDArray[np.float64]
FloatOrArray = float | FloatArray

NAN = float("nan")

# The levels and the rule behind the verdicts, declared once: the functions take them as
# defaults, and the report's method appendix states them (with SCREENING_FDR and
# MIN_EXPECTED, below).
INTERVAL_CONFIDENCE = 0.95  # every interval's level: Wilson, exact Poisson, CMH, Kaplan–Meier
NULL_MAX_RATE = 0.1  # choose_null: the Poisson null when Σp²/Σp is at most this
WINSOR_FRACTION = 0.1  # overdispersion: the share of z-scores winsorised at each end
OVERDISPERSION_ALPHA = 0.05  # screen_oe: the limits are widened when φ's p-value is below
OVERDISPERSION_ADJUSTMENT: Literal["multiplicative", "additive"] = "additive"
MONTE_CARLO_TABLES = 2000  # chi2_homogeneity: simulated tables when expected counts are small


# --------------------------------------------------------------------------- helpers


def _check_confidence(confidence: float) -> None:
    if not (0.0 < confidence < 1.0):
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def _check_count(name: str, value: float) -> int:
    """Validate a non-negative integer count (accepts 3.0 but not 3.5)."""
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _counts_array(table: ArrayLike, ndim: int, name: str) -> FloatArray:
    arr = np.asarray(table, dtype=np.float64)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must contain finite, non-negative counts")
    return arr


def _as_output(values: FloatArray, scalar: bool) -> FloatOrArray:
    return float(values.reshape(-1)[0]) if scalar else values


def _spiegelhalter_limits(
    dist: sps.rv_discrete, confidence: float, *shape: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """Interpolated lower and upper quantiles at tail probability (1 - confidence)/2 of a
    discrete distribution with parameters ``shape`` (vectorised over them).

    Spiegelhalter (2005), Stat Med 24:1185–1202, Appendix A.1.1:
    r_p = smallest r with P(R <= r) >= p (scipy's ``ppf``);
    alpha = (P(R <= r_p) - p) / (P(R <= r_p) - P(R <= r_p - 1));
    returns r_p - alpha, i.e. a continuous quantile that removes the
    "saw-tooth" of discrete control limits.

    Computed here because neither scipy nor statsmodels offers this
    interpolation. Two numerical details, both mathematically identical to
    the published formula: the denominator is the pmf at r_p (no
    subtraction of two numbers close to 1), and for upper quantiles the
    numerator is evaluated as (1 - p) - P(R > r_p) with the survival
    function, again to avoid cancellation near 1. The result is continuous
    in p across jumps of r_p, so an off-by-one ``ppf`` at a boundary
    (floating point) changes the limit only negligibly.

    Both quantiles are computed in one call of each scipy method, and the distribution is not
    frozen (freezing builds a docstring): a page computes 16 pairs of limits, and scipy's
    per-call overhead was most of its statistics time.
    """
    p_low = (1.0 - confidence) / 2.0
    p = np.array([[p_low], [1.0 - p_low]])  # rows: lower, upper; broadcast over shape
    r = np.asarray(dist.ppf(p, *shape), dtype=np.float64)
    numerator = np.where(p < 0.5, dist.cdf(r, *shape) - p, (1.0 - p) - dist.sf(r, *shape))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = numerator / dist.pmf(r, *shape)
    # No count lies below 0: where r_p = 0 the interpolation would (P(R <= -1) = 0), e.g. an
    # upper 95 % limit of -1.14 for O/E at E = 0.0118, which put a group with no events above
    # its limits.
    quantiles = np.maximum(np.asarray(r - alpha, dtype=np.float64), 0.0)
    return quantiles[0], quantiles[1]


# --------------------------------------------------------------------------- intervals


def wilson_interval(
    successes: int, trials: int, confidence: float = INTERVAL_CONFIDENCE
) -> tuple[float, float]:
    """Wilson score confidence interval for a binomial proportion.

    Parameters
    ----------
    successes, trials : int
        Number of "successes" (e.g. incidents reported to the police) out of
        ``trials`` (e.g. all incidents); ``0 <= successes <= trials``.
    confidence : float
        Two-sided coverage, default 0.95.

    Returns
    -------
    (lower, upper) : tuple of float
        Interval for the proportion, within [0, 1]; ``(nan, nan)`` when
        ``trials == 0``.

    Method
    ------
    Wilson (1927) score interval without continuity correction, as computed
    by ``statsmodels.stats.proportion.proportion_confint(method="wilson")``;
    this is "method 3" in Newcombe (1998), Stat Med 17:857–872, which
    recommends it over the Wald interval for small counts.
    """
    _check_confidence(confidence)
    k = _check_count("successes", successes)
    n = _check_count("trials", trials)
    if k > n:
        raise ValueError(f"successes ({k}) cannot exceed trials ({n})")
    if n == 0:
        return NAN, NAN
    lower, upper = proportion_confint(k, n, alpha=1.0 - confidence, method="wilson")
    return float(lower), float(upper)


def poisson_exact_ci(observed: int, confidence: float = INTERVAL_CONFIDENCE) -> tuple[float, float]:
    """Exact (Garwood) confidence interval for the mean of a Poisson count.

    Parameters
    ----------
    observed : int
        Observed count, >= 0.
    confidence : float
        Two-sided coverage, default 0.95.

    Returns
    -------
    (lower, upper) : tuple of float
        Interval for the Poisson mean; the lower limit is 0 when
        ``observed == 0``.

    Method
    ------
    Garwood (1936), Biometrika 28:437–442: the central interval
    ``[chi2.ppf(a/2, 2O) / 2, chi2.ppf(1 - a/2, 2O + 2) / 2]``, computed by
    ``statsmodels.stats.rates.confint_poisson(method="exact-c")``. This is
    the interval reported by R's ``poisson.test``.
    """
    _check_confidence(confidence)
    o = _check_count("observed", observed)
    lower, upper = confint_poisson(o, 1.0, method="exact-c", alpha=1.0 - confidence)
    return float(lower), float(upper)


def oe_ratio_ci(
    observed: int, expected: float, confidence: float = INTERVAL_CONFIDENCE
) -> tuple[float, float]:
    """Exact confidence interval for an observed/expected ratio (O/E, SMR-type).

    Parameters
    ----------
    observed : int
        Observed count O, >= 0.
    expected : float
        Expected count E under the reference rates, treated as fixed
        (indirect standardisation); must be > 0, otherwise ``(nan, nan)``.
    confidence : float
        Two-sided coverage, default 0.95.

    Returns
    -------
    (lower, upper) : tuple of float
        The Garwood interval of :func:`poisson_exact_ci` divided by E
        (Breslow & Day (1987), *Statistical Methods in Cancer Research*
        vol. II, §2.3), via ``confint_poisson(O, exposure=E, method="exact-c")``.
    """
    _check_confidence(confidence)
    o = _check_count("observed", observed)
    if not math.isfinite(expected) or expected < 0:
        raise ValueError(f"expected must be a finite number >= 0, got {expected!r}")
    if expected == 0:
        return NAN, NAN
    lower, upper = confint_poisson(o, float(expected), method="exact-c", alpha=1.0 - confidence)
    return float(lower), float(upper)


def wilson_intervals(
    successes: ArrayLike, trials: ArrayLike, confidence: float = INTERVAL_CONFIDENCE
) -> tuple[FloatArray, FloatArray]:
    """:func:`wilson_interval` for many groups at once (nan where trials is 0)."""
    _check_confidence(confidence)
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    low = np.full(n.shape, np.nan)
    high = np.full(n.shape, np.nan)
    some = n > 0
    if some.any():
        lo, hi = proportion_confint(k[some], n[some], alpha=1.0 - confidence, method="wilson")
        low[some], high[some] = lo, hi
    return low, high


def oe_ratio_cis(
    observed: ArrayLike, expected: ArrayLike, confidence: float = INTERVAL_CONFIDENCE
) -> tuple[FloatArray, FloatArray]:
    """:func:`oe_ratio_ci` for many groups at once (nan where expected is 0)."""
    _check_confidence(confidence)
    o = np.asarray(observed, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    low = np.full(e.shape, np.nan)
    high = np.full(e.shape, np.nan)
    some = e > 0
    if some.any():
        lo, hi = confint_poisson(o[some], e[some], method="exact-c", alpha=1.0 - confidence)
        low[some], high[some] = lo, hi
    return low, high


# --------------------------------------------------------------------------- funnel limits


@overload
def proportion_funnel_limits(
    baseline: float,
    trials: int | float,
    confidence: float,
    method: Literal["exact", "normal"] = "exact",
) -> tuple[float, float]: ...
@overload
def proportion_funnel_limits(
    baseline: float,
    trials: ArrayLike,
    confidence: float,
    method: Literal["exact", "normal"] = "exact",
) -> tuple[FloatArray, FloatArray]: ...
def proportion_funnel_limits(
    baseline: float,
    trials: int | ArrayLike,
    confidence: float,
    method: Literal["exact", "normal"] = "exact",
) -> tuple[FloatOrArray, FloatOrArray]:
    """Funnel-plot control limits for a proportion around a target proportion.

    Parameters
    ----------
    baseline : float
        Target (e.g. municipality-wide) proportion θ in [0, 1].
    trials : int or array_like
        Denominator(s) n at which to evaluate the limits (vectorised).
        Entries ``<= 0`` give ``nan``.
    confidence : float
        Two-sided coverage of the limits, typically 0.95 ("2 sigma") and
        0.998 ("3 sigma").
    method : {"exact", "normal"}
        ``"exact"`` (default): exact binomial limits with Spiegelhalter's
        interpolation. ``"normal"``: θ ± z·sqrt(θ(1-θ)/n).

    Returns
    -------
    (lower, upper)
        Limits as fractions clipped to [0, 1]; floats when ``trials`` is a
        scalar, otherwise float arrays of the same shape.

    Method
    ------
    Spiegelhalter DJ (2005) "Funnel plots for comparing institutional
    performance", Stat Med 24:1185–1202, Appendix A.1.1: with
    R ~ Binomial(n, θ) and p = (1-confidence)/2 for the lower limit and
    1-(1-confidence)/2 for the upper, r_p = binom.ppf(p, n, θ),
    α = (F(r_p) - p) / (F(r_p) - F(r_p - 1)) and limit = (r_p - α)/n.
    A unit whose observed proportion lies outside the limits differs from
    the target at the stated level (without multiplicity adjustment).

    The interpolated limit for r_p lies in (r_p - 1, r_p], so a unit
    observed exactly at r_p can plot just outside the limit even though
    P(R >= r_p) exceeds the nominal tail; this is inherent to the published
    method (it trades exactness for smooth limits). For θ = 0 or 1 the
    limits are θ itself.

    Note: PHEindicatormethods' ``phe_funnels`` / ``calculate_funnel_limits``
    use Wilson-score-based limits for proportions instead; the two agree
    closely except at small n.
    """
    _check_confidence(confidence)
    if not (0.0 <= baseline <= 1.0):
        raise ValueError(f"baseline must be in [0, 1], got {baseline!r}")
    if method not in ("exact", "normal"):
        raise ValueError(f"method must be 'exact' or 'normal', got {method!r}")
    scalar = np.ndim(trials) == 0
    n = np.atleast_1d(np.asarray(trials, dtype=np.float64))
    valid = n > 0
    n_safe = np.where(valid, n, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "exact":
            r_low, r_high = _spiegelhalter_limits(sps.binom, confidence, n_safe, baseline)
            lower, upper = r_low / n_safe, r_high / n_safe
        else:
            z = float(sps.norm.ppf(1.0 - (1.0 - confidence) / 2.0))
            half = z * np.sqrt(baseline * (1.0 - baseline) / n_safe)
            lower = baseline - half
            upper = baseline + half

    if baseline in (0.0, 1.0):
        # Degenerate Binomial: every unit has proportion exactly θ. The
        # interpolation would put the limits strictly inside (n-1)/n..1 for
        # θ = 1 and flag every unit, so return θ itself.
        lower = np.full_like(n_safe, baseline)
        upper = np.full_like(n_safe, baseline)
    lower = np.where(valid, np.clip(lower, 0.0, 1.0), np.nan)
    upper = np.where(valid, np.clip(upper, 0.0, 1.0), np.nan)
    return _as_output(lower, scalar), _as_output(upper, scalar)


@overload
def ratio_funnel_limits(expected: float, confidence: float) -> tuple[float, float]: ...
@overload
def ratio_funnel_limits(
    expected: ArrayLike, confidence: float
) -> tuple[FloatArray, FloatArray]: ...
def ratio_funnel_limits(
    expected: float | ArrayLike, confidence: float
) -> tuple[FloatOrArray, FloatOrArray]:
    """Funnel-plot control limits for an observed/expected (O/E) ratio.

    Parameters
    ----------
    expected : float or array_like
        Expected count(s) E under the reference rates (vectorised); entries
        ``<= 0`` give ``nan``.
    confidence : float
        Two-sided coverage, typically 0.95 or 0.998.

    Returns
    -------
    (lower, upper)
        Limits for O/E around the target ratio 1; floats for a scalar
        ``expected``, else float arrays. The lower limit is clipped at 0.

    Method
    ------
    Under the null O ~ Poisson(E). Exact Poisson quantiles with the same
    interpolation as :func:`proportion_funnel_limits` (Spiegelhalter 2005,
    Stat Med 24:1185–1202, Appendix A.1.2), divided by E:
    r_p = poisson.ppf(p, E), α = (F(r_p) - p) / (F(r_p) - F(r_p - 1)),
    limit = (r_p - α)/E.
    """
    _check_confidence(confidence)
    scalar = np.ndim(expected) == 0
    e = np.atleast_1d(np.asarray(expected, dtype=np.float64))
    valid = e > 0
    e_safe = np.where(valid, e, 1.0)
    r_low, r_high = _spiegelhalter_limits(sps.poisson, confidence, e_safe)
    lower, upper = r_low / e_safe, r_high / e_safe
    lower = np.where(valid, np.maximum(lower, 0.0), np.nan)
    upper = np.where(valid, upper, np.nan)
    return _as_output(lower, scalar), _as_output(upper, scalar)


# --------------------------------------------------------------------------- tests


def poisson_exact_test(observed: int, expected: float) -> float:
    """Two-sided exact p-value for an observed count against Poisson(expected).

    Parameters
    ----------
    observed : int
        Observed count O, >= 0.
    expected : float
        Expected count E >= 0 under the null hypothesis.

    Returns
    -------
    float
        Two-sided p-value in [0, 1].

    Method
    ------
    The "minimum likelihood" two-sided p-value of R's ``poisson.test``
    (R Core Team, ``stats`` package; Fay (2010) R Journal 2(1):53–58): the sum
    of P(X = k) over all k with P(X = k) <= P(X = O)·(1 + 1e-7), X ~ Poisson(E);
    the relative tolerance keeps ties that differ only by rounding. If
    E == 0 the p-value is 1 when O == 0 and 0 otherwise.

    Computed here because statsmodels' ``test_poisson(method="exact-c")``
    uses the doubled smaller tail (central method) and scipy has no one-sample
    Poisson test; the tail sums use ``scipy.stats.poisson``.
    """
    o = _check_count("observed", observed)
    if not math.isfinite(expected) or expected < 0:
        raise ValueError(f"expected must be a finite number >= 0, got {expected!r}")
    return float(poisson_exact_tests(np.array([o]), np.array([float(expected)]))[0])


def _poisson_logpmf(k: FloatArray, mu: FloatArray) -> FloatArray:
    """log P(X = k) for X ~ Poisson(mu), elementwise (mu > 0, k >= 0)."""
    return np.asarray(xlogy(k, mu) - mu - gammaln(k + 1.0), dtype=np.float64)


def poisson_exact_tests(observed: ArrayLike, expected: ArrayLike) -> FloatArray:
    """:func:`poisson_exact_test` for many (O, E) pairs at once.

    The same rule as R's ``poisson.test``: the other tail holds the k whose probability is
    at most P(X = O)·(1 + 1e-7). R walks that tail with ``dpois`` over a range of k; here
    the tail's edge is found by bisection on the log-probability, for every pair at once,
    and the tails are summed with ``scipy.special.pdtr``/``pdtrc`` (the Poisson cdf and
    survival function as ufuncs). Vectorised because a page tests every group for every
    outcome on each rerun, and scipy's distribution objects cost about 1 ms per call.
    """
    o = np.asarray(observed, dtype=np.float64)
    m = np.asarray(expected, dtype=np.float64)
    o, m = np.broadcast_arrays(o, m)
    out = np.full(o.shape, np.nan)
    zero = m == 0
    out[zero] = np.where(o[zero] == 0, 1.0, 0.0)
    equal = ~zero & (o == m)
    out[equal] = 1.0
    below = ~zero & ~equal & (o < m)
    above = ~zero & ~equal & (o > m)
    with np.errstate(divide="ignore", invalid="ignore"):
        if below.any():
            ob, mb = o[below], m[below]
            logd = _poisson_logpmf(ob, mb) + np.log1p(1e-7)
            lo = np.ceil(mb)
            hi = np.maximum(np.ceil(2.0 * mb - ob), lo)
            while True:  # grow hi until pmf(hi) <= d, as R does
                grow = _poisson_logpmf(hi, mb) > logd
                if not grow.any():
                    break
                hi = np.where(grow, hi * 2.0 + 1.0, hi)
            while (lo < hi).any():  # smallest k >= ceil(m) with pmf(k) <= d
                mid = np.floor((lo + hi) / 2.0)
                ok = _poisson_logpmf(mid, mb) <= logd
                hi = np.where(ok & (lo < hi), mid, hi)
                lo = np.where(~ok & (lo < hi), mid + 1.0, lo)
            out[below] = pdtr(ob, mb) + pdtrc(lo - 1.0, mb)
        if above.any():
            oa, ma = o[above], m[above]
            logd = _poisson_logpmf(oa, ma) + np.log1p(1e-7)
            lo = np.zeros_like(ma)
            hi = np.floor(ma) + 1.0  # sentinel: treated as pmf > d
            while (lo < hi).any():  # y = the smallest k in [0, floor(m)] with pmf(k) > d
                mid = np.floor((lo + hi) / 2.0)
                greater = (_poisson_logpmf(mid, ma) > logd) | (mid > np.floor(ma))
                hi = np.where(greater & (lo < hi), mid, hi)
                lo = np.where(~greater & (lo < hi), mid + 1.0, lo)
            lower_tail = np.where(lo > 0, pdtr(lo - 1.0, ma), 0.0)
            out[above] = lower_tail + pdtrc(oa - 1.0, ma)
    return np.minimum(out, 1.0)


@dataclass(frozen=True)
class Chi2Result:
    """Result of :func:`chi2_homogeneity`.

    Attributes
    ----------
    statistic, p_value, dof
        Pearson X² (no continuity correction), its asymptotic chi-square
        p-value and degrees of freedom ((r-1)(c-1) of the reduced table).
    min_expected
        Smallest expected count under homogeneity.
    small_expected
        Cochran's rule is violated: more than 20 % of expected counts are
        below 5, or any is below 1 (Cochran 1954, Biometrics 10:417–451).
    exact_p_value
        Only when ``small_expected``: Fisher's exact p-value for a 2×2 table,
        otherwise a Monte Carlo p-value (see
        :func:`monte_carlo_chi2_p_value`); ``None`` otherwise.
    method
        Which p-value to report: ``"pearson_chi2"`` (use ``p_value``),
        ``"fisher_exact"`` or ``"monte_carlo_chi2"`` (use ``exact_p_value``),
        or ``"not_testable"`` (fewer than two non-empty rows or columns).
    n_simulations, seed
        Monte Carlo settings used (for reproducibility).
    dropped_rows
        Indices (in the input) of rows removed because their total was 0.
    """

    statistic: float
    p_value: float
    dof: int
    min_expected: float
    small_expected: bool
    exact_p_value: float | None
    method: str
    n_simulations: int = 0
    seed: int | None = None
    dropped_rows: tuple[int, ...] = field(default=())

    @property
    def reported_p_value(self) -> float:
        """The p-value that ``method`` says to report."""
        return self.exact_p_value if self.exact_p_value is not None else self.p_value


def _pearson_statistic(observed: FloatArray, expected: FloatArray) -> FloatArray:
    """Pearson X² over the last two axes (works on a stack of tables)."""
    return np.asarray(((observed - expected) ** 2 / expected).sum(axis=(-2, -1)))


def monte_carlo_chi2_p_value(
    table: ArrayLike, n_simulations: int = MONTE_CARLO_TABLES, seed: int = 0
) -> float:
    """Monte Carlo p-value for Pearson's X² with both margins fixed.

    Parameters
    ----------
    table : array_like, shape (r, c)
        Counts with no all-zero row or column (see :func:`chi2_homogeneity`,
        which removes them).
    n_simulations : int
        Number B of simulated tables (R's default is 2000).
    seed : int
        Seed for ``numpy.random.default_rng``; the same seed gives the same
        p-value.

    Returns
    -------
    float
        (1 + #{X²_sim >= X²_obs}) / (B + 1).

    Method
    ------
    As R's ``chisq.test(simulate.p.value = TRUE)`` (Hope (1968), JRSS B
    30:582–598; Patefield (1981) algorithm AS 159): tables are drawn from the
    multivariate hypergeometric distribution given both margins with
    ``scipy.stats.random_table``, X² is recomputed for each, and simulated
    statistics within a relative 64·eps of the observed one count as ties
    (R's ``almost.1`` guard against rounding). The X² loop is vectorised here
    because scipy provides the sampler but no simulated chi-square test.
    """
    obs = _counts_array(table, 2, "table")
    if n_simulations < 1:
        raise ValueError("n_simulations must be >= 1")
    rows = obs.sum(axis=1)
    cols = obs.sum(axis=0)
    if np.any(rows == 0) or np.any(cols == 0):
        raise ValueError("table must not contain all-zero rows or columns")
    expected = np.outer(rows, cols) / obs.sum()
    observed_stat = float(_pearson_statistic(obs, expected))
    rng = np.random.default_rng(seed)
    sims = sps.random_table(rows.astype(np.int64), cols.astype(np.int64), seed=rng).rvs(
        size=n_simulations
    )
    sim_stats = _pearson_statistic(np.asarray(sims, dtype=np.float64), expected)
    almost_one = 1.0 - 64.0 * np.finfo(np.float64).eps
    exceed = int(np.count_nonzero(sim_stats >= almost_one * observed_stat))
    return (1.0 + exceed) / (n_simulations + 1.0)


def chi2_homogeneity(
    table: ArrayLike, *, n_simulations: int = MONTE_CARLO_TABLES, seed: int = 0
) -> Chi2Result:
    """Pearson chi-square test of homogeneity of proportions across groups.

    Parameters
    ----------
    table : array_like, shape (r, c)
        Counts; one row per group (e.g. employee group), one column per
        outcome (e.g. [handled, not handled]). Typically k×2.
    n_simulations, seed : int, keyword-only
        Monte Carlo settings used when expected counts are small and the
        table is larger than 2×2.

    Returns
    -------
    Chi2Result

    Method
    ------
    Rows with zero total carry no information and would make expected
    counts 0, so they are dropped first (their indices are reported in
    ``dropped_rows``); all-zero columns are dropped for the same reason.
    With fewer than two non-empty rows or columns the test is undefined
    and statistic/p-value are ``nan`` (``method == "not_testable"``).

    Otherwise Pearson's X² without continuity correction is computed by
    ``scipy.stats.chi2_contingency(correction=False)`` (Agresti (2013),
    *Categorical Data Analysis*, 3rd ed., §3.2). If Cochran's rule is
    violated (more than 20 % of expected counts < 5, or any < 1; Cochran
    1954, Biometrics 10:417–451) the asymptotic p-value is unreliable and an
    alternative is added: Fisher's exact test (``scipy.stats.fisher_exact``,
    two-sided) for 2×2 tables, else the Monte Carlo p-value of
    :func:`monte_carlo_chi2_p_value`.
    """
    obs = _counts_array(table, 2, "table")
    row_totals = obs.sum(axis=1)
    dropped = tuple(int(i) for i in np.flatnonzero(row_totals == 0))
    obs = obs[row_totals > 0]
    obs = obs[:, obs.sum(axis=0) > 0]
    if obs.shape[0] < 2 or obs.shape[1] < 2:
        return Chi2Result(
            statistic=NAN,
            p_value=NAN,
            dof=0,
            min_expected=NAN,
            small_expected=False,
            exact_p_value=None,
            method="not_testable",
            dropped_rows=dropped,
        )

    res = sps.chi2_contingency(obs, correction=False)
    expected = np.asarray(res.expected_freq, dtype=np.float64)
    min_expected = float(expected.min())
    small = bool(np.mean(expected < 5.0) > 0.2 or min_expected < 1.0)

    exact: float | None = None
    method = "pearson_chi2"
    used_sims = 0
    used_seed: int | None = None
    if small:
        if obs.shape == (2, 2):
            exact = float(sps.fisher_exact(obs, alternative="two-sided").pvalue)
            method = "fisher_exact"
        else:
            exact = monte_carlo_chi2_p_value(obs, n_simulations=n_simulations, seed=seed)
            method = "monte_carlo_chi2"
            used_sims, used_seed = n_simulations, seed

    return Chi2Result(
        statistic=float(res.statistic),
        p_value=float(res.pvalue),
        dof=int(res.dof),
        min_expected=min_expected,
        small_expected=small,
        exact_p_value=exact,
        method=method,
        n_simulations=used_sims,
        seed=used_seed,
        dropped_rows=dropped,
    )


@dataclass(frozen=True)
class CMHResult:
    """Result of :func:`cmh_test`.

    Attributes
    ----------
    statistic, p_value, dof
        Mantel–Haenszel chi-square statistic, its p-value, and dof (= 1).
    pooled_odds_ratio
        Mantel–Haenszel common odds ratio estimate.
    odds_ratio_ci
        Confidence interval for the common odds ratio (Robins–Breslow–
        Greenland variance), at the ``confidence`` passed to :func:`cmh_test`.
    correction
        Whether the continuity correction was applied.
    n_strata
        Number of strata used (after dropping uninformative ones).
    dropped_strata
        Indices (in the input) of strata dropped because their total was < 2.
    """

    statistic: float
    p_value: float
    dof: int
    pooled_odds_ratio: float
    odds_ratio_ci: tuple[float, float]
    correction: bool
    n_strata: int
    dropped_strata: tuple[int, ...] = field(default=())


def cmh_test(
    tables: ArrayLike, correction: bool = False, confidence: float = INTERVAL_CONFIDENCE
) -> CMHResult:
    """Cochran–Mantel–Haenszel test of conditional independence in K 2×2 tables.

    Parameters
    ----------
    tables : array_like, shape (K, 2, 2)
        One 2×2 table of counts per stratum (e.g. per workplace), rows =
        groups compared, columns = [outcome, no outcome].
    correction : bool
        Apply the 0.5 continuity correction (default False). R's
        ``mantelhaen.test`` defaults to ``correct = TRUE``; as in R, the
        correction is skipped when |Σ(a - E[a])| < 0.5.
    confidence : float
        Coverage of ``odds_ratio_ci`` (default 0.95).

    Returns
    -------
    CMHResult
        ``nan`` statistic/p-value/odds ratio when no stratum is informative.

    Method
    ------
    Mantel & Haenszel (1959), J Natl Cancer Inst 22:719–748; Agresti (2013)
    §6.4. Computed by ``statsmodels.stats.contingency_tables.StratifiedTable``
    (``test_null_odds``, ``oddsratio_pooled``, ``oddsratio_pooled_confint``;
    the CI uses the Robins, Breslow & Greenland (1986) variance, as R does).
    Strata with total < 2 are dropped before the test: a stratum of 0 or 1
    subject contributes nothing to the statistic or the odds ratio but
    makes the variance term 0/0. The p-value is recomputed with
    ``scipy.stats.chi2.sf`` (statsmodels uses ``1 - cdf``, which loses
    precision below ~1e-16).
    """
    _check_confidence(confidence)
    arr = _counts_array(tables, 3, "tables")
    if arr.shape[1:] != (2, 2):
        raise ValueError(f"tables must have shape (K, 2, 2), got {arr.shape}")
    totals = arr.sum(axis=(1, 2))
    keep = totals >= 2
    dropped = tuple(int(i) for i in np.flatnonzero(~keep))
    arr = arr[keep]
    k = int(arr.shape[0])

    def _empty() -> CMHResult:
        return CMHResult(NAN, NAN, 1, NAN, (NAN, NAN), correction, k, dropped)

    if k == 0:
        return _empty()
    st = StratifiedTable(np.moveaxis(arr, 0, -1))
    n = arr.sum(axis=(1, 2))
    r1 = arr[:, 0, :].sum(axis=1)
    c1 = arr[:, :, 0].sum(axis=1)
    variance = float(np.sum(r1 * (n - r1) * c1 * (n - c1) / (n**2 * (n - 1))))
    if variance == 0.0:
        return _empty()
    delta = float(np.sum(arr[:, 0, 0] - r1 * c1 / n))
    # R applies the correction only when |delta| >= 0.5; statsmodels always
    # subtracts 0.5, which would increase the statistic for |delta| < 0.5.
    use_correction = correction and abs(delta) >= 0.5
    statistic = float(st.test_null_odds(correction=use_correction).statistic)
    p_value = float(sps.chi2.sf(statistic, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        odds_ratio = float(st.oddsratio_pooled)
        lo, hi = st.oddsratio_pooled_confint(alpha=1.0 - confidence)
    return CMHResult(
        statistic=statistic,
        p_value=p_value,
        dof=1,
        pooled_odds_ratio=odds_ratio,
        odds_ratio_ci=(float(lo), float(hi)),
        correction=correction,
        n_strata=k,
        dropped_strata=dropped,
    )


def adjust_p_values(p_values: ArrayLike, method: Literal["holm", "fdr_bh"] = "holm") -> FloatArray:
    """Adjust p-values for multiple testing.

    Parameters
    ----------
    p_values : array_like
        Raw p-values in [0, 1]; ``nan`` entries are passed through as ``nan``
        and do not count towards the number of tests.
    method : {"holm", "fdr_bh"}
        ``"holm"``: Holm (1979), Scand J Stat 6:65–70, step-down control of
        the family-wise error rate. ``"fdr_bh"``: Benjamini & Hochberg (1995),
        JRSS B 57:289–300, control of the false discovery rate.

    Returns
    -------
    ndarray of float
        Adjusted p-values (same shape as the input), as R's ``p.adjust``.

    Method
    ------
    The step-down (Holm) and step-up (BH) formulas of R's ``p.adjust``, in numpy.
    Not ``statsmodels.stats.multitest.multipletests``: it runs ``gc.collect()`` on
    every call (about 65 ms here), and a dashboard page adjusts p-values several
    times per rerun. The tests check this against statsmodels and R's values.
    """
    if method not in ("holm", "fdr_bh"):
        raise ValueError(f"method must be 'holm' or 'fdr_bh', got {method!r}")
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    mask = ~np.isnan(p)
    finite = p[mask]
    if np.any((finite < 0) | (finite > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    if finite.size:
        out[mask] = _holm(finite) if method == "holm" else _benjamini_hochberg(finite)
    return out


def _holm(p: FloatArray) -> FloatArray:
    """Holm: sorted ascending, p_(i) · (m − i + 1), running maximum, capped at 1."""
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def _benjamini_hochberg(p: FloatArray) -> FloatArray:
    """BH: sorted descending, p_(i) · m / i, running minimum, capped at 1."""
    m = p.size
    order = np.argsort(p, kind="stable")[::-1]
    ranks = m - np.arange(m)  # rank of each p in ascending order
    stepped = np.minimum.accumulate(p[order] * m / ranks)
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


# --------------------------------------------------------------------------- survival


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan–Meier estimate returned by :func:`kaplan_meier`.

    Attributes
    ----------
    times
        Distinct event times, ascending.
    survival
        Ŝ(t) just after each of ``times`` (right-continuous step function;
        Ŝ = 1 before the first event time).
    at_risk, events
        Number at risk just before, and number of events at, each time.

    The median with its interval is :func:`kaplan_meier_median_ci`.
    """

    times: FloatArray
    survival: FloatArray
    at_risk: FloatArray
    events: FloatArray

    @overload
    def survival_at(self, t: float) -> float: ...
    @overload
    def survival_at(self, t: ArrayLike) -> FloatArray: ...
    def survival_at(self, t: float | ArrayLike) -> FloatOrArray:
        """Evaluate the step function Ŝ(t) (1 before the first event time)."""
        scalar = np.ndim(t) == 0
        tt = np.atleast_1d(np.asarray(t, dtype=np.float64))
        idx = np.searchsorted(self.times, tt, side="right") - 1
        padded = np.concatenate(([1.0], self.survival))
        return _as_output(padded[idx + 1], scalar)


def _survival_data(durations: ArrayLike, observed: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Durations and 0/1 event indicators as float arrays, checked."""
    t = np.asarray(durations, dtype=np.float64).reshape(-1)
    d = np.asarray(observed, dtype=np.float64).reshape(-1)
    if t.shape != d.shape:
        raise ValueError("durations and observed must have the same length")
    if not np.all(np.isfinite(t)):
        raise ValueError("durations must be finite")
    if not np.all((d == 0) | (d == 1)):
        raise ValueError("observed must contain only 0/1 (or booleans)")
    return t, d


def kaplan_meier(durations: ArrayLike, observed: ArrayLike) -> KaplanMeier:
    """Kaplan–Meier estimate of the survival (e.g. "case still open") function.

    Parameters
    ----------
    durations : array_like
        Follow-up time per subject (e.g. days from report to closure, or to
        the extraction date for open cases); finite.
    observed : array_like
        1/True if the event (closure) was observed at ``durations``, 0/False
        if the subject is right-censored there. Same length as ``durations``.

    Returns
    -------
    KaplanMeier
        Step function at the distinct event times. Empty input gives empty arrays.

    Method
    ------
    Kaplan & Meier (1958), JASA 53:457–481, computed by
    ``statsmodels.duration.survfunc.SurvfuncRight``; at tied times events
    precede censorings.
    """
    t, d = _survival_data(durations, observed)
    empty = np.array([], dtype=np.float64)
    if t.size == 0:
        return KaplanMeier(empty, empty, empty, empty)
    sf = SurvfuncRight(t, d)
    return KaplanMeier(
        times=np.asarray(sf.surv_times, dtype=np.float64),
        survival=np.asarray(sf.surv_prob, dtype=np.float64),
        at_risk=np.asarray(sf.n_risk, dtype=np.float64),
        events=np.asarray(sf.n_events, dtype=np.float64),
    )


# --------------------------------------------------------------------------- frequency tables
# Aggregated queries return frequency tables (value, count) rather than one row per case.
# :func:`quantile_from_counts` and :func:`kaplan_meier_median_ci_from_counts` give exactly what
# numpy's quantile and :func:`kaplan_meier_median_ci` give on the expanded sample, without
# expanding it: a page computes some thirty of each, and statsmodels' Kaplan–Meier fit (about
# half a millisecond each) or ``np.repeat`` over hundreds of thousands of cases would be a
# large part of its time budget. numpy's weighted quantile supports only the inverted-CDF
# method, not the linear interpolation (type 7) used here.


def _frequencies(counts: ArrayLike, size: int) -> FloatArray:
    """Counts of a frequency table with ``size`` rows, checked."""
    c = np.asarray(counts, dtype=np.float64).reshape(-1)
    if c.size != size:
        raise ValueError("counts must have one entry per value")
    if np.any(c < 0) or not np.all(c == np.round(c)):
        raise ValueError("counts must be non-negative integers")
    return c


def quantile_from_counts(values: ArrayLike, counts: ArrayLike, q: float) -> float:
    """The ``q``-quantile (linear interpolation, R's type 7, numpy's default) of a sample given
    as a frequency table: ``values[i]`` occurs ``counts[i]`` times. ``nan`` when empty.

    Equal to ``np.quantile(np.repeat(values, counts), q)``.
    """
    if not (0.0 <= q <= 1.0):
        raise ValueError(f"q must be in [0, 1], got {q!r}")
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite")
    c = _frequencies(counts, v.size)
    order = np.argsort(v[c > 0], kind="stable")
    v, c = v[c > 0][order], c[c > 0][order]
    if v.size == 0:
        return NAN
    upto = np.cumsum(c)  # upto[i] = number of observations <= v[i]
    h = (upto[-1] - 1) * q  # 0-based position in the sorted sample
    below = math.floor(h)
    low = v[np.searchsorted(upto, below, side="right")]
    high = v[np.searchsorted(upto, min(below + 1, upto[-1] - 1), side="right")]
    return float(low + (h - below) * (high - low))


# --------------------------------------------------------------------------- Poisson-binomial
# A yes/no outcome (reported to the police, warned, documented) counted over a group's
# incidents is, under the null of equal treatment, a sum of independent Bernoulli trials with
# the reference probabilities of the incidents' strata: a Poisson-binomial count, whose
# variance Σ p(1 − p) is smaller than the Poisson variance Σ p. Inputs are probabilities per
# trial, or per stratum with the number of trials in each (``counts``), for one group (1-D) or
# many (2-D, one row per group; a 1-D ``probabilities`` is then shared by every group, as the
# reference rates of the strata are).

# Tail mass left outside the computed window of the distribution (see _poisson_binomial_window).
_PB_TAIL = 1e-20
# Complex logarithms evaluated per block in the characteristic function (memory ~16 MB).
_PB_BLOCK = 1_000_000
# Frequencies with σ²(1 − cos ω) above this have |φ(ω)| < e^-60 and are left out.
_PB_CUT = 60.0


def _pb_inputs(
    probabilities: ArrayLike, counts: ArrayLike | None
) -> tuple[FloatArray, FloatArray, bool]:
    """Probabilities and trial counts as (G, S) / (S,)-shared float arrays, checked.

    Returns ``(p, n, shared)``: ``p`` is (S,) when it is shared by all groups, else (G, S);
    ``n`` is (G, S)."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim not in (1, 2):
        raise ValueError(f"probabilities must be 1- or 2-dimensional, got shape {p.shape}")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("probabilities must lie in [0, 1]")
    n = np.ones(p.shape) if counts is None else np.asarray(counts, dtype=np.float64)
    if n.ndim == 1:
        n = n[np.newaxis, :]
    if n.ndim != 2 or n.shape[-1] != p.shape[-1] or (p.ndim == 2 and n.shape[0] != p.shape[0]):
        raise ValueError("counts must have one entry per probability (shape (G, S))")
    if not np.all(np.isfinite(n)) or np.any(n < 0) or not np.all(n == np.round(n)):
        raise ValueError("counts must be non-negative integers")
    return p, n, p.ndim == 1


def _pb_moments(p: FloatArray, n: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean Σ n p, variance Σ n p (1 − p) and number of trials Σ n per group."""
    return (n * p).sum(axis=-1), (n * p * (1.0 - p)).sum(axis=-1), n.sum(axis=-1)


def _poisson_binomial_window(
    p: FloatArray, n: FloatArray, shared: bool
) -> tuple[FloatArray, FloatArray]:
    """The pmf of each group's Poisson-binomial count on a window of its support.

    Returns ``(start, pmf)``: ``pmf[g, m]`` is P(X_g = start[g] + m), for m < L (the longest
    window; zero beyond a group's window and beyond its number of trials).

    Method: the DFT of the characteristic function (Hong (2013), "On computing the
    distribution function for the Poisson binomial distribution", Comput Stat Data Anal
    59:41–51, the algorithm of R's ``poibin``), with the product over trials as
    exp(Σ_s n_s log(1 − p_s + p_s e^{−iω})), so a stratum of n_s trials costs one logarithm
    per frequency. Three changes make it cheap for large groups: only the window
    μ ± t is computed, with t from Bernstein's inequality for sums of independent terms
    bounded by 1, P(|X − μ| ≥ t) ≤ 2 exp(−t² / (2(σ² + t/3))), chosen so that the mass outside
    is below 1e-20; the DFT has the window's length L, so the mass of X outside the window
    aliases onto it (at most 1e-20 in total), and L grows with σ, not with the number of
    trials; and only the frequencies where the characteristic function can exceed e^-60 are
    computed (see the loop), about 35 for a large group.
    Rounding (in the DFT, and in n_s·log w, which grows with the stratum's size) leaves an
    absolute error of about 1e-16 per value for small groups and 1e-12 in total for 60,000
    trials (measured in the tests); negative values are set to 0. p-values are therefore
    exact to an absolute ~1e-12, more than enough to compare them with 0.05 or 0.002.

    Written here rather than with ``scipy.stats.poisson_binom`` because that takes one shape
    parameter per trial (no per-stratum counts) and its cost grows with the square of the
    number of trials (0.2 s for 20,000 trials, measured): a unit has tens of thousands of
    incidents at 1M rows, while here the cost is about the number of strata times 35.
    The tests check this against scipy's implementation.
    """
    mean, var, trials = _pb_moments(p if not shared else p[np.newaxis, :], n)
    c = math.log(2.0 / _PB_TAIL)
    half = c / 3.0 + np.sqrt(c * c / 9.0 + 2.0 * c * var)
    start = np.maximum(np.floor(mean - half), 0.0)
    stop = np.minimum(np.ceil(mean + half), trials)
    sizes = (stop - start).astype(np.int64) + 1
    groups = n.shape[0]
    pmf = np.zeros((groups, int(sizes.max()) if groups else 1))
    tiny = np.finfo(np.float64).tiny
    for g in range(groups):
        size = int(sizes[g])
        used = n[g] > 0
        probs, trials_g = (p if shared else p[g])[used], n[g][used]
        # Only the frequencies where |φ(ω)| can exceed e^-60: |1 − p + p e^{−iω}|² =
        # 1 − 2p(1 − p)(1 − cos ω) <= exp(−2p(1 − p)(1 − cos ω)), so |φ(ω)| <=
        # exp(−σ²(1 − cos ω)). The others are set to 0 (an error below 1e-26 per value); for
        # large groups that leaves about 35 of the size/2 frequencies, whatever σ is.
        freq = 2.0 * np.pi * np.arange(size // 2 + 1) / size
        needed = int(np.count_nonzero(var[g] * (1.0 - np.cos(freq)) <= _PB_CUT))
        z = np.exp(-1j * freq[:needed])  # e^{-iω_j}
        log_phi = np.zeros(needed, dtype=np.complex128)
        block = max(1, _PB_BLOCK // max(needed, 1))
        for s0 in range(0, probs.size, block):
            ps = probs[s0 : s0 + block, np.newaxis]
            w = 1.0 - ps + ps * z[np.newaxis, :]
            # w = 0 only at p = 1/2, ω = π; its n-th power (n >= 1) is then 0.
            log_phi += trials_g[s0 : s0 + block] @ np.log(np.where(w == 0, tiny, w))
        spectrum = np.zeros(size // 2 + 1, dtype=np.complex128)
        spectrum[:needed] = np.exp(log_phi)
        q = np.fft.irfft(spectrum, n=size)
        k = start[g] + np.arange(size)
        pmf[g, :size] = np.where(k <= trials[g], np.maximum(q[(k % size).astype(np.int64)], 0.0), 0)
    return start, pmf


def poisson_binomial_pmf(probabilities: ArrayLike, counts: ArrayLike | None = None) -> FloatArray:
    """P(X = k), k = 0 … N, of one group's Poisson-binomial count X.

    ``probabilities`` (1-D) are the success probabilities per trial, or per stratum with
    ``counts[s]`` trials each; N is the number of trials. Probabilities below 1e-20 outside
    μ ± t (see :func:`poisson_binomial_tests`) are returned as 0.
    """
    p, n, _ = _pb_inputs(probabilities, counts)
    if p.ndim != 1 or n.shape[0] != 1:
        raise ValueError("poisson_binomial_pmf takes one group (1-D probabilities and counts)")
    start, window = _poisson_binomial_window(p, n, shared=True)
    trials = int(n.sum())
    out = np.zeros(trials + 1)
    first = int(start[0])
    span = min(window.shape[1], trials + 1 - first)
    out[first : first + span] = window[0, :span]
    return out


def poisson_binomial_tests(
    observed: ArrayLike,
    probabilities: ArrayLike,
    counts: ArrayLike | None = None,
    two_sided: Literal["minlike", "central"] = "minlike",
) -> FloatArray:
    """Two-sided exact p-values of observed counts against their Poisson-binomial null.

    Parameters
    ----------
    observed : array_like, shape (G,)
        Observed number of "yes" per group (e.g. incidents reported to the police).
    probabilities : array_like, shape (S,) or (G, S)
        Reference probability of "yes" per trial or per stratum (shared by all groups when
        1-D, e.g. the municipality's rate in each stratum of incident type × severity).
    counts : array_like, shape (G, S), optional
        Number of trials (incidents) of each group in each stratum; default one trial per
        probability.
    two_sided : {"minlike", "central"}
        ``"minlike"`` (default): the rule below. ``"central"``: twice the smaller tail,
        min(1, 2·min(P(X <= O), P(X >= O))), the p-value that agrees with central funnel
        limits (a group with p < 1 − c lies outside the limits at confidence c).

    Returns
    -------
    ndarray, shape (G,)
        p-values in [0, 1]; ``nan`` for a group with no trials.

    Method
    ------
    Under the null, O_g = Σ Bernoulli(p_i) (Poisson-binomial; Wang (1993), Stat Sin
    3:295–312). The two-sided p-value is the "minimum likelihood" one used for the Poisson
    (:func:`poisson_exact_test`) and binomial tests (R's ``binom.test``, scipy's
    ``binomtest``): the sum of P(X = k) over all k with P(X = k) <= P(X = O)·(1 + 1e-7). With
    all probabilities equal this is exactly the binomial test. The distribution is computed
    by :func:`_poisson_binomial_window`; a count more than ~10 σ from its mean has
    P(X = O) < 1e-20 and gets p ≈ 0 (exact to an absolute ~1e-12).
    """
    p, n, shared = _pb_inputs(probabilities, counts)
    o = np.atleast_1d(np.asarray(observed, dtype=np.float64))
    if o.ndim != 1 or o.size != n.shape[0]:
        raise ValueError("observed must have one entry per group (row of counts)")
    trials = n.sum(axis=-1)
    if np.any((o < 0) | (o > trials) | (o != np.round(o))):
        raise ValueError("observed must be integers between 0 and the number of trials")
    if two_sided not in ("minlike", "central"):
        raise ValueError(f"two_sided must be 'minlike' or 'central', got {two_sided!r}")
    start, pmf = _poisson_binomial_window(p, n, shared)
    if two_sided == "central":
        k = start[:, np.newaxis] + np.arange(pmf.shape[1])[np.newaxis, :]
        lower_tail = np.where(k <= o[:, np.newaxis], pmf, 0.0).sum(axis=-1)
        upper_tail = np.where(k >= o[:, np.newaxis], pmf, 0.0).sum(axis=-1)
        central = 2.0 * np.minimum(lower_tail, upper_tail)
        return np.where(trials > 0, np.minimum(central, 1.0), np.nan)
    pos = o - start
    inside = (pos >= 0) & (pos < pmf.shape[1])
    at_o = np.where(
        inside,
        np.take_along_axis(pmf, np.clip(pos, 0, pmf.shape[1] - 1).astype(np.int64)[:, None], 1)[
            :, 0
        ],
        0.0,
    )
    bound = at_o * (1.0 + 1e-7)
    p_values = np.where(pmf <= bound[:, np.newaxis], pmf, 0.0).sum(axis=-1)
    return np.where(trials > 0, np.minimum(p_values, 1.0), np.nan)


def poisson_binomial_normal_tests(
    observed: ArrayLike, expected: ArrayLike, variance: ArrayLike
) -> FloatArray:
    """Two-sided p-values of the normal approximation to the Poisson-binomial null.

    z = (O − E) / sqrt(V) with E = Σ p and V = Σ p(1 − p), p = 2·Φ(−|z|) (the de Moivre–
    Laplace approximation generalised by Lyapunov's central limit theorem). ``nan`` where
    V = 0 and O = E would be undefined: p = 1 there, 0 where O ≠ E.
    """
    o, e, v = (np.asarray(x, dtype=np.float64) for x in (observed, expected, variance))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (o - e) / np.sqrt(v)
    out = np.asarray(2.0 * sps.norm.sf(np.abs(z)), dtype=np.float64)
    return np.where(v > 0, out, np.where(o == e, 1.0, 0.0))


def poisson_binomial_funnel_limits(
    probabilities: ArrayLike,
    counts: ArrayLike | None,
    confidence: float,
    method: Literal["exact", "normal"] = "exact",
) -> tuple[FloatArray, FloatArray]:
    """Limits for each group's O/E on its Poisson-binomial null.

    Parameters
    ----------
    probabilities, counts
        As in :func:`poisson_binomial_tests` (one row of ``counts`` per group).
    confidence : float
        Two-sided coverage, e.g. 0.95 or 0.998.
    method : {"exact", "normal"}
        ``"exact"``: quantiles of the Poisson-binomial distribution with Spiegelhalter's
        interpolation (as :func:`ratio_funnel_limits` does for the Poisson), divided by E.
        ``"normal"``: 1 ± z·sqrt(V)/E, V = Σ p(1 − p).

    Returns
    -------
    (lower, upper) : arrays, shape (G,)
        ``nan`` where E = 0. Each group has its own limits (its variance depends on its case
        mix, not on E alone), so a funnel plot draws them per group.

    Method
    ------
    Spiegelhalter (2005), Stat Med 24:1185–1202, Appendix A.1.1, applied to the
    Poisson-binomial distribution: r_p = smallest r with F(r) >= p, α = (F(r_p) − p) /
    P(X = r_p), limit = (r_p − α)/E, with the upper tail from the survival function.
    """
    _check_confidence(confidence)
    if method not in ("exact", "normal"):
        raise ValueError(f"method must be 'exact' or 'normal', got {method!r}")
    p, n, shared = _pb_inputs(probabilities, counts)
    expected, variance, _ = _pb_moments(p if not shared else p[np.newaxis, :], n)
    valid = expected > 0
    e_safe = np.where(valid, expected, 1.0)
    tail = (1.0 - confidence) / 2.0
    if method == "normal":
        half = float(sps.norm.ppf(1.0 - tail)) * np.sqrt(variance) / e_safe
        lower, upper = np.maximum(1.0 - half, 0.0), 1.0 + half
    else:
        start, pmf = _poisson_binomial_window(p, n, shared)
        cdf = np.cumsum(pmf, axis=-1)
        sf = np.cumsum(pmf[:, ::-1], axis=-1)[:, ::-1] - pmf  # P(X > k)
        rows = np.arange(pmf.shape[0])
        r_low = np.argmax(cdf >= tail, axis=-1)
        r_high = np.argmax(sf <= tail, axis=-1)  # P(X <= r) >= 1 - tail
        with np.errstate(divide="ignore", invalid="ignore"):
            a_low = (cdf[rows, r_low] - tail) / pmf[rows, r_low]
            a_high = (tail - sf[rows, r_high]) / pmf[rows, r_high]
        a_low = np.where(np.isfinite(a_low), a_low, 0.0)
        a_high = np.where(np.isfinite(a_high), a_high, 0.0)
        lower = np.maximum(start + r_low - a_low, 0.0) / e_safe
        upper = np.maximum(start + r_high - a_high, 0.0) / e_safe
    return np.where(valid, lower, np.nan), np.where(valid, upper, np.nan)


def choose_null(
    expected: ArrayLike, variance: ArrayLike, max_rate: float = NULL_MAX_RATE
) -> Literal["poisson", "poisson_binomial"]:
    """The null distribution for one yes/no outcome's O/E tests and limits.

    Rule: ``"poisson"`` when the events are rare, i.e. when the Poisson variance Σ p
    overstates the Poisson-binomial variance Σ p(1 − p) by at most ``max_rate`` (default
    10 %): 1 − ΣV/ΣE = Σp²/Σp <= max_rate, the expected-weighted mean probability. Then the
    Poisson limits are at most 5 % too wide (sqrt(1/0.9) = 1.054) and are the familiar ones
    (Spiegelhalter 2005); otherwise ``"poisson_binomial"``. Sums are over all groups of the
    outcome, so the choice is one per outcome.
    """
    e = float(np.sum(np.asarray(expected, dtype=np.float64)))
    v = float(np.sum(np.asarray(variance, dtype=np.float64)))
    if e <= 0:
        return "poisson"
    return "poisson" if 1.0 - v / e <= max_rate else "poisson_binomial"


# --------------------------------------------------------------------------- over-dispersion


Adjustment = Literal["none", "multiplicative", "additive"]


@dataclass(frozen=True)
class Overdispersion:
    """Result of :func:`overdispersion`.

    Attributes
    ----------
    phi
        Spiegelhalter's over-dispersion factor φ̂ = (1/k) Σ z_w², z_w the winsorised z-scores.
    p_value
        P(χ²_{k−1} >= k φ̂): the test of no over-dispersion.
    tau2
        DerSimonian–Laird between-group variance τ̂² on the scale of the z-scores' indicator
        (0 when k φ̂ <= k − 1).
    method
        The adjustment to use: the requested one when ``p_value < alpha``, else ``"none"``.
    n_groups
        k, the number of groups with a finite z-score.
    """

    phi: float
    p_value: float
    tau2: float
    method: Adjustment
    n_groups: int

    def as_dict(self) -> dict[str, float | str | None]:
        """``{phi, p_value, tau2, method}`` as the CLI's JSON states it (``None`` for ``nan``,
        which JSON cannot hold)."""

        def number(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "phi": number(self.phi),
            "p_value": number(self.p_value),
            "tau2": number(self.tau2),
            "method": self.method,
        }


def winsorise(values: ArrayLike, fraction: float = WINSOR_FRACTION) -> FloatArray:
    """Values below the ``fraction`` quantile set to it, above the 1 − ``fraction`` quantile
    set to that (quantiles by linear interpolation, R's type 7, numpy's default); ``nan``
    passes through.

    Spiegelhalter (2005), Qual Saf Health Care 14:347–351: "shrinking the 10 % most extreme
    z-scores at each end to the 10th and 90th percentiles". ``scipy.stats.mstats.winsorize``
    is not used because it clips a number of values (by rank) rather than at the percentile.
    """
    if not (0.0 <= fraction < 0.5):
        raise ValueError(f"fraction must be in [0, 0.5), got {fraction!r}")
    z = np.asarray(values, dtype=np.float64)
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return z.copy()
    low, high = np.quantile(finite, [fraction, 1.0 - fraction])
    return np.where(np.isfinite(z), np.clip(z, low, high), z)


def overdispersion(
    z_scores: ArrayLike,
    standard_errors: ArrayLike,
    *,
    trim: float = WINSOR_FRACTION,
    alpha: float = OVERDISPERSION_ALPHA,
    adjustment: Literal["multiplicative", "additive"] = OVERDISPERSION_ADJUSTMENT,
) -> Overdispersion:
    """Spiegelhalter's test of over-dispersion, φ̂ and the DerSimonian–Laird τ̂².

    Parameters
    ----------
    z_scores : array_like
        z_i = (y_i − θ0)/s_i per group (see :func:`oe_z_scores`); non-finite ones are left out.
    standard_errors : array_like
        s_i, the null standard error of each group's indicator y_i (same scale as τ).
    trim : float
        Fraction winsorised at each end (default 10 %, Spiegelhalter's choice).
    alpha : float
        Level of the χ² test at which the limits are adjusted.
    adjustment : {"additive", "multiplicative"}
        The adjustment reported in ``method`` when over-dispersion is significant.

    Returns
    -------
    Overdispersion

    Method
    ------
    Spiegelhalter DJ (2005) "Handling over-dispersion of performance indicators", Qual Saf
    Health Care 14:347–351: φ̂ = (1/k) Σ z_w² over the winsorised z-scores; under no
    over-dispersion k φ̂ ~ χ²_{k−1}. The random-effects variance is the DerSimonian & Laird
    (1986, Control Clin Trials 7:177–188) moment estimator in Spiegelhalter's form,
    τ̂² = (k φ̂ − (k − 1)) / (Σ w_i − Σ w_i² / Σ w_i), w_i = 1/s_i², truncated at 0. The
    winsorisation (at R's type-7 quantiles), φ̂ and τ̂² are those of FunnelPlotR's CQC method
    (``winsorisation``, ``phi_func``, ``tau_func`` in its R/od_adjustment.R).
    ``nan`` values when fewer than two groups.
    """
    z = np.asarray(z_scores, dtype=np.float64).reshape(-1)
    s = np.asarray(standard_errors, dtype=np.float64).reshape(-1)
    if z.shape != s.shape:
        raise ValueError("z_scores and standard_errors must have the same length")
    keep = np.isfinite(z) & np.isfinite(s) & (s > 0)
    z, s = z[keep], s[keep]
    k = int(z.size)
    if k < 2:
        return Overdispersion(NAN, NAN, NAN, "none", k)
    phi = float(np.mean(winsorise(z, trim) ** 2))
    p_value = float(sps.chi2.sf(k * phi, k - 1))
    w = 1.0 / s**2
    denominator = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max((k * phi - (k - 1)) / denominator, 0.0) if denominator > 0 else 0.0
    method: Adjustment = adjustment if p_value < alpha else "none"
    return Overdispersion(phi=phi, p_value=p_value, tau2=tau2, method=method, n_groups=k)


def oe_z_scores(
    observed: ArrayLike, expected: ArrayLike, variance: ArrayLike | None = None
) -> tuple[FloatArray, FloatArray]:
    """z-scores and null standard errors of O/E for :func:`overdispersion`.

    Poisson null (``variance`` None): Spiegelhalter's (2005, QSHC, Table 1) square-root
    transform for an indirectly standardised ratio, y = sqrt(O/E), s = 1/(2 sqrt(E)),
    z = 2(sqrt(O) − sqrt(E)), as FunnelPlotR's ``sr_method = "CQC"`` (its default "SHMI"
    uses log(O/E) and truncation instead). Poisson-binomial null (``variance``
    = Σ p(1 − p) per group): y = O/E, s = sqrt(V)/E, z = (O − E)/sqrt(V). ``nan`` where E or V
    is 0.
    """
    o = np.asarray(observed, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if variance is None:
            s = np.where(e > 0, 0.5 / np.sqrt(e), np.nan)
            z = np.where(e > 0, 2.0 * (np.sqrt(o) - np.sqrt(e)), np.nan)
        else:
            v = np.asarray(variance, dtype=np.float64)
            ok = (e > 0) & (v > 0)
            s = np.where(ok, np.sqrt(v) / e, np.nan)
            z = np.where(ok, (o - e) / np.sqrt(v), np.nan)
    return np.asarray(z, dtype=np.float64), np.asarray(s, dtype=np.float64)


def _adjusted_se(se: FloatArray, od: Overdispersion | None) -> FloatArray:
    if od is None or od.method == "none":
        return se
    if od.method == "multiplicative":
        return se * math.sqrt(od.phi)
    return np.sqrt(se**2 + od.tau2)


def oe_funnel_limits_adjusted(
    expected: ArrayLike,
    confidence: float,
    od: Overdispersion | None,
    variance: ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """O/E limits widened for over-dispersion (normal limits on the scale of
    :func:`oe_z_scores`).

    Multiplicative: target ± z·sqrt(φ̂)·s; additive: target ± z·sqrt(s² + τ̂²) (Spiegelhalter
    2005, QSHC 14:347–351). Poisson null: on the square-root
    scale, 1 ± z·σ, then squared (a lower limit below 0 on that scale is 0), as Spiegelhalter
    does for ratios; Poisson-binomial null: 1 ± z·σ on the O/E scale, clipped at 0. With
    ``od`` None or ``od.method == "none"`` these are the unadjusted normal limits.
    """
    _check_confidence(confidence)
    e = np.asarray(expected, dtype=np.float64)
    _, se = oe_z_scores(np.zeros_like(e), e, variance)
    sigma = _adjusted_se(se, od)
    z = float(sps.norm.ppf(1.0 - (1.0 - confidence) / 2.0))
    if variance is None:
        return np.maximum(1.0 - z * sigma, 0.0) ** 2, (1.0 + z * sigma) ** 2
    return np.maximum(1.0 - z * sigma, 0.0), 1.0 + z * sigma


def oe_p_values_adjusted(
    observed: ArrayLike,
    expected: ArrayLike,
    od: Overdispersion,
    variance: ArrayLike | None = None,
) -> FloatArray:
    """Two-sided p-values of O/E after the over-dispersion adjustment of ``od``:
    p = 2·Φ(−|y − 1| / σ) with σ as in :func:`oe_funnel_limits_adjusted`, so that a group is
    outside those limits at confidence c exactly when p < 1 − c."""
    o = np.asarray(observed, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    z, se = oe_z_scores(o, e, variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = z * se / _adjusted_se(se, od)
    return np.asarray(2.0 * sps.norm.sf(np.abs(adjusted)), dtype=np.float64)


# --------------------------------------------------------------------------- verdicts

Verdict = Literal["higher", "lower", "as_expected", "too_few"]
VERDICTS: tuple[Verdict, ...] = ("higher", "lower", "as_expected", "too_few")
# The screening rule's false discovery rate and the smallest E tested (see verdicts). With 27
# units, one named unit needs p <= 0.05/27 = 0.0019, about the old 99.8 % limits' 0.002.
SCREENING_FDR = 0.05
MIN_EXPECTED = 5.0


def verdicts(
    observed: ArrayLike,
    expected: ArrayLike,
    p_values: ArrayLike,
    *,
    alpha: float = SCREENING_FDR,
    min_expected: float = MIN_EXPECTED,
) -> NDArray[np.str_]:
    """One verdict per group: ``higher``, ``lower``, ``as_expected`` or ``too_few``.

    Parameters
    ----------
    observed, expected : array_like, shape (G,)
        O and E of one outcome per group.
    p_values : array_like, shape (G,)
        Two-sided p-values on the outcome's null after the over-dispersion check (see
        :func:`screen_oe`, which computes them).
    alpha : float
        False discovery rate of the screening (default 5 %).
    min_expected : float
        Groups with E below this are ``too_few`` and are not tested.

    Returns
    -------
    ndarray of str, shape (G,)

    Rule
    ----
    ``too_few`` when E < ``min_expected`` (default 5: below it not even O = 0 against E
    reaches p < 0.005 under the Poisson null, e^{−5} = 0.0067) or the p-value is missing.
    The other groups form one family per outcome; their p-values are adjusted with
    Benjamini & Hochberg (1995), JRSS B 57:289–300 — a screening rule: among the groups
    named, at most a fraction ``alpha`` are expected to be false alarms, where Holm's
    family-wise control would miss most real differences among thirty units. A group is
    ``higher`` (``lower``) when its adjusted p-value is <= ``alpha`` and O > E (O < E), else
    ``as_expected``.
    """
    if not (0.0 < alpha < 1.0):
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    o = np.asarray(observed, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    p = np.asarray(p_values, dtype=np.float64)
    if not (o.shape == e.shape == p.shape):
        raise ValueError("observed, expected and p_values must have the same shape")
    tested = (e >= min_expected) & np.isfinite(p)
    q = adjust_p_values(np.where(tested, p, np.nan), method="fdr_bh")
    named = tested & (q <= alpha)
    out = np.full(o.shape, "as_expected", dtype="<U11")
    out[named & (o > e)] = "higher"
    out[named & (o < e)] = "lower"
    out[~tested] = "too_few"
    return out


def screening_confidence(p_values: ArrayLike, alpha: float = SCREENING_FDR) -> float:
    """The per-group confidence 1 − α* at which Benjamini–Hochberg names groups.

    BH rejects the i* smallest p-values, i* = max{i : p_(i) <= i·α/m}, i.e. every p <= α* =
    i*·α/m (α/m when none is rejected). Limits drawn at 1 − α* therefore separate the named
    groups from the others, so a funnel plot shows the verdict's own limits. ``nan``
    p-values are left out, as in :func:`verdicts`.
    """
    p = np.sort(np.asarray(p_values, dtype=np.float64)[np.isfinite(p_values)])
    m = p.size
    if m == 0:
        return 1.0 - alpha
    passing = np.flatnonzero(p <= np.arange(1, m + 1) * alpha / m)
    rejected = int(passing[-1]) + 1 if passing.size else 1
    return 1.0 - rejected * alpha / m


def _poisson_central_p_values(observed: FloatArray, expected: FloatArray) -> FloatArray:
    """min(1, 2·min(P(X <= O), P(X >= O))), X ~ Poisson(E); 1 where E = 0 and O = 0."""
    with np.errstate(invalid="ignore"):
        lower_tail = pdtr(observed, expected)
        upper_tail = np.where(observed > 0, pdtrc(observed - 1.0, expected), 1.0)
    p = np.minimum(2.0 * np.minimum(lower_tail, upper_tail), 1.0)
    return np.asarray(np.where(expected > 0, p, np.where(observed == 0, 1.0, 0.0)), np.float64)


@dataclass(frozen=True)
class Screening:
    """Result of :func:`screen_oe` for one outcome (arrays have one entry per group).

    Attributes
    ----------
    null
        ``"poisson"`` or ``"poisson_binomial"``.
    overdispersion
        φ̂, its p-value, τ̂² and the adjustment used.
    p_values
        Two-sided p-values on the null, after the adjustment when it is used.
    verdict
        :func:`verdicts` of those p-values.
    confidence
        :func:`screening_confidence`: the level of ``lower``/``upper``.
    lower, upper
        O/E limits at ``confidence`` on the (adjusted) null: the verdict's limits.
    """

    null: Literal["poisson", "poisson_binomial"]
    overdispersion: Overdispersion
    p_values: FloatArray
    verdict: NDArray[np.str_]
    confidence: float
    lower: FloatArray
    upper: FloatArray


def screen_oe(
    observed: ArrayLike,
    expected: ArrayLike,
    variance: ArrayLike | None = None,
    *,
    probabilities: ArrayLike | None = None,
    counts: ArrayLike | None = None,
    alpha: float = SCREENING_FDR,
    min_expected: float = MIN_EXPECTED,
    trim: float = WINSOR_FRACTION,
    overdispersion_alpha: float = OVERDISPERSION_ALPHA,
    adjustment: Literal["multiplicative", "additive"] = OVERDISPERSION_ADJUSTMENT,
) -> Screening:
    """Over-dispersion check, p-values and verdicts for one outcome's O/E, in one rule.

    Parameters
    ----------
    observed, expected : array_like, shape (G,)
        O and E per group (E from the reference population).
    variance : array_like, optional
        Σ p(1 − p) per group for the Poisson-binomial null; None for the Poisson null (see
        :func:`choose_null`).
    probabilities, counts : array_like, optional
        The Poisson-binomial null itself, as for :func:`poisson_binomial_tests` (stratum
        rates and each group's incidents per stratum); with them the unadjusted p-values and
        limits are exact. Without them the Poisson null is exact
        (:func:`poisson_exact_tests`, :func:`ratio_funnel_limits`) and the Poisson-binomial
        one normal (:func:`poisson_binomial_normal_tests`).
    alpha, min_expected
        As in :func:`verdicts`.
    trim, overdispersion_alpha, adjustment
        As in :func:`overdispersion` (over the groups with E >= ``min_expected``).

    Rule
    ----
    1. z-scores on the null (:func:`oe_z_scores`), φ̂ and τ̂² from the tested groups.
    2. If over-dispersion is significant (``overdispersion_alpha``), p-values and limits from
       the adjusted normal null (:func:`oe_p_values_adjusted`,
       :func:`oe_funnel_limits_adjusted`); else on the null itself.
    3. :func:`verdicts` with Benjamini–Hochberg at ``alpha``; limits at
       :func:`screening_confidence` so that the groups outside are those named: exactly for
       the normal limits; for the exact ones every named group is outside, and a group that
       is outside but not named sits on the limit's own count (the interpolated limit lies
       within one count below the first count beyond the tail, Spiegelhalter 2005 A.1.1).

    Exact p-values here are central (twice the smaller tail), not the minimum-likelihood
    ones of :func:`poisson_exact_test`: only central p-values agree with central limits, so
    the verdict, the table's p-value and the funnel say the same thing.
    """
    o = np.asarray(observed, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    v = None if variance is None else np.asarray(variance, dtype=np.float64)
    if probabilities is not None and (v is None or counts is None):
        raise ValueError("probabilities need counts and the variance of the same null")
    z, se = oe_z_scores(o, e, v)
    tested = e >= min_expected
    od = overdispersion(
        z[tested], se[tested], trim=trim, alpha=overdispersion_alpha, adjustment=adjustment
    )
    if od.method != "none":
        p = oe_p_values_adjusted(o, e, od, v)
    elif probabilities is not None:
        p = poisson_binomial_tests(o, probabilities, counts, two_sided="central")
    elif v is None:
        p = _poisson_central_p_values(o, e)
    else:
        p = poisson_binomial_normal_tests(o, e, v)
    verdict = verdicts(o, e, p, alpha=alpha, min_expected=min_expected)
    confidence = screening_confidence(np.where(tested, p, np.nan), alpha)
    if od.method != "none":
        lower, upper = oe_funnel_limits_adjusted(e, confidence, od, v)
    elif probabilities is not None:
        lower, upper = poisson_binomial_funnel_limits(probabilities, counts, confidence)
    elif v is None:
        lower, upper = ratio_funnel_limits(e, confidence)
    else:
        lower, upper = oe_funnel_limits_adjusted(e, confidence, None, v)
    return Screening(
        null="poisson" if v is None else "poisson_binomial",
        overdispersion=od,
        p_values=p,
        verdict=verdict,
        confidence=confidence,
        lower=np.asarray(lower, dtype=np.float64),
        upper=np.asarray(upper, dtype=np.float64),
    )


# --------------------------------------------------------------------------- CMH: homogeneity


@dataclass(frozen=True)
class BreslowDayResult:
    """Result of :func:`breslow_day_test`.

    Attributes
    ----------
    statistic, p_value, dof
        Breslow–Day X² (with Tarone's correction when ``tarone``), its χ² p-value, K' − 1.
    tarone
        Whether Tarone's correction was subtracted.
    n_strata
        K', the strata used (those with both rows and both columns non-empty).
    """

    statistic: float
    p_value: float
    dof: int
    tarone: bool
    n_strata: int


def breslow_day_test(tables: ArrayLike, tarone: bool = True) -> BreslowDayResult:
    """Breslow–Day test that the K 2×2 tables share one odds ratio (the assumption behind the
    Mantel–Haenszel common odds ratio of :func:`cmh_test`).

    Parameters
    ----------
    tables : array_like, shape (K, 2, 2)
        As for :func:`cmh_test`.
    tarone : bool
        Subtract Tarone's (1985, Biometrika 72:91–95) correction (default), which makes the
        statistic asymptotically χ² when the Mantel–Haenszel estimate is used; as
        ``DescTools::BreslowDayTest(correct = TRUE)``.

    Returns
    -------
    BreslowDayResult
        ``nan`` statistic when fewer than two strata are informative.

    Method
    ------
    Breslow & Day (1980), *Statistical Methods in Cancer Research* vol. I, §4.4: for each
    stratum the expected first cell given the margins and the Mantel–Haenszel odds ratio, its
    variance, and Σ (a − E a)²/Var a on K' − 1 degrees of freedom. Computed by statsmodels'
    ``StratifiedTable.test_equal_odds``'s formulas with a root that stays finite when the
    pooled odds ratio is 1; the p-value with ``chi2.sf``. Strata
    with an empty row or column say nothing about the odds ratio (their variance is 0) and
    are left out.
    """
    arr = _counts_array(tables, 3, "tables")
    if arr.shape[1:] != (2, 2):
        raise ValueError(f"tables must have shape (K, 2, 2), got {arr.shape}")
    informative = (arr.sum(axis=2) > 0).all(axis=1) & (arr.sum(axis=1) > 0).all(axis=1)
    arr = arr[informative]
    k = int(arr.shape[0])
    if k < 2:
        return BreslowDayResult(NAN, NAN, max(k - 1, 0), tarone, k)
    # statsmodels' ``test_equal_odds`` takes the root (−b + √(b² − 4ac))/(2a) with
    # a = 1 − OR, which is 0/0 when the pooled odds ratio is exactly 1 (e.g. a group just like
    # the rest); the same root as 2c/(−b − √(b² − 4ac)) is finite there (b = n > 0), so the
    # statistic is computed here from statsmodels' pooled odds ratio and margins.
    st = StratifiedTable(np.moveaxis(arr, 0, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(st.oddsratio_pooled)
        a11 = arr[:, 0, 0]
        row1, col1 = arr[:, 0, :].sum(axis=1), arr[:, :, 0].sum(axis=1)
        d_minus_a = arr.sum(axis=(1, 2)) - row1 - col1
        b = ratio * (row1 + col1) + d_minus_a
        c = -ratio * row1 * col1
        expected = 2 * c / (-b - np.sqrt(b**2 - 4 * (1 - ratio) * c))
        variance = 1 / (
            1 / expected
            + 1 / (col1 - expected)
            + 1 / (row1 - expected)
            + 1 / (d_minus_a + expected)
        )
        statistic = float(np.sum((a11 - expected) ** 2 / variance))
        if tarone:
            statistic -= float(np.sum(a11 - expected) ** 2 / np.sum(variance))
    # A pooled odds ratio of 0 or ∞ (every stratum one-sided) leaves the statistic nan, as
    # DescTools gives NA.
    return BreslowDayResult(statistic, float(sps.chi2.sf(statistic, k - 1)), k - 1, tarone, k)


@dataclass(frozen=True)
class GeneralisedCMHResult:
    """Result of :func:`generalised_cmh_test`: the general-association statistic, its
    χ² p-value and degrees of freedom, and the strata used."""

    statistic: float
    p_value: float
    dof: int
    n_strata: int


def generalised_cmh_test(tables: ArrayLike) -> GeneralisedCMHResult:
    """Generalised Cochran–Mantel–Haenszel test of no association between rows (e.g. units)
    and columns (e.g. outcome yes/no) given the strata (e.g. incident type × severity).

    Parameters
    ----------
    tables : array_like, shape (K, I, J)
        One I×J table of counts per stratum.

    Returns
    -------
    GeneralisedCMHResult
        ``nan`` when no stratum is informative.

    Method
    ------
    Landis, Heyman & Koch (1978), Int Stat Rev 46:237–254; Agresti (2013) *Categorical Data
    Analysis* §8.4.2: with n_h the first (I − 1)(J − 1) cells of stratum h, m_h = E n_h and
    V_h = (n_{h}^2 (n_h − 1))^{-1} (n_h D_r − r r′) ⊗ (n_h D_c − c c′) (r, c the first I − 1
    row and J − 1 column totals) under the multiple hypergeometric null,
    M² = (Σ n_h − Σ m_h)′ (Σ V_h)⁻ (Σ n_h − Σ m_h) on rank(Σ V_h) degrees of freedom
    ((I − 1)(J − 1) unless a row or column is empty in every stratum). This is R's
    ``mantelhaen.test`` for tables larger than 2×2×K; for 2×2×K it is the uncorrected
    Mantel–Haenszel statistic. Rows and columns empty in every stratum are dropped, and
    strata with fewer than two subjects (no variance). Written here because neither scipy nor
    statsmodels offers the generalised test; vectorised over strata.
    """
    arr = _counts_array(tables, 3, "tables")
    arr = arr[:, arr.sum(axis=(0, 2)) > 0, :]
    arr = arr[:, :, arr.sum(axis=(0, 1)) > 0]
    arr = arr[arr.sum(axis=(1, 2)) >= 2]
    k, rows, cols = arr.shape
    if k == 0 or rows < 2 or cols < 2:
        return GeneralisedCMHResult(NAN, NAN, 0, k)
    n = arr.sum(axis=(1, 2))
    r = arr.sum(axis=2)[:, :-1]  # (K, I-1)
    c = arr.sum(axis=1)[:, :-1]  # (K, J-1)
    cells = arr[:, :-1, :-1].reshape(k, -1)
    mean = (r[:, :, None] * c[:, None, :]).reshape(k, -1) / n[:, None]
    row_part = n[:, None, None] * _diag_stack(r) - r[:, :, None] * r[:, None, :]
    col_part = n[:, None, None] * _diag_stack(c) - c[:, :, None] * c[:, None, :]
    kron = np.einsum("kab,kcd->kacbd", row_part, col_part).reshape(k, cells.shape[1], -1)
    variance = (kron / (n**2 * (n - 1))[:, None, None]).sum(axis=0)
    diff = (cells - mean).sum(axis=0)
    dof = int(np.linalg.matrix_rank(variance))
    if dof == 0:
        return GeneralisedCMHResult(NAN, NAN, 0, k)
    statistic = float(diff @ np.linalg.pinv(variance, hermitian=True) @ diff)
    return GeneralisedCMHResult(statistic, float(sps.chi2.sf(statistic, dof)), dof, k)


def _diag_stack(x: FloatArray) -> FloatArray:
    """(K, m) -> (K, m, m) diagonal matrices."""
    out = np.zeros((*x.shape, x.shape[-1]))
    idx = np.arange(x.shape[-1])
    out[:, idx, idx] = x
    return out


# --------------------------------------------------------------------------- median survival


@dataclass(frozen=True)
class MedianSurvival:
    """Kaplan–Meier median with its confidence interval (:func:`kaplan_meier_median_ci`).

    ``median``, ``lower`` and ``upper`` are ``nan`` when the curve (or the band giving that
    limit) never reaches 0.5, as R prints ``NA``."""

    median: float
    lower: float
    upper: float
    confidence: float
    transform: Literal["log-log", "log"]


# Survival values this close to 0.5 count as exactly 0.5 (survfit's flat-span rule).
_MEDIAN_TOLERANCE = 1e-9


def _step_median(times: FloatArray, values: FloatArray, last_time: float) -> float:
    """survfit's median of a step function: ``values[j]`` holds from ``times[j]`` until the
    next time. The first time where it is <= 0.5; when it sits exactly on 0.5 there, the
    midpoint of that time and the next time it changes (or ``last_time`` if it never does)."""
    finite = np.isfinite(values)
    hit = np.flatnonzero(finite & (values <= 0.5 + _MEDIAN_TOLERANCE))
    if hit.size == 0:
        return NAN
    j = int(hit[0])
    if abs(values[j] - 0.5) > _MEDIAN_TOLERANCE:
        return float(times[j])
    later = np.flatnonzero(np.abs(values[j + 1 :] - values[j]) > _MEDIAN_TOLERANCE)
    end = float(times[j + 1 + later[0]]) if later.size else last_time
    return (float(times[j]) + end) / 2.0


def kaplan_meier_median_ci_from_counts(
    durations: ArrayLike,
    observed: ArrayLike,
    counts: ArrayLike,
    confidence: float = INTERVAL_CONFIDENCE,
    transform: Literal["log-log", "log"] = "log-log",
) -> MedianSurvival:
    """:func:`kaplan_meier_median_ci` of a frequency table (``counts[i]`` subjects with
    duration ``durations[i]`` and event indicator ``observed[i]``), without expanding it."""
    _check_confidence(confidence)
    if transform not in ("log-log", "log"):
        raise ValueError(f"transform must be 'log-log' or 'log', got {transform!r}")
    t, d = _survival_data(durations, observed)
    c = _frequencies(counts, t.size)
    keep = c > 0
    if not keep.any():
        return MedianSurvival(NAN, NAN, NAN, confidence, transform)
    times, rank = np.unique(t[keep], return_inverse=True)
    events = np.bincount(rank, weights=(d * c)[keep], minlength=times.size)
    leaving = np.bincount(rank, weights=c[keep], minlength=times.size)
    at_risk = np.cumsum(leaving[::-1])[::-1]
    at = events > 0
    if not at.any():
        return MedianSurvival(NAN, NAN, NAN, confidence, transform)
    ev, nr, et = events[at], at_risk[at], times[at]
    survival = np.cumprod(1.0 - ev / nr)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Greenwood (1926): Var(log Ŝ) = Σ d / (n (n − d)); infinite once Ŝ = 0.
        se = np.sqrt(np.cumsum(ev / (nr * (nr - ev))))
        z = float(sps.norm.ppf(1.0 - (1.0 - confidence) / 2.0))
        if transform == "log-log":
            u = z * se / np.abs(np.log(survival))
            lower, upper = survival ** np.exp(u), survival ** np.exp(-u)
        else:
            lower, upper = survival * np.exp(-z * se), np.minimum(survival * np.exp(z * se), 1.0)
    # Where Ŝ = 0 the bands are undefined (survfit gives NA), and Ŝ = 1 cannot occur at an
    # event time.
    lower = np.asarray(np.where(survival > 0, lower, np.nan), dtype=np.float64)
    upper = np.asarray(np.where(survival > 0, upper, np.nan), dtype=np.float64)
    last = float(times[-1])
    return MedianSurvival(
        median=_step_median(et, np.asarray(survival, dtype=np.float64), last),
        lower=_step_median(et, lower, last),
        upper=_step_median(et, upper, last),
        confidence=confidence,
        transform=transform,
    )


def kaplan_meier_median_ci(
    durations: ArrayLike,
    observed: ArrayLike,
    confidence: float = INTERVAL_CONFIDENCE,
    transform: Literal["log-log", "log"] = "log-log",
) -> MedianSurvival:
    """Kaplan–Meier median with a Brookmeyer–Crowley confidence interval, as R's ``survfit``.

    Parameters
    ----------
    durations, observed : array_like
        As for :func:`kaplan_meier`.
    confidence : float
        Coverage of the interval (default 0.95).
    transform : {"log-log", "log"}
        Scale of the pointwise confidence band: ``"log-log"`` (default here; Kalbfleisch &
        Prentice (2002) §1.3, its band stays within (0, 1) and covers better in small
        samples), or ``"log"`` (``survfit``'s default ``conf.type``).

    Returns
    -------
    MedianSurvival

    Method
    ------
    Ŝ(t) is the Kaplan–Meier estimate with the Greenwood variance of log Ŝ. The median is
    ``survfit``'s: the first t with Ŝ(t) <= 0.5, except that when Ŝ sits exactly on 0.5 it is
    the midpoint of that flat stretch (between the time Ŝ reaches 0.5 and the next event time,
    or the last follow-up time) — e.g. for uncensored data the ordinary sample median. The
    interval (Brookmeyer & Crowley (1982), Biometrics 38:29–41, with the transformed band as
    ``survfit`` does it): the lower limit is where the lower pointwise band reaches 0.5, the
    upper limit where the upper band does, by the same rule; log-log band
    Ŝ^{exp(±z·se/|log Ŝ|)}, log band Ŝ·exp(∓z·se).
    """
    t, d = _survival_data(durations, observed)
    return kaplan_meier_median_ci_from_counts(t, d, np.ones(t.size), confidence, transform)


# --------------------------------------------------------------------------- reference rates


def reference_rates(successes: ArrayLike, trials: ArrayLike, leave_out: bool = False) -> FloatArray:
    """Reference probability per stratum for the Poisson-binomial null, from group × stratum
    counts of one outcome.

    Parameters
    ----------
    successes, trials : array_like, shape (G, S)
        "Yes" and all incidents of each group in each stratum (the whole reference
        population, e.g. every unit of the municipality).
    leave_out : bool
        False (default): the population's rate per stratum, shape (S,), shared by all groups.
        True: each group against the rest, shape (G, S): (Σ_h y_hs − y_gs) / (Σ_h n_hs −
        n_gs), so that a large unit is not part of its own reference. These rates give the
        O/E "against the rest" to show; as probabilities of a test they are treated as known
        although they are estimated from few incidents where a group holds most of a stratum,
        which makes the test too liberal (on the demo data: 8 units named beyond the planted
        ones over five seeds, against 2 with the whole population's rates). The verdict uses
        the whole population's rates; :func:`unit_vs_rest_moments` is the exact conditional
        test of a group against the rest, if one is wanted.

    Returns
    -------
    ndarray
        Probabilities. A stratum without any incidents gets 0 (no group has trials there).
        With ``leave_out``, a group alone in a stratum has nothing to be compared with there:
        its rate is ``nan``, and the caller leaves those incidents out of O and the counts
        (:func:`poisson_binomial_tests` refuses ``nan``).
    """
    y = _counts_array(successes, 2, "successes")
    n = _counts_array(trials, 2, "trials")
    if y.shape != n.shape or np.any(y > n):
        raise ValueError("successes and trials must have the same shape, successes <= trials")
    total_y, total_n = y.sum(axis=0), n.sum(axis=0)
    if leave_out:
        rest_y, rest_n = total_y[np.newaxis, :] - y, total_n[np.newaxis, :] - n
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(rest_n > 0, rest_y / rest_n, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total_n > 0, total_y / total_n, 0.0)


def unit_vs_rest_moments(successes: ArrayLike, trials: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Expected count and variance of each group's "yes" count, conditionally on the strata's
    margins: the group against the rest of the population, stratum by stratum.

    Parameters
    ----------
    successes, trials : array_like, shape (G, S)
        As for :func:`reference_rates` (the whole reference population).

    Returns
    -------
    (expected, variance) : arrays, shape (G,)
        E_g = Σ_s n_gs y_s / N_s (equal to the O/E expectation from the population's stratum
        rates) and V_g = Σ_s n_gs (N_s − n_gs) y_s (N_s − y_s) / (N_s² (N_s − 1)).

    Method
    ------
    Under equal treatment, given the stratum totals, the group's count in stratum s is
    hypergeometric; (O − E)²/V is then the uncorrected Mantel–Haenszel statistic of the
    2×2×S tables group × rest (Mantel & Haenszel 1959; :func:`cmh_test`), computed for every
    group at once. Unlike a binomial null with the rest's rates as known probabilities
    (``reference_rates(..., leave_out=True)``), this allows for the sampling error of the rest's
    rates, which matters where a group holds most of a stratum's incidents; V is below the
    binomial Σ n p(1 − p) by the factors (N_s − n_gs)/(N_s − 1), so a large unit is compared
    with the rest rather than with itself. Strata with N_s < 2 add nothing.
    """
    y = _counts_array(successes, 2, "successes")
    n = _counts_array(trials, 2, "trials")
    if y.shape != n.shape or np.any(y > n):
        raise ValueError("successes and trials must have the same shape, successes <= trials")
    total_y, total_n = y.sum(axis=0), n.sum(axis=0)
    rate = np.where(total_n > 0, total_y / np.maximum(total_n, 1.0), 0.0)
    expected = (n * rate).sum(axis=1)
    # n (N − n) y (N − y) / (N² (N − 1)) = n (N − n) r (1 − r) / (N − 1), r = y / N
    per_stratum = n * (total_n - n) * rate * (1.0 - rate) / np.maximum(total_n - 1.0, 1.0)
    variance = np.where(total_n >= 2, per_stratum, 0.0).sum(axis=1)
    return expected, variance
