"""Load benchmark: N sessions clicking through the pages over Streamlit's websocket.

Target (issue 17): 20 concurrent sessions clicking through the pages for two minutes on
300k incidents: median rerun under 1 s, p90 under 2 s, no errors, and the server never hangs.

The dashboard is started as the browser tests start it (``streamlit run app.py`` on a free
port of 127.0.0.1 with a copy of the demo store from ``bench/stores.py``), and so is a
minimal Streamlit app (``bench/minimal_app.py``: a few pages of text and a metric) under the
same load in the same run, for the ratio. Each session is a websocket client speaking
Streamlit's own protocol (``BackMsg``/``ForwardMsg`` protobufs, as the browser does): it opens
a link (the Overview page, some with a filter or the English UI in the query string, so the
sessions do not all see one view), then, after a think time of 1-3 s, switches to another
page, again and again. A rerun is timed from sending the request to the server's
``script_finished`` message; an exception element in the page, a rerun that does not finish
within ``STEP_TIMEOUT`` or a dropped connection counts as an error. ``/_stcore/health`` is
polled all along (a hang shows as health checks that time out), and the server's resident
memory is sampled from ``/proc``.

Everything is bounded: the run lasts ``duration`` seconds, every wait has a timeout, every
client and the server are stopped at the end, and only 127.0.0.1 is ever contacted.

``python -m bench load`` writes ``bench/results/load.json``/``.md``; ``python -m bench.load
--sessions 20 --duration 120 --scale 50`` runs one configuration and prints it (the soak test
that would catch a hang again: it exits 1 when the server stopped answering).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import (
    BENCH_DIR,
    CACHE_DIR,
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
from bench.stores import counts, ensure_store
from tests.e2e.live_server import running_server

NAME = "load"
SCALE = 50  # about 300k incidents and 100k inquiries
SESSIONS = 20
DURATION = 120.0
THINK = (1.0, 3.0)
STEP_TIMEOUT = 60.0
HEALTH_TIMEOUT = 5.0
START_TIMEOUT = 180.0
MINIMAL_APP = BENCH_DIR / "minimal_app.py"
# The dashboard's analysis pages by URL path ("" is the Overview at the root).
DASHBOARD_PAGES = (
    "",
    "police",
    "warnings",
    "work-accidents",
    "documentation",
    "response-times",
    "equal-treatment",
    "incidents",
)
MINIMAL_PAGES = ("", "second", "third")
# The links sessions open with: the default view, a filter, the other language, the other grouping.
LINKS = ("", "", "type=violence", "lang=en", "by=department", "type=threats&sev=high")


@dataclass
class Outcome:
    """What the sessions saw."""

    reruns: list[float] = field(default_factory=list)  # seconds, finished reruns
    first_pages: list[float] = field(default_factory=list)  # the first rerun of each session
    errors: list[str] = field(default_factory=list)
    health: list[float] = field(default_factory=list)  # seconds per health check
    health_failures: int = 0
    rss_mib: list[float] = field(default_factory=list)
    hung: bool = False


def _rss_mib(pid: int) -> float | None:
    """Resident memory of a process and its children (Streamlit runs in one process)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds the process has used (``/proc/<pid>/stat``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rerun_msg(page: str, query: str) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.page_name = page
    msg.rerun_script.query_string = query
    return bytes(msg.SerializeToString())


async def _rerun(ws: Any, page: str, query: str) -> tuple[float, list[str]]:
    """Ask for a run of ``page``; wait for ``script_finished``. (seconds, exceptions seen)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    start = time.perf_counter()
    await ws.send(_rerun_msg(page, query))
    problems: list[str] = []
    while True:
        raw = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "exception":
                problems.append(f"{element.exception.type}: {element.exception.message[:200]}")
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue
            return time.perf_counter() - start, problems


async def _session(
    index: int, url: str, pages: tuple[str, ...], until: float, seed: int, out: Outcome
) -> None:
    """One person: open a link, then switch pages with a think time between clicks."""
    import websockets
    from websockets.typing import Subprotocol

    rng = random.Random(seed * 1000 + index)
    query = LINKS[index % len(LINKS)] if pages is DASHBOARD_PAGES else ""
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    await asyncio.sleep(rng.uniform(0, THINK[1]))  # people do not all arrive at once
    try:
        async with websockets.connect(
            ws_url,
            subprotocols=[Subprotocol("streamlit")],
            max_size=None,
            open_timeout=STEP_TIMEOUT,
        ) as ws:
            page = pages[0]
            first = True
            while time.monotonic() < until:
                seconds, problems = await _rerun(ws, page, query)
                (out.first_pages if first else out.reruns).append(seconds)
                first = False
                out.errors += [f"{page or 'overview'}: {p}" for p in problems]
                await asyncio.sleep(rng.uniform(*THINK))
                page = rng.choice([p for p in pages if p != page])
    except TimeoutError:
        out.errors.append(f"session {index}: no script_finished within {STEP_TIMEOUT:g} s")
        out.hung = True
    except Exception as error:  # a dropped connection is an error of the run, not of the bench
        out.errors.append(f"session {index}: {type(error).__name__}: {error}")


async def _visits(url: str, visits: list[tuple[str, str]]) -> list[float]:
    """One session running ``visits`` (page, query string) one after another, no think time."""
    import websockets
    from websockets.typing import Subprotocol

    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    times = []
    async with websockets.connect(
        ws_url, subprotocols=[Subprotocol("streamlit")], max_size=None, open_timeout=STEP_TIMEOUT
    ) as ws:
        for page, query in visits:
            seconds, problems = await _rerun(ws, page, query)
            if problems:
                raise RuntimeError(f"{page or 'overview'}: {problems[0]}")
            times.append(seconds)
    return times


def first_page(app: Path, db: Path, *, warm: bool = True) -> dict[str, float]:
    """A fresh server of ``app``: seconds from its start until it is healthy, and the first
    page of the first session (the Overview, or the minimal app's first page)."""
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        copy = work / "store.duckdb"
        shutil.copyfile(db, copy)
        start = time.perf_counter()
        with running_server(
            copy, work / "secret.key", python=python(), env=child_env(), app=app, warm=warm
        ) as (url, _):
            healthy = time.perf_counter() - start
            (page,) = asyncio.run(_visits(url, [("", "")]))
        return {"healthy": healthy, "first_page": page}


SWITCH_LINK = "type=threats&sev=high"  # a view no page has computed before


def page_switches(db: Path) -> dict[str, dict[str, float]]:
    """Every page switch on a fresh (warm) dashboard, seconds per page: one session in the
    default view (which the server prepared at start), then one that opens a link with
    filters, so that every page's first visit computes its results, and visits every page a
    second time (cached)."""
    order = [*DASHBOARD_PAGES[1:], DASHBOARD_PAGES[0]]
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        copy = work / "store.duckdb"
        shutil.copyfile(db, copy)
        with server(BENCH_DIR.parent / "app.py", copy, work) as (url, _):
            default = asyncio.run(_visits(url, [("", ""), *((p, "") for p in order)]))[1:]
            filtered = asyncio.run(
                _visits(url, [("", SWITCH_LINK), *((p, "") for p in order * 2)])
            )[1:]
    n = len(order)
    return {
        (page or "overview"): {"default": d, "first": a, "again": b}
        for page, d, a, b in zip(order, default, filtered[:n], filtered[n:], strict=True)
    }


def _health_check(url: str) -> float | None:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=HEALTH_TIMEOUT) as response:
            if response.status == 200:
                return time.perf_counter() - start
    except OSError:
        return None
    return None


async def _watch(url: str, pid: int | None, until: float, out: Outcome) -> None:
    """Health checks and memory samples every second until ``until``."""
    while time.monotonic() < until:
        seconds = await asyncio.to_thread(_health_check, url)
        if seconds is None:
            out.health_failures += 1
        else:
            out.health.append(seconds)
        if pid is not None and (rss := _rss_mib(pid)) is not None:
            out.rss_mib.append(rss)
        await asyncio.sleep(1.0)


async def _drive(
    url: str, pid: int | None, pages: tuple[str, ...], sessions: int, duration: float, seed: int
) -> Outcome:
    out = Outcome()
    until = time.monotonic() + duration
    tasks = [_session(i, url, pages, until, seed, out) for i in range(sessions)]
    await asyncio.gather(_watch(url, pid, until + 1, out), *tasks)
    if out.health_failures >= 3:
        out.hung = True
    return out


def drive(
    url: str,
    pid: int | None,
    pages: tuple[str, ...],
    sessions: int,
    duration: float,
    seed: int = 1,
) -> Outcome:
    """Run ``sessions`` clients against ``url`` for ``duration`` seconds."""
    return asyncio.run(_drive(url, pid, pages, sessions, duration, seed))


@contextlib.contextmanager
def server(app: Path, db: Path, work: Path) -> Iterator[tuple[str, int]]:
    """A running Streamlit server of ``app`` on ``db``; yields its URL and process id."""
    with running_server(
        db, work / "secret.key", python=python(), env=child_env(), timeout=START_TIMEOUT, app=app
    ) as (url, pid):
        yield url, pid


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def describe(out: Outcome) -> dict[str, Any]:
    """The figures of one run."""
    return {
        "reruns": len(out.reruns),
        "median": statistics.median(out.reruns) if out.reruns else None,
        "p90": _percentile(out.reruns, 0.9),
        "max": max(out.reruns) if out.reruns else None,
        "first_page_median": statistics.median(out.first_pages) if out.first_pages else None,
        "errors": out.errors,
        "health_median": statistics.median(out.health) if out.health else None,
        "health_max": max(out.health) if out.health else None,
        "health_failures": out.health_failures,
        "rss_peak_mib": max(out.rss_mib) if out.rss_mib else None,
        "rss_end_mib": out.rss_mib[-1] if out.rss_mib else None,
        "hung": out.hung,
    }


def run_one(
    app: Path,
    db: Path,
    pages: tuple[str, ...],
    sessions: int,
    duration: float,
    seed: int = 1,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Start a server of ``app`` on a copy of ``db``, load it, stop it; its figures.

    ``profile``: a py-spy executable; its samples of the server during the run (collapsed
    stacks) are written next to the results, and its dump of every thread when the server
    stops answering.
    """
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        copy = work / "store.duckdb"
        shutil.copyfile(db, copy)
        with server(app, copy, work) as (url, pid):
            rss_start = _rss_mib(pid)
            recorder = _record(profile, pid, duration) if profile else None
            cpu_start, wall_start = _cpu_seconds(pid), time.monotonic()
            out = drive(url, pid, pages, sessions, duration, seed)
            cpu_end, wall = _cpu_seconds(pid), time.monotonic() - wall_start
            if out.hung and profile:
                _dump(profile, pid)
            if recorder is not None:
                recorder.wait(timeout=60)
        figures = describe(out)
        figures["rss_start_mib"] = rss_start
        figures["server_cores"] = (
            (cpu_end - cpu_start) / wall if cpu_start is not None and cpu_end is not None else None
        )
        figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        return figures


def _record(py_spy: Path, pid: int, duration: float) -> subprocess.Popen[bytes]:
    target = CACHE_DIR / f"{NAME}-profile.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(duration)),
            "--rate",
            "50",
            "--format",
            "raw",
            "--output",
            str(target),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _dump(py_spy: Path, pid: int) -> None:
    target = CACHE_DIR / f"{NAME}-hang-{int(time.time())}.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        subprocess.run(
            [str(py_spy), "dump", "--pid", str(pid)],
            stdout=out,
            stderr=out,
            timeout=60,
            check=False,
        )
    print(f"[load] server stopped answering: thread dump in {target}", flush=True)


def _line(label: str, f: dict[str, Any]) -> list[str]:
    return [
        label,
        str(f["reruns"]),
        fmt_seconds(f["median"]),
        fmt_seconds(f["p90"]),
        fmt_seconds(f["max"]),
        fmt_seconds(f["first_page_median"]),
        str(len(f["errors"])),
        f"{f['health_failures']} failed, max {fmt_seconds(f['health_max'])}",
        f"{f['rss_start_mib']:.0f} → {f['rss_peak_mib']:.0f}" if f["rss_peak_mib"] else "–",
        f"{f['server_cores']:.2f}" if f.get("server_cores") is not None else "–",
        ", ".join(f"{x:g}" for x in f["load_average_after"]),
    ]


def _first_pages(db: Path, repeats: int) -> dict[str, dict[str, Any]]:
    """First page after a start, alternating the warm dashboard, the dashboard started with
    plain ``streamlit run`` and the minimal app."""
    app = BENCH_DIR.parent / "app.py"
    kinds = {
        "dashboard (python -m dashboard.serve)": (app, True),
        "dashboard (plain streamlit run app.py)": (app, False),
        "minimal Streamlit app": (MINIMAL_APP, True),
    }
    seen: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    for _ in range(repeats):
        for label, (script, warm) in kinds.items():
            seen[label].append(first_page(script, db, warm=warm))
    return {
        label: {
            "first_page": summary([r["first_page"] for r in runs]),
            "healthy": summary([r["healthy"] for r in runs]),
        }
        for label, runs in seen.items()
    }


def run(
    out_dir: Path | None = None,
    argv: tuple[str, ...] = (),
    *,
    scale: float = SCALE,
    sessions: int = SESSIONS,
    duration: float = DURATION,
    repeats: int = 2,
    switch_scale: float = 170,
    first_repeats: int = 3,
    cache_dir: Path = CACHE_DIR,
) -> dict[str, Any]:
    """The benchmark: first page after a start, page switches at 1M incidents, and the
    dashboard and the minimal app under the same load, ``repeats`` times each, alternating."""
    started = now()
    info = machine()
    db = ensure_store(cache_dir, scale)
    n_incidents, n_inquiries = counts(db)
    print("[load] first page after a start", flush=True)
    first = _first_pages(db, first_repeats)
    big = ensure_store(cache_dir, switch_scale)
    big_incidents, _ = counts(big)
    print(f"[load] page switches at {big_incidents:,} incidents", flush=True)
    switches = page_switches(big)
    runs: list[dict[str, Any]] = []
    for repeat in range(repeats):
        for label, app, pages in (
            ("dashboard", BENCH_DIR.parent / "app.py", DASHBOARD_PAGES),
            ("minimal Streamlit app", MINIMAL_APP, MINIMAL_PAGES),
        ):
            print(f"[load] {label}, run {repeat + 1}/{repeats}", flush=True)
            figures = run_one(app, db, pages, sessions, duration, seed=repeat + 1)
            figures["app"] = label
            runs.append(figures)
    data = record(
        NAME,
        started,
        argv,
        info,
        sessions=sessions,
        duration=duration,
        incidents=n_incidents,
        inquiries=n_inquiries,
        first_page=first,
        first_repeats=first_repeats,
        page_switches={"incidents": big_incidents, "pages": switches},
        runs=runs,
    )
    data.update(verdict(data))
    write_results(NAME, data, markdown(data), out_dir)
    return data


def verdict(data: dict[str, Any]) -> dict[str, Any]:
    """The ratios and the targets met, from a run's figures."""
    dash = [f for f in data["runs"] if f["app"] == "dashboard"]
    mini = [f for f in data["runs"] if f["app"] != "dashboard"]
    medians = [f["median"] for f in dash if f["median"]]
    mini_medians = [f["median"] for f in mini if f["median"]]
    p90s = [f["p90"] for f in dash if f["p90"]]
    errors = sum(len(f["errors"]) for f in dash)
    hung = any(f["hung"] for f in dash)
    worst_median = max(medians) if medians else None
    worst_p90 = max(p90s) if p90s else None
    first = data["first_page"]
    warm_first = first["dashboard (python -m dashboard.serve)"]["first_page"]["median"]
    mini_first = first["minimal Streamlit app"]["first_page"]["median"]
    pages = data["page_switches"]["pages"]
    return {
        "ratio": statistics.median(medians) / statistics.median(mini_medians)
        if medians and mini_medians
        else None,
        "first_ratio": warm_first / mini_first if warm_first and mini_first else None,
        "worst_switch": max(max(v.values()) for v in pages.values()),
        "worst_median": worst_median,
        "worst_p90": worst_p90,
        "errors": errors,
        "hung": hung,
        "met": worst_median is not None
        and worst_median < 1.0
        and worst_p90 is not None
        and worst_p90 < 2.0
        and errors == 0
        and not hung,
    }


def markdown(data: dict[str, Any]) -> str:
    """The tables of a run."""
    v = verdict(data)
    first_ratio, worst_switch = v["first_ratio"], v["worst_switch"]
    switches = data["page_switches"]
    return "\n\n".join(
        [
            "### Load: first page, page switches, and sessions clicking through the pages",
            f"First page after a start ({data['incidents']:,} incidents; one session, the server "
            f"fresh each time; n={data.get('first_repeats', 3)} of each, alternating):",
            table(
                ["server", "first page (median, min–max)", "start until healthy"],
                [
                    [label, fmt_spread(f["first_page"]), fmt_spread(f["healthy"])]
                    for label, f in data["first_page"].items()
                ],
            ),
            "Target “first page within 1.5× a minimal Streamlit page”: "
            f"{'met' if first_ratio and first_ratio <= 1.5 else '**missed**'} "
            f"({first_ratio:.2f}×).",
            f"Page switches at {switches['incidents']:,} incidents (a fresh warm server; from "
            "the request to the server's script_finished, the browser's drawing is not in it; "
            f"the Overview last; the filtered view is `?{SWITCH_LINK}`):",
            table(
                [
                    "page",
                    "default view (prepared at start)",
                    "filtered view, first visit (computed)",
                    "filtered view, second visit (cached)",
                ],
                [
                    [p, fmt_seconds(t["default"]), fmt_seconds(t["first"]), fmt_seconds(t["again"])]
                    for p, t in switches["pages"].items()
                ],
            ),
            "Target “a page switch within 0.5 s at 1M incidents, cached or not”: "
            f"{'met' if worst_switch < 0.5 else '**missed**'} "
            f"(slowest {fmt_seconds(worst_switch)}).",
            f"Load: {data['sessions']} sessions, {data['duration']:g} s each run, think time "
            f"{THINK[0]:g}–{THINK[1]:g} s, {data['incidents']:,} incidents / "
            f"{data['inquiries']:,} inquiries; runs alternate between the dashboard and the "
            "minimal app:",
            table(
                [
                    "app",
                    "reruns",
                    "median rerun",
                    "p90",
                    "max",
                    "first page of a session (median)",
                    "errors",
                    "health checks",
                    "server RSS MiB (start → peak)",
                    "server CPU (cores)",
                    "load average after",
                ],
                [_line(f["app"], f) for f in data["runs"]],
            ),
            f"Dashboard median ÷ minimal app median: **{v['ratio']:.1f}×**."
            if v["ratio"]
            else "Ratio: –",
            "Target “median rerun < 1 s, p90 < 2 s, no errors, no hang”: "
            f"{'met' if v['met'] else '**missed**'} (worst run: median "
            f"{fmt_seconds(v['worst_median'])}, p90 {fmt_seconds(v['worst_p90'])}, "
            f"{v['errors']} errors{', hung' if v['hung'] else ''}).",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """One configuration against the dashboard only (the soak test): exit 1 on a hang or errors."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--duration", type=float, default=DURATION)
    parser.add_argument("--scale", type=float, default=SCALE)
    parser.add_argument("--minimal", action="store_true", help="load the minimal app instead")
    parser.add_argument("--py-spy", type=Path, default=None, help="profile the server with py-spy")
    args = parser.parse_args(argv)
    db = ensure_store(CACHE_DIR, args.scale)
    app, pages = (
        (MINIMAL_APP, MINIMAL_PAGES)
        if args.minimal
        else (BENCH_DIR.parent / "app.py", DASHBOARD_PAGES)
    )
    print(f"load average {os.getloadavg()}", flush=True)
    figures = run_one(app, db, pages, args.sessions, args.duration, profile=args.py_spy)
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 1 if figures["hung"] or figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
