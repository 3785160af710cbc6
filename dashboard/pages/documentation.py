"""Documentation: how often each group documents incidents, in which forms, and the case-mix
adjusted O/E in a funnel plot."""

import streamlit as st

from dashboard.components import layout, outcome_sections
from dashboard.components.page import analysis_page
from dashboard.formatting import format_percent
from dashboard.i18n import metric_label, t
from dashboard.metrics import outcomes

page = analysis_page("nav.documentation")
cur, lang, view, report = page.cur, page.lang, page.view, page.report
totals = outcomes.outcome_totals(report.totals, "documentation")

st.write(t("documentation.intro", lang))
outcome_sections.headline(
    [
        (metric_label("documented", lang), layout.count_text(totals.count, lang)),
        (metric_label("documentation_rate", lang), format_percent(totals.rate, lang)),
        (t("documentation.unknown_metric", lang), layout.count_text(totals.unknown, lang)),
    ],
    t("documentation.headline", lang),
)

outcome_sections.rate_by_group(report, "documentation", view.by, lang, "documentation")

# Forms of documentation
outcome_sections.category_shares_section(
    cur,
    view,
    "documentation_forms",
    category="documentation_form",
    count="documented",
    texts="documentation.forms",
    report=report,
)

# Who documented
outcome_sections.category_shares_section(
    cur,
    view,
    "documented_by",
    category="documented_by",
    count="documented",
    texts="rules.documented_by",
    report=report,
)

outcome_sections.oe_funnel(report, "documentation", view.by, lang, "documentation")
outcome_sections.group_table(report, "documentation", view.by, lang, "documentation")
