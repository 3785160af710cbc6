"""Widget state that lives in the URL's query string with canonical values.

Streamlit's own ``bind="query-params"`` writes the *displayed* label to the URL, so a link
made in Danish (``?type=Vold``) would not survive a switch to English; and a page switch
clears both the query string and the widgets of the page left. Here one remembered view per
session (canonical strings per key) is the source of truth: it starts from the URL when a
session opens a link, widgets are seeded from it before they are drawn, their ``on_change``
callbacks update it, and it is written back to the URL after every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import streamlit as st

_REMEMBERED = REMEMBERED = "_url_state"  # public: the audit log reads the view's link from it

Parse = Callable[[list[str]], Any]
Dump = Callable[[Any], list[str]]


def _remembered() -> dict[str, list[str]]:
    view: dict[str, list[str]] = st.session_state.setdefault(_REMEMBERED, {})
    return view


def bind(key: str, parse: Parse, dump: Dump, default: Any) -> Callable[[], None]:
    """Seed widget ``key`` from the view (or the link) and return its on_change callback.

    Call just before drawing the widget, and give the widget no default of its own.
    """
    view = _remembered()
    if key not in view:
        view[key] = st.query_params.get_all(key)
    value = default
    if view[key]:
        try:
            parsed = parse(view[key])
        except ValueError:
            parsed = None  # a hand-edited or stale link: keep the default
        if parsed is not None:
            value = parsed
    st.session_state[key] = value

    def remember() -> None:
        view[key] = dump(st.session_state.get(key))

    return remember


def current(key: str) -> list[str] | None:
    """The view's value of ``key`` in this session (None before the key was first drawn)."""
    return _remembered().get(key)


def set_value(key: str, values: list[str]) -> None:
    """Change the view from code (e.g. after pruning options that no longer exist)."""
    _remembered()[key] = values


def forget(keys: Sequence[str]) -> None:
    """Reset ``keys`` to their defaults: drop them from the view, the widgets and the URL."""
    view = _remembered()
    for key in keys:
        view[key] = []
        st.session_state.pop(key, None)
        st.query_params.pop(key, None)


def publish() -> None:
    """Write the view to the URL; keys at their default (empty) are left out."""
    for key, wanted in _remembered().items():
        if st.query_params.get_all(key) == wanted:
            continue
        if wanted:
            st.query_params[key] = wanted if len(wanted) > 1 else wanted[0]
        else:
            st.query_params.pop(key, None)


# ----------------------------------------------------------------- parsers and dumpers


def one_of(options: Sequence[str]) -> Parse:
    """Parser for a single choice among ``options``."""
    return lambda values: values[-1] if values[-1] in options else None


def some_of(options: Sequence[str]) -> Parse:
    """Parser for a multiple choice: the known values, in the URL's order."""
    allowed = set(options)
    return lambda values: [v for v in dict.fromkeys(values) if v in allowed]


def single(default: str) -> Dump:
    """Dumper for a single choice: nothing when it is the default."""
    return lambda value: [] if value in (None, default) else [str(value)]


def several(value: Any) -> list[str]:
    """Dumper for a multiple choice."""
    return [str(v) for v in value or []]


def period(values: list[str]) -> tuple[date, date] | None:
    """``2024-01-01..2024-06-30`` -> a date range."""
    start, sep, end = values[-1].partition("..")
    if not sep:
        raise ValueError(values[-1])
    return date.fromisoformat(start), date.fromisoformat(end)


def period_dump(bounds: tuple[date, date]) -> Dump:
    """Dumper for a date range: nothing when it is the whole range or half picked."""

    def dump(value: Any) -> list[str]:
        if not isinstance(value, tuple) or len(value) != 2 or tuple(value) == bounds:
            return []
        return [f"{value[0].isoformat()}..{value[1].isoformat()}"]

    return dump
