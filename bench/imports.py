"""Import benchmark: the whole import of an export against pandas merely reading it.

Targets (from the issue): the full import of 100k rows at least 6x faster than
``pandas.read_excel(path, engine="openpyxl")``; peak memory under 1 GiB for 1M rows.

For each size a realistic export is generated once (``bench/workbooks.py``, cached). Every
run is a fresh interpreter (``bench/_child.py``) that imports the file into a new DuckDB
file with the app's default ``ReadLimits``, exactly what ``python -m dashboard import``
does; the clock covers connect + migrate, safety scan, the reader child, validation,
pseudonymisation and the write, not the interpreter's start-up (reported separately as the
process time). Peak memory is ``ru_maxrss`` of that process (``RUSAGE_SELF``) and of its
reader child (``RUSAGE_CHILDREN``).

The first run of a size is a warm-up and also checks the default limits. When the default
limits refuse a file (none of the default sizes since large sheets are read in parts), the
refusal is reported and the timed runs use limits raised just for this benchmark
(``RAISED_LIMITS``), so the time and memory the import would need are still known; no
separate warm-up run is made then (the file is read once to warm the page cache).

The 1M workbook with all 22 contract fields is also imported as a narrower export of 11
columns (``bench/workbooks.py``), which the default limits accept.

pandas is timed the same way (fresh process, module import not timed, warm-up first), its
runs alternating with the import runs so that drift in the machine's speed moves both. A size
is skipped for pandas when the estimate from the previous size (linear in rows) says its
runs would take longer than ``pandas_budget`` seconds; the table says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import (
    CACHE_DIR,
    ROOT,
    child_env,
    fmt_seconds,
    fmt_spread,
    machine,
    now,
    python,
    record,
    summary,
    table,
    write_results,
)
from bench.workbooks import ensure_export, export_columns
from dashboard.importer.workbook import ReadLimits

NAME = "import"
RAISED_LIMITS = {"max_entry_bytes": 2 * 2**30, "max_uncompressed_bytes": 4 * 2**30}
SPEEDUP_TARGET = 6.0  # pandas read / full import, at 100k rows
MEMORY_TARGET_MIB = 1024.0  # at 1M rows
CHILD_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Size:
    rows: int
    import_runs: int
    pandas_runs: int
    narrow: bool = False  # 11 columns instead of all 22 contract fields


DEFAULT_SIZES = (
    Size(10_000, 5, 3),
    Size(100_000, 5, 5),  # the size of the speed target: more runs
    Size(1_000_000, 3, 3),
    Size(1_000_000, 3, 0, narrow=True),
)


def _label(s: dict[str, Any]) -> str:
    return f"{s['rows']:,} × {s['columns']}"


def _child(args: list[str]) -> dict[str, Any]:
    start = time.perf_counter()
    done = subprocess.run(
        [python(), "-m", "bench._child", *args],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"bench._child {args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = elapsed
    return result


def _import_once(path: Path, work: Path, limits: dict[str, int] | None) -> dict[str, Any]:
    db = work / "bench.duckdb"
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    args = ["import", str(path), str(db)]
    if limits:
        args.append(json.dumps(limits))
    try:
        return _child(args)
    finally:
        for p in (db, db.with_name(db.name + ".wal")):
            p.unlink(missing_ok=True)


def _workbook_info(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    return {
        "file_mib": path.stat().st_size / 2**20,
        "uncompressed_mib": sum(i.file_size for i in infos) / 2**20,
        "largest_part_mib": max(i.file_size for i in infos) / 2**20,
    }


def _warm_page_cache(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def _phase_medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    names = {name for run in runs for name in run["phases"]}
    out = {}
    for name in sorted(names):
        out[name] = summary([run["phases"].get(name, {}).get("seconds", 0.0) for run in runs])[
            "median"
        ]
    out["connect"] = summary([run["connect_seconds"] for run in runs])["median"]
    return out


def _peak_after(runs: list[dict[str, Any]], phase: str) -> float | None:
    values = [r["phases"][phase]["parent_peak_mib_after"] for r in runs if phase in r["phases"]]
    return max(values) if values else None


def measure_size(
    size: Size, cache_dir: Path, work: Path, pandas_estimate: float | None, pandas_budget: float
) -> dict[str, Any]:
    """Everything measured for one workbook size."""
    path = ensure_export(cache_dir, size.rows, narrow=size.narrow)
    result: dict[str, Any] = {
        "rows": size.rows,
        "columns": len(export_columns(size.narrow)),
        "workbook": _workbook_info(path),
    }
    print(f"[import] {size.rows:,} rows: {path.name}", flush=True)

    probe = _import_once(path, work, None)
    limits: dict[str, int] | None = None
    result["default_limits_error"] = probe["error"]
    if probe["error"]:
        limits = RAISED_LIMITS
        result["warmup"] = "none (default limits refused the file; page cache warmed)"
        _warm_page_cache(path)
    else:
        result["warmup"] = "one import run with the default limits"
    result["limits"] = limits or "default"

    planned = pandas_estimate * (size.pandas_runs + 1) if pandas_estimate else None
    pandas_runs_planned = size.pandas_runs
    if size.pandas_runs == 0:
        result["pandas_skipped"] = "not run"
    elif planned is not None and planned > pandas_budget:
        pandas_runs_planned = 0
        result["pandas_skipped"] = (
            f"skipped: about {fmt_seconds(pandas_estimate)} per read estimated from the "
            f"previous size, {fmt_seconds(planned)} for warm-up + {size.pandas_runs} runs"
        )
    else:
        _child(["pandas", str(path)])  # warm-up

    # Import and pandas runs alternate, so that a machine getting slower or faster during
    # the benchmark (a shared VM does) moves both sides of the ratio alike.
    runs: list[dict[str, Any]] = []
    pandas_runs: list[dict[str, Any]] = []
    for k in range(max(size.import_runs, pandas_runs_planned)):
        if k < size.import_runs:
            run = _import_once(path, work, limits)
            if run["error"]:
                raise RuntimeError(f"import of {path.name} refused: {run['error']}")
            runs.append(run)
            print(
                f"[import]   run {k + 1}: {fmt_seconds(run['seconds'])}, "
                f"peak {run['peak_mib']:.0f} MiB",
                flush=True,
            )
        if k < pandas_runs_planned:
            run = _child(["pandas", str(path)])
            pandas_runs.append(run)
            print(f"[import]   pandas run {k + 1}: {fmt_seconds(run['seconds'])}", flush=True)
    result["import_runs"] = runs
    result["import"] = summary([r["seconds"] for r in runs])
    result["process"] = summary([r["process_seconds"] for r in runs])
    result["parent_peak_mib"] = max(r["parent_peak_mib"] for r in runs)
    result["reader_peak_mib"] = max(r["reader_peak_mib"] for r in runs)
    result["peak_mib"] = max(r["peak_mib"] for r in runs)
    result["phases"] = _phase_medians(runs)
    result["parent_peak_after"] = {
        phase: _peak_after(runs, phase) for phase in ("read_workbook", "validate", "commit")
    }
    if pandas_runs:
        result["pandas_runs"] = pandas_runs
        result["pandas"] = summary([r["seconds"] for r in pandas_runs])
        result["pandas_peak_mib"] = max(r["peak_mib"] for r in pandas_runs)
        result["ratio"] = result["pandas"]["median"] / result["import"]["median"]
    return result


def _markdown(sizes: list[dict[str, Any]]) -> str:
    rows = []
    for s in sizes:
        ratio = f"**{s['ratio']:.1f}×**" if "ratio" in s else "–"
        pandas = fmt_spread(s["pandas"]) if "pandas" in s else s.get("pandas_skipped", "–")
        limits = "default" if s["limits"] == "default" else "raised¹"
        rows.append(
            [
                _label(s),
                f"{s['workbook']['file_mib']:.1f} MB ({s['workbook']['uncompressed_mib']:.0f} MB unzipped)",
                limits,
                fmt_spread(s["import"]),
                fmt_seconds(s["process"]["median"]),
                pandas,
                ratio,
                f"{s['parent_peak_mib']:.0f}",
                f"{s['reader_peak_mib']:.0f}",
                f"**{s['peak_mib']:.0f}**",
                f"{s['pandas_peak_mib']:.0f}" if "pandas_peak_mib" in s else "–",
            ]
        )
    main = table(
        [
            "rows × columns",
            "workbook",
            "limits",
            "full import: median (min–max)",
            "process incl. start-up",
            "pandas.read_excel (openpyxl)",
            "pandas ÷ import",
            "parent peak MiB",
            "reader child peak MiB",
            "peak MiB (max)",
            "pandas peak MiB",
        ],
        rows,
    )
    phase_rows = []
    for s in sizes:
        p = s["phases"]
        accounted = sum(
            p.get(k, 0.0) for k in ("connect", "read_workbook", "locate", "validate", "commit")
        )
        phase_rows.append(
            [
                _label(s),
                fmt_seconds(p.get("connect")),
                fmt_seconds(p.get("inspect_workbook")),
                fmt_seconds(p.get("_run_worker")),
                fmt_seconds(
                    max(
                        p.get("read_workbook", 0)
                        - p.get("inspect_workbook", 0)
                        - p.get("_run_worker", 0),
                        0.0,
                    )
                ),
                fmt_seconds(p.get("locate")),
                fmt_seconds(p.get("validate")),
                fmt_seconds(p.get("pseudonymise_series")),
                fmt_seconds(p.get("mask_cpr_series")),
                fmt_seconds(p.get("with_row_hash")),
                fmt_seconds(p.get("commit")),
                fmt_seconds(max(s["import"]["median"] - accounted, 0.0)),
            ]
        )
    phases = table(
        [
            "rows × columns",
            "connect + migrate",
            "safety scan",
            "reader child",
            "load Arrow",
            "find header",
            "validate (all)",
            "…pseudonymise",
            "…CPR mask",
            "…row hash",
            "write (commit)",
            "other",
        ],
        phase_rows,
    )
    mem_rows = [
        [_label(s)]
        + [
            f"{s['parent_peak_after'][k]:.0f}" if s["parent_peak_after"][k] else "–"
            for k in ("read_workbook", "validate", "commit")
        ]
        for s in sizes
    ]
    memory = table(
        ["rows × columns", "parent peak after reading MiB", "after validating", "after writing"],
        mem_rows,
    )
    notes = []
    for s in sizes:
        if s["default_limits_error"]:
            notes.append(
                f"¹ {_label(s)} columns: the default `ReadLimits` refuse this file "
                f"(largest part {s['workbook']['largest_part_mib']:.0f} MB unzipped, "
                f"`max_entry_bytes` is {ReadLimits().max_entry_bytes / 2**20:.0f} MiB): "
                f"“{s['default_limits_error']}” "
                f"Timed with `ReadLimits(**{RAISED_LIMITS})` to show what the import would need."
            )
    verdicts = []
    by_rows = {s["rows"]: s for s in sizes if s["columns"] == len(export_columns())}
    narrow = [s for s in sizes if s["rows"] == 1_000_000 and s["columns"] < len(export_columns())]
    if by_rows.get(100_000, {}).get("ratio") is not None:
        ratio = by_rows[100_000]["ratio"]
        verdicts.append(
            f"Target “100k rows ≥ {SPEEDUP_TARGET:g}× faster than pandas reading”: "
            f"{'met' if ratio >= SPEEDUP_TARGET else '**missed**'} ({ratio:.1f}×)."
        )
    if 1_000_000 in by_rows:
        big = by_rows[1_000_000]
        refused = bool(big["default_limits_error"])
        ok = big["peak_mib"] < MEMORY_TARGET_MIB and not refused
        verdicts.append(
            f"Target “1M rows under 1 GiB peak”: {'met' if ok else '**missed**'} "
            f"({big['peak_mib']:.0f} MiB"
            + ("; and the default limits refuse the file" if refused else "")
            + (
                f"; {narrow[0]['peak_mib']:.0f} MiB with {narrow[0]['columns']} columns"
                if narrow
                else ""
            )
            + ")."
        )
    return "\n\n".join(
        [
            "### Import: full import vs. pandas.read_excel",
            main,
            *notes,
            "Where the time goes (medians; “validate” includes the three steps after it):",
            phases,
            "Peak RSS of the importing process as the import proceeds:",
            memory,
            *verdicts,
        ]
    )


def run(
    sizes: tuple[Size, ...] = DEFAULT_SIZES,
    *,
    cache_dir: Path = CACHE_DIR,
    out_dir: Path | None = None,
    pandas_budget: float = 600.0,
    argv: tuple[str, ...] = ("import",),
) -> dict[str, Any]:
    """Run the import benchmark and write its results."""
    started = now()
    info = machine()
    measured: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        per_row: float | None = None  # pandas seconds per row, from the last size read
        for size in sizes:
            estimate = per_row * size.rows if per_row else None
            result = measure_size(size, cache_dir, work, estimate, pandas_budget)
            measured.append(result)
            if "pandas" in result:
                per_row = result["pandas"]["median"] / size.rows
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data = record(NAME, started, list(argv), info, sizes=measured)
    write_results(NAME, data, _markdown(measured), out_dir)
    return data
