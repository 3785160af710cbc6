"""Work accidents: how often incidents are notified as work accidents, whether within the
statutory deadline, the case-mix adjusted O/E in a funnel plot, and the days to notification."""

import streamlit as st

from dashboard import charts
from dashboard.components import context, layout, outcome_sections
from dashboard.components.page import analysis_page
from dashboard.formatting import format_number, format_percent
from dashboard.i18n import metric_label, t
from dashboard.metrics import outcomes

page = analysis_page("nav.work_accidents", delays=True)
cur, lang, view, report = page.cur, page.lang, page.view, page.report
totals = outcomes.outcome_totals(report.incidents, "work_accident")
days = format_number(context.settings().work_accident_days, lang)

st.write(t("work_accidents.intro", lang, days=days))
outcome_sections.headline(
    [
        (metric_label("work_accidents", lang), layout.count_text(totals.count, lang)),
        (metric_label("work_accident_rate", lang), format_percent(totals.rate, lang)),
        (
            t("work_accidents.within_metric", lang, days=days),
            format_percent(totals.within_deadline_share, lang),
        ),
    ],
    t("work_accidents.headline", lang),
)

outcome_sections.rate_by_group(report, "work_accident", view.by, lang, "work_accidents")

# Notified within the deadline
outcome_sections.chart_section(
    t("work_accidents.deadline_title", lang, days=days),
    t("work_accidents.deadline_help", lang, days=days),
    t("work_accidents.deadline_none", lang),
    outcomes.within_deadline_points(report.incidents, view.by),
    charts.bar_chart,
    category=view.by,
    value="work_accidents_within_deadline_share",
    percent=True,
    lang=lang,
    title=t("work_accidents.deadline_title", lang, days=days),
    value_title=t("work_accidents.deadline_axis", lang, days=days),
)

outcome_sections.oe_funnel(report, "work_accident", view.by, lang, "work_accidents")

# Days from the incident to the notification
outcome_sections.delay_section(report, "work_accident", view.by, lang, "work_accidents", days=days)

outcome_sections.group_table(
    report,
    "work_accident",
    view.by,
    lang,
    "work_accidents",
    extra_counts=["work_accidents_within_deadline"],
)
