"""The command line: import exports, write demo data, list and undo imports.

Exit status: 0 on success, 2 when a file was refused or the command could not run (one plain
sentence on stderr, or in the JSON with ``--json``), 1 never on purpose: an unexpected error
is a bug and shows its traceback. Every sentence comes from a
:class:`~dashboard.errors.DashboardError` (caught once, in :func:`main`) or a usage error, and
is English (``metrics --lang da`` writes its refusals in Danish too).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import polars as pl

from dashboard import access, store, workdir
from dashboard.access import Action
from dashboard.access_cli import add_access_parsers, cli_actor, run_access, run_audit
from dashboard.config import Settings, load_settings
from dashboard.contract import Kind
from dashboard.errors import DashboardError
from dashboard.excel_out import write_xlsx
from dashboard.importer.errors import ImportFileError
from dashboard.importer.mappings import parse_map_option
from dashboard.importer.pipeline import FileReport, PreparedImport, import_file, rejected_table
from dashboard.importer.pseudonym import Pseudonymiser, load_or_create_key, mask_cpr
from dashboard.metrics_cli import add_metrics_parser, run_metrics
from dashboard.report_cli import add_report_parser, run_report
from dashboard.store.records import import_history, undo_import

EXIT_OK, EXIT_REFUSED = 0, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Harassment-handling dashboard: import Excel exports, demo data, metrics.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add_db(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db", help="DuckDB store (default: $DASHBOARD_DB or data/dashboard.duckdb)"
        )

    p_import = sub.add_parser("import", help="import .xlsx exports of incidents or inquiries")
    p_import.add_argument("files", nargs="+", type=Path, metavar="FILE", help="workbooks to import")
    add_db(p_import)
    p_import.add_argument(
        "--kind",
        choices=["incidents", "inquiries"],
        help="record kind (default: detected from the headers)",
    )
    p_import.add_argument(
        "--sheet",
        metavar="NAME",
        help="the sheet to import from every FILE (default: the visible sheet whose header row "
        "matches best; the summary names other sheets that look like data)",
    )
    p_import.add_argument(
        "--map",
        action="append",
        default=[],
        metavar='"Header=field"',
        help="map a column header the contract does not know to a field; repeatable; saved and reused "
        "for the next file with the same headers",
    )
    p_import.add_argument(
        "--rejected-out",
        type=Path,
        metavar="FILE.xlsx",
        help="write rejected rows with their reasons to a workbook",
    )
    p_import.add_argument("--json", action="store_true", help="print exactly one JSON object")

    p_demo = sub.add_parser("demo", help="write a synthetic demo municipality into the store")
    add_db(p_demo)
    p_demo.add_argument(
        "--if-empty", action="store_true", help="only when the store holds no records"
    )
    p_demo.add_argument(
        "--seed", type=_seed, default=2024, help="random seed, 0 or more (default 2024)"
    )
    p_demo.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        help=f"size multiplier, above 0 and at most {MAX_DEMO_SCALE:g} (1.0 ≈ 6,000 incidents)",
    )

    p_list = sub.add_parser("imports", help="list recorded imports, newest first")
    add_db(p_list)

    p_undo = sub.add_parser("undo", help="undo one import as a whole")
    p_undo.add_argument("import_id", type=int, help="the import's number (see 'imports')")
    add_db(p_undo)

    add_metrics_parser(sub, add_db)
    add_access_parsers(sub, add_db)
    add_report_parser(sub, add_db)

    p_serve = sub.add_parser(
        "serve", help="serve the dashboard (Streamlit, headless) from the installed package"
    )
    add_db(p_serve)
    p_serve.add_argument("--port", type=_port, default=8501, help="port (default 8501)")
    p_serve.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)",
    )
    return parser


# 200 is 1.2 million incidents, about what the benchmarks use; much more does not fit in
# memory (1e9 asked numpy for 44 TiB).
MAX_DEMO_SCALE = 200.0


def _seed(text: str) -> int:
    """A random seed for numpy, which takes no negative one."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_DEMO_SCALE:  # NaN fails too
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number above 0 and at most {MAX_DEMO_SCALE:g}"
        )
    return value


