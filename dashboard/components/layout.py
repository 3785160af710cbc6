"""Page furniture: the language switch, the title, the demo-data banner and empty states."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from typing import cast

import duckdb
import streamlit as st

from dashboard import store
from dashboard.access import Right
from dashboard.components import auth, url_state
from dashboard.components.context import settings
from dashboard.components.navigation import page_path
from dashboard.formatting import format_count, format_date
from dashboard.i18n import DEFAULT_LANG, LANGS, Lang, t
from dashboard.store.records import holds_demo_data


def language_switch() -> Lang:
    """Danish/English switch at the top of the sidebar, mirrored as ?lang= in the URL."""
    remember = url_state.bind(
        "lang", url_state.one_of(LANGS), url_state.single(DEFAULT_LANG), DEFAULT_LANG
    )
    lang = st.sidebar.segmented_control(
        "Sprog · Language",
        list(LANGS),
        format_func=lambda v: t(f"app.lang_{v}", cast(Lang, v)),
        key="lang",
        on_change=remember,
        required=True,
    )
    url_state.publish()
    return cast(Lang, lang or DEFAULT_LANG)


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes and backslashes escaped, no markup)."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\3C ")


def page_style(lang: Lang) -> None:
    """Two corrections of Streamlit's own look, as a style sheet (Streamlit 1.67 offers no
    setting for either; tests/e2e/test_edges.py checks both in a browser):

    * headline labels wrap instead of being cut ("Politianmeldt uden forudgående adv…");
    * the file uploader's button and limits, which Streamlit writes in English only
      ("Upload", "200MB per file • XLSX"), say the same in the page's language.
    """
    limit = st.get_option("server.maxUploadSize")
    button = _css_string(t("edges.upload_button", lang))
    limits = _css_string(t("edges.upload_limits", lang, limit=str(limit)))
    st.html(
        "<style>"
        '[data-testid="stMetricLabel"] * {white-space: normal !important;'
        " overflow: visible !important; text-overflow: clip !important;}"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
        " {font-size: 0;}"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]'
        f" p::after {{content: {button}; font-size: 0.875rem;}}"
        '[data-testid="stFileUploaderDropzoneInstructions"] span {font-size: 0;}'
        '[data-testid="stFileUploaderDropzoneInstructions"] span::after'
        f" {{content: {limits}; font-size: 0.875rem;}}"
        "</style>"
    )


@cache
def _print_css() -> str:
    return resources.files("dashboard.components").joinpath("print.css").read_text("utf-8")


def print_stylesheet() -> None:
    """The stylesheet for printing a page (components/print.css); style only, so Streamlit
    adds it without taking room on the page."""
    st.html(f"<style>{_print_css()}</style>")


def page_setup(cur: duckdb.DuckDBPyConnection, title_key: str) -> Lang:
    """Language switch, page title and, when the store holds demo data, the banner saying so."""
    print_stylesheet()
    lang = language_switch()
    page_style(lang)
    st.title(t(title_key, lang))
    auth.local_banner(lang)
    link_notice(lang)
    if holds_demo_data(cur):
        st.info(t("app.demo_banner", lang), icon=":material/info:")
    return lang


# What the notice calls each query-string key of a link (components.filters.KEYS and the
# page's own keys).
_LINK_KEY_LABELS = {
    "lang": "filters.language",
    "period": "filters.period",
    "dept": "filters.department",
    "unit": "filters.unit",
    "type": "filters.harassment_type",
    "channel": "filters.channel",
    "sev": "filters.severity",
    "by": "filters.group_by",
    "outcome": "equal_treatment.outcome",
}


def link_notice(lang: Lang) -> None:
    """One sentence naming the link's values that were not used as they are (unknown, out
    of range: see components.url_state), so an edited or stale link never fails silently."""
    keys = url_state.ignored()
    if keys:
        names = ", ".join(
            t(_LINK_KEY_LABELS[k], lang) if k in _LINK_KEY_LABELS else k for k in keys
        )
        st.info(t("link_params.ignored", lang, names=names), icon=":material/link_off:")


def empty_store(cur: duckdb.DuckDBPyConnection, lang: Lang) -> bool:
    """When the store is empty, say what to do (upload or load the demo) and return True."""
    if not store.is_empty(cur):
        return False
    st.subheader(t("app.empty_title", lang))
    st.write(t("app.empty_body", lang))
    found = auth.viewer()
    if found is None or not found.may(Right.IMPORT):  # read-only roles: nothing to offer
        return True
    left, right = st.columns(2)
    if left.button(t("app.load_demo", lang), key="load_demo", type="primary"):
        from dashboard.components.writes import StoreWriteBusyError, one_writer
        from dashboard.demo import generate_demo
        from dashboard.store.seed import write_demo

        data = generate_demo()
        try:
            with one_writer(lang):
                if store.is_empty(cur):  # another session may have loaded it meanwhile
                    write_demo(cur, "incidents", data.incidents, seed=2024)
                    write_demo(cur, "inquiries", data.inquiries, seed=2024)
        except StoreWriteBusyError as error:
            st.warning(str(error), icon=":material/hourglass_top:")
            return True
        st.rerun()
    right.page_link(
        str(page_path("import")), label=t("app.go_to_import", lang), icon=":material/upload_file:"
    )
    return True


def data_as_of(extract: date | None, lang: Lang) -> None:
    """The extract date, shown wherever open or overdue counts are."""
    if extract:
        st.caption(t("app.data_as_of", lang, date=format_date(extract, lang)))


def count_text(value: int | None, lang: Lang) -> str:
    """A count for display, with 1–4 (below the threshold) shown as "<5", and None (a total
    the metrics layer hides so that a hidden cell cannot be worked out) as "skjult"."""
    if value is None:
        return t("disclosure.hidden", lang)
    threshold = settings().suppress_below
    small = value is not None and 0 < value < threshold
    return format_count(value, lang, small=small, threshold=threshold)


def change_text(diff: float | None, lang: Lang, *, rate: bool) -> str | None:
    """A change from the previous period (``headline.change``): "+12" for counts,
    "+3,1 pp." for rates; None when there is none to show."""
    from dashboard.formatting import format_number

    if diff is None:
        return None
    sign = "+" if diff > 0 else ""
    if rate:
        return f"{sign}{format_number(100 * diff, lang, 1)} {t('common.percentage_points', lang)}"
    return f"{sign}{format_number(diff, lang)}"
