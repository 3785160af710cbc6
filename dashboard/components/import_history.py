"""The import history on the Import page, with undo of a whole import."""

from __future__ import annotations

from functools import partial

import duckdb
import polars as pl
import streamlit as st

from dashboard import access
from dashboard.access import Right
from dashboard.components import auth
from dashboard.components.context import settings
from dashboard.components.text import literal_t
from dashboard.components.writes import StoreWriteBusyError, one_writer
from dashboard.excel_out import xlsx_bytes
from dashboard.formatting import format_date, format_number
from dashboard.i18n import Lang, t
from dashboard.importer.pipeline import stored_rejected_table
from dashboard.store.records import import_history, rejected_rows, undo_import


def _label(row: dict[str, object], lang: Lang) -> str:
    name = t("import.demo_file", lang) if row["is_demo"] else str(row["file_name"])
    return f"#{row['import_id']} · {name}"


def history(cur: duckdb.DuckDBPyConnection, lang: Lang) -> None:
    """Every import, newest first, and a way to undo one that is still active."""
    st.subheader(t("import.history", lang))
    if undone := st.session_state.pop("_undone", None):
        st.success(literal_t("import.undone", lang, file=undone))
    frame = import_history(cur)
    if frame.is_empty():
        st.caption(t("import.history_empty", lang))
        return
    rows = frame.to_dicts()
    actors = access.import_actors(settings().db_path)  # who imported and undid, from the log
    table = pl.DataFrame(
        {
            "#": [r["import_id"] for r in rows],
            t("import.history_file", lang): [
                t("import.demo_file", lang) if r["is_demo"] else r["file_name"] for r in rows
            ],
            t("import.history_kind", lang): [t(f"import.kind_{r['kind']}", lang) for r in rows],
            t("import.history_when", lang): [
                f"{format_date(r['imported_at'], lang)} {r['imported_at']:%H:%M}" for r in rows
            ],
            t("import.history_status", lang): [
                t("import.status_undone", lang)
                if r["undone_at"]
                else t("import.status_active", lang)
                for r in rows
            ],
            t("access.imported_by", lang): [
                actors.get(r["import_id"], {}).get("import", "") for r in rows
            ],
            t("access.undone_by", lang): [
                actors.get(r["import_id"], {}).get("undo", "") for r in rows
            ],
            t("import.stored_new", lang): [format_number(r["stored_new"], lang) for r in rows],
            t("import.updated", lang): [format_number(r["stored_updated"], lang) for r in rows],
            t("import.unchanged", lang): [format_number(r["unchanged"], lang) for r in rows],
            t("import.exact_duplicates", lang): [
                format_number(r["exact_duplicates"], lang) for r in rows
            ],
            t("import.rejected", lang): [format_number(r["rejected"], lang) for r in rows],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    _rejected_again(cur, rows, lang)
    active = [r for r in rows if not r["undone_at"]]
    viewer = auth.viewer()
    if not active or viewer is None or not viewer.may(Right.UNDO):
        return
    chosen = st.selectbox(
        t("import.undo_pick", lang),
        [r["import_id"] for r in active],
        format_func=lambda i: _label(next(r for r in active if r["import_id"] == i), lang),
        key="undo_pick",
    )
    row = next(r for r in active if r["import_id"] == chosen)
    sure = st.checkbox(
        literal_t("import.undo_confirm", lang, file=_label(row, lang)), key=f"undo_sure_{chosen}"
    )
    importer = actors.get(int(chosen), {}).get("import")
    if importer and importer != viewer.email:  # someone else's import: confirm naming whose
        sure = sure and st.checkbox(
            t("access.undo_others", lang, user=importer), key=f"undo_others_{chosen}"
        )
    if st.button(t("import.undo", lang), disabled=not sure, key="undo_button"):
        try:
            with one_writer(lang):
                touched = undo_import(cur, int(chosen))
        except StoreWriteBusyError as error:
            st.warning(str(error), icon=":material/hourglass_top:")
            return
        auth.audit("undo", page="import", rows=touched, import_id=int(chosen))
        st.session_state["_undone"] = _label(row, lang)
        st.rerun()


def _rejected_again(
    cur: duckdb.DuckDBPyConnection, rows: list[dict[str, object]], lang: Lang
) -> None:
    """The rejected rows of a past import, downloadable again (as after the upload): the
    analyst may have closed the page before fixing them."""
    with_rejected = [r for r in rows if int(r["rejected"] or 0) > 0]  # type: ignore[call-overload]
    if not with_rejected:
        return
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    chosen = left.selectbox(
        t("edges.rejected_again_pick", lang),
        [r["import_id"] for r in with_rejected],
        format_func=lambda i: _label(next(r for r in with_rejected if r["import_id"] == i), lang),
        key="rejected_again_pick",
    )
    row = next(r for r in with_rejected if r["import_id"] == chosen)
    name = "demo" if row["is_demo"] else str(row["file_name"]).rsplit(".", 1)[0]
    right.download_button(
        t("edges.download_rejected_again", lang),  # not the upload's own button's label
        # written when clicked: a large import's rejected rows take seconds to write
        data=partial(_rejected_workbook, cur, int(chosen), lang),  # type: ignore[call-overload]
        file_name=f"{name}-rejected.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"rejected_again_{chosen}",
        on_click="ignore",
    )


def _rejected_workbook(cur: duckdb.DuckDBPyConnection, import_id: int, lang: Lang) -> bytes:
    table = stored_rejected_table(
        rejected_rows(cur, import_id), row=t("import.row", lang), reasons=t("import.reasons", lang)
    )
    return xlsx_bytes([(t("import.rejected", lang), table)])
