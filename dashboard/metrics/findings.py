"""The plain-language findings of a report, in Danish or English."""

from __future__ import annotations

import math

from dashboard import stats
from dashboard.formatting import format_count, format_number, format_percent, format_ratio
from dashboard.i18n import Lang, group_words, metric_label, t
from dashboard.metrics.equal_treatment import GroupFinding, RuleFinding
from dashboard.metrics.filters import GroupBy
from dashboard.metrics.incidents import FUNNEL_CONFIDENCES, OUTCOMES
from dashboard.metrics.report import MetricsReport

# The legal duties' findings: below the outer limits of the share's funnel, in per cent.
FUNNEL_LIMIT = 100 * FUNNEL_CONFIDENCES[-1]
# The level at which the chi-square sentence calls the groups' differences more than chance.
CHI2_ALPHA = 0.05


def group_name(department: str, unit: str | None) -> str:
    """A unit with its department, or the department alone."""
    return f"{unit} ({department})" if unit is not None else department


def format_p(p: float | None, lang: Lang) -> str:
    """A p-value for a table cell: three decimals, or "< 0,001" when it is smaller."""
    if p is None or math.isnan(p):
        return "–"
    if p < 0.001:
        return "< " + format_number(0.001, lang, 3)
    return format_number(p, lang, 3)


def p_phrase(p: float | None, lang: Lang) -> str:
    """A p-value inside a sentence: "p = 0,012" or "p < 0,001"."""
    value = format_p(p, lang)
    return f"p {value}" if value.startswith("<") else f"p = {value}"


def finding_sentence(finding: GroupFinding, lang: Lang, *, suppress_below: int = 5) -> str:
    """One sentence naming a group with a higher/lower verdict, with its figures and the
    level of the verdict's limits.

    An observed count from 1 to ``suppress_below`` − 1 is written "<5", as everywhere else.
    """
    return t(
        f"stats.finding_{finding.outcome}_{finding.direction}",
        lang,
        unit=group_name(finding.department, finding.unit),
        ratio=format_ratio(finding.ratio, lang),
        observed=format_count(
            finding.observed,
            lang,
            small=0 < finding.observed < suppress_below,
            threshold=suppress_below,
        ),
        expected=format_number(finding.expected, lang, 1),
        limits=format_number(100 * finding.confidence, lang, 1),
    )


def rule_finding_sentence(finding: RuleFinding, lang: Lang, *, suppress_below: int = 5) -> str:
    """One sentence naming a group below the 99.8 % limits of a legal duty's share."""

    def count(n: int) -> str:
        return format_count(n, lang, small=0 < n < suppress_below, threshold=suppress_below)

    return t(
        f"rules.finding_{finding.share}_low",
        lang,
        unit=group_name(finding.department, finding.unit),
        missing=count(finding.whole - finding.part),
        whole=count(finding.whole),
        rate=format_percent(finding.rate, lang),
        baseline=format_percent(finding.baseline, lang),
        limits=format_number(FUNNEL_LIMIT, lang, 1),
    )


def chi2_sentence(result: dict[str, object], lang: Lang, by: GroupBy) -> str:
    """The chi-square result of one outcome in words (the groups named after ``by``)."""
    method = result["method"]
    if method == "not_testable":
        return t("stats.chi2_not_testable", lang, **group_words(by, lang))
    p = result["reported_p_value"]
    assert isinstance(p, float | int)
    key = "stats.chi2_significant" if p < CHI2_ALPHA else "stats.chi2_not_significant"
    sentence = t(key, lang, p=p_phrase(float(p), lang), **group_words(by, lang))
    if method == "fisher_exact":
        sentence += " " + t("stats.chi2_small_expected_fisher", lang)
    elif method == "monte_carlo_chi2":
        sentence += " " + t(
            "stats.chi2_small_expected_monte_carlo",
            lang,
            n=format_number(stats.MONTE_CARLO_TABLES, lang),
        )
    return sentence


def summary(report: MetricsReport, lang: Lang) -> list[str]:
    """Findings first (the legal duties' outliers, then the groups with a higher/lower
    verdict), then each outcome's chi-square result."""
    lines = [
        rule_finding_sentence(f, lang, suppress_below=report.suppress_below)
        for f in report.rule_findings
    ]
    lines += [
        finding_sentence(f, lang, suppress_below=report.suppress_below) for f in report.findings
    ]
    if not lines and not report.incidents.is_empty():
        lines.append(t("verdict.finding_none", lang, **group_words(report.by, lang)))
    for outcome in OUTCOMES:
        result = report.equal_treatment.get(f"{outcome}_rate")
        if result:
            lines.append(
                f"{metric_label(f'{outcome}_rate', lang)}: {chi2_sentence(result, lang, report.by)}"
            )
    return lines
