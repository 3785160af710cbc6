"""Overview: headline figures with the change from the previous period, the monthly trend,
and the plain-language findings of the equal-treatment analysis."""

import streamlit as st

from dashboard import charts
from dashboard.components import chart_cache, context, layout, report_download
from dashboard.components.page import analysis_page
from dashboard.components.text import literal
from dashboard.formatting import format_date, format_percent
from dashboard.i18n import metric_label, t
from dashboard.metrics import registry
from dashboard.metrics.disclosure import suppress_series
from dashboard.metrics.findings import summary
from dashboard.metrics.headline import (
    INQUIRY_TOTALS,
    change,
    headline,
    headline_from_totals,
    previous_period,
)

page = analysis_page("nav.overview")
cur, lang, view, report = page.cur, page.lang, page.view, page.report

now = headline(report)
before_filters = previous_period(view.filters, view.bounds)
before = (
    headline_from_totals(
        context.view_query(cur, "period_totals", before_filters, extract_date=report.extract_date),
        small_below=now.small_below,
    )
    if before_filters and report.extract_date
    else None
)
if before is not None and before.incidents == 0:
    before = None  # no incidents before the period: no change to show

st.subheader(t("overview.headline", lang))
# Three boxes to a row: six in a row cut the labels and, below 1,400 pixels, the rates.
# (metric, value now, change from the previous period or None for none shown, is a rate)
# The incident figures are those the outcome registry lists for the headline; the open
# inquiries are counted at the extract date, so they have no previous period.
incident_figures = ["incidents", *(name for spec in registry.OUTCOMES for name in spec.headline)]
figures = [
    (
        name,
        now.value(name),
        change(now, before, name),
        name not in now.counts,
    )
    for name in incident_figures
]
figures += [("open", now.open, None, False), ("open_overdue", now.open_overdue, None, False)]
# "0 open inquiries" would claim there are none open when none were ever loaded
inquiries_loaded = context.inquiries_stored(cur)
for row in range(0, len(figures), 3):
    for column, (metric, value, diff, is_rate) in zip(
        st.columns(3),
        figures[row : row + 3],
        strict=False,  # the last row may be short
    ):
        shown = format_percent(value, lang) if is_rate else layout.count_text(value, lang)  # type: ignore[arg-type]
        unknown = metric in INQUIRY_TOTALS and not inquiries_loaded
        column.metric(
            metric_label(metric, lang),
            t("edges.no_inquiries_loaded", lang) if unknown else shown,
            delta=None if unknown else layout.change_text(diff, lang, rate=is_rate),
            delta_color="off",
            help=t("edges.no_inquiries_loaded_help", lang) if unknown else None,
            border=True,
        )
if before_filters and before_filters.date_from and before_filters.date_to:
    st.caption(
        t(
            "overview.vs_previous",
            lang,
            start=format_date(before_filters.date_from, lang),
            end=format_date(before_filters.date_to, lang),
        )
    )
layout.data_as_of(report.extract_date, lang)

st.subheader(t("overview.findings", lang))
st.caption(t("overview.findings_help", lang))
st.markdown("\n".join(f"- {literal(line)}" for line in summary(report, lang)))
report_download.report_button(cur, report, lang, key="overview_report", page="overview")

st.subheader(t("overview.trend", lang))
series = ["incidents", "police_reports", "warnings", "work_accidents"]
monthly = suppress_series(
    context.view_query(cur, "incident_monthly", view.filters),
    series,
    context.settings().suppress_below,
)
chart_cache.draw(
    charts.trend_chart,
    monthly,
    series=series,
    lang=lang,
    title=t("overview.trend_title", lang),
)
st.caption(t("overview.small_hidden", lang, max_small=str(context.settings().suppress_below - 1)))
