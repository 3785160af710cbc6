"""Export: the current view's tables as one Excel workbook (a sheet per table and one that
describes filters, extract date and methods) or one table as CSV, and the view's report to
the ombudsman as a PDF with the administration's answers typed here."""

from datetime import datetime
from functools import partial

import streamlit as st

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
sheets = workbook_sheets(
    report, lang, threshold=threshold, generated=datetime.now(), breakdowns=breakdowns
)
tables = sheets[1:]  # the tables after the sheet that describes them
stamp = f"{report.extract_date or datetime.now().date():%Y-%m-%d}"
st.download_button(
    t("export.download_excel", lang),
    # written (and logged) when clicked, not on every rerun
    data=auth.audited(
        "export",
        "export",
        partial(xlsx_bytes, sheets, lang=lang),
        sum(sheet.frame.height for sheet in tables),
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
    data=auth.audited("export", "export", partial(csv_bytes, table, lang), table.frame.height),
    file_name=f"{chosen}-{stamp}.csv",
    mime="text/csv; charset=utf-8",
    on_click="ignore",
    key="download_csv",
)
st.subheader(t("export.preview", lang))
st.dataframe(for_display(table.frame), hide_index=True, width="stretch")

st.subheader(t("report.page_title", lang))
st.write(t("report.page_intro", lang))
report_download.answers_form(lang)
report_download.report_button(page.cur, report, lang, key="download_report", page="export")
