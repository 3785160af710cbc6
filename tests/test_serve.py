"""dashboard.serve: the modules the scripts import are imported, the first page is prepared."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import serve, store
from dashboard.components import context
from dashboard.demo import generate_demo
from dashboard.store.seed import write_demo


def test_imported_modules_are_read_from_the_scripts(tmp_path: Path) -> None:
    script = tmp_path / "page.py"
    script.write_text(
        "import json, email.mime\nfrom dashboard.components import context\n"
        "from . import sibling\n\ndef f():\n    import csv\n",
        encoding="utf-8",
    )
    # top-level imports only; a relative import names no module to warm; the names after
    # ``from X import`` are tried as modules too (context is one, a function is not)
    assert serve.imported_modules([script]) == [
        "json",
        "email.mime",
        "dashboard.components",
        "dashboard.components.context",
    ]


def test_warm_imports_modules_and_skips_names_that_are_not_modules(tmp_path: Path) -> None:
    script = tmp_path / "page.py"
    script.write_text("from dashboard.i18n import t\nimport dashboard.serve\n", encoding="utf-8")
    assert serve.warm([script]) >= 0
    missing = tmp_path / "missing.py"
    missing.write_text("import no_such_module_anywhere\n", encoding="utf-8")
    with pytest.raises(ModuleNotFoundError):
        serve.warm([missing])


def test_every_page_import_is_warmed() -> None:
    names = serve.imported_modules([serve.APP, *serve.PAGE_DIR.glob("*.py")])
    assert {"dashboard.components.page", "dashboard.charts", "streamlit"} <= set(names)


def test_prime_fills_the_caches_the_pages_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "demo.duckdb"
    con = store.connect(db)
    data = generate_demo(2024, scale=0.1)
    write_demo(con, "incidents", data.incidents, seed=2024)
    write_demo(con, "inquiries", data.inquiries, seed=2024)
    con.close()
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    st.cache_resource.clear()
    try:
        assert serve.prime() is None

        def not_again(*args: object, **kwargs: object) -> None:
            raise AssertionError("the first page's report was computed again")

        # a session's first page after prime(), and every other page in the default view,
        # find their reports in the cache
        monkeypatch.setattr(context, "build_report", not_again)
        at = AppTest.from_file(str(serve.APP), default_timeout=120).run()
        assert not at.exception
        assert at.metric  # the headline figures are drawn
        for page in ("police.py", "equal_treatment.py", "response_times.py"):
            at.switch_page(str(serve.PAGE_DIR / page)).run()
            assert not at.exception, page
    finally:
        st.cache_resource.clear()
