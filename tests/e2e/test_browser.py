"""The dashboard in a real browser: upload through the Import page, every page without an
error, filters in the URL, the language switch. Screenshots go to test-artifacts/."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from dashboard.access import RIGHTS
from dashboard.components.navigation import visible
from tests.samples import sample

pytestmark = pytest.mark.browser

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
REJECTED_DOWNLOAD = "rejected-download.xlsx"  # saved next to the screenshots
# Pages with a chart once incidents are imported (response times need inquiries, the
# incident page's timeline a chosen incident).
PAGES = visible(RIGHTS["analyst"])  # local mode acts as an analyst
CHART_PAGES = {
    "overview",
    "police",
    "warnings",
    "work_accidents",
    "documentation",
    "equal_treatment",
}


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished running the script (Playwright's expect polls)."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning"
    )


def open_page(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    settle(page)
    page.locator("h1").first.wait_for()


@pytest.fixture(scope="module")
def uploaded(server, browser, screenshots: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Upload the incident sample through the Import page once; the counts it shows."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    open_page(page, f"{server.url}/import")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(sample("haendelser_2023-2024.xlsx"))
    )
    confirm = page.get_by_role("button", name="Importér")
    expect(confirm).to_be_visible()
    expect(page.get_by_text("Rækker, der kan gemmes")).to_be_visible()
    confirm.click()
    try:
        expect(page.get_by_text("Importen er gennemført.")).to_be_visible()
    except AssertionError:  # what the page showed instead
        page.screenshot(path=screenshots / "import-not-done.png", full_page=True)
        raise
    settle(page)
    counts = {
        label: page.locator('[data-testid="stMetric"]', has_text=label)
        .first.locator('[data-testid="stMetricValue"]')
        .inner_text()
        for label in ("Nye rækker gemt", "Afviste rækker", "Eksakte dubletter")
    }
    # after importing, the rejected rows can still be downloaded, and the history is Danish
    with page.expect_download() as download:
        page.get_by_role("button", name="Hent afviste rækker").click()
    download.value.save_as(screenshots.parent / REJECTED_DOWNLOAD)
    expect(page.locator('[data-testid="stDataFrame"]').last).to_contain_text("2.400")
    page.screenshot(path=screenshots / "import-done.png", full_page=True)
    context.close()
    return counts


def test_upload_the_incident_sample(uploaded: dict[str, str]) -> None:
    assert uploaded == {
        "Nye rækker gemt": "2.400",
        "Afviste rækker": "11",
        "Eksakte dubletter": "3",
    }


def test_the_rejected_rows_download_as_a_workbook_with_reasons(
    uploaded: dict[str, str], screenshots: Path
) -> None:
    """The workbook the browser got (written only when the button is clicked)."""
    rows = _sheet_rows(screenshots.parent / REJECTED_DOWNLOAD)
    header, body = rows[0], rows[1:]
    assert header[0] == "Række" and "Hændelses-ID" in header  # the row, then its cells
    reasons = header.index("Årsager")
    assert len(body) == int(uploaded["Afviste rækker"]) == 11
    assert all(isinstance(r[0], int) and r[0] > 1 and r[reasons] for r in body)
    # in the page's language: three rows without an id, two without a department
    assert sum("mangler (obligatorisk)" in str(r[reasons]) for r in body) == 5


def test_the_export_page_downloads_the_view_as_a_workbook(server, uploaded, page) -> None:  # type: ignore[no-untyped-def]
    open_page(page, f"{server.url}/export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Hent som Excel").click()
    book = _workbook(Path(download.value.path()))
    # the sheet describing the view first, then one per table (inquiries may be empty here)
    assert book.sheetnames[:2] == ["Om udtrækket", "Hændelser pr. enhed"]
    assert book["Om udtrækket"].max_row > 1 and book["Hændelser pr. enhed"].max_row > 1


def _workbook(path: Path):  # type: ignore[no-untyped-def]
    """A downloaded workbook (Playwright's own download file has no .xlsx to go by)."""
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(path.read_bytes()))


def _sheet_rows(path: Path) -> list[tuple[object, ...]]:
    return [tuple(row) for row in _workbook(path).worksheets[0].iter_rows(values_only=True)]


@pytest.mark.parametrize("spec", PAGES, ids=[p.key for p in PAGES])
def test_every_page_shows_no_error(server, uploaded, page, screenshots: Path, spec) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    open_page(page, f"{server.url}/{spec.url}")
    expect(page.locator(ERRORS)).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    if spec.key in CHART_PAGES:  # Vega has drawn the first chart (only a browser shows it)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        expect(chart.locator("canvas, svg").first).to_be_visible()
    page.screenshot(path=screenshots / f"{spec.key}.png", full_page=True)


def test_a_filter_changes_the_url_and_the_numbers(
    server, uploaded, page, screenshots: Path
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    open_page(page, f"{server.url}/")
    first_value = page.locator('[data-testid="stMetricValue"]').first
    before = first_value.inner_text()
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Hændelsestype").click()
    page.get_by_role("option", name="Vold").click()
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"type=violence"))
    settle(page)
    expect(first_value).not_to_have_text(before)
    page.screenshot(path=screenshots / "overview-filtered.png", full_page=True)
    # the filter stays when moving to another page through the menu
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Politianmeldelser").click()
    expect(page.locator("h1").first).to_have_text("Politianmeldelser")
    expect(page).to_have_url(re.compile(r"/police\?.*type=violence"))


def test_switch_to_english(server, uploaded, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    open_page(page, f"{server.url}/")
    expect(page.locator("h1").first).to_have_text("Overblik")
    page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"]').get_by_text(
        "English"
    ).click()
    expect(page.locator("h1").first).to_have_text("Overview")
    expect(page).to_have_url(re.compile(r"lang=en"))


def test_a_broken_file_is_refused_with_one_danish_sentence(server, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    open_page(page, f"{server.url}/import")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(sample("bad/truncated.xlsx"))
    )
    refusal = page.locator('[data-testid="stAlertContentError"]')
    expect(refusal).to_have_text(
        "Filen kunne ikke indlæses: truncated.xlsx er beskadiget eller ufuldstændig; "
        "tag udtrækket igen som Excel-projektmappe (.xlsx), og upload den nye fil."
    )
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
