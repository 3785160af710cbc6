"""Work accidents: how often incidents are notified as work accidents, whether within the
statutory deadline, the case-mix adjusted O/E in a funnel plot, and the days to notification."""

import streamlit as st

from dashboard import charts
from dashboard.components import context, layout, outcome_sections
from dashboard.components.filters import sidebar_filters
from dashboard.formatting import format_number, format_percent
from dashboard.i18n import metric_label, t
from dashboard.metrics import outcomes

cur = context.cursor()
lang = layout.page_setup(cur, "nav.work_accidents")
if layout.empty_store(cur, lang):
    st.stop()
view = sidebar_filters(cur, lang)
report = context.view_report(cur, view.filters, view.by)
if report.incidents.is_empty():
    layout.no_rows(lang)
    st.stop()
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
st.subheader(t("work_accidents.deadline_title", lang, days=days))
st.caption(t("work_accidents.deadline_help", lang, days=days))
within = outcomes.within_deadline_points(report.incidents, view.by)
if within.is_empty():
    st.info(t("work_accidents.deadline_none", lang))
else:
    st.altair_chart(
        charts.bar_chart(
            within,
            category=view.by,
            value="work_accidents_within_deadline_share",
            percent=True,
            lang=lang,
            title=t("work_accidents.deadline_title", lang, days=days),
            value_title=t("work_accidents.deadline_axis", lang, days=days),
        ),
        width="stretch",
    )

outcome_sections.oe_funnel(report, "work_accident", view.by, lang, "work_accidents")

# Days from the incident to the notification
st.subheader(t("work_accidents.delay_title", lang))
st.caption(t("work_accidents.delay_help", lang, days=days))
delays = outcomes.delay_points(report.incidents, "work_accident", view.by)
if delays.is_empty():
    st.info(t("work_accidents.delay_none", lang))
else:
    st.altair_chart(
        charts.delay_chart(
            delays,
            label=view.by,
            median="days_to_work_accident_median",
            p90="days_to_work_accident_p90",
            lang=lang,
            title=t("work_accidents.delay_title", lang),
            n=None,
        ),
        width="stretch",
    )

outcome_sections.group_table(
    report,
    "work_accident",
    view.by,
    lang,
    "work_accidents",
    extra_counts=["work_accidents_within_deadline"],
)
