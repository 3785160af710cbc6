"""Sign-in at the page boundary: who the viewer is, on every rerun, before any page runs.

With an ``[auth]`` section in ``.streamlit/secrets.toml`` every page needs Streamlit's own
OIDC sign-in (``st.login``); the grant is looked up again on every rerun (a revoked user
loses access at their next click), and a sign-in older than ``DASHBOARD_SESSION_HOURS`` is
signed out (Streamlit's cookie lasts 30 days and never checks the token's expiry, so the
ID token's ``iat`` claim, kept in the cookie, dates the sign-in). Without ``[auth]`` the app
is in local mode: it acts as an analyst when it listens on the loopback address only, and
shows no data at all otherwise.

The viewer of the current run is kept in ``st.session_state`` under a key no widget uses, and
is set at the start of every run by :func:`identify`; a run that never identified anyone
has no viewer, and :func:`current_scope` then sees nothing (deny by default).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlencode

import streamlit as st

from dashboard import access
from dashboard.access import AuditEntry, Grant, Right, Role
from dashboard.components import url_state
from dashboard.config import load_settings as settings
from dashboard.i18n import Lang, t
from dashboard.metrics.filters import ALL, Scope

_VIEWER = "_access_viewer"
_LOGGED_VIEW = "_access_logged_view"
_SIGNED_IN = "_access_signed_in"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_USER = "local"
NOBODY = Scope.restricted()  # no departments, no units: no rows


@dataclass(frozen=True)
class Viewer:
    """The person using this session: their grant, and whether the app runs in local mode."""

    grant: Grant
    local: bool = False
    scope: Scope = NOBODY

    @property
    def email(self) -> str:
        return self.grant.email

    @property
    def role(self) -> Role:
        return self.grant.role

    def may(self, right: Right) -> bool:
        return right in self.grant.rights


def auth_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` has an ``[auth]`` section (sign-in required)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and st.secrets.get("auth"))
    except Exception:  # an unreadable secrets file: treated as sign-in configured, so deny
        return True


def listens_locally() -> bool:
    """Whether the server accepts connections from this machine only."""
    return str(st.get_option("server.address") or "") in LOOPBACK


def viewer() -> Viewer | None:
    """The viewer identified at the start of this run, or None."""
    found = st.session_state.get(_VIEWER)
    return found if isinstance(found, Viewer) else None


def current_scope() -> Scope:
    """What this run's viewer may read; nothing when nobody was identified."""
    found = viewer()
    return found.scope if found else NOBODY


def _claims() -> dict[str, Any]:
    return dict(st.user.to_dict())


def _audit(
    entry_viewer: Viewer | None, action: access.Action, *, user: str = "", **fields: Any
) -> None:
    """Log ``action`` of ``entry_viewer``, or of ``user`` (an e-mail) when nobody has access."""
    grant = entry_viewer.grant if entry_viewer else None
    access.log(
        settings().db_path,
        AuditEntry(
            user=grant.email if grant else user,
            role=grant.role if grant else "",
            scope=grant.describe_scope() if grant else "nothing",
            action=action,
            **fields,
        ),
    )


def audit(
    action: access.Action, *, page: str = "", rows: int | None = None, **details: Any
) -> None:
    """Log an action of this run's viewer (export, report, import, undo, ...)."""
    _audit(viewer(), action, page=page, link=_link(page), rows=rows, details=details)


def audited(
    action: access.Action, page: str, make: Callable[[], Any], rows: int, **details: Any
) -> Callable[[], Any]:
    """``make`` for a download button's data, logging ``action`` (with ``details``) when
    the file is made.

    Streamlit calls it when the button is clicked, outside the script run, so everything
    the log needs from the session is taken now."""
    found = viewer()
    grant = found.grant if found else None
    entry = AuditEntry(
        user=grant.email if grant else "",
        role=grant.role if grant else "",
        scope=grant.describe_scope() if grant else "nothing",
        action=action,
        page=page,
        link=_link(page),
        details=details,
        rows=rows,
    )
    db = settings().db_path

    def logged() -> Any:
        data = make()
        access.log(db, entry)
        return data

    return logged


def _link(page: str) -> str:
    """The canonical link of the current view: the page and its query string (the session's
    remembered view, which widget callbacks have updated before the run, over the URL's)."""
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    query.update(st.session_state.get(url_state.REMEMBERED, {}))
    query = {key: values for key, values in query.items() if values}
    text = urlencode(sorted(query.items()), doseq=True)
    return f"/{page}?{text}" if text else f"/{page}"


def log_page_view(page: str) -> None:
    """Log a page view once per page and view (query string), not on every rerun."""
    link = _link(page)
    if st.session_state.get(_LOGGED_VIEW) == link:
        return
    st.session_state[_LOGGED_VIEW] = link
    found = viewer()
    if found is not None and not found.local:
        _audit(found, "page_view", page=page, link=link)


