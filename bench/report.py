"""Report benchmark: the report to the ombudsman (PDF) of the whole demo municipality,
against the Excel export of the same view, in the same run.

Timed, alternating, after one warm-up each:

* **report, fresh process**: ``python -m dashboard report --db STORE --out FILE.pdf``, what
  an analyst waits for on the command line (start-up, metrics, page queries, charts, Typst);
* **report, in process**: ``build_report`` + ``report_pdf`` on an open store, what the
  Export page's button costs;
* **Excel export, in process**: ``build_report`` + ``workbook_sheets`` + ``xlsx_bytes`` of the
  same view, what the Excel button costs.

The report's phases (metrics, the document's queries and charts, Typst) are timed apart.
Target (issue 16): the report of the whole demo municipality in under 10 s.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import CACHE_DIR, Run, child_env, fmt_seconds, fmt_spread, python, summary, table
from bench.stores import demo_store
from dashboard import store
from dashboard.excel_out import xlsx_bytes
from dashboard.metrics.export_tables import workbook_sheets
from dashboard.metrics.report import build_report
from dashboard.report_pdf import report_pdf
from dashboard.report_pdf.content import build_document
from dashboard.report_pdf.typst import compile_pdf

NAME = "report"
TARGET_SECONDS = 10.0
SCALE = 1.0  # the demo municipality: about 6,000 incidents and 2,000 inquiries


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(
    scale: float = SCALE,
    *,
    runs: int = 5,
    cache_dir: Path = CACHE_DIR,
    out_dir: Path | None = None,
    argv: tuple[str, ...] = ("report",),
) -> dict[str, Any]:
    """Run the report benchmark and write its results."""
    this = Run(NAME, argv)
    path, incidents, inquiries = demo_store(cache_dir, scale)
    generated = datetime.now().astimezone().replace(microsecond=0)
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "report.pdf"
        env = child_env(DASHBOARD_KEY_FILE=str(Path(work) / "secret.key"))
        cli = [python(), "-m", "dashboard", "report", "--db", str(path), "--out", str(out)]
        # The fresh processes first: the store may have one writer at a time.
        fresh = [
            _timed(lambda: subprocess.run(cli, env=env, check=True, capture_output=True))
            for _ in range(runs + 1)
        ][1:]
        pdf_size = out.stat().st_size
    con = store.connect(path)
    try:

        def in_process() -> bytes:
            report = build_report(con, by="unit")
            return report_pdf(con, report, "da", generated=generated)

        def excel() -> bytes:
            report = build_report(con, by="unit")
            return xlsx_bytes(workbook_sheets(report, "da", threshold=5, generated=generated))

        in_process()
        xlsx_size = len(excel())
        inproc: list[float] = []
        xlsx: list[float] = []
        phases: dict[str, list[float]] = {"metrics": [], "document": [], "typst": []}
        for _ in range(runs):  # alternating, so a change in the machine's load moves both
            inproc.append(_timed(in_process))
            xlsx.append(_timed(excel))
            t0 = time.perf_counter()
            report = build_report(con, by="unit")
            t1 = time.perf_counter()
            document = build_document(con, report, "da", generated=generated)
            t2 = time.perf_counter()
            compile_pdf(document, generated=generated)
            t3 = time.perf_counter()
            phases["metrics"].append(t1 - t0)
            phases["document"].append(t2 - t1)
            phases["typst"].append(t3 - t2)
    finally:
        con.close()
    results: dict[str, Any] = {
        "incidents": incidents,
        "inquiries": inquiries,
        "report_fresh_process": summary(fresh),
        "report_in_process": summary(inproc),
        "excel_in_process": summary(xlsx),
        "phases": {k: summary(v) for k, v in phases.items()},
        "pdf_bytes": pdf_size,
        "xlsx_bytes": xlsx_size,
    }
    median_report, median_excel = summary(inproc)["median"], summary(xlsx)["median"]
    results["ratio_report_to_excel"] = median_report / median_excel if median_excel else None
    return this.finish(_markdown, out_dir, scale=scale, **results)


def _markdown(r: dict[str, Any]) -> str:
    fresh = r["report_fresh_process"]["median"]
    met = fresh is not None and fresh < TARGET_SECONDS
    rows = [
        [
            f"{r['incidents']:,} incidents, {r['inquiries']:,} inquiries",
            fmt_spread(r["report_fresh_process"]),
            fmt_spread(r["report_in_process"]),
            fmt_spread(r["excel_in_process"]),
            f"**{r['ratio_report_to_excel']:.1f}×**" if r["ratio_report_to_excel"] else "–",
            " / ".join(
                fmt_seconds(r["phases"][k]["median"]) for k in ("metrics", "document", "typst")
            ),
            f"{r['pdf_bytes'] / 1e6:.2f} MB / {r['xlsx_bytes'] / 1e3:.0f} kB",
        ]
    ]
    header = [
        "view",
        "report, fresh process (CLI)",
        "report, in process (page button)",
        "Excel export, in process",
        "report ÷ Excel",
        "report phases: metrics / document (queries, charts) / Typst",
        "PDF / xlsx size",
    ]
    verdict = "met" if met else "missed"
    return "\n\n".join(
        [
            "### Report: the PDF to the ombudsman vs. the Excel export of the same view",
            table(header, rows),
            f"Target “the report of the whole demo municipality in under 10 s”: **{verdict}** "
            f"({fmt_seconds(fresh)} from a fresh process, start-up included).",
        ]
    )
