"""What only a browser shows (issue 15, items 6 and 12): names from data and links render as
text (no <a> or <img> from them in the DOM), and no request leaves 127.0.0.1 (the page
icon included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from dashboard import store
from dashboard.components.navigation import PAGES
from dashboard.demo import generate_demo
from dashboard.store.seed import write_demo
from tests.e2e.live_server import running_app
from tests.e2e.test_browser import open_page
from tests.pages.test_markdown_injection import PAYLOADS, RENAMED_UNITS, hostile

pytestmark = pytest.mark.browser

# A search that matches nothing, so the page repeats it in its "no incident matches" line.
SEARCH = "zz-ingen [Se detaljer](https://x) ![](http://x/q.png)"

# Every <a href> and <img src> of the page, as the browser resolved them.
LINKS_AND_IMAGES = """() => [...document.querySelectorAll('a[href], img[src]')]
    .map(e => e.tagName + ' ' + (e.getAttribute('href') ?? e.getAttribute('src')))"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live dashboard on a store whose department and unit names are hostile."""
    work = tmp_path_factory.mktemp("hostile-e2e")
    db = work / "hostile.duckdb"
    con = store.connect(db)
    data = generate_demo(2024, scale=0.3)
    write_demo(con, "incidents", hostile(data.incidents), seed=2024)
    write_demo(con, "inquiries", hostile(data.inquiries), seed=2024)
    con.close()
    with running_app(db, work / "secret.key") as url:
        yield url


def from_payloads(found: list[str]) -> list[str]:
    """The links and images that point where the hostile names do (x, //x/...)."""
    return [f for f in found if f.split(" ", 1)[1] in {"x", "y"} or "//x" in f]


@pytest.mark.parametrize(
    "path",
    [
        "",  # the overview's findings name the planted unit
        "equal-treatment",
        f"police?unit={quote(RENAMED_UNITS['Borgercenter Børn og Unge'])}",  # a chosen unit
        f"incidents?q={quote(SEARCH)}",
        f"incidents?incident={quote(PAYLOADS[1])}",
    ],
)
def test_hostile_names_render_as_text(hostile_server: str, browser, path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        open_page(page, f"{hostile_server}/{path}")
        if path in ("", f"incidents?q={quote(SEARCH)}"):
            # the name is on the page, character for character
            shown = page.locator('[data-testid="stMarkdownContainer"]')
            expect(shown.filter(has_text="[Se detaljer](https://x)").first).to_be_visible()
        assert from_payloads(page.evaluate(LINKS_AND_IMAGES)) == []
    finally:
        page.close()


def test_no_request_leaves_the_machine(hostile_server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        for spec in PAGES:
            open_page(page, f"{hostile_server}/{spec.url}")
        favicon = page.evaluate(
            "() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)"
        )
    finally:
        page.close()
    outside = [
        url
        for url in requested
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert outside == []
    assert favicon and all(href.startswith(("data:", "http://127.0.0.1")) for href in favicon)
    assert len(requested) > len(PAGES)  # the log saw the page's own requests
