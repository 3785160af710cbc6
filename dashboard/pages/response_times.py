"""Response times: how quickly inquiries are answered per group, the Kaplan–Meier median (with
its 95 % interval) next to the plain one, the open and overdue inquiries as a work list, and the share still
unanswered day by day per department."""

import streamlit as st

from dashboard import charts
from dashboard.components import chart_cache, context, layout
from dashboard.components.page import analysis_page
from dashboard.formatting import format_date, format_number, format_percent
from dashboard.i18n import metric_label, t
from dashboard.metrics import views
from dashboard.metrics.inquiries import kaplan_meier_curve

OPEN_LIMIT = 500

page = analysis_page(
    "nav.response_times", needs="inquiries", empty_message="response_times.no_inquiries"
)
cur, lang, view, report = page.cur, page.lang, page.view, page.report
extract = report.extract_date
threshold = context.settings().suppress_below

st.write(t("response_times.intro", lang, date=format_date(extract, lang)))
st.caption(t("response_times.filters_note", lang))

# Key figures
totals = views.inquiry_totals(report.totals)
st.subheader(t("response_times.headline", lang))
figures = st.columns(4)
figures[0].metric(
    metric_label("inquiries", lang), layout.count_text(totals.inquiries, lang), border=True
)
figures[1].metric(metric_label("open", lang), layout.count_text(totals.open, lang), border=True)
figures[2].metric(
    metric_label("open_overdue", lang), layout.count_text(totals.open_overdue, lang), border=True
)
figures[3].metric(
    metric_label("share_within_deadline", lang),
    format_percent(totals.share_within_deadline, lang),
    border=True,
)
layout.data_as_of(extract, lang)

# Share answered within the deadline, per group
groups = views.with_chart_n(views.with_group_label(report.inquiries, view.by), "answered")
st.subheader(t("response_times.within_deadline_title", lang))
st.caption(t("response_times.within_deadline_help", lang))
chart_cache.draw(
    charts.rate_dot_plot,
    groups,
    rate="share_within_deadline",
    ci_low="share_within_deadline_ci_low",
    ci_high="share_within_deadline_ci_high",
    label=view.by,
    baseline=totals.share_within_deadline,
    lang=lang,
    title=metric_label("share_within_deadline", lang),
    n="n",
)

# Response days: median and 90th percentile; the Kaplan–Meier median beside the plain one
st.subheader(t("response_times.delay_title", lang))
chart_cache.draw(
    charts.delay_chart,
    groups,
    label=view.by,
    median="median_response_days",
    p90="p90_response_days",
    lang=lang,
    title=t("response_times.delay_title", lang),
    n="n",
)
st.subheader(t("response_times.km_title", lang))
st.info(t("response_times.km_why", lang), icon=":material/info:")
st.dataframe(
    views.inquiry_group_table(report.inquiries, view.by, lang, suppress_below=threshold),
    hide_index=True,
    width="stretch",
)
st.caption(t("strata_tests.km_ci_help", lang))
st.caption(t("rules.answered_share_note", lang))

# The same figures per inquiry type (the ombudsman's own requests first in mind)
st.subheader(t("rules.by_type_title", lang))
st.caption(t("rules.by_type_help", lang))
st.dataframe(
    views.inquiry_group_table(
        report.inquiries_by_type, "inquiry_type", lang, suppress_below=threshold
    ),
    hide_index=True,
    width="stretch",
)
st.caption(
    t(
        "response_times.small_note",
        lang,
        max_small=format_number(threshold - 1, lang),
        threshold=format_number(threshold, lang),
    )
)

# Open inquiries, most overdue first
st.subheader(t("response_times.open_title", lang))
st.caption(t("response_times.open_help", lang, date=format_date(extract, lang)))
open_rows = context.view_query(
    cur, "open_inquiries", view.filters, extract_date=extract, limit=OPEN_LIMIT
)
if open_rows.is_empty():
    st.write(t("response_times.open_none", lang))
else:
    if (totals.open or 0) > open_rows.height:  # None: a hidden total, never this large
        st.caption(
            t(
                "response_times.open_shown",
                lang,
                shown=format_number(open_rows.height, lang),
                total=format_number(totals.open, lang),
            )
        )
    headers = views.open_inquiry_headers(lang)
    date_format = views.date_format(lang)
    st.dataframe(
        views.open_inquiry_rows(open_rows, lang),
        hide_index=True,
        width="stretch",
        column_config={
            name: st.column_config.DateColumn(title, format=date_format)
            if name.endswith("_on")
            else st.column_config.NumberColumn(title, format="%d")
            if name.startswith("days_")
            else st.column_config.TextColumn(title)
            for name, title in headers.items()
        },
    )
layout.data_as_of(extract, lang)

# Share still unanswered after so many days, per department (Kaplan–Meier)
st.subheader(t("response_times.km_curve_title", lang))
st.caption(t("response_times.km_curve_help", lang, threshold=format_number(threshold, lang)))
durations = context.view_query(
    cur, "inquiry_durations_by_group", view.filters, group_by="department", extract_date=extract
)
chart_cache.draw(
    charts.km_chart,
    kaplan_meier_curve(durations, ["department"], suppress_below=context.settings().suppress_below),
    group="department",
    lang=lang,
    title=t("response_times.km_curve_title", lang),
)
