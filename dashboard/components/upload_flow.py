"""One uploaded workbook on the Import page: read it safely, show what was found (sheet,
header row, column mapping), let the analyst map unknown headers, show the validation report
with the rejected rows to download, and import on request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from functools import partial
from pathlib import Path
from typing import Any, cast

import duckdb
import polars as pl
import streamlit as st

from dashboard import workdir
from dashboard.components import auth, previews
from dashboard.components.context import settings
from dashboard.components.text import literal, literal_t
from dashboard.components.writes import StoreWriteBusyError, one_writer
from dashboard.config import ConfigError
from dashboard.contract import Kind, fields_for
from dashboard.excel_out import xlsx_bytes
from dashboard.formatting import format_number
from dashboard.i18n import Lang, field_label, keys, t, t_count
from dashboard.importer import mappings
from dashboard.importer.errors import ImportFileError, NoDataSheetError
from dashboard.importer.headers import (
    HEADER_SCAN_ROWS,
    HeaderMatch,
    first_rows,
    other_data_sheets,
)
from dashboard.importer.pipeline import (
    FileReport,
    PreparedImport,
    commit,
    locate,
    locate_at,
    rejected_table,
    validate,
)
from dashboard.importer.pseudonym import Pseudonymiser, load_or_create_key, mask_cpr
from dashboard.importer.workbook import Workbook, read_workbook
from dashboard.store import holds_real_data

# Streamlit's table wraps a cell's text only when its rows are taller than 4rem (64 px, in
# its DataFrame component): at 66 px a reason of up to three lines, such as an unknown
# category with the list of the allowed ones, is read whole at 1,280 px (issue 17).
WRAPPED_ROW_HEIGHT = 66

_SESSION_CACHES = ("_workbooks", "_prepared", "_imported")


def forget_other_uploads(state: MutableMapping[Any, Any], digests: Iterable[str]) -> None:
    """Drop what this session keeps of files no longer in the uploader.

    A workbook read for the preview, and an import's prepared records, can be hundreds of
    megabytes for a large export (a sheet read in parts also keeps its parts on disk until
    its workbook goes): without this a session would hold every file it ever uploaded.
    """
    keep = set(digests)
    for name in _SESSION_CACHES:
        cache = state.get(name)
        if cache:
            for digest in [d for d in cache if d not in keep]:
                del cache[digest]


def _read(data: bytes, name: str, digest: str) -> Workbook:
    """Read once per upload and session (reading runs in an isolated worker process)."""
    cache = previews.part("_workbooks")
    cache.names[digest] = name
    before = previews.dropped_here()
    book = read_once(cache, data, name, digest)
    if previews.dropped_here() - before:
        # Keeping this file dropped another of this session's previews, perhaps one this
        # run has drawn already: run again, so that it shows as dropped at once.
        st.rerun()
    return book


def read_once(
    cache: MutableMapping[str, Workbook | ImportFileError], data: bytes, name: str, digest: str
) -> Workbook:
    """The workbook of ``digest`` from ``cache``, read on first use; a refusal is kept too,
    so a hostile file is not checked and parsed again on every click.

    The upload is on disk only while it is read: in a private file of the working directory
    (``dashboard.workdir``), removed as soon as the reader is done with it, refused or not.
    """
    if digest not in cache:
        try:
            with workdir.upload_file(data) as path:
                cache[digest] = read_workbook(path, display_name=mask_cpr(name))
        except ImportFileError as refused:
            cache[digest] = refused
    read = cache[digest]
    if isinstance(read, ImportFileError):
        raise type(read)(read.message, file=read.file, sheet=read.sheet)
    return read


def prepared_key(
    match: HeaderMatch, manual: Mapping[str, str], deadline_days: Mapping[str, int], lang: Lang
) -> tuple[Any, ...]:
    """What a validation of one read workbook depends on: sheet, header row, kind and
    mapping (after saved and manual mappings), the inquiry deadline defaults and the
    language of the reasons for rejected rows."""
    return (
        lang,
        match.sheet.name,
        match.header_index,
        match.kind,
        tuple(sorted(match.mapping.items())),
        tuple(sorted(manual.items())),
        tuple(sorted(deadline_days.items())),
    )


def _validate(
    workbook: Workbook,
    match: HeaderMatch,
    manual: dict[str, str],
    digest: str,
    lang: Lang,
    cur: duckdb.DuckDBPyConnection,
) -> PreparedImport:
    """Validate once per file, mapping and settings in this session: every click on the page
    reruns it, and a 100k-row export takes most of a second to validate."""
    cache = previews.part("_prepared")
    key = prepared_key(match, manual, settings().deadline_days, lang)
    if digest in cache and cache[digest][0] == key:
        return cache[digest][1]
    prepared = validate(
        workbook,
        match,
        pseudonymiser=Pseudonymiser(
            load_or_create_key(
                settings().key_file,
                legacy=settings().legacy_key_file,
                store_in_use=holds_real_data(cur),
            )
        ),
        manual_mapping=manual,
        deadline_days=settings().deadline_days,
        lang=lang,
    )
    cache[digest] = (key, prepared)
    return prepared


def _metric_row(items: list[tuple[str, int]], lang: Lang) -> None:
    """One box per (catalogue key, count); a key with a ``_help`` text gets it as a tooltip."""
    for column, (label_key, value) in zip(st.columns(len(items)), items, strict=True):
        help_key = f"{label_key}_help"
        column.metric(
            t(label_key, lang),
            format_number(value, lang),
            help=t(help_key, lang) if help_key in keys(lang) else None,
        )


def _mapping_editor(match: Any, kind: Kind, digest: str, lang: Lang) -> dict[str, str]:
    """The current mapping as a table, and a field picker for every header not recognised."""
    rows = [
        {
            t("import.column_in_file", lang): header,
            t("import.field_in_dashboard", lang): field_label(field, lang),
        }
        for header, field in match.mapping_by_header().items()
    ]
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")
    manual: dict[str, str] = dict(st.session_state.get(f"map-{digest}", {}))
    unknown = [h for h in match.unmapped if h not in manual] + [
        h for h in manual if h in match.headers.values()
    ]
    if unknown:
        st.markdown(f"**{t('import.unknown_headers', lang)}**")
        st.caption(t("import.unknown_headers_help", lang))
        options = ["", *(f.name for f in fields_for(kind))]
        for header in dict.fromkeys(unknown):
            choice = st.selectbox(
                literal(mask_cpr(header)),
                options,
                index=options.index(manual[header]) if manual.get(header) in options else 0,
                format_func=lambda v: (
                    t("import.field_unmapped", lang) if not v else field_label(v, lang)
                ),
                key=f"map-{digest}-{header}",
            )
            if choice:
                manual[header] = choice
            else:
                manual.pop(header, None)
    st.session_state[f"map-{digest}"] = manual
    return manual


def _report(report: FileReport, prepared: PreparedImport, lang: Lang, digest: str) -> None:
    if report.status == "unchanged":
        st.info(t("import.unchanged_file", lang))
    else:
        st.success(t("import.success", lang))
    _metric_row(
        [
            ("import.stored_new", report.stored_new),
            ("import.updated", report.stored_updated),
            ("import.unchanged", report.unchanged),
            ("import.exact_duplicates", report.exact_duplicates),
            ("import.rejected", report.rejected),
        ],
        lang,
    )
    if report.demo_removed:
        st.info(t("import.demo_removed", lang))
    _rejected_rows(prepared, lang, digest)
    if report.other_data_sheets:
        names = ", ".join(f"»{n}«" for n in report.other_data_sheets)
        st.info(
            literal_t("import.other_data_sheets_after", lang, sheets=names), icon=":material/info:"
        )
        if st.button(t("import.import_another_sheet", lang), key=f"another-{digest}"):
            st.session_state["_imported"].pop(digest, None)
            st.rerun()


def import_one(cur: duckdb.DuckDBPyConnection, name: str, data: bytes, lang: Lang) -> str:
    """The whole flow for one uploaded file, inside a bordered container; returns the file's
    content hash (for ``forget_other_uploads``)."""
    digest = hashlib.sha256(data).hexdigest()
    _flow(cur, name, data, digest, lang)
    return digest


def _flow(cur: duckdb.DuckDBPyConnection, name: str, data: bytes, digest: str, lang: Lang) -> None:
    done = previews.part("_imported")
    with st.container(border=True):
        st.subheader(literal(mask_cpr(name)))
        if previews.was_dropped(digest):  # the server's bound on previews dropped it
            st.info(
                literal_t("previews.dropped", lang, file=mask_cpr(name)), icon=":material/memory:"
            )
            if not st.button(t("previews.reopen", lang), key=f"reopen-{digest}"):
                return
            previews.reopen(digest)
        if digest in done:
            report, prepared = done[digest]
            _report(report, prepared, lang, digest)
            return
        progress = st.progress(0.0, text=t("import.step_reading", lang))
        saved = partial(mappings.load, cur)
        try:
            workbook = _read(data, name, digest)
            progress.progress(0.5, text=t("import.step_header", lang))
            kind_choice = st.selectbox(
                t("import.kind_label", lang),
                ["auto", "incidents", "inquiries"],
                format_func=lambda v: t(f"import.kind_{v}", lang),
                key=f"kind-{digest}",
            )
            kind = None if kind_choice == "auto" else cast(Kind, kind_choice)
            sheet = None
            if len(workbook.sheets) > 1:
                sheet_choice = st.selectbox(
                    t("import.sheet_label", lang),
                    ["auto", *(s.name for s in workbook.sheets)],
                    format_func=lambda v: (
                        t("import.sheet_auto", lang) if v == "auto" else mask_cpr(v)
                    ),
                    key=f"sheet-{digest}",
                )
                sheet = None if sheet_choice == "auto" else sheet_choice
            manual = dict(st.session_state.get(f"map-{digest}", {}))
            find: Callable[..., HeaderMatch] = partial(
                locate, workbook, saved_mapping=saved, sheet=sheet
            )
            try:
                match = find(kind=kind, manual_mapping=manual)
            except NoDataSheetError as refusal:
                # Headers the contract does not know: the analyst points at the header row,
                # and maps its columns below (the mapping is saved for the next such file).
                placed = _header_placed_by_hand(workbook, refusal, kind, sheet, digest, lang)
                if placed is None:
                    progress.empty()
                    return
                find = partial(locate_at, workbook, saved_mapping=saved, **placed)
                match = find(kind=placed["kind"], manual_mapping=manual)
        except ImportFileError as error:
            progress.empty()
            st.error(literal_t("import.refused_file", lang, reason=error.sentence_in(lang)))
            return
        st.caption(
            literal_t("import.detected_sheet", lang, sheet=mask_cpr(match.sheet.name))
            + " · "
            + t("import.detected_header_row", lang, row=format_number(match.header_row, lang))
        )
        if workbook.hidden_sheets:
            hidden = ", ".join(mask_cpr(n) for n in workbook.hidden_sheets)
            st.caption(literal_t("import.hidden_sheets", lang, sheets=hidden))
        others = other_data_sheets(workbook, match, manual)
        if others:
            st.info(
                literal_t(
                    "import.other_data_sheets",
                    lang,
                    sheets=", ".join(f"»{mask_cpr(n)}«" for n in others),
                ),
                icon=":material/info:",
            )
        if match.duplicates:
            repeated = ", ".join(mask_cpr(h) for h in match.duplicates)
            st.warning(literal_t("import.duplicate_headers", lang, headers=repeated))
        with st.expander(
            t("import.mapping", lang), expanded=bool(match.unmapped or match.missing_required())
        ):
            st.caption(t("import.mapping_help", lang))
            manual = _mapping_editor(match, match.kind, digest, lang)
        if manual:
            try:
                match = find(kind=match.kind, manual_mapping=manual)
            except ImportFileError as error:  # the mapping picked fits no header row
                progress.empty()
                st.error(literal_t("import.refused_file", lang, reason=error.sentence_in(lang)))
                return
        missing = match.missing_required()
        if missing:
            progress.empty()
            st.warning(
                t(
                    "import.missing_required",
                    lang,
                    fields=", ".join(field_label(f, lang) for f in missing),
                )
            )
            return
        progress.progress(0.6, text=t("import.step_validating", lang))
        try:
            prepared = _validate(workbook, match, manual, digest, lang, cur)
        except ImportFileError as error:
            progress.empty()
            st.error(literal_t("import.refused_file", lang, reason=error.sentence_in(lang)))
            return
        except ConfigError as error:  # the pseudonymisation key cannot be used
            progress.empty()
            st.error(error.sentence_in(lang))
            return
        progress.progress(0.8, text=t("import.step_validating", lang))
        _validation_report(prepared, lang, digest)
        if st.button(t("import.confirm", lang), key=f"confirm-{digest}", type="primary"):
            progress.progress(0.9, text=t("import.step_storing", lang))
            try:
                with one_writer(lang):
                    stored = commit(cur, prepared)
            except StoreWriteBusyError as error:
                progress.empty()
                st.warning(str(error), icon=":material/hourglass_top:")
                return
            auth.audit(
                "import",
                page="import",
                rows=stored.stored_new + stored.stored_updated,
                import_id=stored.import_id,
                kind=prepared.kind,
            )
            done[digest] = (stored, prepared)
            progress.progress(1.0, text=t("import.success", lang))
            st.rerun()
        progress.empty()


def _header_placed_by_hand(
    workbook: Workbook,
    refusal: ImportFileError,
    kind: Kind | None,
    sheet_chosen: str | None,
    digest: str,
    lang: Lang,
) -> dict[str, Any] | None:
    """Why no header row was found, the sheet's first rows, and pickers for sheet (first the
    one chosen above, if any), header row and kind: ``locate_at``'s arguments, or None while
    there is nothing to point at."""
    st.warning(literal(refusal.sentence_in(lang)))
    if not workbook.sheets:
        return None
    st.markdown(f"**{t('import.place_header', lang)}**")
    st.caption(t("import.place_header_help", lang))
    left, middle, right = st.columns(3)
    names = [s.name for s in workbook.sheets]
    name = left.selectbox(
        t("import.place_sheet", lang),
        names,
        index=names.index(sheet_chosen) if sheet_chosen in names else 0,
        format_func=mask_cpr,
        key=f"place-sheet-{digest}",
    )
    sheet = workbook.sheets[names.index(name)]
    if sheet.rows.height == 0:
        # with no other sheet to choose, say the file holds nothing rather than "choose another"
        only = len(names) == 1
        st.info(t("edges.only_sheet_empty" if only else "import.place_empty_sheet", lang))
        return None
    last = sheet.first_row + min(sheet.rows.height, HEADER_SCAN_ROWS) - 1
    row = middle.number_input(
        t("import.place_row", lang),
        min_value=sheet.first_row,
        max_value=last,
        value=sheet.first_row,
        step=1,
        key=f"place-row-{digest}-{name}",
    )
    chosen = kind or right.selectbox(
        t("import.place_kind", lang),
        ["incidents", "inquiries"],
        format_func=lambda v: t(f"import.kind_{v}", lang),
        key=f"place-kind-{digest}",
    )
    st.dataframe(first_rows(sheet, t("import.row", lang)), hide_index=True, height=240)
    return {"sheet": name, "header_row": int(row), "kind": cast(Kind, chosen)}


def _validation_report(prepared: PreparedImport, lang: Lang, digest: str) -> None:
    _metric_row(
        [
            ("import.rows_read", prepared.rows_read),
            ("import.to_store", prepared.records.height),
            ("import.exact_duplicates", prepared.exact_duplicates),
            ("import.rejected", prepared.rejected.height),
        ],
        lang,
    )
    skipped = [
        t_count(f"edges.{what}", n, lang, n=format_number(n, lang))
        for what, n in (("blank_rows", prepared.blank_rows), ("total_rows", prepared.total_rows))
        if n
    ]
    if skipped:
        st.caption(t("edges.skipped_rows", lang, rows=f" {t('edges.and', lang)} ".join(skipped)))
    _rejected_rows(prepared, lang, digest)


def _rejected_rows(prepared: PreparedImport, lang: Lang, digest: str) -> None:
    """The rejected rows with their reasons, and the workbook to fix them in."""
    if not prepared.rejected.height:
        return
    st.caption(t("import.rejected_help", lang))
    table = rejected_table(prepared, row=t("import.row", lang), reasons=t("import.reasons", lang))
    row, reason = t("import.row", lang), t("edges.reason", lang)
    st.dataframe(
        # one line per reason: a row's reasons joined in one cell ran off-screen at 1280 px
        pl.DataFrame(
            {row: prepared.rejected["row_number"], reason: prepared.rejected["reasons"]},
            schema={row: pl.Int64, reason: pl.List(pl.String)},
        ).explode(reason),
        hide_index=True,
        width="stretch",
        row_height=WRAPPED_ROW_HEIGHT,
        column_config={row: st.column_config.NumberColumn(row, format="%d", width="small")},
    )
    st.download_button(
        t("import.download_rejected", lang),
        # Written when the button is clicked, not on every rerun of the page: 20,000
        # rejected rows of 22 columns take about 8 s to write.
        data=partial(xlsx_bytes, [(t("import.rejected", lang), table)]),
        file_name=f"{Path(prepared.file).stem}-rejected.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"rejected-{digest}",
        on_click="ignore",
    )
