"""How a page shows a :class:`~dashboard.errors.DashboardError`: its one sentence, in the
reader's language, as text (never a traceback).

``app.py`` runs every page inside :func:`shown_as_sentence`, so an error raised anywhere
below a page (settings, the store, a query, an import) ends the page with its sentence.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import streamlit as st

from dashboard.components.text import literal
from dashboard.errors import DashboardError
from dashboard.i18n import Lang, t

log = logging.getLogger(__name__)


def as_text(sentence: str) -> str:
    """``sentence`` escaped so that Streamlit's Markdown shows it character for character
    (st.error renders Markdown, and a sentence may quote a file or store name)."""
    return literal(sentence)


def show_error(error: DashboardError, lang: Lang) -> None:
    """The error's sentence in ``lang``, as an error box with a title."""
    st.error(
        as_text(error.sentence_in(lang)),
        title=t("errors.page_failed_title", lang),
        icon=":material/error:",
    )


@contextlib.contextmanager
def shown_as_sentence(lang: Lang) -> Iterator[None]:
    """Run a page; a DashboardError ends it with its sentence (logged in English)."""
    try:
        yield
    except DashboardError as error:
        log.warning("page stopped: %s", error.sentence, exc_info=error.__cause__ is not None)
        show_error(error, lang)
