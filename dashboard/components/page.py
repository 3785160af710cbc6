"""How every analysis page starts: language, title, demo banner, filters and the report of
the view, stopping with an explanation when there is nothing to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb
import streamlit as st

from dashboard.components import context, layout
from dashboard.components.filters import View, sidebar_filters
from dashboard.i18n import Lang, t
from dashboard.metrics.report import MetricsReport


@dataclass(frozen=True)
class Analysis:
    """What a page works with: a cursor for this run, the language, the view and its report."""

    cur: duckdb.DuckDBPyConnection
    lang: Lang
    view: View
    report: MetricsReport


def analysis_page(
    title_key: str,
    *,
    group_by: bool = True,
    needs: Literal["incidents", "inquiries", "nothing"] = "incidents",
    empty_message: str = "app.empty_filtered",
    delays: bool = False,
) -> Analysis:
    """Set the page up; ``st.stop()`` when the store is empty or the filters leave no rows."""
    cur = context.cursor()
    lang = layout.page_setup(cur, title_key)
    if layout.empty_store(cur, lang):
        st.stop()
    view = sidebar_filters(cur, lang, group_by=group_by)
    report = context.view_report(cur, view.filters, view.by, delays=delays)
    nothing = (needs == "incidents" and report.focus_incidents.is_empty()) or (
        needs == "inquiries" and (report.inquiries.is_empty() or report.extract_date is None)
    )
    if nothing:
        if needs == "inquiries" and not context.inquiries_stored(cur):
            st.info(t("app.no_inquiries_stored", lang), icon=":material/upload_file:")
        else:
            st.warning(t(empty_message, lang), icon=":material/filter_alt_off:")
        st.stop()
    return Analysis(cur=cur, lang=lang, view=view, report=report)
