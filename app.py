"""Entry point: page config, state, and the navigation built from dashboard/pages."""

import streamlit as st

from dashboard.components.navigation import build_pages, current_lang
from dashboard.i18n import t

lang = current_lang()
st.set_page_config(page_title=t("app.title", lang), page_icon=":material/balance:", layout="wide")
st.navigation(build_pages(lang)).run()
