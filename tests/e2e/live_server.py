"""A live dashboard and Debian's Chromium, for the browser tests and the browser benchmark.

The server is ``python -m dashboard.serve`` (``streamlit run app.py``) on a free port with its own store; start-up is
awaited on the server's own "You can now view" line and then /_stcore/health, never for a
fixed time. Chromium is Debian's package (/usr/bin/chromium), installed with apt under CI.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling home, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def ensure_chromium() -> Path | None:
    """Debian's Chromium; under CI (CI=true, root) it is installed with apt when missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true" and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    return CHROMIUM if CHROMIUM.exists() else None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _read_lines(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    """Read the server's output to the end (so it never blocks on a full pipe)."""
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)
    lines.put(None)


def _wait_for_line(lines: queue.Queue[str | None], needle: str, timeout: float) -> None:
    """Wait until the server prints ``needle`` (lines come from the reader thread)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:  # the server exited
            break
        seen.append(line)
        if needle in line:
            return
    raise RuntimeError("Streamlit did not start:\n" + "".join(seen[-40:]))


def _healthy(url: str, attempts: int = 50) -> None:
    """Poll the health endpoint; each attempt waits at most its own request timeout."""
    last: Exception | None = None
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as error:
            last = error
    raise RuntimeError(f"{url} never became healthy: {last}")


@contextlib.contextmanager
def running_app(
    db: Path,
    key_file: Path,
    *,
    python: str = sys.executable,
    env: Mapping[str, str] | None = None,
    timeout: float = 180.0,
    args: Sequence[str] = (),
    port: int | None = None,
) -> Iterator[str]:
    """A running dashboard on the store ``db`` (with more ``streamlit run`` options ``args``,
    on ``port`` or a free one); yields its URL and stops it afterwards."""
    with running_server(
        db, key_file, python=python, env=env, timeout=timeout, args=args, port=port
    ) as (url, _):
        yield url


@contextlib.contextmanager
def running_server(
    db: Path,
    key_file: Path,
    *,
    python: str = sys.executable,
    env: Mapping[str, str] | None = None,
    timeout: float = 180.0,
    args: Sequence[str] = (),
    port: int | None = None,
    app: Path = ROOT / "app.py",
    warm: bool = True,
) -> Iterator[tuple[str, int]]:
    """A running Streamlit server of ``app`` on the store ``db`` (with more ``streamlit run``
    options ``args``, on ``port`` or a free one); yields its URL and process id and stops it
    afterwards. The dashboard starts as ``make run`` starts it (its imports and pages warmed
    first and the store held from the start, ``dashboard.serve``); ``warm=False`` and any
    other app start plainly."""
    port = port or free_port()
    start = (
        ["-m", "dashboard.serve"]
        if warm and app == ROOT / "app.py"
        else ["-m", "streamlit", "run", str(app)]
    )
    process = subprocess.Popen(
        [
            python,
            *start,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            *args,
        ],
        cwd=ROOT,
        env={
            **(env if env is not None else os.environ),
            "DASHBOARD_DB": str(db),
            "DASHBOARD_KEY_FILE": str(key_file),
            "PYTHONUNBUFFERED": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process, lines), daemon=True).start()
    try:
        _wait_for_line(lines, "You can now view", timeout)
        url = f"http://127.0.0.1:{port}"
        _healthy(url)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
