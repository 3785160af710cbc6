"""A temporary store with demo data for page tests, and an AppTest factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import store
from dashboard.demo import generate_demo
from dashboard.store.seed import write_demo

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # importing Polars, scipy and statsmodels alone takes seconds on this machine
# an [auth] section as a municipality would write it (AppTest never contacts the provider)
AUTH_SECTION = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-32-chars!",
    "client_id": "dashboard",
    "client_secret": "test-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "demo.duckdb"
    con = store.connect(path)
    data = generate_demo(2024, scale=0.3)
    write_demo(con, "incidents", data.incidents, seed=2024)
    write_demo(con, "inquiries", data.inquiries, seed=2024)
    con.close()
    return path


@pytest.fixture
def app(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., AppTest]]:
    """Build an AppTest on app.py, on ``page`` (a file in dashboard/pages), with query params."""
    monkeypatch.setenv("DASHBOARD_DB", str(demo_db))
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))

    def build(
        page: str | None = None, user: dict[str, object] | None = None, **query: str | list[str]
    ) -> AppTest:
        """Open the app from a link with ``query`` (a new session), then go to ``page``.

        Switching before the first run only works where a page's URL equals its file name,
        so the link opens the first page; the filters and language it seeded persist.
        With ``user`` (claims, e.g. ``{"is_logged_in": True, "email": ...}``) sign-in is
        configured (an ``[auth]`` section) and the session is that user's; without it the app
        runs in local mode.
        """
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        if user is not None:
            at.secrets["auth"] = AUTH_SECTION
            at.user = user
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        if page:
            at.switch_page(str(ROOT / "dashboard" / "pages" / page))
            at.run()
        return at

    yield build
    st.cache_data.clear()
    st.cache_resource.clear()
