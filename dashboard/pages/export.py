"""Export: the current view's tables as one Excel workbook (a sheet per table and one that
describes filters, extract date and methods) or one table as CSV."""

from datetime import datetime
from functools import partial

import streamlit as st

from dashboard.access import Right
from dashboard.components import auth, context, layout
from dashboard.components.page import analysis_page
from dashboard.excel_out import csv_text, xlsx_bytes
from dashboard.i18n import t
from dashboard.metrics.export_tables import BREAKDOWNS, about_table, export_tables, for_display

page = analysis_page("nav.export", needs="nothing", delays=True)
lang, view, report = page.lang, page.view, page.report
threshold = context.settings().suppress_below
st.write(t("export.intro", lang))
layout.data_as_of(report.extract_date, lang)

breakdowns = {
    name: context.view_query(page.cur, name, view.filters, group_by=view.by) for name in BREAKDOWNS
}
shown_tables = export_tables(report, lang, threshold=threshold, breakdowns=breakdowns)
tables, full = shown_tables, False
found = auth.viewer()
if found is not None and found.may(Right.UNSUPPRESSED):
    full = st.toggle(
        t("disclosure.unsuppressed", lang),
        help=t("disclosure.unsuppressed_help", lang, max_small=str(threshold - 1)),
        key="export_unsuppressed",
    )
    if full:  # the downloads only; the preview below stays suppressed
        report = context.view_report(
            page.cur, view.filters, view.by, delays=True, unsuppressed=True
        )
        tables = export_tables(report, lang, threshold=threshold, breakdowns=breakdowns)
audit_details = {"unsuppressed": True} if full else {}
about = (
    t("export.sheet_about", lang),
    about_table(report, lang, threshold=threshold, generated=datetime.now()),
)
stamp = f"{report.extract_date or datetime.now().date():%Y-%m-%d}"
st.download_button(
    t("export.download_excel", lang),
    # written (and logged) when clicked, not on every rerun
    data=auth.audited(
        "export",
        "export",
        partial(xlsx_bytes, [about, *tables]),
        sum(f.height for _, f in tables),
        **audit_details,
    ),
    file_name=f"chikane-{stamp}.xlsx" if lang == "da" else f"harassment-{stamp}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    type="primary",
    on_click="ignore",
    key="download_xlsx",
)

names = [name for name, _ in tables]
chosen = st.selectbox(t("export.csv_table", lang), names, key="csv_table")
table = dict(tables)[chosen]
st.download_button(
    t("export.download_csv", lang),
    data=auth.audited(
        "export",
        "export",
        partial(
            csv_text, table, separator=";" if lang == "da" else ",", decimal_comma=lang == "da"
        ),
        table.height,
        **audit_details,
    ),
    file_name=f"{chosen}-{stamp}.csv",
    mime="text/csv",
    on_click="ignore",
    key="download_csv",
)
st.subheader(t("export.preview", lang))
st.dataframe(for_display(dict(shown_tables)[chosen]), hide_index=True, width="stretch")
