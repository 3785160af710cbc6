"""Read an uploaded .xlsx workbook safely: every visible sheet as text, with Excel row numbers.

``read_workbook`` first runs the checks in ``safety.py`` on the zip container (in this
process, without a spreadsheet parser), then parses the workbook with fastexcel/calamine in a
child process (``worker.py``) under a memory cap and a wall-clock limit, and reads the sheets
back from Arrow IPC files. The child is started before the checks so that its interpreter
start-up overlaps them, but it is told which file to read only once they passed (and is
killed when they fail); its wall-clock limit runs from that moment. Both the checks and the
child work on a private copy of the file, so the child parses exactly the bytes checked. Whatever goes wrong with the file becomes a ``NotAWorkbookError``
or an ``UnsafeWorkbookError`` carrying one plain sentence.

A sheet whose XML is larger than ``ReadLimits.parts_above_bytes`` is read in parts, so that
neither process holds all of it at once (see ``worker.py``): ``Sheet.rows`` is then its first
part (from its first used row) and ``Sheet.rest`` the others, left on disk and loaded one at a
time by ``Sheet.blocks``; their temporary directory goes when the last ``SheetParts`` does.

Every cell is read as text, never inferred: see ``worker.py`` for exactly how calamine renders
numbers, dates, booleans and merged cells. In short: a text cell is returned as typed, a
number "3" (never "3.0"), a date cell "2023-01-11 00:00:00" on the right calendar whatever
the workbook's date system, an error cell null. Columns are named after their Excel position
(``c0`` is column A), so ``c{k}`` is Excel column k + 1. ``date1904`` tells a caller how to
convert a bare serial number typed into a text or number column.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
import select
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from dashboard import workdir
from dashboard.importer import worker
from dashboard.importer.errors import NotAWorkbookError, UnsafeWorkbookError
from dashboard.importer.messages import message
from dashboard.importer.safety import inspect_workbook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 200 * 2**20
    # A large sheet costs the reader a part's worth of memory, not its size (it is read in
    # parts); the shared strings, loaded once per part, have a cap of their own.
    max_uncompressed_bytes: int = 2 * 2**30  # sum of declared sizes of all zip entries
    # Any single entry, e.g. sharedStrings.xml or a sheet: room for a million rows of all 22
    # incident columns (693 MB of sheet XML), not for a gigabyte of whitespace.
    max_entry_bytes: int = 768 * 2**20
    max_shared_strings_bytes: int = 256 * 2**20
    max_rows: int = 2_000_000
    max_columns: int = 512
    max_cells: int = 60_000_000  # rows x columns of the dense rectangles, all sheets together
    # The sheets as the child hands them over (Arrow files), all together: what the parent
    # loads. Cells are counted above, but a few cells can repeat one long shared string.
    max_output_bytes: int = 2 * 2**30
    memory_bytes: int = 3 * 2**30  # cap of the child process
    seconds: float = 300.0  # wall-clock limit of the child, from the moment it gets its request
    parts_above_bytes: int = 128 * 2**20  # a larger worksheet part (its XML) is read in parts
    part_bytes: int = 64 * 2**20  # about this much sheet XML per part


@dataclass(frozen=True)
class SheetPart:
    """One part of a sheet read in parts, as the reader child wrote it (an Arrow IPC file)."""

    file: Path
    columns: list[int]  # absolute Excel column index (0 = A) of each column in the file
    height: int  # rows in the file
    first_row: int  # Excel row number of the file's first row
    next_row: int | None  # first Excel row of the next part (None for the last part)


class SheetParts:
    """The rest of a sheet read in parts: kept on disk, loaded one part at a time.

    Holds the temporary directory of the parts, which is removed when this object is.
    """

    def __init__(
        self,
        directory: tempfile.TemporaryDirectory[str],
        parts: list[SheetPart],
        width: int,
        shift_days: int,
    ) -> None:
        self._directory = directory
        self.parts = parts
        self.width = width
        self.shift_days = shift_days

    def __iter__(self) -> Iterator[tuple[int, pl.DataFrame]]:
        """(Excel row number of the first row, rows) for every part, in order."""
        for part in self.parts:
            yield part.first_row, self.load(part)

    def load(self, part: SheetPart) -> pl.DataFrame:
        """One part as text columns c0..c{width-1}, blank rows up to the next part included."""
        rows = _load_file(part.file, part.columns, part.height, self.shift_days, width=self.width)
        if part.next_row is not None and part.next_row - part.first_row > rows.height:
            blank = part.next_row - part.first_row - rows.height
            rows = pl.concat(
                [
                    rows,
                    pl.select(
                        pl.repeat(None, blank, dtype=pl.String).alias(c) for c in rows.columns
                    ),
                ]
            )
        return rows


@dataclass(frozen=True)
class Sheet:
    name: str
    index: int  # position in the workbook
    first_row: int  # 1-based Excel row number of rows[0]
    rows: pl.DataFrame  # every column pl.String, named "c0".."cN"; row i is Excel row first_row + i; blank rows kept as all-null rows. For a sheet read in parts: its first part only.
    rest: SheetParts | None = None  # the further parts of a sheet read in parts (large sheets)

    def blocks(self, start: int = 0) -> Iterator[tuple[int, pl.DataFrame]]:
        """The sheet's rows from ``rows[start]`` to its end as (Excel row of the first row, rows).

        One block for a sheet read whole; one per part for a sheet read in parts. Every block
        has the columns of ``rows``; concatenated, the blocks are what ``rows[start:]`` would be
        had the sheet been read whole.
        """
        if self.rest is None:
            yield self.first_row + start, self.rows.slice(start)
            return
        skip = start
        for first_row, rows in itertools.chain([(self.first_row, self.rows)], self.rest):
            if skip < rows.height:
                yield first_row + skip, rows.slice(skip)
                skip = 0
            else:
                skip -= rows.height


@dataclass(frozen=True)
class Workbook:
    file: str  # display name used in messages
    sheets: list[Sheet]  # visible sheets only, in workbook order
    hidden_sheets: list[str]  # names of hidden and very hidden sheets that were skipped
    date1904: bool  # the workbook's own date system (from xl/workbook.xml)
    content_hash: str  # sha256 of the bytes that were checked and parsed


def read_workbook(
    path: Path, *, display_name: str | None = None, limits: ReadLimits = ReadLimits()
) -> Workbook:
    """Read every visible sheet of an .xlsx file as text; refuse unreadable or hostile files."""
    path = Path(path)
    file = display_name or path.name
    # Removed at the end, unless a sheet read in parts keeps its further parts there: then
    # the SheetParts objects own it, and it goes when the last of them does.
    tmp = workdir.new_dir("read-")
    kept = False
    try:
        out = Path(tmp.name)
        child = _start_worker(out, limits)
        try:
            path, content_hash = _private_copy(path, out / "upload.xlsx", limits)
            inspection = inspect_workbook(path, file, limits)
            hidden = [s.name for s in inspection.sheets if not s.visible]
            visible = [s for s in inspection.sheets if s.visible]
            sheets: list[Sheet] = []
            if visible:
                request = {
                    "path": str(path.resolve()),
                    "date1904": inspection.date1904,
                    "sheets": [{"name": s.name, "index": s.index, "part": s.part} for s in visible],
                    "worksheet_parts": sorted({s.part for s in inspection.sheets}),
                    "parts_above_bytes": limits.parts_above_bytes,
                    "part_bytes": limits.part_bytes,
                    "max_output_bytes": limits.max_output_bytes,
                }
                manifest = _run_worker(child, out, request, file, limits)
                for entry in manifest["sheets"]:
                    if "parts" in entry:
                        sheet = _sheet_in_parts(entry, out, tmp, manifest["shift_days"])
                        kept = kept or sheet.rest is not None
                        sheets.append(sheet)
                    else:
                        rows = _load_sheet(out / entry["file"], entry, manifest["shift_days"])
                        first_row, rows = _trim_leading_blank_rows(rows)
                        sheets.append(Sheet(entry["name"], entry["index"], first_row, rows))
        finally:
            _stop(child)
        if kept:
            _remove_all_but(out, {p.file for s in sheets if s.rest for p in s.rest.parts})
    except BaseException:
        tmp.cleanup()
        raise
    if not kept:
        tmp.cleanup()
    # A file that could not be copied privately (not a regular file, unreadable) never
    # passes the checks.
    assert content_hash is not None
    return Workbook(
        file=file,
        sheets=sheets,
        hidden_sheets=hidden,
        date1904=inspection.date1904,
        content_hash=content_hash,
    )


def _private_copy(path: Path, target: Path, limits: ReadLimits) -> tuple[Path, str | None]:
    """Copy the file where only this process and its reader see it; return the copy and the
    sha256 of its bytes (the import's content hash: of exactly what was checked and parsed).

    The reader opens the file by its path after the checks passed: without a copy, a file
    changed in between (still being written, or swapped on purpose) is parsed unchecked.
    The copy stops after ``max_file_bytes`` (the checks then refuse it as too large); a file
    that cannot be opened, or is not a regular file, is returned as it is, for the checks
    to say what is wrong with it. (O_NONBLOCK: opening a named pipe would wait for a writer.)
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return path, None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # before open(): a folder would raise there
        os.close(fd)
        return path, None
    digest = hashlib.sha256()
    with open(fd, "rb") as src:
        with target.open("wb") as dst:
            copied = 0
            while copied <= limits.max_file_bytes and (chunk := src.read(1 << 20)):
                dst.write(chunk)
                digest.update(chunk)
                copied += len(chunk)
    return target, digest.hexdigest()


def _sheet_in_parts(
    entry: dict[str, Any],
    out: Path,
    directory: tempfile.TemporaryDirectory[str],
    shift_days: int,
) -> Sheet:
    """A sheet the child read in parts: its first part (from the first used row) in ``rows``,
    the others left on disk in ``rest``."""
    parts = [
        SheetPart(
            file=out / p["file"],
            columns=p["columns"],
            height=p["height"],
            first_row=p["first_row"],
            next_row=p["next_row"],
        )
        for p in entry["parts"]
    ]
    width = max((max(p.columns) + 1 for p in parts if p.columns), default=0)
    loader = SheetParts(directory, parts, width, shift_days)
    total = 0
    for i, part in enumerate(parts):
        loaded = loader.load(part)
        total += loaded.height
        offset, rows = _trim_leading_blank_rows(loaded)
        if rows.height:
            # Leading blank rows, even whole parts of them, are trimmed as in a whole read.
            rest = (
                SheetParts(directory, parts[i + 1 :], width, shift_days)
                if i + 1 < len(parts)
                else None
            )
            return Sheet(entry["name"], entry["index"], part.first_row + offset - 1, rows, rest)
    # No row with a value at all: what _trim_leading_blank_rows makes of a whole read.
    empty = pl.DataFrame() if total == 0 or width == 0 else loaded.clear()
    return Sheet(entry["name"], entry["index"], 1, empty)


def _remove_all_but(out: Path, keep: set[Path]) -> None:
    """Free the disk space of what was read already (the kept parts are read later)."""
    for item in out.iterdir():
        if item not in keep:
            with contextlib.suppress(OSError):
                item.unlink()


def _load_sheet(path: Path, entry: dict[str, Any], shift_days: int) -> pl.DataFrame:
    """One sheet as the child wrote it, with columns named after their Excel position."""
    return _load_file(path, entry["columns"], entry["height"], shift_days)


def _load_file(
    path: Path, columns: list[int], height: int, shift_days: int, *, width: int | None = None
) -> pl.DataFrame:
    """A sheet or part as the child wrote it, checked against its manifest entry, normalised."""
    raw = pl.read_ipc(path)
    if raw.height != height or raw.width != len(columns):
        raise RuntimeError(f"worker output {path.name} is inconsistent")
    rows = _normalise(raw, columns, shift_days, width=width)
    if any(dtype != pl.String for dtype in rows.dtypes):
        raise RuntimeError(f"worker output {path.name} is inconsistent")
    return rows


def _normalise(
    frame: pl.DataFrame, absolute: list[int], shift_days: int, *, width: int | None = None
) -> pl.DataFrame:
    """Name the columns after their Excel position (c0 = A), pad leading ones, fix 1904 dates.

    ``width`` pads trailing columns too (the parts of one sheet all get the sheet's width).
    """
    by_position = {idx: name for idx, name in zip(absolute, frame.columns, strict=True)}
    if width is None:
        width = max(absolute) + 1 if absolute else 0
    if not by_position:  # (literals alone would make one row)
        return pl.DataFrame(schema={f"c{k}": pl.String for k in range(width)})
    exprs = []
    for k in range(width):
        source = by_position.get(k)
        if source is None:
            expr = pl.lit(None, dtype=pl.String)
        else:
            expr = pl.col(source).cast(pl.String)
            if shift_days:
                expr = _shift_dates(expr, shift_days)
        exprs.append(expr.alias(f"c{k}"))
    return frame.select(exprs) if exprs else pl.DataFrame()


def _shift_dates(expr: pl.Expr, days: int) -> pl.Expr:
    """Move cells in calamine's exact datetime form by ``days`` (see ``worker.py``)."""
    moved = (
        expr.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False) + pl.duration(days=days)
    ).dt.to_string("%Y-%m-%d") + expr.str.slice(10)
    return pl.when(expr.str.contains(worker.DATETIME_FORM)).then(moved).otherwise(expr)


