"""Sections shared by the Police reports, Warnings, Work accidents and Documentation pages:
the headline figures, the rate by group, the case-mix adjusted O/E funnel with its reading
guide, and the table of figures by group. Each takes the report the page already has and
only lays out what :mod:`dashboard.metrics.outcomes` and :mod:`dashboard.charts` return."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import duckdb
import polars as pl
import streamlit as st

from dashboard import charts
from dashboard.components import chart_cache, context
from dashboard.components.filters import View
from dashboard.formatting import format_number
from dashboard.i18n import Lang, group_words, t
from dashboard.metrics import outcomes, views
from dashboard.metrics import peers as peer_groups
from dashboard.metrics.filters import GroupBy
from dashboard.metrics.incidents import Outcome
from dashboard.metrics.report import MetricsReport


def headline(figures: Sequence[tuple[str, str]], title: str | None) -> None:
    """A row of bordered st.metric boxes: (label, value already formatted), under ``title``
    (none for a second row)."""
    if title:
        st.subheader(title)
    for column, (name, value) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(name, value, border=True)


def rate_by_group(
    report: MetricsReport, outcome: Outcome, by: GroupBy, lang: Lang, section: str
) -> None:
    """The outcome's share per group with 95 % intervals, highest first, against the overall share."""
    words = group_words(by, lang)
    st.subheader(t(f"{section}.rate_title", lang, **words))
    st.caption(t(f"{section}.rate_help", lang, **words))
    threshold = context.settings().suppress_below
    points = outcomes.rate_points(
        report.incidents, outcome, by, peers=report.peers, lang=lang, suppress_below=threshold
    )
    if points.is_empty():
        st.info(t("common.no_data", lang))
        return
    chart_cache.draw(
        charts.rate_dot_plot,
        points,
        rate=f"{outcome}_rate",
        ci_low=f"{outcome}_rate_ci_low",
        ci_high=f"{outcome}_rate_ci_high",
        label=by,
        baseline=report.baseline(outcome),
        lang=lang,
        title=t(f"{section}.rate_title", lang, **words),
        signal=f"{outcome}_verdict",
        n="n",
        small_below=threshold,
    )
    peer_note(report, by, lang)


def peer_note(report: MetricsReport, by: GroupBy, lang: Lang) -> None:
    """Under a funnel or dot plot of a limited scope: how the groups outside it are shown
    (unnamed, or not at all, as ``DASHBOARD_PEERS`` says) and that the reference is the
    municipality's."""
    if report.scope.everything:
        return
    mode = "shown" if not report.peers.is_empty() else "hidden"
    st.caption(t(f"peers.{mode}", lang, other=peer_groups.label(by, lang), **group_words(by, lang)))


def oe_funnel(
    report: MetricsReport, outcome: Outcome, by: GroupBy, lang: Lang, section: str
) -> None:
    """Observed/expected per group in a funnel plot, with the one-paragraph reading guide and
    the longer explanation (O/E, case mix, limits, many units) in an expander."""
    st.subheader(t(f"{section}.oe_title", lang))
    st.write(t("stats.funnel_how_to_read", lang, **group_words(by, lang)))
    with st.expander(t("stats.how_to_read_title", lang), icon=":material/help:"):
        for key in ("oe_explained", "case_mix_explained"):
            st.write(t(f"stats.{key}", lang))
        st.markdown(t("verdict.how_to_read", lang, **group_words(by, lang)))
    screening = report.screenings.get(outcome)
    curve = views.oe_curve(report.incidents, outcome, screening, peers=report.peers)
    if curve is None or screening is None:
        st.info(t(f"{section}.oe_none", lang))
        return
    chart_cache.draw(
        charts.funnel_plot,
        views.oe_points(
            report.incidents,
            outcome,
            by,
            peers=report.peers,
            lang=lang,
            suppress_below=context.settings().suppress_below,
        ),
        curve,
        x=f"{outcome}_expected",
        y=f"{outcome}_oe",
        label=by,
        kind="ratio",
        lang=lang,
        title=t(f"{section}.oe_title", lang),
        signal=f"{outcome}_verdict",
        limit_labels=views.verdict_limit_labels(screening, lang),
    )
    st.caption(t("verdict.reference_note", lang))
    peer_note(report, by, lang)


