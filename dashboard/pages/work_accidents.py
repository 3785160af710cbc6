"""Work accidents: first the incidents that had to be notified and were not, then how many
of those that had to be were notified, whether within the statutory deadline (and from which
day it was counted), how often incidents are notified at all, the case-mix adjusted O/E in a
funnel plot, and the days to notification."""

import streamlit as st

from dashboard import charts
from dashboard.components import context, layout, outcome_sections
from dashboard.components.page import analysis_page
from dashboard.formatting import format_number, format_percent
from dashboard.i18n import group_words, metric_label, t
from dashboard.metrics import outcomes, registry, views

LIST_LIMIT = 500

page = analysis_page("nav.work_accidents", delays=True)
cur, lang, view, report = page.cur, page.lang, page.view, page.report
totals = outcomes.outcome_totals(report.totals, "work_accident")
counts = totals.counts
days = format_number(context.settings().work_accident_days, lang)

st.write(t("work_accidents.intro", lang, days=days))
outcome_sections.headline(
    [
        (
            metric_label("work_accident_missing", lang),
            layout.count_text(counts["work_accident_missing"], lang),
        ),
        (
            metric_label("work_accident_required", lang),
            layout.count_text(counts["work_accident_required"], lang),
        ),
        (
            metric_label("work_accident_compliance_rate", lang),
            format_percent(totals.share("work_accident_compliance_rate"), lang),
        ),
    ],
    t("work_accidents.headline", lang),
)
outcome_sections.headline(
    [
        (metric_label("work_accidents", lang), layout.count_text(totals.count, lang)),
        (
            t("work_accidents.within_metric", lang, days=days),
            format_percent(totals.within_deadline_share, lang),
        ),
        (t("rules.late_metric", lang), layout.count_text(counts["work_accidents_late"], lang)),
    ],
    None,
)
st.caption(
    t(
        "rules.proxy_note",
        lang,
        absence_from=layout.count_text(counts["deadline_from_absence_from"], lang),
        day_after=layout.count_text(counts["deadline_from_day_after"], lang),
        incident=layout.count_text(counts["deadline_from_incident"], lang),
    )
)
if counts["work_accidents_undated"]:
    st.caption(
        t(
            "rules.undated_note",
            lang,
            undated=layout.count_text(counts["work_accidents_undated"], lang),
        )
    )

# Had to be notified, and were not: the list the ombudsman asks about
st.subheader(t("rules.missing_title", lang))
st.caption(t("rules.missing_help", lang))
missing = context.view_query(cur, "work_accidents_missing", view.filters, limit=LIST_LIMIT)
if missing.is_empty():
    st.info(t("rules.missing_none", lang))
else:
    if (counts["work_accident_missing"] or 0) > missing.height:  # None: hidden, small
        st.caption(
            t(
                "rules.missing_shown",
                lang,
                shown=layout.count_text(missing.height, lang),
                total=layout.count_text(counts["work_accident_missing"], lang),
            )
        )
    date_format = views.date_format(lang)
    st.dataframe(
        outcomes.missing_rows(missing, lang),
        hide_index=True,
        width="stretch",
        column_config={
            name: st.column_config.DateColumn(title, format=date_format)
            if name.endswith("_on") or name == "absence_from"
            else st.column_config.TextColumn(title)
            for name, title in outcomes.missing_headers(lang).items()
        },
    )

# Notified among those that had to be, per group
outcome_sections.chart_section(
    t("rules.compliance_title", lang, **group_words(view.by, lang)),
    t("rules.compliance_help", lang, **group_words(view.by, lang)),
    t("rules.compliance_none", lang),
    outcomes.share_points(
        report.incidents,
        "work_accident_compliance_rate",
        view.by,
        peers=report.peers,
        lang=lang,
        suppress_below=context.settings().suppress_below,
    ),
    lambda frame: charts.rate_dot_plot(
        frame,
        rate="work_accident_compliance_rate",
        ci_low="work_accident_compliance_rate_ci_low",
        ci_high="work_accident_compliance_rate_ci_high",
        label=view.by,
        baseline=report.share_baseline("work_accident_compliance_rate"),
        lang=lang,
        title=t("rules.compliance_title", lang, **group_words(view.by, lang)),
        signal="work_accident_compliance_rate_signal",
        n="n",
        small_below=context.settings().suppress_below,
    ),
)
outcome_sections.peer_note(report, view.by, lang)

# Notified within the deadline
outcome_sections.chart_section(
    t("work_accidents.deadline_title", lang, days=days),
    t("work_accidents.deadline_help", lang, days=days, **group_words(view.by, lang)),
    t("work_accidents.deadline_none", lang),
    outcomes.within_deadline_points(report.incidents, view.by),
    charts.bar_chart,
    category=view.by,
    value="work_accidents_within_deadline_share",
    percent=True,
    lang=lang,
    title=t("work_accidents.deadline_title", lang, days=days),
    value_title=t("work_accidents.deadline_axis", lang, days=days),
    n="n",
    small_below=context.settings().suppress_below,
)

outcome_sections.rate_by_group(report, "work_accident", view.by, lang, "work_accidents")
outcome_sections.oe_funnel(report, "work_accident", view.by, lang, "work_accidents")

# Days from the incident to the notification
outcome_sections.delay_section(report, "work_accident", view.by, lang, "work_accidents", days=days)

outcome_sections.group_table(
    report,
    "work_accident",
    view.by,
    lang,
    "work_accidents",
    extra_counts=list(registry.WORK_ACCIDENT.rule_counts),
)
