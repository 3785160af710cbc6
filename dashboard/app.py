"""The app: page config, and every page of dashboard/pages run inside the error boundary.

Streamlit runs a script, not a function: ``dashboard/streamlit_app/app.py`` (what
``python -m dashboard serve`` runs, inside the installed package) and ``app.py`` in the
checkout (``streamlit run app.py``, the page and browser tests) both call :func:`main`.
"""

from __future__ import annotations

import streamlit as st

from dashboard.components.failure import shown_as_sentence
from dashboard.components.navigation import build_pages, current_lang
from dashboard.config import load_settings
from dashboard.i18n import t


def main() -> None:
    """One run of the app's script."""
    lang = current_lang()
    st.set_page_config(
        page_title=t("app.title", lang), page_icon=":material/balance:", layout="wide"
    )
    # Any DashboardError below (a setting, the store, a query, an import) ends the page with
    # its sentence in the reader's language, not a traceback.
    with shown_as_sentence(lang):
        load_settings()  # a misconfigured server: say which setting before any page runs
        st.navigation(build_pages(lang)).run()
