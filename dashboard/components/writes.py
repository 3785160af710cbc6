"""One write to the store at a time from this server: imports, undos and the demo load.

Every session's script run has its own cursor on the process's one connection, and DuckDB
runs their transactions concurrently: two imports at once end in ``TransactionException:
Conflict on tuple deletion`` (both rebuild the summary table). So the page boundary takes
one process-wide lock around every write; a second writer waits for it with a visible
"another import is running" and then proceeds, or, after ``DASHBOARD_WRITE_WAIT_SECONDS``,
is refused in one sentence. (Another *process* cannot write at all while this server holds
the store: see dashboard.serve.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dashboard.components import polars_lock
from dashboard.components.context import settings
from dashboard.i18n import Lang, t


class StoreWriteBusyError(Exception):
    """Another session's import or undo still runs after the wait; one sentence."""


@st.cache_resource(show_spinner=False)
def _lock() -> threading.Lock:
    """The server's one write lock (cached per process, shared by every session)."""
    return threading.Lock()


@contextmanager
def one_writer(lang: Lang) -> Iterator[None]:
    """Hold the server's write lock for the block, waiting visibly when it is taken.

    The write lock is waited for with the Polars lock given up: the writer holding it gives
    the Polars lock up in its DuckDB executions and needs it back (``components.polars_lock``)."""
    lock = _lock()
    if not lock.acquire(blocking=False):
        wait = settings().write_wait_seconds
        with st.spinner(t("store_writes.waiting", lang)), polars_lock.released():
            if not lock.acquire(timeout=wait):
                raise StoreWriteBusyError(t("store_writes.refused", lang))
    try:
        yield
    finally:
        lock.release()
