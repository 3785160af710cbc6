"""Equal treatment: for each outcome, are comparable cases handled the same in every group?
The case-mix adjusted O/E funnel plot, the chi-square test in words and figures beside the
generalised CMH test (the same question within strata), each group against the rest within
strata (Cochran–Mantel–Haenszel, with the Breslow–Day test of its common odds ratio), the
groups with a higher or lower verdict by name, how the verdict was reached (null,
over-dispersion), and how to read it all."""

import streamlit as st

from dashboard import charts
from dashboard.components import chart_cache, context, outcome_sections, url_state
from dashboard.components.page import analysis_page
from dashboard.components.text import literal
from dashboard.formatting import format_number, format_percent
from dashboard.i18n import group_words, metric_label, t
from dashboard.metrics import outcomes, registry, views
from dashboard.metrics.findings import (
    chi2_sentence,
    finding_sentence,
    format_p,
    rule_finding_sentence,
)
from dashboard.metrics.incidents import OUTCOMES

url_state.check_choice("outcome", OUTCOMES)  # noted here, said by the filters' notice
page = analysis_page("nav.equal_treatment")
cur, lang, view, report = page.cur, page.lang, page.view, page.report
threshold = context.settings().suppress_below
words = group_words(view.by, lang)  # the groups compared by their name: unit or department

st.write(t("equal_treatment.intro", lang, **words))
# in the link as its canonical name (``?outcome=warning``), so it survives a language switch
remember_outcome = url_state.bind(
    "outcome", url_state.one_of(OUTCOMES), url_state.single(OUTCOMES[0]), OUTCOMES[0]
)
outcome = (
    st.segmented_control(
        t("equal_treatment.outcome", lang),
        list(OUTCOMES),
        format_func=lambda o: metric_label(f"{o}_rate", lang),
        key="outcome",
        on_change=remember_outcome,
        required=True,
    )
    or OUTCOMES[0]
)
url_state.publish()
result = report.tests_with_cmh(f"{outcome}_rate")
outcome_name = metric_label(f"{outcome}_rate", lang)

figures = st.columns(4)
figures[0].metric(
    outcome_name,
    format_percent(outcomes.outcome_totals(report.totals, outcome).rate, lang),
    border=True,
)
figures[1].metric(
    t("equal_treatment.groups_compared", lang, **words),
    format_number(int(result["groups"]), lang),
    border=True,
)
figures[2].metric(
    t("verdict.named", lang),
    format_number(len(result["verdicts"]), lang),
    border=True,
)
figures[3].metric(
    t("equal_treatment.chi2_p", lang), format_p(result["reported_p_value"], lang), border=True
)

# The funnel plot of observed/expected
title = t("equal_treatment.funnel_title", lang, outcome=outcome_name, **words)
screening = report.screenings.get(outcome)
adjusted = screening is not None and screening.overdispersion.method != "none"
unadjusted = adjusted and st.toggle(t("verdict.limit_unadjusted", lang), key="unadjusted")
curve = views.oe_curve(
    report.incidents, outcome, screening, adjusted=not unadjusted, peers=report.peers
)
if curve is None or screening is None:
    st.info(t("stats.chi2_not_testable", lang, **words), icon=":material/info:")
else:
    chart_cache.draw(
        charts.funnel_plot,
        views.oe_points(
            report.incidents,
            outcome,
            view.by,
            peers=report.peers,
            lang=lang,
            suppress_below=threshold,
        ),
        curve,
        x=f"{outcome}_expected",
        y=f"{outcome}_oe",
        label=view.by,
        kind="ratio",
        lang=lang,
        title=title,
        signal=f"{outcome}_verdict",
        limit_labels=views.verdict_limit_labels(screening, lang),
    )
    st.caption(t("stats.funnel_how_to_read", lang, **words))
    st.caption(t("verdict.reference_note", lang))
    outcome_sections.peer_note(report, view.by, lang)
    st.subheader(t("verdict.screening_title", lang))
    st.dataframe(views.screening_table(screening, lang), hide_index=True, width="content")

# The groups with a higher or lower verdict, named with their figures
st.subheader(t("verdict.findings_title", lang, **words))
findings = [
    finding_sentence(f, lang, suppress_below=report.suppress_below)
    for f in report.findings
    if f.outcome == outcome
]
# and the groups below the limits of the outcome's legal duty (work accidents not notified)
duties = {s.name for s in registry.BY_NAME[outcome].shares if s.finding}
findings += [
    rule_finding_sentence(f, lang, suppress_below=report.suppress_below)
    for f in report.rule_findings
    if f.share in duties
]
if findings:
    st.markdown("\n".join(f"- {literal(line)}" for line in findings))
else:
    st.write(t("verdict.no_findings", lang, **words))

# Chi-square: is the share the same in every group?
st.subheader(t("equal_treatment.chi2_title", lang, **words))
st.write(chi2_sentence(result, lang, view.by))
st.dataframe(views.chi2_table(result, view.by, lang), hide_index=True, width="content")
st.caption(t("strata_tests.global_help", lang, **words))

# Cochran–Mantel–Haenszel: each group against the rest, within strata
st.subheader(t("equal_treatment.cmh_title", lang, **words))
st.caption(t("equal_treatment.cmh_help", lang, **words))
st.caption(
    t(
        "strata_tests.correction_on" if result["cmh_correction"] else "strata_tests.correction_off",
        lang,
        **words,
    )
)
cmh = views.cmh_table(result, view.by, lang)
if cmh.is_empty():
    st.write(t("equal_treatment.cmh_none", lang, **words))
else:
    # The adjusted p-value, which the help text says to judge a group by, right after the
    # group's name: at 1280 pixels it was off-screen behind the department and odds ratio.
    adjusted_p = t("equal_treatment.p_adjusted", lang)
    first, *rest = (c for c in cmh.columns if c != adjusted_p)
    st.dataframe(cmh, hide_index=True, width="stretch", column_order=[first, adjusted_p, *rest])

with st.expander(t("stats.how_to_read_title", lang), icon=":material/help:"):
    st.markdown(t("verdict.how_to_read", lang, **words))
    for key in (
        "stats.case_mix_explained",
        "stats.oe_explained",
        "stats.funnel_how_to_read",
        "stats.chi2_explained",
        "stats.p_value_explained",
        "stats.cmh_explained",
        "strata_tests.breslow_day_help",
        "equal_treatment.adjusted_explained",
    ):
        st.markdown(t(key, lang, **words))
    st.markdown(
        t(
            "stats.small_numbers_explained",
            lang,
            max_small=format_number(threshold - 1, lang),
            threshold=format_number(threshold, lang),
        )
    )
