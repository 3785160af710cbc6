"""Real-browser tests: Debian's Chromium driven by Playwright against a live server.

Chromium comes from Debian's package (/usr/bin/chromium). When it is missing, the tests
install it with apt under CI (CI=true, as root) and skip with a clear message elsewhere.
The server is `streamlit run app.py` on a free port with a temporary, empty store; the
fixture waits for its start-up line and then for /_stcore/health, never for a fixed time.
"""

from __future__ import annotations

import os
import selectors
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
START_TIMEOUT = 120.0
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


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt under CI; skip with a reason otherwise."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true" and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
        if CHROMIUM.exists():
            return CHROMIUM
    pytest.skip(
        "Browser tests need Debian's Chromium at /usr/bin/chromium: install it with "
        "'apt-get install chromium' (CI=true installs it automatically)."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_line(
    process: subprocess.Popen[bytes], needles: tuple[str, ...], timeout: float
) -> str:
    """Read the server's output until one of ``needles`` appears (select() bounds the wait).

    Raw reads from the pipe: a buffered readline() would hide lines from select().
    """
    assert process.stdout is not None
    fd = process.stdout.fileno()
    seen = b""
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        seen += chunk
        text = seen.decode(errors="replace")
        if any(n in text for n in needles):
            return text
    raise RuntimeError("Streamlit did not start:\n" + seen.decode(errors="replace"))


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


def _drain(process: subprocess.Popen[bytes]) -> None:
    """Keep reading the server's output in the background so its pipe never fills up."""
    import threading

    assert process.stdout is not None
    stream = process.stdout
    threading.Thread(
        target=lambda: [None for _ in iter(lambda: stream.read(65536), b"")], daemon=True
    ).start()


class Server:
    """A running dashboard."""

    def __init__(self, url: str, db: Path, process: subprocess.Popen[bytes]) -> None:
        self.url = url
        self.db = db
        self.process = process


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    ensure_chromium()
    work = tmp_path_factory.mktemp("e2e")
    port = free_port()
    env = {
        **os.environ,
        "DASHBOARD_DB": str(work / "e2e.duckdb"),
        "DASHBOARD_KEY_FILE": str(work / "secret.key"),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
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
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_line(process, ("You can now view", "server started on"), START_TIMEOUT)
        _drain(process)
        url = f"http://127.0.0.1:{port}"
        _healthy(url)
        yield Server(url, work / "e2e.duckdb", process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=90_000)  # the first script run imports Polars, scipy, statsmodels
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(ensure_chromium()), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
