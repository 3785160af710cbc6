"""Entry point: page config, state, and the navigation built from dashboard/pages."""

import streamlit as st

from dashboard.components.failure import shown_as_sentence
from dashboard.components.navigation import build_pages, current_lang
from dashboard.config import load_settings
from dashboard.i18n import t

lang = current_lang()
st.set_page_config(page_title=t("app.title", lang), page_icon=":material/balance:", layout="wide")
# Any DashboardError below (a setting, the store, a query, an import) ends the page with its
# sentence in the reader's language, not a traceback.
with shown_as_sentence(lang):
    load_settings()  # a misconfigured server: say which setting before any page runs
    st.navigation(build_pages(lang)).run()
