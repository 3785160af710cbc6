"""One measured run in a fresh interpreter: ``python -m bench._child import|pandas ...``.

The import benchmark starts this module once per run so that every run pays what a real
import pays (a cold process, the reader child, a new DuckDB file) and so that peak memory
(``ru_maxrss``) belongs to this run alone. It prints one JSON object on stdout.

``import WORKBOOK DB [LIMITS_JSON]``: ``import_file`` into a new store at DB, the way the
command line does it (a fixed key instead of a key file). The clock starts after the modules
are imported (the server has them loaded already) and covers connecting to and migrating the
new store, the safety scan, the reader child, validation, pseudonymisation and the write.
Functions of the pipeline are wrapped with timers (here only, nothing in ``dashboard`` is
changed) to show where the time goes, with the peak RSS of this process after each phase.

``pandas WORKBOOK``: ``pandas.read_excel(WORKBOOK, engine="openpyxl")`` and nothing else.
"""

from __future__ import annotations

import functools
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

KEY = b"benchmark-key-not-secret-0123456789"


def _rss_peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def _memory() -> dict[str, float]:
    parent = _rss_peak_mib(resource.RUSAGE_SELF)
    child = _rss_peak_mib(resource.RUSAGE_CHILDREN)
    return {"parent_peak_mib": parent, "reader_peak_mib": child, "peak_mib": max(parent, child)}


def _timed(phases: dict[str, dict[str, float]], name: str, fn: Callable[..., Any]) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            entry = phases.setdefault(name, {"seconds": 0.0, "calls": 0})
            entry["seconds"] += time.perf_counter() - start
            entry["calls"] += 1
            entry["parent_peak_mib_after"] = _rss_peak_mib(resource.RUSAGE_SELF)

    return wrapper


def run_import(workbook: Path, db: Path, limits_json: str | None) -> dict[str, Any]:
    from dashboard import store
    from dashboard.importer import pipeline
    from dashboard.importer import workbook as workbook_module
    from dashboard.importer.errors import ImportFileError
    from dashboard.importer.pseudonym import Pseudonymiser
    from dashboard.importer.workbook import ReadLimits

    phases: dict[str, dict[str, float]] = {}
    for module, names in (
        (workbook_module, ("inspect_workbook", "_run_worker")),
        (
            pipeline,
            (
                "read_workbook",
                "locate",
                "validate",
                "commit",
                "with_row_hash",
                "mask_cpr_series",
                "_with_raw",
            ),
        ),
    ):
        for name in names:
            setattr(module, name, _timed(phases, name, getattr(module, name)))
    Pseudonymiser.pseudonymise_series = _timed(  # type: ignore[method-assign]
        phases, "pseudonymise_series", Pseudonymiser.pseudonymise_series
    )
    limits = ReadLimits(**json.loads(limits_json)) if limits_json else ReadLimits()
    pseudonymiser = Pseudonymiser(KEY)

    start = time.perf_counter()
    con = store.connect(db)
    connected = time.perf_counter()
    try:
        report, _ = pipeline.import_file(con, workbook, pseudonymiser=pseudonymiser, limits=limits)
        error = None
    except ImportFileError as exc:
        report, error = None, exc.sentence
    finally:
        con.close()
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "connect_seconds": connected - start,
        "error": error,
        "rows_read": report.rows_read if report else 0,
        "stored": report.stored if report else 0,
        "rejected": report.rejected if report else 0,
        "phases": phases,
        **_memory(),
    }


def run_pandas(workbook: Path) -> dict[str, Any]:
    import pandas

    start = time.perf_counter()
    frame = pandas.read_excel(workbook, engine="openpyxl")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(frame), **_memory()}


def main(argv: list[str]) -> int:
    mode, workbook = argv[0], Path(argv[1])
    if mode == "import":
        result = run_import(workbook, Path(argv[2]), argv[3] if len(argv) > 3 else None)
    elif mode == "pandas":
        result = run_pandas(workbook)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
