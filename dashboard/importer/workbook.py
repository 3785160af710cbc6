"""Read an uploaded .xlsx workbook safely: every visible sheet as text, with Excel row numbers.

``read_workbook`` first runs the checks in ``safety.py`` on the zip container (in this
process, without a spreadsheet parser), then parses the workbook with fastexcel/calamine in a
child process (``worker.py``) under a memory cap and a wall-clock limit, and reads the sheets
back from Arrow IPC files. Whatever goes wrong with the file becomes a ``NotAWorkbookError``
or an ``UnsafeWorkbookError`` carrying one plain sentence.

Every cell is read as text, never inferred: see ``worker.py`` for exactly how calamine renders
numbers, dates, booleans and merged cells. In short: a text cell is returned as typed, a
number "3" (never "3.0"), a date cell "2023-01-11 00:00:00" on the right calendar whatever
the workbook's date system, an error cell null. Columns are named after their Excel position
(``c0`` is column A), so ``c{k}`` is Excel column k + 1. ``date1904`` tells a caller how to
convert a bare serial number typed into a text or number column.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from dashboard.importer import worker
from dashboard.importer.errors import NotAWorkbookError, UnsafeWorkbookError
from dashboard.importer.safety import inspect_workbook, sentence_damaged, sentence_unsafe

log = logging.getLogger(__name__)

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 200 * 2**20
    max_uncompressed_bytes: int = 1 * 2**30  # sum of declared sizes of all zip entries
    max_entry_bytes: int = 512 * 2**20  # any single entry, e.g. sharedStrings.xml or a sheet
    max_shared_strings_bytes: int = 256 * 2**20
    max_rows: int = 2_000_000
    max_columns: int = 512
    max_cells: int = 60_000_000  # rows x columns of the dense rectangle calamine allocates
    memory_bytes: int = 3 * 2**30  # cap of the child process
    seconds: float = 300.0  # wall-clock limit of the child


@dataclass(frozen=True)
class Sheet:
    name: str
    index: int  # position in the workbook
    first_row: int  # 1-based Excel row number of rows[0]
    rows: pl.DataFrame  # every column pl.String, named "c0".."cN"; row i is Excel row first_row + i; blank rows kept as all-null rows


@dataclass(frozen=True)
class Workbook:
    file: str  # display name used in messages
    sheets: list[Sheet]  # visible sheets only, in workbook order
    hidden_sheets: list[str]  # names of hidden and very hidden sheets that were skipped
    date1904: bool  # the workbook's own date system (from xl/workbook.xml)


def read_workbook(
    path: Path, *, display_name: str | None = None, limits: ReadLimits = ReadLimits()
) -> Workbook:
    """Read every visible sheet of an .xlsx file as text; refuse unreadable or hostile files."""
    path = Path(path)
    file = display_name or path.name
    inspection = inspect_workbook(path, file, limits)
    hidden = [(s.index, s.name) for s in inspection.sheets if not s.visible]
    visible = [s for s in inspection.sheets if s.visible]
    sheets: list[Sheet] = []
    if visible:
        with tempfile.TemporaryDirectory(prefix="xlsx-import-") as tmp:
            out = Path(tmp)
            request = {
                "path": str(path.resolve()),
                "memory_bytes": limits.memory_bytes,
                "date1904": inspection.date1904,
                "date1904_attribute": inspection.date1904_attribute,
                "sheets": [{"name": s.name, "index": s.index} for s in visible],
            }
            (out / "request.json").write_text(json.dumps(request), encoding="utf-8")
            manifest = _run_worker(out, file, limits)
            for entry in manifest["sheets"]:
                if entry["hidden"]:
                    hidden.append((entry["index"], entry["name"]))
                    continue
                rows = pl.read_ipc(out / entry["file"])
                if rows.height != entry["height"] or any(
                    dtype != pl.String for dtype in rows.dtypes
                ):
                    raise RuntimeError(f"worker output for sheet {entry['name']!r} is inconsistent")
                sheets.append(Sheet(entry["name"], entry["index"], entry["first_row"], rows))
    return Workbook(
        file=file,
        sheets=sheets,
        hidden_sheets=[name for _, name in sorted(hidden)],
        date1904=inspection.date1904,
    )


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
    )
    # Few threads: every thread stack counts against the memory cap, and calamine is serial.
    env["POLARS_MAX_THREADS"] = "2"
    env["RAYON_NUM_THREADS"] = "2"
    env["MALLOC_ARENA_MAX"] = "2"
    env["RUST_BACKTRACE"] = "0"
    return env


def _run_worker(out: Path, file: str, limits: ReadLimits) -> dict[str, Any]:
    command = [sys.executable, "-m", "dashboard.importer.worker", str(out / "request.json")]
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            cwd=out,
            env=_worker_env(),
            timeout=limits.seconds,
            start_new_session=True,  # no terminal signals; killed on its own on timeout
            check=False,
        )
    except subprocess.TimeoutExpired:
        # subprocess.run has already killed and reaped the child.
        raise UnsafeWorkbookError(sentence_unsafe(file), file=file) from None
    code = done.returncode
    if code == worker.EXIT_OK:
        manifest: dict[str, Any] = json.loads((out / worker.MANIFEST).read_text(encoding="utf-8"))
        return manifest
    if code == worker.EXIT_DAMAGED:
        raise NotAWorkbookError(sentence_damaged(file), file=file)
    tail = done.stderr.decode("utf-8", "replace")[-4000:]
    if code < 0 or code == worker.EXIT_RESOURCES:
        # Killed by a signal (a Rust abort on a failed allocation is SIGABRT) or out of memory.
        log.info("workbook reader for %s stopped (exit %s): %s", file, code, tail[-500:])
        raise UnsafeWorkbookError(sentence_unsafe(file), file=file)
    # Anything else is unexpected: refuse the file, but keep the evidence for whoever debugs it.
    log.error("workbook reader for %s failed with exit %s:\n%s", file, code, tail)
    raise UnsafeWorkbookError(sentence_unsafe(file), file=file) from RuntimeError(tail)
