"""Access and log: the grants (give and remove access) and the audit log, for administrators."""

from datetime import date

import polars as pl
import streamlit as st

from dashboard import access
from dashboard.access import ACTIONS, ROLES, Right
from dashboard.components import auth, context, layout
from dashboard.components.failure import as_text
from dashboard.i18n import t

cur = context.cursor()
lang = layout.page_setup(cur, "nav.admin")
admin = auth.require(Right.ADMIN, lang)
db = context.settings().db_path

st.subheader(t("access.grants", lang))
grants = access.list_grants(db)
if grants:
    st.dataframe(
        pl.DataFrame(
            {
                t("access.column_email", lang): [g.email for g in grants],
                t("access.column_role", lang): [t(f"access.role_{g.role}", lang) for g in grants],
                t("access.column_scope", lang): [g.describe_scope() for g in grants],
                t("access.column_granted_at", lang): [g.granted_at for g in grants],
                t("access.column_granted_by", lang): [g.granted_by for g in grants],
            }
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption(t("access.grants_empty", lang))

if message := st.session_state.pop("_access_message", None):
    st.success(message)
catalogue = access.known_units(db)
grant_col, revoke_col = st.columns(2)
with grant_col.form("grant", clear_on_submit=True):
    st.markdown(f"**{t('access.grant_title', lang)}**")
    email = st.text_input(t("access.grant_email", lang), key="grant_email")
    role = st.selectbox(
        t("access.grant_role", lang),
        ROLES,
        format_func=lambda r: t(f"access.role_{r}", lang),
        key="grant_role",
    )
    departments = st.multiselect(
        t("access.grant_departments", lang),
        sorted({d for d, _ in catalogue}),
        key="grant_departments",
        placeholder=t("edges.choose", lang),  # Streamlit's own says "Choose options"
        select_all=False,  # Streamlit's own English "Select all"
    )
    units = st.multiselect(
        t("access.grant_units", lang),
        sorted({(d, u) for d, u in catalogue if u}),
        format_func=lambda pair: f"{pair[1]} ({pair[0]})",
        key="grant_units",
        placeholder=t("edges.choose", lang),
        select_all=False,
    )
    if st.form_submit_button(t("access.grant_button", lang), type="primary"):
        try:
            # a unit is chosen with its department, so a name used twice is never ambiguous
            chosen = access.resolve_grant(email, role, departments, [], catalogue, units)
            stored = access.save_grant(db, chosen, by=admin.email, by_role=admin.role)
        except access.AccessError as error:
            st.error(as_text(error.sentence_in(lang)))
        else:
            st.session_state["_access_message"] = t(
                "access.granted",
                lang,
                email=stored.email,
                role=t(f"access.role_{stored.role}", lang),
            )
            st.rerun()

with revoke_col.form("revoke"):
    st.markdown(f"**{t('access.revoke_title', lang)}**")
    who = st.selectbox(t("access.revoke_pick", lang), [g.email for g in grants], key="revoke_who")
    if st.form_submit_button(t("access.revoke_button", lang)) and who:
        access.revoke_grant(db, who, by=admin.email, by_role=admin.role)
        st.session_state["_access_message"] = t("access.revoked", lang, email=who)
        st.rerun()

st.subheader(t("access.audit", lang))
left, middle, right = st.columns(3)
user = left.text_input(t("access.audit_user", lang), key="audit_user")
action = middle.selectbox(t("access.audit_action", lang), ["", *ACTIONS], key="audit_action")
since = right.date_input(t("access.audit_since", lang), value=None, key="audit_since")
entries = access.audit_rows(
    db,
    since=since.isoformat() if isinstance(since, date) else None,
    user=user or None,
    action=action or None,
    limit=1000,
)
if entries:
    st.dataframe(pl.DataFrame(entries), hide_index=True, width="stretch")
else:
    st.caption(t("access.audit_empty", lang))
