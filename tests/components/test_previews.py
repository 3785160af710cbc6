"""The server's previews are bounded by a setting and freed with their session
(issue 15, item 10)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.components.previews import PreviewStore
from dashboard.components.text import literal_t
from dashboard.i18n import t
from tests.pages.conftest import TIMEOUT
from tests.samples import sample


class Big:
    """Stands for a parsed workbook: weakly referenceable, so a test sees it freed."""

    def __init__(self) -> None:
        self.frame = pl.DataFrame({"x": range(100_000)})


def test_the_preview_used_longest_ago_is_dropped_beyond_the_limit() -> None:
    previews = PreviewStore()
    assert previews.put("A", "_workbooks", "a1", Big(), name="a1.xlsx", limit=2) == []
    assert previews.put("B", "_workbooks", "b1", Big(), name="b1.xlsx", limit=2) == []
    previews.get("A", "_workbooks", "a1")  # A's is used again: B's is now the oldest
    assert previews.put("A", "_workbooks", "a2", Big(), name="a2.xlsx", limit=2) == ["b1.xlsx"]
    assert len(previews) == 2
    assert previews.was_dropped("B", "b1") and not previews.was_dropped("A", "a1")
    with pytest.raises(KeyError):
        previews.get("B", "_workbooks", "b1")
    # parts of one file are one preview: the validated records do not count again
    assert previews.put("A", "_prepared", "a2", "records", name="a2.xlsx", limit=2) == []
    previews.reopen("B", "b1")
    assert not previews.was_dropped("B", "b1")


def test_a_session_s_previews_are_freed_when_it_ends() -> None:
    previews = PreviewStore()
    kept = Big()
    held = weakref.ref(kept)
    previews.put("A", "_workbooks", "a1", kept, name="a1.xlsx", limit=4)
    previews.put("A", "_prepared", "a1", "records", name="a1.xlsx", limit=4)
    previews.put("B", "_workbooks", "b1", Big(), name="b1.xlsx", limit=4)
    del kept
    assert previews.release(lambda session: session == "A") == 1
    gc.collect()
    assert held() is None  # nothing else holds the workbook: its memory is free
    assert previews.digests("B", "_workbooks") == ["b1"] and len(previews) == 1


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("DASHBOARD_MAX_PREVIEWS", "1")
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_the_import_page_says_a_preview_was_dropped_and_shows_it_again(env: None) -> None:
    first, second = sample("haendelser_2023-2024.xlsx"), sample("henvendelser_2023-2024.xlsx")

    def script(first: str, second: str) -> None:
        import streamlit as st

        from dashboard.components import context
        from dashboard.components.upload_flow import import_one

        files = [first, second] if st.session_state.get("both") else [first]
        for file in files:
            with open(file, "rb") as handle:
                import_one(context.cursor(), file.rsplit("/", 1)[-1], handle.read(), "da")

    at = AppTest.from_function(script, args=(str(first), str(second)), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception and not at.info
    at.session_state["both"] = True  # a second file joins the uploader: the limit is 1
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    dropped = literal_t("previews.dropped", "da", file=first.name)
    assert [i.value for i in at.info] == [dropped]
    (reopen,) = [b for b in at.button if b.label == t("previews.reopen", "da")]
    reopen.click().run()  # the first is read again; now the second is the one dropped
    assert not at.exception
    assert [i.value for i in at.info] == [literal_t("previews.dropped", "da", file=second.name)]
