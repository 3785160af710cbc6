"""Export: the current view's tables as one Excel workbook (a sheet per table and one that
describes filters, extract date and methods) or one table as CSV, and the view's report to
the ombudsman as a PDF with the administration's answers typed here."""

from datetime import datetime
from functools import partial

import streamlit as st

from dashboard.access import Right
from dashboard.components import auth, context, layout, report_download
from dashboard.components.page import analysis_page
from dashboard.excel_out import csv_bytes, xlsx_bytes
from dashboard.i18n import t
from dashboard.metrics.export_tables import BREAKDOWNS, for_display, workbook_sheets

page = analysis_page("nav.export", needs="nothing", delays=True)
lang, view, report = page.lang, page.view, page.report
threshold = context.settings().suppress_below
st.write(t("export.intro", lang))
layout.data_as_of(report.extract_date, lang)

breakdowns = {
    name: context.view_query(page.cur, name, view.filters, group_by=view.by) for name in BREAKDOWNS
}
shown_tables = workbook_sheets(
    report, lang, threshold=threshold, generated=datetime.now(), breakdowns=breakdowns
)[1:]  # the tables after the sheet that describes them
full = False
found = auth.viewer()
if found is not None and found.may(Right.UNSUPPRESSED):
    full = st.toggle(
        t("disclosure.unsuppressed", lang),
        help=t("disclosure.unsuppressed_help", lang, max_small=str(threshold - 1)),
        key="export_unsuppressed",
    )
# the downloads follow the switch; the preview below stays suppressed
download_report = (
    context.view_report(page.cur, view.filters, view.by, delays=True, unsuppressed=True)
    if full
    else report
)
sheets = workbook_sheets(
    download_report, lang, threshold=threshold, generated=datetime.now(), breakdowns=breakdowns
)
tables = sheets[1:]
audit_details = {"unsuppressed": True} if full else {}
stamp = f"{report.extract_date or datetime.now().date():%Y-%m-%d}"
st.download_button(
    t("export.download_excel", lang),
    # written (and logged) when clicked, not on every rerun
    data=auth.audited(
        "export",
        "export",
        partial(xlsx_bytes, sheets, lang=lang),
        sum(sheet.frame.height for sheet in tables),
        **audit_details,
    ),
    file_name=f"chikane-{stamp}.xlsx" if lang == "da" else f"harassment-{stamp}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    type="primary",
    on_click="ignore",
    key="download_xlsx",
)

names = [sheet.name for sheet in tables]
chosen = st.selectbox(t("export.csv_table", lang), names, key="csv_table")
table = tables[names.index(chosen)]
st.download_button(
    t("export.download_csv", lang),
    data=auth.audited(
        "export", "export", partial(csv_bytes, table, lang), table.frame.height, **audit_details
    ),
    file_name=f"{chosen}-{stamp}.csv",
    mime="text/csv; charset=utf-8",
    on_click="ignore",
    key="download_csv",
)
st.subheader(t("export.preview", lang))
st.dataframe(for_display(shown_tables[names.index(chosen)].frame), hide_index=True, width="stretch")

st.subheader(t("report.page_title", lang))
st.write(t("report.page_intro", lang))
report_download.answers_form(lang)
report_download.report_button(page.cur, report, lang, key="download_report", page="export")
