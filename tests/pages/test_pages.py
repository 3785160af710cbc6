"""Every page renders under AppTest in both languages without an exception or error box."""

from __future__ import annotations

import pytest

from dashboard.components.navigation import PAGES
from dashboard.i18n import t

PAGE_FILES = [spec.file for spec in PAGES]


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


def test_misconfigured_server_says_which_setting(app, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_WORK_ACCIDENT_DAYS", "nine")
    at = app()
    assert not at.exception
    assert "DASHBOARD_WORK_ACCIDENT_DAYS" in at.error[0].value