def _configure_page(lang: Lang) -> None:
    st.error(t("access.configure_sign_in", lang))


def _sign_in_page(lang: Lang) -> None:
    st.title(t("access.sign_in_title", lang))
    st.write(t("access.sign_in_body", lang))
    if st.button(t("access.sign_in", lang), type="primary", key="sign_in"):
        st.login()


def _no_access_page(email: str, lang: Lang) -> None:
    contact = access.load_access_settings().contact
    st.title(t("access.no_access_title", lang))
    st.text(t("access.no_access_body", lang, email=email))  # text from the claims: never Markdown
    st.text(
        t("access.no_access_contact", lang, contact=contact)
        if contact
        else t("access.no_access_no_contact", lang)
    )
    if st.button(t("access.sign_out", lang), key="sign_out"):
        st.session_state.pop(_SIGNED_IN, None)
        st.logout()
        st.stop()


def _sign_out(lang: Lang) -> None:
    """End the sign-in (the browser is sent through the provider's sign-out) and show only
    the sign-in page for the rest of this run."""
    st.session_state.pop(_SIGNED_IN, None)
    st.session_state.pop(_VIEWER, None)
    st.logout()
    _only(lambda: _sign_in_page(lang), t("access.sign_in_title", lang))


def _only(page: Callable[[], None], title: str) -> NoReturn:
    """Show ``page`` as the one page of the app, whatever the URL asks for, and stop."""
    st.navigation(
        [st.Page(page, title=title, url_path="signin", default=True)], position="hidden"
    ).run()
    st.stop()


def _signed_in_at(claims: Mapping[str, Any]) -> float:
    """When the user signed in: the ID token's ``iat``, else this session's first sight of them."""
    issued = claims.get("iat")
    if isinstance(issued, int | float) and not isinstance(issued, bool):
        return float(issued)
    return float(st.session_state.setdefault("_access_first_seen", time.time()))


def identify(lang: Lang) -> Viewer:
    """Who is using this session; shows the sign-in, no-access or configure page and stops
    when nobody may see data. Call at the start of every run, before the navigation."""
    st.session_state.pop(_VIEWER, None)
    if not auth_configured():
        if not listens_locally():
            _only(lambda: _configure_page(lang), t("app.title", lang))
        found = Viewer(Grant(LOCAL_USER, "analyst"), local=True, scope=ALL)
        st.session_state[_VIEWER] = found
        return found
    claims = _claims()
    if not claims.get("is_logged_in"):
        _only(lambda: _sign_in_page(lang), t("access.sign_in_title", lang))
    email = access.normalise_email(str(claims.get("email") or ""))
    hours = access.load_access_settings().session_hours
    if time.time() - _signed_in_at(claims) > hours * 3600:
        _audit(None, "sign_out", user=email, details={"reason": "session_expired"})
        _sign_out(lang)
    grant = access.grant_for_claims(settings().db_path, claims, access.load_access_settings())
    if grant is None:
        if st.session_state.get(_SIGNED_IN) != ("denied", email):
            st.session_state[_SIGNED_IN] = ("denied", email)
            _audit(None, "denied", user=email or "(no email claim)")
        _only(lambda: _no_access_page(email, lang), t("access.no_access_title", lang))
    assert grant is not None
    catalogue = access.known_units(settings().db_path) if grant.units else []
    found = Viewer(grant, scope=grant.scope(catalogue))
    st.session_state[_VIEWER] = found
    if st.session_state.get(_SIGNED_IN) != ("granted", email):
        st.session_state[_SIGNED_IN] = ("granted", email)
        # a sign-in is logged once, not for every new browser session its cookie opens
        signed_in_at = int(_signed_in_at(claims))
        if not access.sign_in_logged(settings().db_path, email, signed_in_at):
            _audit(found, "sign_in", details={"signed_in_at": signed_in_at})
    return found


def sidebar(found: Viewer, lang: Lang) -> None:
    """Who is signed in and the sign-out button (local mode: the banner instead)."""
    if found.local:
        return
    st.sidebar.text(  # the e-mail comes from the claims: text, never Markdown
        t("access.signed_in_as", lang, email=found.email, role=t(f"access.role_{found.role}", lang))
    )
    if st.sidebar.button(t("access.sign_out", lang), key="sign_out"):
        _audit(found, "sign_out")
        _sign_out(lang)


def local_banner(lang: Lang) -> None:
    """The local-mode banner, shown on every page."""
    found = viewer()
    if found is not None and found.local:
        st.warning(t("access.local_banner", lang), icon=":material/computer:")


def require(right: Right, lang: Lang) -> Viewer:
    """Stop a page the viewer's role may not use (the menu already leaves it out)."""
    found = viewer()
    if found is None or not found.may(right):
        st.error(t("access.not_allowed", lang))
        st.stop()
    assert found is not None
    return found
