"""Widget state that lives in the URL's query string with canonical values.

Streamlit's own ``bind="query-params"`` writes the *displayed* label to the URL, so a link
made in Danish (``?type=Vold``) would not survive a switch to English; and a page switch
clears both the query string and the widgets of the page left. Here one remembered view per
session (canonical strings per key) is the source of truth: it starts from the URL when a
session opens a link, widgets are seeded from it before they are drawn, their ``on_change``
callbacks update it, and it is written back to the URL after every run.

Links are edited by hand and outlive the data, so every value read from one is validated:
a parser raises ``ValueError`` for a value it cannot use (the widget gets its default) and
:class:`OutOfRange` for one it narrowed to what the data allows (a period clamped to the
dates held, unknown units dropped). Either way the key is remembered as ignored for this
run, the view keeps only the canonical value, and :func:`ignored` tells the page which keys
to mention in its notice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import streamlit as st

_REMEMBERED = REMEMBERED = "_url_state"  # public: the audit log reads the view's link from it
_IGNORED = "_url_state_ignored"

Parse = Callable[[list[str]], Any]
Dump = Callable[[Any], list[str]]


def _remembered() -> dict[str, list[str]]:
    view: dict[str, list[str]] = st.session_state.setdefault(_REMEMBERED, {})
    return view


class OutOfRange(ValueError):
    """A link's value narrowed to what is allowed; ``value`` is what is used instead."""

    def __init__(self, value: Any) -> None:
        super().__init__(value)
        self.value = value


def reject(key: str) -> None:
    """Note that the link's value of ``key`` was not used as it is (see :func:`ignored`)."""
    found: list[str] = st.session_state.setdefault(_IGNORED, [])
    if key not in found:
        found.append(key)


def ignored() -> list[str]:
    """The keys whose link values were ignored or narrowed since the last call (cleared)."""
    found: list[str] = st.session_state.pop(_IGNORED, [])
    return found


def check_choice(key: str, options: Sequence[str]) -> None:
    """For a widget bound with Streamlit's own ``bind="query-params"`` (which drops an
    unknown value silently): note the link's value of ``key`` when it is not among
    ``options``."""
    values = st.query_params.get_all(key)
    if values and values[-1] not in options:
        reject(key)


def bind(key: str, parse: Parse, dump: Dump, default: Any) -> Callable[[], None]:
    """Seed widget ``key`` from the view (or the link) and return its on_change callback.

    Call just before drawing the widget, and give the widget no default of its own.
    """
    view = _remembered()
    from_link = key not in view
    if from_link:
        view[key] = st.query_params.get_all(key)
    value = default
    if view[key]:
        # Later runs narrow silently (options shrink when a department is chosen, the
        # period when an import is undone); only a link's own value earns the notice.
        try:
            parsed = parse(view[key])
        except OutOfRange as narrowed:
            parsed = narrowed.value
            if from_link:
                reject(key)
        except ValueError:
            parsed = None  # a hand-edited or stale link: keep the default
        if parsed is not None:
            value = parsed
        elif from_link:
            reject(key)
        view[key] = dump(value)  # the canonical value only, never the link's text
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
    """Parser for a multiple choice: the known values, in the URL's order (unknown ones
    dropped, and said so)."""
    allowed = set(options)

    def parse(values: list[str]) -> list[str]:
        wanted = list(dict.fromkeys(values))
        known = [v for v in wanted if v in allowed]
        if len(known) < len(wanted):
            raise OutOfRange(known)
        return known

    return parse


def single(default: str) -> Dump:
    """Dumper for a single choice: nothing when it is the default."""
    return lambda value: [] if value in (None, default) else [str(value)]


def several(value: Any) -> list[str]:
    """Dumper for a multiple choice."""
    return [str(v) for v in value or []]


def period(values: list[str]) -> tuple[date, date] | None:
    """``2024-01-01..2024-06-30`` -> a date range (``ValueError`` for anything else, a
    range ending before it starts included)."""
    start, sep, end = values[-1].partition("..")
    if not sep:
        raise ValueError(values[-1])
    first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    if first > last:
        raise ValueError(values[-1])
    return first, last


def period_within(bounds: tuple[date, date]) -> Parse:
    """Parser for a date range inside ``bounds`` (the dates the data holds): a range reaching
    beyond them is clamped to them (``OutOfRange``), one outside them is refused."""

    def parse(values: list[str]) -> tuple[date, date] | None:
        picked = period(values)
        assert picked is not None
        first, last = max(picked[0], bounds[0]), min(picked[1], bounds[1])
        if first > last:
            raise ValueError(values[-1])
        if (first, last) != picked:
            raise OutOfRange((first, last))
        return first, last

    return parse


def period_dump(bounds: tuple[date, date]) -> Dump:
    """Dumper for a date range: nothing when it is the whole range or half picked."""

    def dump(value: Any) -> list[str]:
        if not isinstance(value, tuple) or len(value) != 2 or tuple(value) == bounds:
            return []
        return [f"{value[0].isoformat()}..{value[1].isoformat()}"]

    return dump