def _trim_leading_blank_rows(rows: pl.DataFrame) -> tuple[int, pl.DataFrame]:
    """(Excel row number of the first row kept, rows without the leading all-null ones)."""
    if rows.height == 0 or rows.width == 0:
        return 1, pl.DataFrame()
    used = rows.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    hits = used.arg_true()
    if hits.len() == 0:
        return 1, rows.clear()
    first = int(hits[0])
    return first + 1, rows.slice(first)


def _worker_env() -> dict[str, str]:
    # No PYTHONPATH of our own: the child is this interpreter and imports the package from
    # where it is installed (site-packages from a wheel, the editable install of `make install`).
    env = dict(os.environ)
    # Few threads: every thread stack counts against the memory cap, and calamine is serial.
    env["POLARS_MAX_THREADS"] = "2"
    env["RAYON_NUM_THREADS"] = "2"
    env["OPENBLAS_NUM_THREADS"] = "1"  # numpy comes with pyarrow; its BLAS threads are unused
    env["MALLOC_ARENA_MAX"] = "2"
    env["RUST_BACKTRACE"] = "0"
    return env


@dataclass
class _Child:
    process: subprocess.Popen[bytes]
    stderr: BinaryIO


def _start_worker(out: Path, limits: ReadLimits) -> _Child:
    """Start the reader; it caps its memory, imports its modules and waits for a request."""
    # -P: nothing is imported from the child's working directory, the folder of the upload.
    command = [
        sys.executable,
        "-P",
        "-m",
        "dashboard.importer.worker",
        str(out),
        str(limits.memory_bytes),
    ]
    # stderr goes to a file: a pipe nobody reads while the checks run could fill up.
    stderr = (out / "stderr.txt").open("w+b")
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=out,
            env=_worker_env(),
            start_new_session=True,  # no terminal signals; killed on its own on timeout
        )
    except BaseException:
        stderr.close()
        raise
    return _Child(process, stderr)


