"""``python -m dashboard metrics``: the metrics and equal-treatment tests of one view."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from typing import Any, TextIO

import polars as pl

from dashboard import store
from dashboard.config import Settings
from dashboard.excel_out import csv_text
from dashboard.importer.parsers import ParseError, parse_category, parse_date
from dashboard.metrics.filters import GROUP_BY, Filters
from dashboard.metrics.registry import OUTCOME_NAMES

EXIT_OK, EXIT_USAGE = 0, 2


def add_metrics_parser(sub: Any, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the ``metrics`` subcommand."""
    p = sub.add_parser("metrics", help="metrics and equal-treatment tests by department or unit")
    add_db(p)
    p.add_argument("--by", choices=GROUP_BY, required=True, help="group by department or unit")
    add_view_arguments(p)
    p.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="output format"
    )
    p.add_argument(
        "--lang", choices=["en", "da"], default="en", help="language of the plain-language summary"
    )
    p.add_argument(
        "--unsuppressed",
        action="store_true",
        help="show counts of 1 to DASHBOARD_SUPPRESS_BELOW - 1 and what is computed from "
        "them (for analysts; written to the audit log)",
    )


def add_view_arguments(p: argparse.ArgumentParser) -> None:
    """The options that choose a view (period, filters, extract date, p-value adjustment,
    the CMH continuity correction), shared by ``metrics`` and ``report``."""
    p.add_argument(
        "--from",
        dest="date_from",
        metavar="DATE",
        help="first incident date (e.g. 2024-01-01 or 01-01-2024)",
    )
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last incident date")
    p.add_argument(
        "--department", nargs="+", default=[], metavar="NAME", help="only these departments"
    )
    p.add_argument("--unit", nargs="+", default=[], metavar="NAME", help="only these units")
    p.add_argument(
        "--type",
        nargs="+",
        default=[],
        metavar="T",
        help="harassment types (Danish, English or canonical)",
    )
    p.add_argument("--channel", nargs="+", default=[], metavar="C", help="channels")
    p.add_argument(
        "--severity",
        nargs="+",
        default=[],
        metavar="S",
        help="severities (low/medium/high, Lav/Middel/Høj, 1/2/3)",
    )
    p.add_argument(
        "--inquiry-type",
        nargs="+",
        default=[],
        metavar="T",
        help="inquiry types (complaint/ombudsman/access_to_records/general, or their Danish labels)",
    )
    p.add_argument(
        "--extract-date",
        metavar="DATE",
        help="the data's 'today' (default: the latest date in the data)",
    )
    p.add_argument(
        "--adjust",
        choices=["holm", "fdr_bh"],
        default="holm",
        help="p-value adjustment of the CMH tests across groups (the verdicts use BH)",
    )
    p.add_argument(
        "--cmh-correction",
        action="store_true",
        help="continuity-correct each group's CMH test, as R's mantelhaen.test does by "
        "default (default: uncorrected, as SAS PROC FREQ)",
    )


def _date(text: str | None) -> date | None:
    return parse_date(text) if text else None


def _categories(values: list[str], vocabulary: str) -> tuple[str, ...]:
    return tuple(parse_category(v, vocabulary) for v in values)


def view_from_args(args: argparse.Namespace, err: TextIO) -> tuple[Filters, date | None] | None:
    """The filters and extract date of the options; None (after one sentence on ``err``)
    when an option is not understood."""
    try:
        filters = Filters(
            date_from=_date(args.date_from),
            date_to=_date(args.date_to),
            departments=tuple(args.department),
            units=tuple(args.unit),
            types=_categories(args.type, "harassment_type"),
            channels=_categories(args.channel, "channel"),
            severities=_categories(args.severity, "severity"),
            inquiry_types=_categories(args.inquiry_type, "inquiry_type"),
        )
        extract_on = _date(args.extract_date)
    except ParseError as error:
        print(f"Option not understood: {error}.", file=err)
        return None
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        print(
            f"--from {filters.date_from.isoformat()} is after --to {filters.date_to.isoformat()}; "
            "swap them.",
            file=err,
        )
        return None
    return filters, extract_on


