"""Police reports: how often each group reports to the police, the case-mix adjusted O/E in a
funnel plot, who decided, how long it took, and the reports made without a prior warning,
each of which can be opened to see the incident's course."""

import streamlit as st

from dashboard import charts
from dashboard.components import chart_cache, context, layout, outcome_sections
from dashboard.components.page import analysis_page
from dashboard.components.text import literal_t
from dashboard.formatting import format_percent
from dashboard.i18n import metric_label, t
from dashboard.metrics import outcomes, registry, views

LIST_LIMIT = 500

page = analysis_page("nav.police", delays=True)
cur, lang, view, report = page.cur, page.lang, page.view, page.report
totals = outcomes.outcome_totals(report.totals, "police_report")

st.write(t("police.intro", lang))
outcome_sections.headline(
    [
        (metric_label("police_reports", lang), layout.count_text(totals.count, lang)),
        (metric_label("police_report_rate", lang), format_percent(totals.rate, lang)),
        (
            metric_label("police_without_prior_warning", lang),
            layout.count_text(totals.counts["police_without_prior_warning"], lang),
        ),
    ],
    t("police.headline", lang),
)
st.caption(
    t(
        "rules.police_split_note",
        lang,
        with_=layout.count_text(totals.counts["police_with_prior_warning"], lang),
        without=layout.count_text(totals.counts["police_without_prior_warning"], lang),
        unknown=layout.count_text(totals.counts["police_prior_warning_unknown"], lang),
        total=layout.count_text(totals.count, lang),
    )
)

outcome_sections.rate_by_group(report, "police_report", view.by, lang, "police")
outcome_sections.oe_funnel(report, "police_report", view.by, lang, "police")

# Who decided to report
outcome_sections.category_shares_section(
    cur,
    view,
    "police_decided_by",
    category="decided_by",
    count="police_reports",
    texts="police.decided",
    report=report,
)

# Days from the incident to the report
outcome_sections.delay_section(report, "police_report", view.by, lang, "police")

outcome_sections.group_table(
    report,
    "police_report",
    view.by,
    lang,
    "police",
    extra_counts=list(registry.POLICE_REPORT.partition),
)

# Police reports without a prior warning, with a drill-down into one of them
st.subheader(t("police.without_title", lang))
st.caption(t("police.without_help", lang))
rows = context.view_query(cur, "police_without_prior_warning", view.filters, limit=LIST_LIMIT)
if rows.is_empty():
    st.info(t("police.without_none", lang))
    st.stop()
if (totals.counts["police_without_prior_warning"] or 0) > rows.height:  # None: hidden, small
    st.caption(
        t(
            "police.without_shown",
            lang,
            shown=layout.count_text(rows.height, lang),
            total=layout.count_text(totals.counts["police_without_prior_warning"], lang),
        )
    )
date_format = views.date_format(lang)
picked = st.dataframe(
    outcomes.without_warning_rows(rows, lang),
    hide_index=True,
    width="stretch",
    column_config={
        name: st.column_config.DateColumn(title, format=date_format)
        if name.endswith("_on")
        else st.column_config.TextColumn(title)
        for name, title in outcomes.without_warning_headers(lang).items()
    },
    on_select="rerun",
    selection_mode="single-row",
    # a new key per view, so a selection never points into a list it was not made in
    key=f"police_without_warning_{hash(view.filters)}",
)
incident = outcomes.selected_incident(rows, picked.selection.rows)
if incident is None:
    st.caption(t("police.select_hint", lang))
    st.stop()
st.markdown(f"#### {literal_t('police.detail_title', lang, id=str(incident['incident_id']))}")
facts, course = st.columns([2, 3])
facts.dataframe(views.incident_facts(incident, lang), hide_index=True, width="stretch")
chart_cache.draw(
    charts.timeline_chart,
    views.timeline_events(incident, lang),
    lang=lang,
    title=t("police.timeline_title", lang),
    where=course,
)
for line in views.undated_steps(incident, lang):
    course.caption(line)
