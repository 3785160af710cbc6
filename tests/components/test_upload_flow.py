"""The Import page's session caches keep only the files still in the uploader."""

from __future__ import annotations

from typing import Any

from dashboard.components.upload_flow import forget_other_uploads


def test_files_no_longer_uploaded_are_forgotten() -> None:
    state: dict[str, Any] = {
        "_workbooks": {"a": "book a", "b": "book b", "c": "book c"},
        "_imported": {"b": "report b", "c": "report c"},
        "map-b": {"Header": "field"},
    }
    forget_other_uploads(state, ["b"])
    assert state == {
        "_workbooks": {"b": "book b"},
        "_imported": {"b": "report b"},
        "map-b": {"Header": "field"},
    }


def test_nothing_uploaded_empties_the_caches_and_a_fresh_session_is_left_alone() -> None:
    state: dict[str, Any] = {"_workbooks": {"a": "book a"}}
    forget_other_uploads(state, [])
    assert state == {"_workbooks": {}}
    fresh: dict[str, Any] = {}
    forget_other_uploads(fresh, ["a"])
    assert fresh == {}
