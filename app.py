"""Entry point: page config, state, and the navigation built from dashboard/pages."""

import streamlit as st

from dashboard.components.failure import show_error, shown_as_sentence
from dashboard.components.navigation import build_pages, current_lang
from dashboard.config import ConfigError, load_settings
from dashboard.i18n import t

lang = current_lang()
st.set_page_config(page_title=t("app.title", lang), page_icon=":material/balance:", layout="wide")
try:
    load_settings()
except ConfigError as error:  # a misconfigured server: say which setting, not a traceback
    show_error(error, lang)
    st.stop()
# Any DashboardError in a page (the store, a query, an import) ends it with its sentence in
# the reader's language, not a traceback.
with shown_as_sentence(lang):
    st.navigation(build_pages(lang)).run()
