"""The parsed uploads behind the Import page's previews: bounded per server, freed with the
session that made them.

A preview holds a parsed workbook and its validated records, hundreds of megabytes for a
large export; kept in each session's ``st.session_state`` they added up with every session
and stayed for Streamlit's reconnect window (``server.disconnectedSessionTTL``, 120 s)
after the browser had gone. Here every session's previews live in one store per server
process, keyed by session and file:

* at most ``DASHBOARD_MAX_PREVIEWS`` files are kept over all sessions; keeping one more
  drops the one used longest ago, and its session is told so the next time its page runs
  (it reads the file again only when its user asks, so two sessions never take turns
  evicting each other on every rerun);
* a session's previews are released as soon as its browser is gone (checked on every use
  and every ``SWEEP_SECONDS`` by a daemon thread of the server), not when Streamlit finally
  discards the session.

The session keeps only :class:`SessionPart` views in its state (no data), so the page code
reads them as the plain dictionaries they were.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.components.context import settings

SWEEP_SECONDS = 10.0

Key = tuple[str, str]  # (session key, content hash of the file): see session_key()


class PreviewStore:
    """Previews of every session, oldest use first; thread-safe (sessions run in threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, dict[str, Any]] = OrderedDict()
        self._names: dict[Key, str] = {}
        self._dropped: dict[Key, str] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, session: str, part: str, digest: str) -> Any:
        """One part (workbook, prepared records, report) of a preview; KeyError if absent."""
        with self._lock:
            entry = self._entries[(session, digest)]
            value = entry[part]
            self._entries.move_to_end((session, digest))
            return value

    def put(
        self, session: str, part: str, digest: str, value: Any, *, name: str, limit: int
    ) -> list[str]:
        """Keep ``value``; when that makes more than ``limit`` previews, drop the ones used
        longest ago (never this one). Returns the file names dropped."""
        key = (session, digest)
        dropped: list[str] = []
        with self._lock:
            self._entries.setdefault(key, {})[part] = value
            self._names.setdefault(key, name)
            self._dropped.pop(key, None)
            self._entries.move_to_end(key)
            while len(self._entries) > max(limit, 1):
                oldest = next(iter(self._entries))
                del self._entries[oldest]
                self._dropped[oldest] = self._names.pop(oldest, "")
                dropped.append(self._dropped[oldest])
        return dropped

    def delete(self, session: str, part: str, digest: str) -> None:
        """Forget one part; a preview with no part left is gone (and not "dropped")."""
        key = (session, digest)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.pop(part, None)
                if not entry:
                    del self._entries[key]
                    self._names.pop(key, None)

    def digests(self, session: str, part: str) -> list[str]:
        with self._lock:
            return [d for (s, d), entry in self._entries.items() if s == session and part in entry]

    def was_dropped(self, session: str, digest: str) -> bool:
        """True when the bound dropped this preview and its user has not asked for it again."""
        with self._lock:
            return (session, digest) in self._dropped

    def dropped(self, session: str) -> set[str]:
        """The hashes of this session's files whose previews the bound dropped."""
        with self._lock:
            return {d for s, d in self._dropped if s == session}

    def reopen(self, session: str, digest: str) -> None:
        """The user asks for a dropped preview again: the page may read the file anew."""
        with self._lock:
            self._dropped.pop((session, digest), None)

    def release(self, ended: Callable[[str], bool]) -> int:
        """Free every preview of the sessions for which ``ended(session)``; how many."""
        with self._lock:
            gone = [k for k in [*self._entries, *self._dropped] if ended(k[0])]
            for key in gone:
                self._entries.pop(key, None)
                self._names.pop(key, None)
                self._dropped.pop(key, None)
            return len(gone)


class SessionPart(MutableMapping[str, Any]):
    """One kind of cached object of one session's previews, as a dict keyed by file hash."""

    def __init__(self, previews: PreviewStore, session: str, part: str) -> None:
        self._previews, self._session, self._part = previews, session, part
        self.store = previews
        self.names: dict[str, str] = {}  # file name per hash, for the "dropped" notice

    def __getitem__(self, digest: str) -> Any:
        return self._previews.get(self._session, self._part, digest)

    def __setitem__(self, digest: str, value: Any) -> None:
        self._previews.put(
            self._session,
            self._part,
            digest,
            value,
            name=self.names.get(digest, digest[:12]),
            limit=settings().max_previews,
        )

    def __delitem__(self, digest: str) -> None:
        self._previews.delete(self._session, self._part, digest)

    def __iter__(self) -> Iterator[str]:
        return iter(self._previews.digests(self._session, self._part))

    def __len__(self) -> int:
        return len(self._previews.digests(self._session, self._part))


def _session_ended(session: str) -> bool:
    """Whether the browser session of a session key is gone (never outside a real server)."""
    if not Runtime.exists():
        return False
    runtime = Runtime.instance()
    return isinstance(runtime, Runtime) and not runtime.is_active_session(session.split("/")[0])


_NEVER = threading.Event()  # never set: the sweeper runs for the server's life


def _sweep(previews: PreviewStore) -> None:
    while not _NEVER.wait(SWEEP_SECONDS):
        previews.release(_session_ended)


@st.cache_resource(show_spinner=False)
def server_previews() -> PreviewStore:
    """The server's one preview store; with a real server, a daemon thread sweeps it."""
    previews = PreviewStore()
    if Runtime.exists() and isinstance(Runtime.instance(), Runtime):
        threading.Thread(target=_sweep, args=(previews,), name="previews", daemon=True).start()
    return previews


def session_id() -> str:
    """This session's key: Streamlit's session id (to see when it ends) and a token kept in
    its state (so that two states under one id, as AppTest gives every test, stay apart)."""
    ctx = get_script_run_ctx()
    token: str = st.session_state.setdefault("_previews_token", uuid.uuid4().hex)
    return f"{ctx.session_id if ctx is not None else 'bare'}/{token}"


def part(name: str) -> SessionPart:
    """This session's ``name`` cache ("_workbooks", "_prepared", "_imported")."""
    previews = server_previews()
    previews.release(_session_ended)
    view = st.session_state.get(name)
    if not isinstance(view, SessionPart) or view.store is not previews:
        view = st.session_state[name] = SessionPart(previews, session_id(), name)
    return view


def was_dropped(digest: str) -> bool:
    return server_previews().was_dropped(session_id(), digest)


def dropped_here() -> set[str]:
    """This session's files whose previews the bound dropped."""
    return server_previews().dropped(session_id())


def reopen(digest: str) -> None:
    server_previews().reopen(session_id(), digest)
