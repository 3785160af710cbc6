"""The levels and thresholds a text about the method names, formatted from the declarations
the figures are computed with (``dashboard.stats``, the funnel levels, the chi-square
sentence's level): the report's method appendix and the export's methods read them here, so
no text carries a second copy of a threshold."""

from __future__ import annotations

from dashboard import stats
from dashboard.formatting import format_number, format_percent
from dashboard.i18n import Lang, field_label, group_words, t
from dashboard.metrics.filters import GroupBy
from dashboard.metrics.findings import CHI2_ALPHA
from dashboard.metrics.incidents import FUNNEL_CONFIDENCES, STRATUM_KEYS


def level_text(fraction: float, lang: Lang) -> str:
    """A level or rate as a method text names it: 0.05 -> "5 %", 0.998 -> "99,8 %"."""
    decimals = 0 if round(100 * fraction, 6).is_integer() else 1
    return format_percent(fraction, lang, decimals)


def method_values(lang: Lang, by: GroupBy, *, adjust: str) -> dict[str, str]:
    """The placeholders of the ``report_method`` texts: the group words of ``by``, the
    intervals' and funnels' levels, the strata, the screening rule's thresholds and the CMH
    tests' adjustment ``adjust`` (``holm`` or ``fdr_bh``)."""
    inner, outer = FUNNEL_CONFIDENCES[0], FUNNEL_CONFIDENCES[-1]
    return {
        **group_words(by, lang),
        "interval": level_text(stats.INTERVAL_CONFIDENCE, lang),
        "inner": level_text(inner, lang),
        "outer": level_text(outer, lang),
        "strata": " × ".join(field_label(k, lang).lower() for k in STRATUM_KEYS),
        "max_rate": level_text(stats.NULL_MAX_RATE, lang),
        "min_expected": format_number(stats.MIN_EXPECTED, lang),
        "trim": level_text(stats.WINSOR_FRACTION, lang),
        "od_alpha": format_number(stats.OVERDISPERSION_ALPHA, lang, 2),
        "fdr": level_text(stats.SCREENING_FDR, lang),
        "tables": format_number(stats.MONTE_CARLO_TABLES, lang),
        "chi2_alpha": format_number(CHI2_ALPHA, lang, 2),
        "adjust": t(f"report.adjust_{adjust}", lang),
    }
