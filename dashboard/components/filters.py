"""The one filter component every analysis page uses: period, department, unit, harassment
type, channel, severity, inquiry type and grouping, in the sidebar and in the URL's query string (with
canonical values, so a copied link reproduces the view in either language)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import duckdb
import streamlit as st

from dashboard.components import layout, url_state
from dashboard.components.context import date_bounds, filter_options
from dashboard.contract import VOCABULARIES
from dashboard.i18n import Lang, label, t
from dashboard.metrics.filters import GROUP_BY, Filters, GroupBy

# Query-string names of the filters (short and stable: they are in links people share).
KEYS = {
    "period": "period",
    "departments": "dept",
    "units": "unit",
    "types": "type",
    "channels": "channel",
    "severities": "sev",
    "inquiry_types": "itype",
    "by": "by",
}
DEFAULT_BY: GroupBy = "unit"


@dataclass(frozen=True)
class View:
    """What the user chose: filters, grouping and language."""

    filters: Filters
    by: GroupBy
    lang: Lang
    bounds: tuple[date, date] | None


def _multiselect(
    title: str, options: list[str], key: str, lang: Lang, fmt: Callable[[Any], str] = str
) -> list[str]:
    remember = url_state.bind(key, url_state.some_of(options), url_state.several, [])
    url_state.set_value(key, list(st.session_state[key]))  # options may have narrowed
    return st.sidebar.multiselect(
        title,
        options,
        format_func=fmt,
        key=key,
        on_change=remember,
        placeholder=t("filters.all", lang),
        # Streamlit writes "Select all" in English whatever the page's language, and an
        # empty filter already means all (the placeholder says so)
        select_all=False,
    )


def _vocabulary(vocabulary: str, key: str, lang: Lang, title: str) -> tuple[str, ...]:
    options = [c.value for c in VOCABULARIES[vocabulary]]
    return tuple(_multiselect(title, options, key, lang, lambda v: label(vocabulary, v, lang)))


def _period(bounds: tuple[date, date] | None, lang: Lang) -> tuple[date | None, date | None]:
    if not bounds:
        return None, None
    key = KEYS["period"]
    remember = url_state.bind(
        key, url_state.period_within(bounds), url_state.period_dump(bounds), bounds
    )
    picked = st.sidebar.date_input(
        t("filters.period", lang),
        min_value=bounds[0],
        max_value=bounds[1],
        format="DD-MM-YYYY" if lang == "da" else "YYYY-MM-DD",
        key=key,
        on_change=remember,
    )
    if isinstance(picked, tuple) and len(picked) == 2:
        return cast(tuple[date, date], picked)
    if isinstance(picked, tuple) and len(picked) == 1:  # the second date is not picked yet
        return cast(date, picked[0]), cast(date, picked[0])
    return None, None


def _reset() -> None:
    url_state.forget(list(KEYS.values()))


def sidebar_filters(cur: duckdb.DuckDBPyConnection, lang: Lang, *, group_by: bool = True) -> View:
    """Render the filters in the sidebar, mirror them in the URL, return the view."""
    options = filter_options(cur)
    bounds = date_bounds(options)
    # what the link that opened the session names, before the widgets prune it to the options
    asked = {
        key: st.query_params.get_all(key) if url_state.current(key) is None else []
        for key in (KEYS["departments"], KEYS["units"])
    }
    st.sidebar.header(t("filters.title", lang))
    date_from, date_to = _period(bounds, lang)
    departments = sorted(set(options["department"].to_list()))
    chosen_departments = _multiselect(
        t("filters.department", lang), departments, KEYS["departments"], lang
    )
    unit_rows = (
        options.filter(options["department"].is_in(chosen_departments))
        if chosen_departments
        else options
    )
    units = sorted({u for u in unit_rows["unit"].to_list() if u is not None})
    chosen_units = _multiselect(t("filters.unit", lang), units, KEYS["units"], lang)
    types = _vocabulary("harassment_type", KEYS["types"], lang, t("filters.harassment_type", lang))
    channels = _vocabulary("channel", KEYS["channels"], lang, t("filters.channel", lang))
    severities = _vocabulary("severity", KEYS["severities"], lang, t("filters.severity", lang))
    inquiry_types = _vocabulary(
        "inquiry_type", KEYS["inquiry_types"], lang, t("rules.inquiry_type_filter", lang)
    )
    by = DEFAULT_BY
    if group_by:
        remember = url_state.bind(
            KEYS["by"], url_state.one_of(GROUP_BY), url_state.single(DEFAULT_BY), DEFAULT_BY
        )
        chosen_by = st.sidebar.segmented_control(
            t("filters.group_by", lang),
            list(GROUP_BY),
            format_func=lambda v: t(f"filters.by_{v}", lang),
            key=KEYS["by"],
            on_change=remember,
            required=True,
        )
        by = cast(GroupBy, chosen_by or DEFAULT_BY)
    st.sidebar.button(t("filters.reset", lang), on_click=_reset, key="reset_filters")
    url_state.publish()
    known = {KEYS["departments"]: set(departments), KEYS["units"]: set(units)}
    if any(name not in known[key] for key, names in asked.items() for name in names):
        # a name outside the viewer's scope, or none at all: say so (without repeating it,
        # which would confirm it exists) and show nothing rather than the whole scope
        url_state.ignored()  # this warning speaks for the whole link
        st.warning(t("access.link_outside_scope", lang), icon=":material/block:")
        st.stop()
    layout.link_notice(lang)
    filters = Filters(
        date_from=date_from,
        date_to=date_to,
        departments=tuple(chosen_departments),
        units=tuple(chosen_units),
        types=types,
        channels=channels,
        severities=severities,
        inquiry_types=inquiry_types,
    )
    return View(filters=filters, by=by, lang=lang, bounds=bounds)
