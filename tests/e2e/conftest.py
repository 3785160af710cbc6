"""Real-browser tests: Debian's Chromium driven by Playwright against a live server.

Chromium comes from Debian's package (/usr/bin/chromium). When it is missing, the tests
install it with apt under CI (CI=true, as root) and skip with a clear message elsewhere.
The server is `streamlit run app.py` on a free port with a temporary, empty store; the
fixture waits for its start-up line and then for /_stcore/health, never for a fixed time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.live_server import CHROMIUM_ARGS, ROOT, ensure_chromium, running_app

ARTIFACTS = ROOT / "test-artifacts"


def chromium() -> Path:
    """Debian's Chromium, or skip with how to get it."""
    path = ensure_chromium()
    if path is None:
        pytest.skip(
            "Browser tests need Debian's Chromium at /usr/bin/chromium: install it with "
            "'apt-get install chromium' (CI=true installs it automatically)."
        )
    return path


class Server:
    """A running dashboard."""

    def __init__(self, url: str, db: Path) -> None:
        self.url = url
        self.db = db


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium()
    work = tmp_path_factory.mktemp("e2e")
    with running_app(work / "e2e.duckdb", work / "secret.key") as url:
        yield Server(url, work / "e2e.duckdb")


# Module scope: Playwright's sync API runs an event loop that must be closed before any other
# test (the browser benchmark's smoke test) starts Playwright again.
@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=90_000)  # the first script run imports Polars, scipy, statsmodels
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


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
