"""Names from data and links are shown as text on every page (issue 15, item 6).

A store whose department and unit names are Markdown, HTML, Streamlit icons and LaTeX, and
links whose ?q= and ?incident= hold the same: no element that interprets Markdown gets one
of those texts as it is (they reach it escaped by ``components.text.literal``). The browser
test (tests/e2e/test_page_safety.py) checks the rendered DOM for <a> and <img>.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import streamlit as st
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from dashboard import store
from dashboard.access import RIGHTS
from dashboard.components.navigation import visible
from dashboard.components.text import literal, literal_t
from dashboard.demo import generate_demo
from dashboard.store.seed import write_demo
from tests.pages.conftest import ROOT, TIMEOUT

IMAGE_AND_LINK = "![](http://x/p.png) [Se detaljer](https://x)"
HTML = "<img src=x onerror=alert(1)><a href='https://x'>klik</a>"
ICONS_AND_MATHS = ":material/warning: :red[rød] $x^2$ www.x.dk"
PAYLOADS = (IMAGE_AND_LINK, HTML, ICONS_AND_MATHS)

# The fields of an element's message that Streamlit renders as Markdown (bodies, labels,
# help texts); options and values of widgets are shown as plain text.
MARKDOWN_FIELDS = {"body", "label", "help", "text", "caption", "placeholder"}

# Planted units (dashboard.demo.PLANTED), so that the findings name them.
RENAMED_UNITS = {"Borgercenter Børn og Unge": IMAGE_AND_LINK, "Parkering og Kontrol": HTML}
RENAMED_DEPARTMENTS = {"Socialforvaltningen": ICONS_AND_MATHS}
# An incident whose id is hostile too (ids come from the export like every other text).
HOSTILE_ID = "[Se sagen](https://x) <img src=x>"


def hostile(frame: pl.DataFrame) -> pl.DataFrame:
    renamed = frame.with_columns(
        pl.col("unit").replace(RENAMED_UNITS), pl.col("department").replace(RENAMED_DEPARTMENTS)
    )
    if "incident_id" in renamed.columns:
        first = renamed["incident_id"][0]
        renamed = renamed.with_columns(pl.col("incident_id").replace({first: HOSTILE_ID}))
    return renamed


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    con = store.connect(path)
    data = generate_demo(2024, scale=0.3)
    write_demo(con, "incidents", hostile(data.incidents), seed=2024)
    write_demo(con, "inquiries", hostile(data.inquiries), seed=2024)
    con.close()
    return path


@pytest.fixture
def hostile_env(
    hostile_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    monkeypatch.setenv("DASHBOARD_DB", str(hostile_db))
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def markdown_texts(at: AppTest) -> list[str]:
    """Every text of the page that Streamlit renders as Markdown."""
    found: list[str] = []

    def strings(message: Any) -> None:
        if isinstance(message, dict):
            for name, value in message.items():
                if name in MARKDOWN_FIELDS and isinstance(value, str):
                    found.append(value)
                else:
                    strings(value)
        elif isinstance(message, list):
            for item in message:
                strings(item)

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            strings(MessageToDict(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def assert_shown_as_text(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    texts = markdown_texts(at)
    for payload in PAYLOADS:
        raw = [text for text in texts if payload in text]
        assert not raw, f"{payload!r} reaches Markdown as it is: {raw}"
    return texts


def open_page(page: str, by: str = "unit", **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["by"] = by
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(str(ROOT / "dashboard" / "pages" / page))
    at.run()
    return at


@pytest.mark.parametrize("by", ["unit", "department"])
# local mode acts as an analyst (the admin page is not in its menu)
@pytest.mark.parametrize("page", [spec.file for spec in visible(RIGHTS["analyst"])])
def test_names_from_data_are_shown_as_text(hostile_env: None, page: str, by: str) -> None:
    assert_shown_as_text(open_page(page, by=by))


def test_the_findings_name_the_hostile_unit_escaped(hostile_env: None) -> None:
    # The check above must see the name: the overview's findings name the planted unit.
    texts = assert_shown_as_text(open_page("overview.py"))
    assert any(literal(IMAGE_AND_LINK) in text for text in texts)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_and_incident_links_are_shown_as_text(hostile_env: None, payload: str) -> None:
    at = open_page("incidents.py", q=payload, incident=payload)
    texts = assert_shown_as_text(at)
    assert any(literal(payload) in text for text in texts)  # "no incident matches ..."


def test_a_hostile_incident_id_is_shown_as_text(hostile_env: None) -> None:
    at = open_page("incidents.py", incident=HOSTILE_ID)
    texts = assert_shown_as_text(at)
    assert not [text for text in texts if HOSTILE_ID in text]
    assert literal_t("incidents.detail_title", "da", id=HOSTILE_ID) in [
        s.value for s in at.subheader
    ]
    not_found = literal_t("incidents.not_found", "da", id=HOSTILE_ID)
    assert not_found not in [w.value for w in at.warning]  # found: the detail is shown


def test_file_sheet_and_header_names_are_shown_as_text(
    hostile_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.importer.build import make_xlsx

    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "own.duckdb"))  # it imports

    sheet = "<img src=x> $x$ (y)"  # Excel forbids []:*?/\ in sheet names, not these
    header = IMAGE_AND_LINK
    book = make_xlsx(
        tmp_path / "book.xlsx",
        {
            sheet: [
                ["Hændelses-ID", "Forvaltning", "Dato", "Type", header, header],
                ["A-1", "Socialforvaltningen", "2024-01-02", "Vold", "x", "y"],
            ],
            "Andet": [
                ["Hændelses-ID", "Forvaltning", "Dato", "Type"],
                ["A-2", "S", "2024-01-02", "Vold"],
            ],
        },
    )

    def script(path: str, name: str) -> None:
        from dashboard.components import context
        from dashboard.components.import_history import history
        from dashboard.components.upload_flow import import_one

        with open(path, "rb") as handle:
            import_one(context.cursor(), name, handle.read(), "da")
        history(context.cursor(), "da")

    at = AppTest.from_function(script, args=(str(book), HTML + ".xlsx"), default_timeout=TIMEOUT)
    at.run()
    texts = markdown_texts(at)
    assert not at.exception, [e.value for e in at.exception]
    for payload in (HTML, sheet, header):
        assert not [text for text in texts if payload in text], payload
    assert any(literal(sheet) in text for text in texts)
    assert any(literal(header) in text for text in texts)
    # imported, the file name is in the history's undo confirmation (a checkbox label)
    next(b for b in at.button if str(b.key).startswith("confirm-")).click().run()
    texts = markdown_texts(at)
    assert not at.exception, [e.value for e in at.exception]
    assert not [text for text in texts if HTML in text]
    assert any(literal(HTML) in text for text in texts)