def _port(text: str) -> int:
    """A TCP port number, for argparse (whose refusal is the usage error's one sentence)."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return int(text)


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = io.StringIO()
    try:
        with contextlib.redirect_stderr(usage):
            args = _parser().parse_args(argv)
    except SystemExit as stop:  # a usage error (status 2), or --help (status 0)
        print(usage.getvalue(), end="", file=err)
        if stop.code and "--json" in argv:
            _print_refusal_json(usage.getvalue().strip().splitlines()[-1], out)
        raise
    try:
        settings = load_settings(db=args.db)
        if args.command == "import":
            return _import(args, settings, out, err)
        if args.command == "demo":
            return _demo(args, settings, out, err)
        if args.command == "imports":
            with store.open_for_writing(settings.db_path) as con:
                _print_frame(import_history(con), out)
            return EXIT_OK
        if args.command == "undo":
            with store.open_for_writing(settings.db_path) as con:
                touched = undo_import(con, args.import_id)
            _audit_cli(settings, "undo", touched, import_id=args.import_id)
            print(
                f"Import {args.import_id} undone ({touched} records restored or removed).", file=out
            )
            return EXIT_OK
        if args.command == "metrics":
            return run_metrics(args, settings, out, err)
        if args.command == "report":
            status = run_report(args, settings, out, err)
            if status == EXIT_OK:  # a PDF of the data left the store: logged like an export
                _audit_cli(settings, "report", 0, out=str(args.out), lang=args.lang)
            return status
        if args.command == "access":
            return run_access(args, settings, out, err)
        if args.command == "audit":
            return run_audit(args, settings, out, err)
        if args.command == "serve":
            from dashboard.server import serve

            return serve(args.port, args.address, args.db)
    except DashboardError as error:  # AccessError is a ConfigError, so a DashboardError
        return _refuse(args, error.sentence_in(getattr(args, "lang", "en")), out, err)
    raise AssertionError(f"unhandled command {args.command}")


def _audit_cli(settings: Settings, action: Action, rows: int, **details: object) -> None:
    """Log an import, undo or report made on the command line (by the operating-system user)."""
    access.log(
        settings.db_path,
        access.AuditEntry(
            user=cli_actor(), role="cli", scope="all", action=action, rows=rows, details=details
        ),
    )


def _refuse(args: argparse.Namespace, sentence: str, out: TextIO, err: TextIO) -> int:
    """The command could not run: its one sentence on stderr, or as the JSON object with --json."""
    if getattr(args, "json", False):
        _print_refusal_json(sentence, out)
    else:
        print(sentence, file=err)
    return EXIT_REFUSED


def _print_refusal_json(sentence: str, out: TextIO) -> None:
    """The one JSON object of a command that imported no file at all."""
    print(json.dumps({"ok": False, "files": [], "error": sentence}, ensure_ascii=False), file=out)


def _import(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    try:
        manual = parse_map_option(args.map)
    except ValueError as error:
        return _refuse(args, str(error), out, err)
    if args.rejected_out:
        problem = _rejected_out_problem(args.rejected_out, args.files)
        if problem:
            return _refuse(args, problem, out, err)
    reports: list[FileReport] = []
    prepared_ok: list[PreparedImport] = []
    with store.open_for_writing(settings.db_path) as con:
        workdir.start(settings.work_dir)  # the store is ours: no other import is at work
        pseudonymiser = Pseudonymiser(
            load_or_create_key(
                settings.key_file,
                legacy=settings.legacy_key_file,
                store_in_use=store.holds_real_data(con),
            )
        )
        for path in args.files:
            try:
                if not os.path.exists(path):  # the importer's sentence says to upload it again
                    raise FileNotFoundError(path)
                report, prepared = import_file(
                    con,
                    path,
                    pseudonymiser=pseudonymiser,
                    kind=args.kind,
                    manual_mapping=manual,
                    deadline_days=settings.deadline_days,
                    sheet=args.sheet,
                )
                prepared_ok.append(prepared)
                _audit_cli(
                    settings,
                    "import",
                    report.stored_new + report.stored_updated,
                    import_id=report.import_id,
                    kind=report.kind,
                )
            except ImportFileError as error:
                report = FileReport(file=mask_cpr(path.name), error=error.sentence)
            except FileNotFoundError:
                report = FileReport(
                    file=mask_cpr(path.name),
                    error=f"{mask_cpr(str(path))} does not exist; check the path.",
                )
            reports.append(report)
            if not args.json:
                _print_report(report, out)
    written_error = None
    if args.rejected_out:
        sheets = [(p.file, rejected_table(p)) for p in prepared_ok if p.rejected.height]
        try:
            write_xlsx(args.rejected_out, sheets)
        except OSError as error:
            written_error = (
                f"The rejected rows could not be written to {args.rejected_out} ({error.strerror}); "
                "the files were imported: import them again with another --rejected-out to get them."
            )
        if not args.json:
            done = f"Rejected rows written to {args.rejected_out}."
            print(f"✗ {written_error}" if written_error else done, file=out)
    ok = written_error is None and all(r.error is None for r in reports)
    if args.json:
        payload: dict[str, object] = {"ok": ok, "files": [r.to_json() for r in reports]}
        if written_error:
            payload["error"] = written_error
        print(json.dumps(payload, ensure_ascii=False, default=str), file=out)
    return EXIT_OK if ok else EXIT_REFUSED


def _rejected_out_problem(target: Path, files: Sequence[Path]) -> str | None:
    """Why the rejected rows cannot be written to ``target``; checked before anything is imported."""
    if any(target.resolve() == path.resolve() for path in files):
        return (
            f"--rejected-out {target} is also a file to import and would be overwritten; "
            "give the rejected rows a file of their own."
        )
    folder = target.parent
    writable = folder.is_dir() and os.access(folder, os.W_OK)
    if target.is_dir() or not writable or (target.exists() and not os.access(target, os.W_OK)):
        return (
            f"--rejected-out {target} cannot be written (it is a folder, its folder does not "
            "exist, or you may not write there); choose another file."
        )
    return None


def _print_report(report: FileReport, out: TextIO) -> None:
    if report.error:
        print(f"✗ {report.error}", file=out)
        return
    status = (
        "unchanged, nothing written"
        if report.status == "unchanged"
        else f"import #{report.import_id}"
    )
    print(
        f'✓ {report.file} — sheet "{report.sheet}", {report.kind}, header in row {report.header_row} ({status})',
        file=out,
    )
    print(
        f"  {report.rows_read} data rows: {report.stored_new} new, {report.stored_updated} updated, "
        f"{report.unchanged} unchanged, {report.exact_duplicates} exact duplicates stored once, "
        f"{report.rejected} rejected",
        file=out,
    )
    skipped = [
        f"{n} {what}"
        for n, what in ((report.blank_rows, "blank"), (report.total_rows, "total"))
        if n
    ]
    if skipped:
        print(f"  skipped: {', '.join(skipped)} rows", file=out)
    if report.unmapped_headers:
        print(
            f"  columns not imported (no matching field): {', '.join(report.unmapped_headers)}",
            file=out,
        )
    if report.duplicate_headers:
        print(
            "  columns not imported (the same field as an earlier column): "
            + ", ".join(report.duplicate_headers),
            file=out,
        )
    if report.hidden_sheets:
        print(f"  hidden sheets skipped: {', '.join(report.hidden_sheets)}", file=out)
    if report.other_data_sheets:
        print(
            "  other sheets that look like data, not imported (import them with --sheet): "
            + ", ".join(f'"{name}"' for name in report.other_data_sheets),
            file=out,
        )
    if report.demo_removed:
        print("  the demo data was removed: the store now holds real data only", file=out)
    for rejection in report.rejections:
        print(f"  row {rejection.row}: {'; '.join(rejection.reasons)}", file=out)


def _demo(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    from dashboard.demo import generate_demo
    from dashboard.store.seed import write_demo

    with store.open_for_writing(settings.db_path) as con:
        if args.if_empty and not store.is_empty(con):
            print(f"The store {settings.db_path} already holds data; demo not written.", file=out)
            return EXIT_OK
        if store.holds_real_data(con):
            print(
                f"The store {settings.db_path} holds real data, and demo data is never mixed "
                "into it; write the demo to another store with --db.",
                file=err,
            )
            return EXIT_REFUSED
        data = generate_demo(args.seed, scale=args.scale)
        parts: tuple[tuple[Kind, pl.DataFrame], ...] = (
            ("incidents", data.incidents),
            ("inquiries", data.inquiries),
        )
        for kind, frame in parts:
            result = write_demo(con, kind, frame, seed=args.seed)
            print(
                f"Demo {kind}: {result.stored_new} new, {result.stored_updated} updated.", file=out
            )
    print(f"Demo data written to {settings.db_path}.", file=out)
    return EXIT_OK


def _print_frame(frame: pl.DataFrame, out: TextIO) -> None:
    """A plain table for reading: no type row, times to the second, nothing for null."""
    shown = frame.with_columns(
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S"),
    ).with_columns(pl.all().cast(pl.String).fill_null(""))
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=400,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="ASCII_MARKDOWN",
        fmt_str_lengths=80,
    ):
        print(shown, file=out)
