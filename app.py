"""Entry point: page config, the viewer (sign-in and grant, on every run), and the
navigation of the pages their role may open."""

from importlib import resources

import streamlit as st

from dashboard.access import load_access_settings
from dashboard.components import auth, context, polars_lock
from dashboard.components.failure import show_error, shown_as_sentence
from dashboard.components.navigation import PAGES, build_pages, current_lang
from dashboard.config import load_settings
from dashboard.errors import DashboardError
from dashboard.i18n import t

# The icon is package data, sent inline as an SVG data URL: a ":material/...:" page icon
# makes the browser fetch it from fonts.gstatic.com, outside the municipality's network.
ICON = resources.files("dashboard") / "static" / "balance.svg"

lang = current_lang()
st.set_page_config(page_title=t("app.title", lang), page_icon=str(ICON), layout="wide")
try:
    load_settings()
    load_access_settings()
    # first: a grant's scope is checked against the store's current departments and units
    context.mirror_catalogue(context.cursor())
    viewer = auth.identify(lang)  # stops with the sign-in, no-access or configure page
except DashboardError as error:  # a misconfigured server or store: one sentence, no traceback
    show_error(error, lang)
    st.stop()
auth.sidebar(viewer, lang)
page = st.navigation(build_pages(lang, viewer.grant.rights))
auth.log_page_view(page.url_path or PAGES[0].url_path)  # before the page: it may st.stop()
# Any DashboardError in a page (the store, a query, an import) ends it with its sentence in
# the reader's language, not a traceback. The page runs holding the process-wide Polars
# lock, its DuckDB executions excepted: concurrent Python threads in Polars can hang the
# process (issue 17; components.polars_lock). Streamlit's conversions of the frames a page
# shows run inside page.run(), so they are covered too.
with shown_as_sentence(lang), polars_lock.held():
    page.run()