def _stop(child: _Child) -> None:
    """Kill the reader if it still runs (the checks refused the file, or an error) and reap it."""
    if child.process.poll() is None:
        child.process.kill()
    child.process.wait()
    if child.process.stdin is not None:
        with contextlib.suppress(OSError):
            child.process.stdin.close()
    child.stderr.close()


def _wait(process: subprocess.Popen[bytes], seconds: float) -> int:
    """``process.wait(timeout=seconds)``, woken by the child's exit itself where Linux allows.

    ``Popen.wait`` with a timeout polls, sleeping up to 50 ms between looks: on average some
    25 ms lost per import. A pidfd becomes readable the moment the child exits.
    """
    try:
        fd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # not Linux 5.3+, or the child is already reaped
        return process.wait(timeout=seconds)
    try:
        ready, _, _ = select.select([fd], [], [], seconds)
    finally:
        os.close(fd)
    if not ready:
        raise subprocess.TimeoutExpired(process.args, seconds)
    return process.wait()


def _run_worker(
    child: _Child, out: Path, request: dict[str, Any], file: str, limits: ReadLimits
) -> dict[str, Any]:
    """Send the request to the waiting reader and wait for it (at most ``limits.seconds``)."""
    process = child.process
    assert process.stdin is not None
    try:
        process.stdin.write(json.dumps(request).encode("utf-8"))
        process.stdin.close()
    except BrokenPipeError:
        pass  # the child is gone already; its exit status says why
    try:
        code = _wait(process, limits.seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise UnsafeWorkbookError(message("unsafe", file=file), file=file) from None
    if code == worker.EXIT_OK:
        manifest: dict[str, Any] = json.loads((out / worker.MANIFEST).read_text(encoding="utf-8"))
        return manifest
    if code == worker.EXIT_DAMAGED:
        raise NotAWorkbookError(message("damaged", file=file), file=file)
    if code == worker.EXIT_TOO_MUCH:
        raise UnsafeWorkbookError(message("too_much_data", file=file), file=file)
    child.stderr.seek(0)
    tail = child.stderr.read()[-4000:].decode("utf-8", "replace")
    if code < 0 or code == worker.EXIT_RESOURCES:
        # Killed by a signal (a Rust abort on a failed allocation is SIGABRT) or out of memory.
        log.info("workbook reader for %s stopped (exit %s): %s", file, code, tail[-500:])
        raise UnsafeWorkbookError(message("unsafe", file=file), file=file)
    # Anything else is unexpected: refuse the file, but keep the evidence for whoever debugs it.
    log.error("workbook reader for %s failed with exit %s:\n%s", file, code, tail)
    raise UnsafeWorkbookError(message("unsafe", file=file), file=file) from RuntimeError(tail)
