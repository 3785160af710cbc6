"""Incidents: the filtered incident table with a free-text search (bound to ?q=), and one
incident's course of events and details when a row is selected (or opened by ?incident=)."""

import streamlit as st

from dashboard import charts
from dashboard.components import chart_cache, context, layout
from dashboard.components.page import analysis_page
from dashboard.components.text import literal_t
from dashboard.formatting import format_number
from dashboard.i18n import t
from dashboard.metrics import views

LIST_LIMIT = 1000
INCIDENT_PARAM = "incident"

page = analysis_page("nav.incidents", group_by=False)
cur, lang, view, report = page.cur, page.lang, page.view, page.report

st.write(t("incidents.intro", lang))
search = (
    st.text_input(
        t("incidents.search", lang),
        key="q",
        bind="query-params",
        placeholder=t("incidents.search_placeholder", lang),
        icon=":material/search:",
    )
    or ""
).strip()
total = int(context.view_query(cur, "incident_count", view.filters, search=search)["incidents"][0])
rows = context.view_query(cur, "incident_list", view.filters, search=search, limit=LIST_LIMIT)

selected_id: str | None = None
if rows.is_empty():
    st.info(literal_t("incidents.none_match", lang, search=search), icon=":material/search_off:")
else:
    st.caption(
        t(
            "incidents.showing",
            lang,
            shown=layout.count_text(rows.height, lang),
            total=layout.count_text(total, lang),
        )
    )
    if total > rows.height:
        st.caption(t("incidents.limited", lang, limit=format_number(LIST_LIMIT, lang)))
    table = views.incident_rows(rows, lang)
    date_format = views.date_format(lang)
    config = {
        name: st.column_config.DateColumn(title, format=date_format)
        if name.endswith("_on")
        else st.column_config.NumberColumn(title, format="%d")
        if name == "absence_days"
        else st.column_config.TextColumn(title, width="large" if name == "notes" else None)
        for name, title in views.incident_headers(table.columns, lang).items()
    }
    picked = st.dataframe(
        table,
        # a new table (other filters or search) starts without a selection: a row number
        # kept from the old table would point at another incident
        key=f"incident_table_{hash((search, view.filters)) & 0xFFFFFFFF:08x}",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        column_config=config,
    )
    chosen = picked.selection.rows if picked is not None else []
    if chosen and chosen[0] < table.height:
        selected_id = str(table["incident_id"][chosen[0]])
    else:
        st.caption(t("incidents.select_hint", lang))

# One incident: the selected row, else the one named in the URL (?incident=ID).
if selected_id is not None:
    st.query_params[INCIDENT_PARAM] = selected_id
elif st.session_state.get("_incident_was_selected"):
    st.query_params.pop(INCIDENT_PARAM, None)  # a row was deselected: close it
st.session_state["_incident_was_selected"] = selected_id is not None
incident_id = selected_id or st.query_params.get(INCIDENT_PARAM)

if incident_id:
    st.divider()
    st.subheader(literal_t("incidents.detail_title", lang, id=incident_id))
    detail = context.view_query(cur, "incident_detail", view.filters, incident_id=incident_id)
    if detail.is_empty():
        st.warning(
            literal_t("incidents.not_found", lang, id=incident_id), icon=":material/search_off:"
        )
    else:
        incident = views.numbered_as_listed(detail.row(0, named=True), rows)
        events = views.timeline_events(incident, lang)
        chart_cache.draw(
            charts.timeline_chart, events, lang=lang, title=t("incidents.timeline_title", lang)
        )
        for note in views.undated_steps(incident, lang):
            st.caption(note)
        st.markdown(f"**{t('incidents.details', lang)}**")
        st.dataframe(views.incident_facts(incident, lang), hide_index=True, width="stretch")
    if selected_id is None and st.button(t("incidents.close", lang), key="close_incident"):
        st.query_params.pop(INCIDENT_PARAM, None)
        st.rerun()
