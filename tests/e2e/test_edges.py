"""Issue 17's rough edges that only a browser shows, and a screenshot of every page at
1280×900 in both languages and both themes (test-artifacts/screenshots/edges/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.access import RIGHTS
from dashboard.components.navigation import visible
from dashboard.i18n import t

pytestmark = pytest.mark.browser

PAGES = visible(RIGHTS["analyst"])  # local mode acts as an analyst
VIEWPORT = {"width": 1280, "height": 900}
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def settle(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning"
    )


@pytest.fixture(scope="module")
def with_data(server, browser) -> None:  # type: ignore[no-untyped-def]
    """The store holds incidents and inquiries: the demo, loaded with the empty store's own
    button when nothing was imported before (the server holds the store's only writer)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(server.url)
    demo = page.get_by_role("button", name=t("app.load_demo", "da"))
    figures = page.locator('[data-testid="stMetric"]')
    figures.or_(demo).first.wait_for()  # the Overview's figures, or the empty store's offer
    if demo.count():
        demo.click()
    figures.first.wait_for()
    context.close()


@pytest.fixture(params=["light", "dark"])
def themed(request, browser) -> Iterator[tuple[object, str]]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT, color_scheme=request.param)
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page, request.param
    context.close()


def _background(page) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    colour = page.evaluate(
        "getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
    )
    return tuple(int(float(v)) for v in colour[colour.index("(") + 1 : -1].split(",")[:3])


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("spec", PAGES, ids=[p.key for p in PAGES])
def test_every_page_at_1280_in_both_languages_and_themes(  # type: ignore[no-untyped-def]
    server, with_data, themed, screenshots: Path, spec, lang: str
) -> None:
    from playwright.sync_api import expect

    page, theme = themed
    page.goto(f"{server.url}/{spec.url}?lang={lang}")
    settle(page)
    page.locator("h1").first.wait_for()
    expect(page.locator(ERRORS)).to_have_count(0)
    expect(page.get_by_text(t("app.empty_title", lang))).to_have_count(0)  # pages with data
    # the browser's theme is followed: a dark page for a dark browser
    assert (sum(_background(page)) < 100) == (theme == "dark")
    # no headline label is cut ("Politianmeldt uden forudgående adv…"); the style sheet that
    # lets them wrap arrives with the page's elements, so poll until it has (or time out)
    cut = page.wait_for_function(
        """() => {
            const cut = [...document.querySelectorAll('[data-testid="stMetricLabel"] *')]
                .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText);
            return cut.length === 0 ? [] : null;
        }""",
        timeout=20_000,
    ).json_value()
    assert cut == []
    # everything drawn before the screenshot: no element still loading, the style sheets on
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stSkeleton"]')
                 && document.querySelectorAll('[data-testid="stHtml"] style').length >= 2""",
        timeout=30_000,
    )
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    if charts.count():
        expect(charts.first.locator("canvas, svg").first).to_be_visible()
    folder = screenshots / "edges"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=folder / f"{spec.key}-{lang}-{theme}.png", full_page=True)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_streamlits_own_english_is_replaced(server, with_data, page, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: "Upload", "200MB per file • XLSX" and "Select all" in the Danish UI."""
    from playwright.sync_api import expect

    page.set_viewport_size(VIEWPORT)
    page.goto(f"{server.url}/import?lang={lang}")
    settle(page)
    zone = page.locator('[data-testid="stFileUploaderDropzone"]')
    zone.wait_for()
    expected = [
        ["0px", f'"{t("edges.upload_button", lang)}"'],
        ["0px", f'"{t("edges.upload_limits", lang, limit="200")}"'],
    ]
    # poll: Streamlit attaches the page's style sheet a moment after the widgets
    page.wait_for_function(
        """expected => {
            const zone = document.querySelector('[data-testid="stFileUploaderDropzone"]');
            const shown = [zone.querySelector('button [data-testid="stMarkdownContainer"] p'),
                           zone.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span')]
                .map(e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content]);
            return JSON.stringify(shown) === JSON.stringify(expected);
        }""",
        arg=expected,
        timeout=20_000,
    )
    # a filter's list offers no English "Select all" (an empty filter already means all)
    page.goto(f"{server.url}/?lang={lang}")
    settle(page)
    page.locator("h1").first.wait_for()
    sidebar = page.locator('[data-testid="stSidebar"]')
    picker = sidebar.locator('[data-testid="stMultiSelect"]').filter(
        has_text=t("filters.harassment_type", lang)
    )
    picker.scroll_into_view_if_needed()
    picker.locator("input").click()
    expect(page.get_by_role("option").first).to_be_visible()
    expect(page.get_by_role("option", name="Select all")).to_have_count(0)
    page.keyboard.press("Escape")
