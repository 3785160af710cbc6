"""Benchmarks of the dashboard: ``python -m bench [import|metrics|browser]`` (``make bench``).

Each benchmark compares against the obvious alternative in the same run (a ratio, not only
an absolute time), repeats every timing after a warm-up and reports the median with the
spread, and writes ``bench/results/<name>.json`` and ``<name>.md`` together with the machine
it ran on. The Markdown table is printed and copied into ``bench/README.md``.

Shared helpers live here: paths, the environment for child processes, the machine
description, summary statistics, a run from its start to its written results (``Run``).
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"


def child_env(**extra: str) -> dict[str, str]:
    """Environment for the processes a benchmark starts.

    Bytecode is cached (in ``bench/.cache/pycache``) even when the calling shell sets
    ``PYTHONDONTWRITEBYTECODE``: an installed app has its modules compiled once, whereas
    without a cache every fresh process (each import run and its reader child) would spend
    about two seconds compiling Polars, DuckDB and the dashboard from source.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(CACHE_DIR / "pycache")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return round(int(match.group(1)) / 2**20, 1) if match else None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _chromium_version() -> str | None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return None
    try:
        done = subprocess.run(
            [str(chromium), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _git() -> dict[str, Any]:
    """The commit and the files changed since (others work in this tree while it runs)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout if done.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line]
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip() or None,
        "uncommitted": [p for p in changed if not p.startswith(("bench/", "tests/test_bench"))],
    }


def machine() -> dict[str, Any]:
    """What the benchmark ran on (and how busy the machine was when it started)."""
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return {
        "nproc": nproc,
        "cpu": _cpu_model(),
        "ram_gib": _ram_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": _version("duckdb"),
        "polars": _version("polars"),
        "pandas": _version("pandas"),
        "openpyxl": _version("openpyxl"),
        "fastexcel": _version("fastexcel"),
        "streamlit": _version("streamlit"),
        "playwright": _version("playwright"),
        "chromium": _chromium_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "git": _git(),
    }


def machine_line(info: dict[str, Any]) -> str:
    """The machine as one Markdown line."""
    load = ", ".join(f"{x:g}" for x in info.get("load_average_at_start", []))
    git = info.get("git") or {}
    tree = f"commit {git.get('commit')}"
    if git.get("uncommitted"):
        tree += f" + uncommitted changes in {len(git['uncommitted'])} files"
    return (
        f"{info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, {info['os']}, "
        f"Python {info['python']}, DuckDB {info['duckdb']}, Polars {info['polars']}, "
        f"Chromium {str(info.get('chromium') or '–').removeprefix('Chromium ')}; "
        f"load average at start {load}; {tree}"
    )


def summary(values: Sequence[float]) -> dict[str, Any]:
    """Median, min and max of repeated measurements (and the measurements)."""
    vals = [float(v) for v in values]
    if not vals:
        return {"runs": 0, "median": None, "min": None, "max": None, "values": []}
    return {
        "runs": len(vals),
        "median": statistics.median(vals),
        "min": min(vals),
        "max": max(vals),
        "values": vals,
    }


def fmt_seconds(value: float | None) -> str:
    """A duration for a table: ms below one second, else seconds."""
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"
    return f"{value:.1f} s" if value < 100 else f"{value:.0f} s"


def fmt_spread(stats: dict[str, Any]) -> str:
    """``median (min–max, n runs)``."""
    if not stats or not stats.get("runs"):
        return "–"
    return (
        f"{fmt_seconds(stats['median'])} "
        f"({fmt_seconds(stats['min'])}–{fmt_seconds(stats['max'])}, n={stats['runs']})"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(
    name: str, data: dict[str, Any], markdown: str, out_dir: Path | None = None
) -> Path:
    """Write ``<name>.json`` and ``<name>.md`` to ``out_dir``; print the Markdown.

    With the default ``out_dir`` (``bench/results``) the Markdown also replaces the
    benchmark's section of ``bench/README.md``.
    """
    target = out_dir or RESULTS_DIR
    target.mkdir(parents=True, exist_ok=True)
    info = machine_line(data["machine"])
    stamp = data["finished_at"]
    document = f"{markdown}\n\nMachine: {info}. Run {stamp} with `{data['command']}`.\n"
    for suffix, text in (
        ("json", json.dumps(data, indent=2, default=str) + "\n"),
        ("md", document),
    ):
        tmp = target / f"{name}.{suffix}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target / f"{name}.{suffix}")
    print(document, flush=True)
    if out_dir is None:
        _update_readme(name, document)
    return target / f"{name}.json"


def _update_readme(name: str, document: str) -> None:
    if not README.exists():
        return
    text = README.read_text(encoding="utf-8")
    start, end = f"<!-- results:{name}:start -->", f"<!-- results:{name}:end -->"
    if start not in text or end not in text:
        return
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(f"{before}{start}\n{document.strip()}\n{end}{after}", encoding="utf-8")


def record(
    name: str, started: str, argv: Sequence[str], machine_info: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """The JSON record of one benchmark run: what ran, when, where, and its figures."""
    return {
        "benchmark": name,
        "started_at": started,
        "finished_at": now(),
        "command": " ".join([".venv/bin/python -m bench", *argv]),
        "machine": machine_info,
        **fields,
    }


def now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def command(args: Sequence[str]) -> str:
    """How this run was started, for the results."""
    return " ".join([".venv/bin/python -m bench", *args]).strip()


def python() -> str:
    """The interpreter running the benchmark (the project's venv under ``make bench``)."""
    return sys.executable


@dataclass(frozen=True)
class Run:
    """One benchmark run from its start: when it began and on what machine (taken before any
    work, so the load average is the one the run met). :meth:`finish` records it."""

    name: str
    argv: tuple[str, ...]
    started: str = field(default_factory=now)
    machine: dict[str, Any] = field(default_factory=machine)

    def finish(
        self, markdown: Callable[[dict[str, Any]], str], out_dir: Path | None, **fields: Any
    ) -> dict[str, Any]:
        """The run's JSON record with ``fields``, written with ``markdown`` of that record
        (see :func:`write_results`); returns the record."""
        data = record(self.name, self.started, self.argv, self.machine, **fields)
        write_results(self.name, data, markdown(data), out_dir)
        return data
