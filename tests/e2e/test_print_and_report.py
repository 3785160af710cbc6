"""What only a browser shows: a page printed to PDF (the print stylesheet) and the report
downloaded from the Export page (made on click, outside the script run)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard.i18n import t
from tests.e2e import test_browser
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import open_page, settle

# The incident sample uploaded through the Import page (test_browser's fixture), requested
# only when the session's server has no data yet: a second upload of the same file would
# store nothing new and the fixture expects an import.
uploaded = test_browser.uploaded

pytestmark = pytest.mark.browser

CLIPPED = """() => [...document.querySelectorAll(
    '[data-testid="stMetric"] *, [data-testid="stMarkdownContainer"] *, h1, h2, h3'
  )].filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')
   .map(e => e.textContent)"""


@pytest.fixture(scope="module")
def incidents_stored(server, browser, request) -> None:  # type: ignore[no-untyped-def]
    """Upload the sample unless the server's store already holds incidents. The Overview
    draws its title before its figures, and the app reads "notRunning" before its first
    script run starts, so the figures are awaited, or the empty store's offer of the demo."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    open_page(page, f"{server.url}/?lang=da")
    figures = page.locator('[data-testid="stMetric"]')
    offer = page.get_by_role("button", name=t("app.load_demo", "da"))
    figures.or_(offer).first.wait_for()
    empty = figures.count() == 0
    context.close()
    if empty:
        request.getfixturevalue("uploaded")


def _text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: apt-get install poppler-utils")
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True
    )
    return re.sub(r"\s+", " ", out.stdout)


def test_a_printed_page_has_no_sidebar_full_width_charts_and_no_clipped_text(
    server,
    incidents_stored,
    page,  # type: ignore[no-untyped-def]
) -> None:
    from playwright.sync_api import expect

    open_page(page, f"{server.url}/?lang=da")
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.locator("canvas, svg").first).to_be_visible()
    page.emulate_media(media="print")
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.evaluate("e => getComputedStyle(e).display") == "none"
    viewport = page.viewport_size
    assert viewport is not None
    main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert main is not None and main["width"] >= 0.95 * viewport["width"]
    expect(chart).to_have_css("width", re.compile(r"\d+(\.\d+)?px"))
    box = chart.bounding_box()
    assert box is not None and box["width"] >= 0.95 * main["width"]
    assert page.evaluate(CLIPPED) == []
    folder = ARTIFACTS / "print"
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "overview.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    text = _text(pdf)
    assert "Sprog · Language" not in text  # the sidebar's language switch
    assert "Politianmeldt uden forudgående advarsel" in text  # a whole metric label
    assert "Overblik" in text


def test_the_export_page_downloads_the_report(server, incidents_stored, page) -> None:  # type: ignore[no-untyped-def]
    open_page(page, f"{server.url}/export")
    from playwright.sync_api import expect

    # The button's key carries what the PDF is made from: wait for the rerun's new button.
    button = page.locator('[class*="st-key-download_report_"]')
    before = button.get_attribute("class") or ""
    page.get_by_label("Sagsnummer").fill("24/00017")
    page.get_by_label("Sagsnummer").press("Enter")
    expect(button).not_to_have_attribute("class", before)
    settle(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Hent redegørelsen (PDF)").click()
    path = ARTIFACTS / "report" / "from-the-export-page.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(download.value.path(), path)
    assert path.read_bytes().startswith(b"%PDF-")
    text = _text(path)
    assert "Redegørelse" in text and "Hvilke retningslinjer følger forvaltningen?" in text