def delay_section(
    report: MetricsReport,
    outcome: Outcome,
    by: GroupBy,
    lang: Lang,
    section: str,
    **text: object,
) -> None:
    """Days from the incident to the action per group (median and 90th percentile);
    ``text`` fills placeholders of the section's help text (e.g. ``days``)."""
    chart_section(
        t(f"{section}.delay_title", lang),
        t(f"{section}.delay_help", lang, **text),
        t(f"{section}.delay_none", lang),
        outcomes.delay_points(report.incidents, outcome, by),
        charts.delay_chart,
        label=by,
        median=f"days_to_{outcome}_median",
        p90=f"days_to_{outcome}_p90",
        lang=lang,
        title=t(f"{section}.delay_title", lang),
        n=None,
    )


def category_shares_section(
    cur: duckdb.DuckDBPyConnection,
    view: View,
    query: str,
    *,
    category: str,
    count: str,
    texts: str,
    report: MetricsReport,
) -> None:
    """Shares of the categories of ``category`` among ``count`` per group, as stacked bars,
    from ``query`` (one row per group × category); ``texts`` is the prefix of the section's
    texts (``<texts>_title``, ``_help``, ``_none``, ``_axis``). The counts are suppressed
    against ``report``'s groups (:meth:`MetricsReport.shown_breakdown`)."""
    lang = view.lang
    chart_section(
        t(f"{texts}_title", lang),
        t(f"{texts}_help", lang, **group_words(view.by, lang)),
        t(f"{texts}_none", lang),
        outcomes.category_shares(
            report.shown_breakdown(
                context.view_query(cur, query, view.filters, group_by=view.by), count
            ),
            view.by,
            category=category,
            count=count,
        ),
        charts.bar_chart,
        category=view.by,
        value="share",
        color=category,
        percent=True,
        lang=lang,
        title=t(f"{texts}_title", lang),
        value_title=t(f"{texts}_axis", lang),
    )


def group_table(
    report: MetricsReport,
    outcome: Outcome,
    by: GroupBy,
    lang: Lang,
    section: str,
    *,
    extra_counts: Sequence[str] = (),
) -> None:
    """The figures behind the charts, one row per group, in an expander (small counts as "<5")."""
    threshold = context.settings().suppress_below
    with st.expander(
        t(f"{section}.group_table", lang, **group_words(by, lang)), icon=":material/table:"
    ):
        st.dataframe(
            outcomes.outcome_table(
                report.incidents,
                outcome,
                by,
                lang,
                extra_counts=extra_counts,
                suppress_below=threshold,
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(
            t(
                "stats.small_numbers_explained",
                lang,
                max_small=format_number(threshold - 1, lang),
                threshold=format_number(threshold, lang),
            )
        )


def chart_section(
    title: str,
    help_text: str,
    empty_text: str,
    frame: pl.DataFrame,
    chart: Callable[..., alt.Chart | alt.LayerChart],
    /,
    **chart_args: Any,
) -> None:
    """A titled chart with its explanation, or a notice when the filters leave nothing.

    The chart is ``chart(frame, **chart_args)``: a module-level chart function, drawn from a
    spec built once per distinct input (:mod:`dashboard.components.chart_cache`). A lambda
    or closure still draws, but is built and converted again on every rerun.
    """
    st.subheader(title)
    st.caption(help_text)
    if frame.is_empty():
        st.info(empty_text)
        return
    if "<" in chart.__qualname__:
        st.altair_chart(chart(frame, **chart_args), width="stretch")
        return
    chart_cache.draw(chart, frame, **chart_args)