def run_metrics(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Compute and print the metrics; exit 2 with one sentence on a bad option."""
    # Imported here, not at the top: they bring scipy and statsmodels (about 0.9 s even with
    # compiled bytecode), which every other subcommand, --help included, would pay for.
    from dashboard import queries
    from dashboard.metrics.export_tables import BREAKDOWNS
    from dashboard.metrics.filters import ALL, query_params
    from dashboard.metrics.findings import summary
    from dashboard.metrics.report import build_report, rows_json

    chosen = view_from_args(args, err)
    if chosen is None:
        return EXIT_USAGE
    filters, extract_on = chosen
    with store.open_for_writing(settings.db_path) as con:
        report = build_report(
            con,
            filters,
            by=args.by,
            extract_on=extract_on,
            work_accident_days=settings.work_accident_days,
            suppress_below=settings.suppress_below,
            adjust=args.adjust,
            unsuppressed=args.unsuppressed,
            cmh_correction=args.cmh_correction,
        )
        breakdowns = {
            name: report.shown_breakdown(
                queries.run(
                    con,
                    name,
                    query_params(
                        filters,
                        ALL,
                        group_by=args.by,
                        work_accident_days=settings.work_accident_days,
                    ),
                ),
                BREAKDOWNS[name][1],
            )
            for name in BREAKDOWNS
        }
    if args.unsuppressed:
        from dashboard import access
        from dashboard.access_cli import cli_actor

        access.log(
            settings.db_path,
            access.AuditEntry(
                user=cli_actor(),
                role="cli",
                scope="all",
                action="export",
                page="metrics",
                details={"unsuppressed": True, "format": args.format, "by": args.by},
                rows=report.incidents.height,
            ),
        )
    lines = summary(report, args.lang)
    if args.format == "json":
        payload = {
            "filters": {
                **filters.describe(),
                "by": args.by,
                "adjust": args.adjust,
                "cmh_correction": args.cmh_correction,
            },
            "extract_date": report.extract_date.isoformat() if report.extract_date else None,
            "incidents": rows_json(report.incidents),
            "inquiries": rows_json(report.inquiries),
            "inquiries_by_type": rows_json(report.inquiries_by_type),
            # forms of documentation and who documented, per group
            **{name: rows_json(frame) for name, frame in breakdowns.items()},
            "equal_treatment": {
                name: report.tests_with_cmh(name) for name in report.equal_treatment
            },
            "summary": lines,
        }
        print(json.dumps(payload, ensure_ascii=False, default=_json_default), file=out)
    elif args.format == "csv":
        joined = report.incidents.join(
            report.inquiries,
            on=["department", "unit"],
            how="full",
            coalesce=True,
            nulls_equal=True,
            maintain_order="left_right",
        )
        print(
            csv_text(joined.with_columns(pl.col(pl.List(pl.String)).list.join(";"))),
            end="",
            file=out,
        )
    else:
        _print_table(report, lines, out)
    return EXIT_OK


def _json_default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return None
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:5.1f}%"


def _n(row: dict[str, Any], column: str, threshold: int) -> str:
    """A count of a row for the table: "<5" when small, "hidden" when hidden so that a small
    one cannot be worked out (the metrics layer has set both to null)."""
    if column in (row.get("small_counts") or ()):
        return f"<{threshold}"
    if column in (row.get("suppressed_counts") or ()):
        return "hidden"
    value = row[column]
    return "–" if value is None else str(value)


def _print_table(report: Any, lines: list[str], out: TextIO) -> None:
    inc, t = report.incidents, report.suppress_below
    extract = report.extract_date.isoformat() if report.extract_date else "– (no incidents)"
    print(f"Extract date: {extract}    grouped by {report.by}", file=out)
    # Each O/E is followed by two places for its ▲/▼ marks, so the columns stay in line.
    oe_head = f"{'O/E':>5}  "
    header = f"{'group':<48} {'n':>6} {'police':>7} {oe_head} {'warn':>7} {oe_head} {'w.acc':>7} {oe_head} {'docu':>7} {oe_head}"
    print(header, file=out)
    print("-" * len(header), file=out)
    for row in inc.iter_rows(named=True):
        name = row["unit"] or row["department"]
        if row["unit"]:
            name = f"{row['unit']} ({row['department'][:18]})"
        cells = [f"{name[:48]:<48}", f"{_n(row, 'incidents', t):>6}"]
        for outcome in OUTCOME_NAMES:
            oe = row[f"{outcome}_oe"]
            flag = {"higher": "▲", "lower": "▼", "too_few": "·"}.get(row[f"{outcome}_verdict"], "")
            cells.append(f"{_pct(row[f'{outcome}_rate']):>7}")
            cells.append(f"{'–' if oe is None else f'{oe:.2f}':>5}{flag:<2}")
        print(" ".join(cells), file=out)
    print(file=out)
    # The legal rules: police reports by prior warning, work accidents required / missing.
    print(
        f"{'group':<48} {'pol.w':>5} {'w/o':>5} {'unkn.':>5} {'req.':>5} {'missing':>7} "
        f"{'notif.':>7} {'in time':>7} {'late':>5}",
        file=out,
    )
    for row in inc.iter_rows(named=True):
        name = row["unit"] or row["department"]
        print(
            f"{name[:48]:<48} {_n(row, 'police_with_prior_warning', t):>5} "
            f"{_n(row, 'police_without_prior_warning', t):>5} {_n(row, 'police_prior_warning_unknown', t):>5} "
            f"{_n(row, 'work_accident_required', t):>5} {_n(row, 'work_accident_missing', t):>7} "
            f"{_pct(row['work_accident_compliance_rate']):>7} "
            f"{_pct(row['work_accidents_within_deadline_share']):>7} "
            f"{_n(row, 'work_accidents_late', t):>5}",
            file=out,
        )
    print(file=out)
    print(
        f"{'group':<48} {'inq.':>5} {'open':>5} {'overdue':>7} {'median':>6} {'p90':>5} {'KM med.':>7} {'KM 95% CI':>11} {'in time':>7}",
        file=out,
    )
    for row in report.inquiries.iter_rows(named=True):
        name = row["unit"] or row["department"]
        med, p90, km = (
            row["median_response_days"],
            row["p90_response_days"],
            row["km_median_response_days"],
        )
        low, high = row["km_median_response_days_ci_low"], row["km_median_response_days_ci_high"]
        km_ci = "–" if low is None else f"{low:g}–{'NA' if high is None else f'{high:g}'}"
        print(
            f"{name[:48]:<48} {_n(row, 'inquiries', t):>5} {_n(row, 'open', t):>5} {_n(row, 'open_overdue', t):>7} "
            f"{'–' if med is None else f'{med:.0f}':>6} {'–' if p90 is None else f'{p90:.0f}':>5} "
            f"{'–' if km is None else f'{km:g}':>7} {km_ci:>11} {_pct(row['share_within_deadline']):>7}",
            file=out,
        )
    print(file=out)
    print(
        "▲/▼ verdict higher/lower than the case mix predicts (case-mix adjusted O/E against the "
        "municipality, Benjamini–Hochberg 5 %), · too few cases to judge.",
        file=out,
    )
    print(
        "pol.w / w/o / unkn.: police reports with, without and with unknown prior warning; "
        "req.: work accidents that had to be notified; notif.: share of those notified; "
        "in time: dated notifications within the deadline; 'in time' for inquiries counts "
        "open ones past their deadline as late; KM med.: Kaplan–Meier median (survfit's rule) "
        "with its 95 % Brookmeyer–Crowley interval, NA where the band never reaches one half.",
        file=out,
    )
    for line in lines:
        print(f"• {line}", file=out)
