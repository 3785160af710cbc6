"""Sign-in through a real OIDC redirect: an offline provider (oidc-provider-mock) on a free
127.0.0.1 port, the app configured against it with a temporary secrets.toml, and Chromium
signing in as a department head, visiting every page, downloading the export, following a
link to another unit and signing out; an unauthenticated browser gets only the sign-in page,
and the audit log holds the actions with the user."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import access, store
from dashboard.access import RIGHTS
from dashboard.components.navigation import visible
from dashboard.demo import generate_demo
from dashboard.store.seed import write_demo
from tests.e2e.conftest import chromium
from tests.e2e.live_server import CHROMIUM_ARGS, free_port, running_app

pytestmark = pytest.mark.browser

HEAD = "chef@kommune.dk"
DEPARTMENT = "Socialforvaltningen"
OTHER_UNIT = "Jobcenter Amager"  # in Beskæftigelses- og Integrationsforvaltningen


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """oidc-provider-mock served by werkzeug on a free 127.0.0.1 port, in a thread."""
    from oidc_provider_mock import app as provider_app
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, provider_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def signed_app(
    provider: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    chromium()
    work = tmp_path_factory.mktemp("signin")
    db = work / "signin.duckdb"
    con = store.connect(db)
    data = generate_demo(2024, scale=0.3)
    write_demo(con, "incidents", data.incidents, seed=2024)
    write_demo(con, "inquiries", data.inquiries, seed=2024)
    con.close()
    access.save_grant(
        db, access.Grant(HEAD, "department_head", (DEPARTMENT,)), by="test", by_role="cli"
    )
    port = free_port()
    secrets = work / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-cookie-secret-for-the-browser-test"\n'
        'client_id = "dashboard"\n'
        'client_secret = "dashboard-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    secrets.chmod(0o600)
    with running_app(
        db, work / "secret.key", args=["--secrets.files", str(secrets)], port=port
    ) as url:
        yield url, db


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=90_000)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def settle(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning"
    )


ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def test_unauthenticated_browser_gets_only_the_sign_in_page(signed_app, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    url, _ = signed_app
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    for path in ("", "/police", f"/incidents?unit={OTHER_UNIT}", "/export"):
        page.goto(url + path)
        settle(page)
        expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
        expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
        expect(
            page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]')
        ).to_have_count(0)
        assert DEPARTMENT not in page.content()
    context.close()


def test_a_department_head_signs_in_works_and_signs_out(
    signed_app, browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    url, db = signed_app
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(url)
    settle(page)
    page.get_by_role("button", name="Log ind").click()
    # the provider's own form, reached through the real redirect
    page.locator('input[name="sub"]').fill(HEAD)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text(f"Logget ind som {HEAD}")).to_be_visible()

    for spec in visible(RIGHTS["department_head"]):
        page.goto(f"{url}/{spec.url}")
        settle(page)
        expect(page.locator("h1").first).to_be_visible()
        expect(page.locator(ERRORS)).to_have_count(0)
        expect(page.get_by_text("Page not found")).to_have_count(0)
        assert OTHER_UNIT not in page.content()
        if spec.file in ("police.py", "equal_treatment.py"):
            # the other units are there, unnamed (DASHBOARD_PEERS' default), and said so
            expect(page.get_by_text("Punkterne »En anden enhed«").first).to_be_visible()
    page.goto(f"{url}/import")  # not in a department head's menu
    settle(page)
    expect(page.get_by_role("button", name="Browse files")).to_have_count(0)

    page.goto(f"{url}/export")
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Hent som Excel").click()
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    cells = " ".join(
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )
    assert DEPARTMENT in cells and OTHER_UNIT not in cells

    page.goto(f"{url}/police?unit={OTHER_UNIT.replace(' ', '+')}")
    settle(page)
    expect(page.get_by_text("Linket nævner en forvaltning eller enhed")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)

    page.goto(url)
    settle(page)
    page.get_by_role("button", name="Log ud").click()
    # the provider may ask to confirm the sign-out; then we land on the sign-in page
    confirm = page.get_by_role("button", name="End session")
    sign_in = page.get_by_role("heading", name="Log ind")
    expect(confirm.or_(sign_in)).to_be_visible()
    if confirm.is_visible():
        confirm.click()
    page.goto(url)
    settle(page)
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    context.close()

    entries = access.audit_rows(db, user=HEAD)
    actions = [e["action"] for e in reversed(entries)]
    assert actions[0] == "sign_in" and actions.count("sign_in") == 1  # not once per reload
    assert actions[-1] == "sign_out"
    assert "export" in actions
    viewed = {e["page"] for e in entries if e["action"] == "page_view"}
    assert {s.url_path for s in visible(RIGHTS["department_head"])} <= viewed
    assert all(e["role"] == "department_head" and e["scope"] == DEPARTMENT for e in entries)
    export = next(e for e in entries if e["action"] == "export")
    assert export["rows"] and json.loads(export["details"]) == {}
