"""The package as it is shipped: a wheel built with ``uv build``, installed into an empty
venv, run from an empty folder (nothing of the source tree on the path), imports a sample,
computes metrics and serves the app.

The venv gets the locked versions (``uv export --frozen``) from uv's cache or PyPI.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.samples import SAMPLES

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        pytest.skip("uv is needed to build the wheel: `make install` bootstraps it into .tools/")
    return found


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would lead Python back to the source tree."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    env.update(extra)
    return env


def _run(*command: str | Path, cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


@dataclass(frozen=True)
class Installed:
    bin: Path  # the venv's bin/
    work: Path  # an empty working directory
    env: dict[str, str]
    db: Path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    uv = _uv()
    base = tmp_path_factory.mktemp("wheel")
    env = _clean_env()
    _run(uv, "build", "--wheel", "--out-dir", base / "dist", ROOT, cwd=ROOT, env=env)
    [wheel] = (base / "dist").glob("dashboard-*.whl")
    requirements = base / "requirements.txt"
    _run(
        uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes",
        "--output-file", requirements, cwd=ROOT, env=env,
    )  # fmt: skip
    venv = base / "venv"
    _run(uv, "venv", "--python", sys.executable, venv, cwd=base, env=env)
    python = venv / "bin" / "python"
    _run(uv, "pip", "install", "--python", python, "-r", requirements, wheel, cwd=base, env=env)
    work = base / "work"
    work.mkdir()
    run_env = _clean_env(DASHBOARD_KEY_FILE=str(base / "secret.key"))
    where = _run(python, "-c", "import dashboard; print(dashboard.__file__)", cwd=work, env=run_env)
    assert Path(where.strip()).is_relative_to(venv), where  # the wheel's copy, not the checkout
    return Installed(venv / "bin", work, run_env, work / "store.duckdb")


def _sample_or_demo(installed: Installed) -> int:
    """Import the shared incident sample (or write the demo when it is absent) with the
    installed command; returns the number of incidents stored."""
    name = "haendelser_2023-2024.xlsx"
    if not (SAMPLES / name).exists():
        _run(installed.bin / "dashboard", "demo", "--db", installed.db, "--scale", "0.1",
             cwd=installed.work, env=installed.env)  # fmt: skip
        return -1
    out = _run(
        installed.bin / "dashboard", "import", SAMPLES / name, "--db", installed.db, "--json",
        cwd=installed.work, env=installed.env,
    )  # fmt: skip
    [report] = json.loads(out)["files"]
    expected = json.loads((SAMPLES / "expected_counts.json").read_text())[name]
    assert (report["stored_new"], report["rejected"]) == (
        expected["stored"],
        expected["rejected_rows"],
    )
    return int(expected["stored"])


def test_the_installed_wheel_imports_and_computes_metrics(installed: Installed) -> None:
    stored = _sample_or_demo(installed)
    out = _run(
        installed.bin / "dashboard", "metrics", "--db", installed.db, "--by", "department",
        "--format", "json", cwd=installed.work, env=installed.env,
    )  # fmt: skip
    payload = json.loads(out)
    total = sum(row["incidents"] for row in payload["incidents"])
    if stored >= 0:  # the sample's stored rows (expected_counts.json) are every incident
        assert total == stored
    else:
        assert total > 0
    assert payload["summary"]  # the plain-language findings came out of the installed catalogues


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[str]:
    """``dashboard serve`` of the installed package on a free 127.0.0.1 port; its URL."""
    if not installed.db.exists():
        _sample_or_demo(installed)
    port = _free_port()
    process = subprocess.Popen(
        [installed.bin / "dashboard", "serve", "--db", installed.db, "--port", str(port)],
        cwd=installed.work,
        env={**installed.env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not any("You can now view" in line for line in seen):
            assert process.poll() is None, "".join(seen)
            try:
                seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"the server did not start: {''.join(seen)}")
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as response:
            assert response.status == 200 and response.read() == b"ok"
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        while not lines.empty():
            seen.append(lines.get())
        assert "Traceback" not in "".join(seen), "".join(seen)


def test_the_installed_app_serves_its_first_page(installed: Installed, served: str) -> None:
    """The server answers /_stcore/health; the first page's script, as installed, runs
    without an exception (under AppTest, in the installed venv)."""
    check = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from streamlit import config\n"
        "from dashboard.server import script_path\n"
        # as `dashboard serve` runs it: listening on loopback only, so local mode (no sign-in
        # configured) serves the page; an empty folder has no .streamlit/config.toml to say so
        "config.set_option('server.address', '127.0.0.1')\n"
        "at = AppTest.from_file(str(script_path()), default_timeout=120).run()\n"
        "assert not at.exception, [e.value for e in at.exception]\n"
        "assert not at.error, [e.value for e in at.error]\n"
        "print(at.title[0].value)\n"
    )
    copy = installed.work / "apptest.duckdb"  # the server may hold the store for writing
    shutil.copy(installed.db, copy)
    env = {**installed.env, "DASHBOARD_DB": str(copy)}
    title = _run(installed.bin / "python", "-c", check, cwd=installed.work, env=env)
    assert title.strip() == "Overblik"  # nav.overview in da.toml: the page ran in Danish


@pytest.mark.browser
def test_the_served_first_page_runs_in_a_browser(served: str) -> None:
    """Through the installed server itself: the first page renders its title and no error."""
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.live_server import CHROMIUM_ARGS, ensure_chromium

    chromium = ensure_chromium()
    if chromium is None:
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium ('apt-get install chromium')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(served)
            title = page.get_by_role("heading", name="Overblik", level=1, exact=True)
            expect(title).to_be_visible(timeout=120_000)  # nav.overview: the page ran in Danish
            expect(page.get_by_test_id("stException")).to_have_count(0)
            expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
        finally:
            browser.close()
