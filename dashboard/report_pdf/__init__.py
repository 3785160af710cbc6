"""The report to the ombudsman ("Redegørelse") as one archival PDF (PDF/A-2b, A4).

:mod:`.content` is the one adapter from the metrics layer's outputs to the report's blocks
(texts already formatted in the reader's language); :mod:`.typst` writes those blocks as
Typst markup, with every text from data inserted as an escaped string literal, and
compiles it, with the charts rendered to SVG by vl-convert.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import duckdb

from dashboard.i18n import Lang
from dashboard.metrics.report import MetricsReport
from dashboard.report_pdf.content import ANSWER_KEYS, build_document, read_answers
from dashboard.report_pdf.typst import ReportError, compile_pdf

__all__ = ["ANSWER_KEYS", "ReportError", "read_answers", "report_pdf"]


def report_pdf(
    con: duckdb.DuckDBPyConnection,
    report: MetricsReport,
    lang: Lang,
    *,
    answers: Mapping[str, str] | None = None,
    case_number: str = "",
    generated: datetime | None = None,
    work_accident_days: int = 9,
    deadline_days: Mapping[str, int] | None = None,
    demo: bool = False,
) -> bytes:
    """The report of ``report``'s view as PDF/A bytes; ``con`` runs the page queries the
    report lists (with the same filters and scope). ``work_accident_days`` and
    ``deadline_days`` are the settings the method appendix states (``deadline_days`` None:
    the defaults of :class:`dashboard.config.Settings`)."""
    generated = (generated or datetime.now().astimezone()).replace(microsecond=0)
    document = build_document(
        con,
        report,
        lang,
        answers=answers,
        case_number=case_number,
        generated=generated,
        work_accident_days=work_accident_days,
        deadline_days=deadline_days,
        demo=demo,
    )
    return compile_pdf(document, generated=generated)
