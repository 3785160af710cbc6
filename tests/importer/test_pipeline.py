"""The import pipeline end to end: samples, broken files, guarantees, tricky layouts."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from dashboard import store
from dashboard.importer.errors import ImportFileError, MissingColumnError, NotAWorkbookError
from dashboard.importer.pipeline import import_file, prepare, rejected_table, stored_rejected_table
from dashboard.importer.pseudonym import Pseudonymiser
from dashboard.store.records import import_history, rejected_rows, undo_import
from tests.importer.build import INCIDENT_HEADER, incident_row, make_xlsx
from tests.samples import SAMPLES, sample

KEY = b"test-key-0123456789abcdef"
CPR = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")


@pytest.fixture
def con():
    c = store.connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def pseudo() -> Pseudonymiser:
    return Pseudonymiser(KEY)


def run(con, path: Path, pseudo: Pseudonymiser, **kw):
    return import_file(con, path, pseudonymiser=pseudo, **kw)


# --------------------------------------------------------------------- the shared samples


@pytest.mark.parametrize(
    "name", ["haendelser_2023-2024.xlsx", "henvendelser_2023-2024.xlsx", "incidents_en_sample.xlsx"]
)
def test_samples_give_expected_counts(con, pseudo, name: str) -> None:
    expected = json.loads((sample("expected_counts.json")).read_text())[name]
    report, _ = run(con, sample(name), pseudo)
    assert report.error is None
    assert report.stored == expected["stored"]
    assert report.rejected == expected["rejected_rows"]
    assert report.exact_duplicates == expected.get("exact_duplicates", 0)
    # nothing lost: every data row is stored, a duplicate, or rejected
    assert report.rows_read == report.stored + report.exact_duplicates + report.rejected
    table = report.kind
    assert store.fetch_all(con, f"SELECT count(*) FROM {table}") == [(expected["stored"],)]


def test_incident_sample_rejections_name_row_and_all_reasons(con, pseudo) -> None:
    report, _ = run(con, sample("haendelser_2023-2024.xlsx"), pseudo)
    reasons = [" | ".join(r.reasons) for r in report.rejections]
    text = "\n".join(reasons)
    assert sum("Hændelses-ID is empty" in r for r in reasons) == 3
    assert sum("Forvaltning is empty" in r for r in reasons) == 2
    assert sum("Hændelsestype" in r and "unknown value" in r for r in reasons) == 1
    assert sum("Fraværsdage" in r for r in reasons) == 1
    assert sum("different content" in r for r in reasons) == 2
    assert sum("Hændelsesdato" in r for r in reasons) == 2, text
    assert all(r.row > 4 for r in report.rejections)  # header is row 4; data below it
    rows = store.fetch_all(con, "SELECT count(*) FROM rejected_rows")
    assert rows == [(11,)]


def test_no_cpr_number_reaches_the_store(con, pseudo) -> None:
    path = sample("haendelser_2023-2024.xlsx")
    run(con, path, pseudo)
    # the sample does hold CPR numbers, in the citizen column and in notes
    import fastexcel

    raw = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string").to_polars()
    assert any(CPR.search(str(v)) for col in raw.columns for v in raw[col].to_list() if v)
    tables = store.fetch_all(
        con,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'VARCHAR[]')",
    )
    # Digests of whole rows or files are hex and may hold digit runs; they are not person data.
    technical = {"row_hash", "content_hash", "signature"}
    for table, column in tables:
        if column in technical:
            continue
        values = store.fetch_all(con, f'SELECT DISTINCT "{column}"::VARCHAR FROM "{table}"')
        leaks = [v[0] for v in values if v[0] and CPR.search(v[0])]
        assert not leaks, (table, column, leaks[:3])


def test_reimport_of_identical_file_writes_nothing(con, pseudo) -> None:
    path = sample("henvendelser_2023-2024.xlsx")
    first, _ = run(con, path, pseudo)
    again, _ = run(con, path, pseudo)
    assert first.stored_new == 900
    assert again.status == "unchanged" and again.unchanged == 900 and again.stored_new == 0
    assert import_history(con).height == 1


def test_undo_removes_a_whole_import(con, pseudo) -> None:
    report, _ = run(con, sample("incidents_en_sample.xlsx"), pseudo)
    assert report.import_id is not None
    undo_import(con, report.import_id)
    assert store.is_empty(con)


@pytest.mark.parametrize(
    ("name", "error", "needle"),
    [
        ("bad/not_a_workbook.xlsx", NotAWorkbookError, "not_a_workbook.xlsx"),
        ("bad/truncated.xlsx", NotAWorkbookError, "truncated.xlsx"),
        ("bad/missing_required_column.xlsx", MissingColumnError, "Forvaltning"),
        ("bad/empty.xlsx", ImportFileError, "empty.xlsx"),
    ],
)
def test_broken_files_are_refused_with_one_sentence(con, pseudo, name, error, needle) -> None:
    with pytest.raises(error) as info:
        run(con, sample(name), pseudo)
    sentence = str(info.value)
    assert needle in sentence
    assert "\n" not in sentence and "Traceback" not in sentence
    assert sentence.count(". ") == 0 and sentence.endswith(".")
    assert store.is_empty(con) and import_history(con).height == 0


def test_formula_like_text_is_imported_as_text(con, pseudo) -> None:
    report, _ = run(con, sample("bad/formula_injection.xlsx"), pseudo)
    assert report.rejected == 0 and report.stored == report.rows_read
    notes = {r[0] for r in store.fetch_all(con, "SELECT notes FROM incidents")}
    assert "+SUM(1,2)" in notes and "@cmd" in notes
    assert ("=1+1",) in store.fetch_all(con, "SELECT unit FROM incidents")


# --------------------------------------------------------------------- tricky layouts


def test_title_rows_blank_rows_total_row_and_legend_sheet(tmp_path, con, pseudo) -> None:
    rows = [
        ["Udtræk af hændelser"],
        [],
        INCIDENT_HEADER,
        incident_row(1),
        [],
        incident_row(2, Hændelsesdato="24. juli 2024"),
        incident_row(3, Hændelsesdato=datetime(2024, 7, 24)),
        ["I alt", None, None, None, None, None, None, None, None, "3", None],
    ]
    path = make_xlsx(
        tmp_path / "x.xlsx",
        {"Forklaring": [["Politianmeldt", "Ja/Nej"], ["Advarsel givet", "Ja/Nej"]], "Data": rows},
    )
    report, _ = run(con, path, pseudo)
    assert (report.sheet, report.header_row) == ("Data", 3)
    assert (report.rows_read, report.stored_new, report.blank_rows, report.total_rows) == (
        3,
        3,
        1,
        1,
    )
    dates = {r[0] for r in store.fetch_all(con, "SELECT DISTINCT occurred_on FROM incidents")}
    assert dates == {date(2024, 7, 24)}


def test_a_legend_sheet_repeating_the_header_is_not_taken_for_the_data(tmp_path, pseudo) -> None:
    explanations = ["Unikt nummer", "Navn", "Afdeling", "Dato", "Se listen", "Lav/Middel/Høj"]
    legend = [["Forklaring"], INCIDENT_HEADER, explanations]
    data = [INCIDENT_HEADER, incident_row(1), incident_row(2), incident_row(3)]
    path = make_xlsx(tmp_path / "x.xlsx", {"Forklaring": legend, "Data": data})
    prepared = prepare(path, pseudonymiser=pseudo)
    assert (prepared.match.sheet.name, prepared.records.height, prepared.rejected.height) == (
        "Data",
        3,
        0,
    )


def test_all_reasons_of_a_row_are_reported(tmp_path, pseudo) -> None:
    bad = incident_row(
        1, Forvaltning=None, Hændelsesdato="31-02-2024", Fraværsdage="-1", Politianmeldt="Måske"
    )
    path = make_xlsx(tmp_path / "x.xlsx", {"Ark1": [INCIDENT_HEADER, bad, incident_row(2)]})
    prepared = prepare(path, pseudonymiser=pseudo)
    [rejection] = prepared.rejections()
    assert rejection.row == 2
    assert len(rejection.reasons) == 4, rejection.reasons


def test_exact_duplicates_stored_once_and_conflicts_rejected(tmp_path, pseudo) -> None:
    rows = [
        INCIDENT_HEADER,
        incident_row(1),
        incident_row(1),  # exact duplicate
        incident_row(2),
        incident_row(2, Alvorlighed="Høj"),  # same id, other content
    ]
    prepared = prepare(make_xlsx(tmp_path / "x.xlsx", {"Ark1": rows}), pseudonymiser=pseudo)
    assert prepared.records.height == 1 and prepared.exact_duplicates == 1
    assert [r.row for r in prepared.rejections()] == [4, 5]
    assert "rows 4, 5" in prepared.rejections()[0].reasons[0]


def test_x_column_hidden_sheet_and_long_ids(tmp_path, con, pseudo) -> None:
    rows = [
        INCIDENT_HEADER,
        incident_row(1, **{"Hændelses-ID": "12345678901234567890", "Politianmeldt": "X"}),
        incident_row(2, Politianmeldt=None),
    ]
    path = make_xlsx(
        tmp_path / "x.xlsx",
        {"Skjult": [INCIDENT_HEADER, incident_row(9)], "Data": rows},
        hidden=["Skjult"],
    )
    report, _ = run(con, path, pseudo)
    assert report.sheet == "Data" and report.hidden_sheets == ["Skjult"]
    got = dict(store.fetch_all(con, "SELECT incident_id, police_reported FROM incidents"))
    assert got == {"12345678901234567890": True, "H-2": False}


def test_repeated_header_cells_keep_every_cell_of_a_rejected_row(tmp_path, pseudo) -> None:
    header = [*INCIDENT_HEADER, "Forvaltning"]  # an extra column repeating a header
    rows = [header, [*incident_row(1), "Ekstra"], [*incident_row(2, Forvaltning=None), "Anden"]]
    prepared = prepare(make_xlsx(tmp_path / "x.xlsx", {"Ark1": rows}), pseudonymiser=pseudo)
    assert prepared.match.duplicates == ["Forvaltning"]
    assert [r.row for r in prepared.rejections()] == [3]
    original = json.loads(prepared.rejected["raw"].item())
    assert (original["Forvaltning"], original["Forvaltning (2)"]) == (None, "Anden")
    table = rejected_table(prepared)
    assert table["Forvaltning (2)"].to_list() == ["Anden"]


def test_extra_columns_named_like_the_rejected_tables_own_columns(tmp_path, pseudo) -> None:
    header = [*INCIDENT_HEADER, "Row", "Reasons"]
    rows = [header, [*incident_row(1, Forvaltning=None), "r", "why"]]
    prepared = prepare(make_xlsx(tmp_path / "x.xlsx", {"Ark1": rows}), pseudonymiser=pseudo)
    table = rejected_table(prepared)
    assert table["Row"].to_list() == [2]
    assert (table["Row (2)"].to_list(), table["Reasons (2)"].to_list()) == (["r"], ["why"])
    assert table["Reasons"].to_list() == ["Forvaltning is empty (required)"]


def test_ids_that_look_like_cpr_numbers_stay_distinct_and_hidden(tmp_path, con, pseudo) -> None:
    # Two incidents whose ids have a CPR number's shape: both stored, neither in clear text
    # (masked to "[CPR]" they were one id, and the second row was dropped as a duplicate).
    rows = [INCIDENT_HEADER]
    rows += [incident_row(1, **{"Hændelses-ID": "0101801234", "Borger-ID": "B1"})]
    rows += [incident_row(2, **{"Hændelses-ID": "0202801234", "Borger-ID": "B1"})]
    report, _ = run(con, make_xlsx(tmp_path / "x.xlsx", {"Ark1": rows}), pseudo)
    assert (report.stored_new, report.exact_duplicates, report.rejected) == (2, 0, 0)
    ids = {r[0] for r in store.fetch_all(con, "SELECT incident_id FROM incidents")}
    # each is the store's random token for its number, not a pseudonym derived from it
    tokens = dict(store.fetch_all(con, "SELECT pseudonym, token FROM cpr_tokens"))
    assert ids == {tokens[pseudo.pseudonym("0101801234")], tokens[pseudo.pseudonym("0202801234")]}
    assert all(re.fullmatch(r"cpr-[a-z]{16}", i) for i in ids)


def test_manual_mapping_is_saved_and_reused(tmp_path, con, pseudo) -> None:
    header = ["Hændelses-ID", "Forvaltning", "Hændelsesdato", "Slags"]
    rows = [header, ["H-1", "Soc", "2024-01-02", "Trusler"]]
    path = make_xlsx(tmp_path / "a.xlsx", {"Ark1": rows})
    with pytest.raises(MissingColumnError) as info:
        run(con, path, pseudo)
    assert "--map" in str(info.value)
    report, _ = run(con, path, pseudo, manual_mapping={"Slags": "harassment_type"})
    assert report.stored_new == 1
    # the next export with the same headers needs no mapping
    path2 = make_xlsx(tmp_path / "b.xlsx", {"Ark1": [header, ["H-2", "Soc", "2024-01-03", "Vold"]]})
    report2, _ = run(con, path2, pseudo)
    assert report2.stored_new == 1


def test_saved_mapping_is_reused_for_headers_that_name_too_few_fields(
    tmp_path, con, pseudo
) -> None:
    # Only "Forvaltning" is known: the file is recognisable only with the saved mapping.
    header = ["Nr", "Forvaltning", "Hvornår", "Slags"]
    manual = {"Nr": "incident_id", "Hvornår": "occurred_on", "Slags": "harassment_type"}
    path = make_xlsx(tmp_path / "a.xlsx", {"Ark1": [header, ["H-1", "Soc", "2024-01-02", "Vold"]]})
    report, _ = run(con, path, pseudo, manual_mapping=manual)
    assert report.stored_new == 1
    rows = [["Udtræk"], header, ["H-2", "Soc", "2024-01-03", "Trusler"]]
    report2, _ = run(con, make_xlsx(tmp_path / "b.xlsx", {"Noter": [["x"]], "Ark1": rows}), pseudo)
    assert (report2.sheet, report2.header_row, report2.stored_new) == ("Ark1", 2, 1)
    with pytest.raises(ImportFileError, match="no sheet with a recognisable header"):
        prepare(path, pseudonymiser=pseudo)  # without the store's saved mappings


def test_inquiry_deadline_defaults_by_type(tmp_path, con, pseudo) -> None:
    header = ["Sagsnr.", "Forvaltning", "Henvendelsestype", "Modtaget", "Svarfrist", "Besvaret"]
    rows = [
        header,
        ["S1", "Soc", "Borgerrådgiveren", "01-03-2024", None, None],
        ["S2", "Soc", "Aktindsigt", "01-03-2024", None, "05-03-2024"],
        ["S3", "Soc", "Klage", "01-03-2024", "10-03-2024", None],
    ]
    report, _ = run(con, make_xlsx(tmp_path / "q.xlsx", {"Ark1": rows}), pseudo)
    assert report.kind == "inquiries" and report.stored_new == 3
    got = {
        r[0]: r[1:]
        for r in store.fetch_all(
            con, "SELECT inquiry_id, deadline_on, deadline_source FROM inquiries"
        )
    }
    assert got == {
        "S1": (date(2024, 3, 22), "default"),
        "S2": (date(2024, 3, 8), "default"),
        "S3": (date(2024, 3, 10), "file"),
    }


def test_1904_workbook_dates(tmp_path, con, pseudo) -> None:
    rows = [INCIDENT_HEADER, incident_row(1, Hændelsesdato=datetime(2024, 7, 24))]
    report, _ = run(con, make_xlsx(tmp_path / "mac.xlsx", {"Ark1": rows}, date1904=True), pseudo)
    assert report.stored_new == 1
    assert store.fetch_all(con, "SELECT occurred_on FROM incidents") == [(date(2024, 7, 24),)]


def test_samples_dir_documented() -> None:
    assert SAMPLES.name == "samples"


def test_rejected_rows_are_masked_in_the_workbook_and_the_store(tmp_path, con, pseudo) -> None:
    """Issue 15, item 5: the rejected-rows workbook held CPR numbers in clear."""
    header = [*INCIDENT_HEADER, "Kontakt 010190-1234"]  # a header with a CPR number, too
    rows = [
        header,
        [*incident_row(1), "x"],
        [*incident_row(2, Forvaltning=None, Bemærkninger="Borger 0101901234 truede"), "y"],
        [*incident_row(3, **{"Borger-ID": "101901234", "Hændelsesdato": "i går"}), "z"],
    ]
    report, prepared = run(con, make_xlsx(tmp_path / "x.xlsx", {"Ark1": rows}), pseudo)
    table = rejected_table(prepared)
    assert table["Row"].to_list() == [3, 4]  # the row numbers find the rows in the file
    assert table["Reasons"].to_list() == [
        "Forvaltning is empty (required)",
        'Hændelsesdato: unreadable date "i går"',
    ]
    assert table["Bemærkninger"].to_list() == ["Borger [CPR] truede", None]
    assert table["Borger-ID"].to_list() == ["B0002", "[CPR]"]
    assert "Kontakt [CPR]" in table.columns
    cells = [str(v) for column in table.columns for v in table[column].to_list()]
    assert not CPR.search(" ".join([*cells, *table.columns]))
    stored = " ".join(r[0] for r in store.fetch_all(con, "SELECT raw FROM rejected_rows"))
    assert not re.search(r"[0-9]{6}", stored) and "[CPR]" in stored
    assert report.rejected == 2


def test_file_sheet_and_header_names_are_masked_where_kept_and_shown(tmp_path, con, pseudo) -> None:
    """Issue 15, item 2: file and sheet names in imports, mapping keys, the history."""
    header = [*INCIDENT_HEADER[:-1], "Note 0101901234"]
    rows = [header, incident_row(1)]
    path = make_xlsx(tmp_path / "borger 010190-1234.xlsx", {"Ark 0202901234": rows})
    report, _ = run(con, path, pseudo, manual_mapping={"Note 0101901234": "notes"})
    assert report.file == "borger [CPR].xlsx" and report.sheet == "Ark [CPR]"
    history = import_history(con)
    assert history["file_name"].to_list() == ["borger [CPR].xlsx"]
    assert history["sheet"].to_list() == ["Ark [CPR]"]
    (mapping,) = store.fetch_all(con, "SELECT mapping FROM imports")[0]
    assert json.loads(mapping)["Note [CPR]"] == "notes"
    saved = store.fetch_all(con, "SELECT mapping FROM header_mappings")
    assert all("0101901234" not in m for (m,) in saved)
    texts = json.dumps(report.to_json(), ensure_ascii=False)
    assert not CPR.search(texts)


def test_a_file_whose_every_row_is_rejected_is_recorded(tmp_path, con, pseudo) -> None:
    """Issue 15, item 12: it was reported "unchanged" and its rejected rows were lost."""
    rows = [INCIDENT_HEADER, incident_row(1, Forvaltning=None), incident_row(2, Hændelsesdato="?")]
    report, _ = run(con, make_xlsx(tmp_path / "x.xlsx", {"Ark1": rows}), pseudo)
    assert report.status == "imported" and report.import_id is not None
    assert (report.rows_read, report.stored, report.rejected) == (2, 0, 2)
    history = import_history(con)
    assert history.select("rejected", "stored_new").rows() == [(2, 0)]
    stored = store.fetch_all(con, "SELECT row_number FROM rejected_rows ORDER BY 1")
    assert stored == [(2,), (3,)]
    assert store.is_empty(con)
    undo_import(con, report.import_id)  # and it can be undone like any other
    assert import_history(con)["undone_at"].null_count() == 0


def test_a_past_imports_rejected_rows_are_the_uploads_table_again(con, pseudo) -> None:
    """Issue 17: the rejected rows of a past import can be downloaded again; they equal,
    cell for cell, the table offered right after the upload (the sample's 12 rejected rows,
    per its README)."""
    report, prepared = run(con, sample("haendelser_2023-2024.xlsx"), pseudo)
    [past] = import_history(con).to_dicts()
    again = stored_rejected_table(
        rejected_rows(con, past["import_id"]), row="Række", reasons="Årsager"
    )
    assert again.equals(rejected_table(prepared, row="Række", reasons="Årsager"))
    assert again.height == report.rejected == past["rejected"]


def test_a_past_imports_rejected_rows_keep_headers_named_like_the_tables_own(
    tmp_path, con, pseudo
) -> None:
    header = [*INCIDENT_HEADER, "Row", "Reasons", "Forvaltning"]
    rows = [header, [*incident_row(1, Forvaltning=None), "r", "why", "x"]]
    _, prepared = run(con, make_xlsx(tmp_path / "x.xlsx", {"Ark1": rows}), pseudo)
    [past] = import_history(con).to_dicts()
    again = stored_rejected_table(rejected_rows(con, past["import_id"]))
    assert again.equals(rejected_table(prepared))
    assert again.columns[0] == "Row" and again.columns[-1] == "Reasons"
    assert {"Row (2)", "Reasons (2)", "Forvaltning (2)"} <= set(again.columns)
