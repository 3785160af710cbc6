"""``python -m dashboard report``: the report to the ombudsman of one view, as a PDF."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from dashboard import store
from dashboard.config import Settings
from dashboard.metrics.filters import GROUP_BY
from dashboard.metrics_cli import add_view_arguments, view_from_args

EXIT_OK, EXIT_USAGE = 0, 2


def add_report_parser(sub: Any, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the ``report`` subcommand."""
    p = sub.add_parser("report", help="the report to the ombudsman (PDF/A, A4) of one view")
    add_db(p)
    p.add_argument(
        "--by", choices=GROUP_BY, default="unit", help="group by department or unit (default unit)"
    )
    add_view_arguments(p)
    p.add_argument("--lang", choices=["da", "en"], default="da", help="language (default da)")
    p.add_argument(
        "--answers",
        type=Path,
        metavar="DIR",
        help="folder with the administration's answers, one Markdown file per question: "
        "guidelines.md, police_procedure.md, decision_participants.md, "
        "documentation_practice.md (a missing one is said so in the report)",
    )
    p.add_argument("--case-number", default="", metavar="TEXT", help="the case number on the cover")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="the PDF to write")


def _out_problem(target: Path) -> str | None:
    folder = target.parent
    if target.is_dir() or not (folder.is_dir() and os.access(folder, os.W_OK)):
        return (
            f"--out {target} cannot be written (it is a folder, its folder does not exist, "
            "or you may not write there); choose another file."
        )
    return None


def run_report(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Write the PDF; exit 2 with one sentence when an option or the answers folder is wrong."""
    # Imported here: scipy, statsmodels, Altair and the Typst compiler are for this command only.
    from dashboard.metrics.report import build_report
    from dashboard.report_pdf import ReportError, read_answers, report_pdf
    from dashboard.store.records import holds_demo_data

    chosen = view_from_args(args, err)
    if chosen is None:
        return EXIT_USAGE
    filters, extract_on = chosen
    problem = _out_problem(args.out)
    if problem:
        print(problem, file=err)
        return EXIT_USAGE
    if args.answers is not None and not args.answers.is_dir():
        print(
            f"--answers {args.answers} is not a folder; give the folder of the answers.", file=err
        )
        return EXIT_USAGE
    try:
        answers = read_answers(args.answers)
    except (OSError, UnicodeDecodeError) as error:
        print(
            f"The answers in {args.answers} could not be read ({error}); save them as UTF-8 text.",
            file=err,
        )
        return EXIT_USAGE
    with store.open_for_writing(settings.db_path) as con:
        report = build_report(
            con,
            filters,
            by=args.by,
            extract_on=extract_on,
            work_accident_days=settings.work_accident_days,
            suppress_below=settings.suppress_below,
            adjust=args.adjust,
            cmh_correction=args.cmh_correction,
            delays=False,  # the report shows no days-to-action quantiles
        )
        try:
            pdf = report_pdf(
                con,
                report,
                args.lang,
                answers=answers,
                case_number=args.case_number,
                work_accident_days=settings.work_accident_days,
                deadline_days=settings.deadline_days,
                demo=holds_demo_data(con),
            )
        except ReportError as error:
            print(str(error), file=err)
            return EXIT_USAGE
    try:
        args.out.write_bytes(pdf)
    except OSError as error:
        print(f"The report could not be written to {args.out} ({error.strerror}).", file=err)
        return EXIT_USAGE
    missing = [key for key in _answer_keys() if key not in answers]
    print(f"Report written to {args.out}.", file=out)
    if missing:
        print(
            "Not supplied, and said so in the report: " + ", ".join(f"{k}.md" for k in missing),
            file=out,
        )
    return EXIT_OK


def _answer_keys() -> tuple[str, ...]:
    from dashboard.report_pdf import ANSWER_KEYS

    return ANSWER_KEYS
