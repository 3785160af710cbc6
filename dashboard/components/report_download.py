"""The report to the ombudsman on a page: the case number, the administration's answers
(kept in the session, so they go with every report made in it) and the PDF download."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import duckdb
import streamlit as st

from dashboard.components import auth, context
from dashboard.i18n import Lang, t
from dashboard.metrics.report import MetricsReport
from dashboard.report_pdf import ANSWER_KEYS, report_pdf
from dashboard.store.records import holds_demo_data

ANSWERS_STATE, CASE_STATE = "report_answers", "report_case_number"


def answers_form(lang: Lang) -> None:
    """The case number and a text area per question the data cannot answer; what is typed
    stays in the session (also when another page is shown)."""
    stored: dict[str, str] = st.session_state.setdefault(ANSWERS_STATE, {})
    st.session_state[CASE_STATE] = st.text_input(
        t("report.case_number", lang),
        value=st.session_state.get(CASE_STATE, ""),
        key="report_case_number_input",
    )
    with st.expander(t("report.page_answers", lang), icon=":material/edit_note:"):
        st.caption(t("report.page_answers_help", lang))
        for key in ANSWER_KEYS:
            stored[key] = st.text_area(
                t(f"report.answer_{key}", lang),
                value=stored.get(key, ""),
                key=f"report_answer_{key}",
            )


def _pdf(
    cur: duckdb.DuckDBPyConnection,
    report: MetricsReport,
    lang: Lang,
    answers: Mapping[str, str],
    case_number: str,
    work_accident_days: int,
    deadline_days: Mapping[str, int],
    demo: bool,
) -> bytes:
    # Runs when the button is clicked, outside the script run: on a cursor of its own.
    return report_pdf(
        cur.cursor(),
        report,
        lang,
        answers=answers,
        case_number=case_number,
        work_accident_days=work_accident_days,
        deadline_days=deadline_days,
        demo=demo,
    )


def report_button(
    cur: duckdb.DuckDBPyConnection, report: MetricsReport, lang: Lang, *, key: str, page: str
) -> None:
    """The download button of the view's report (made, and logged in the audit log as a
    report from ``page``, when clicked, not on every rerun)."""
    answers = dict(st.session_state.get(ANSWERS_STATE, {}))
    case_number = str(st.session_state.get(CASE_STATE, ""))
    # A new widget whenever what the PDF is made from changes: the browser kept clicking the
    # first run's deferred file after a rerun gave the same button a new one ("Deferred file
    # … not found", no download).
    content = hash((report.filters, report.scope, report.by, case_number, *sorted(answers.items())))
    stamp = f"{report.extract_date:%Y-%m-%d}" if report.extract_date else "tom"
    st.download_button(
        t("report.download", lang),
        data=auth.audited(
            "report",
            page,
            partial(
                _pdf,
                cur,
                report,
                lang,
                answers,
                case_number,
                context.settings().work_accident_days,
                context.settings().deadline_days,
                holds_demo_data(cur),
            ),
            report.incidents.height,
        ),
        file_name=f"{t('report.file_name', lang)}-{stamp}.pdf",
        mime="application/pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        key=f"{key}_{content}",
    )
