"""Warnings and guidance: how often each group warns the citizen, whether police reports come
after a warning, and how long after the warning the report is made."""

import streamlit as st

from dashboard import charts
from dashboard.components import context, layout, outcome_sections
from dashboard.components.page import analysis_page
from dashboard.formatting import format_percent
from dashboard.i18n import group_words, metric_label, t
from dashboard.metrics import outcomes

page = analysis_page("nav.warnings", delays=True)
cur, lang, view, report = page.cur, page.lang, page.view, page.report
totals = outcomes.outcome_totals(report.totals, "warning")

st.write(t("warnings.intro", lang))
outcome_sections.headline(
    [
        (metric_label("warnings", lang), layout.count_text(totals.count, lang)),
        (metric_label("warning_rate", lang), format_percent(totals.rate, lang)),
        (t("warnings.prior_metric", lang), format_percent(totals.prior_warning_share, lang)),
    ],
    t("warnings.headline", lang),
)

outcome_sections.rate_by_group(report, "warning", view.by, lang, "warnings")

# Was the citizen warned before the police report? (darkest: warned first)
prior_parts = {
    "police_with_prior_warning": t("rules.prior_with", lang),
    "police_without_prior_warning": t("rules.prior_without", lang),
    "police_prior_warning_unknown": t("rules.prior_unknown", lang),
}
outcome_sections.chart_section(
    t("warnings.prior_title", lang),
    t("warnings.prior_help", lang, **group_words(view.by, lang)),
    t("warnings.prior_none", lang),
    outcomes.prior_warning_shares(report.incidents, view.by, prior_parts),
    charts.bar_chart,
    category=view.by,
    value="share",
    color="warning_given",
    percent=True,
    lang=lang,
    title=t("warnings.prior_title", lang),
    value_title=t("warnings.prior_share", lang),
    color_title=t("edges.prior_legend", lang),
    color_order=list(prior_parts.values()),
    n="n",
    small_below=context.settings().suppress_below,
)

# Days from the warning to the police report
outcome_sections.chart_section(
    t("warnings.gap_title", lang),
    t("warnings.gap_help", lang),
    t("warnings.gap_none", lang),
    outcomes.warning_to_police_points(report.incidents, view.by),
    charts.bar_chart,
    category=view.by,
    value="days_warning_to_police_median",
    lang=lang,
    title=t("warnings.gap_title", lang),
    value_title=t("warnings.gap_axis", lang),
    n="n",
    small_below=context.settings().suppress_below,
)

outcome_sections.group_table(
    report,
    "warning",
    view.by,
    lang,
    "warnings",
    extra_counts=["police_reports", "police_without_prior_warning"],
)
