"""Every page renders under AppTest in both languages without an exception or error box."""

from __future__ import annotations

import pytest

from dashboard.access import RIGHTS
from dashboard.components.navigation import PAGES, visible
from dashboard.i18n import t

# local mode acts as an analyst; the admin page is tested with an admin in test_access_pages
PAGE_FILES = [spec.file for spec in visible(RIGHTS["analyst"])]


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_renders(app, page: str, lang: str) -> None:
    at = app(page, lang=lang)
    assert_clean(at)
    assert at.title, f"{page} shows no title"
    spec = next(p for p in PAGES if p.file == page)
    assert at.title[0].value == t(f"nav.{spec.key}", lang)  # the page really is in ``lang``


@pytest.mark.parametrize("page", PAGE_FILES)
def test_pages_work_without_units(page: str, monkeypatch, tmp_path) -> None:
    """Exports without the optional unit column: every page still renders (grouped by unit)."""
    import polars as pl
    from streamlit.testing.v1 import AppTest

    from dashboard import store
    from dashboard.demo import generate_demo
    from dashboard.store.seed import write_demo
    from tests.pages.conftest import ROOT, TIMEOUT

    db = tmp_path / "no-units.duckdb"
    con = store.connect(db)
    data = generate_demo(3, scale=0.1)
    write_demo(con, "incidents", data.incidents.with_columns(unit=pl.lit(None, pl.String)), seed=3)
    write_demo(con, "inquiries", data.inquiries.with_columns(unit=pl.lit(None, pl.String)), seed=3)
    con.close()
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "k.key"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(str(ROOT / "dashboard" / "pages" / page))
    at.run()
    assert_clean(at)
