"""Entry point: page config, state, and the navigation built from dashboard/pages."""

from importlib import resources

import streamlit as st

from dashboard.components.navigation import build_pages, current_lang
from dashboard.config import ConfigError, load_settings
from dashboard.i18n import t

# The icon is package data, sent inline as an SVG data URL: a ":material/...:" page icon
# makes the browser fetch it from fonts.gstatic.com, outside the municipality's network.
ICON = resources.files("dashboard") / "static" / "balance.svg"

lang = current_lang()
st.set_page_config(page_title=t("app.title", lang), page_icon=str(ICON), layout="wide")
try:
    load_settings()
except ConfigError as error:  # a misconfigured server: say which setting, not a traceback
    st.error(str(error))
    st.stop()
st.navigation(build_pages(lang)).run()
