"""The Import page's session caches: only files still in the uploader are kept, and a
validation is reused exactly while what it depends on is unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dashboard.components import upload_flow
from dashboard.components.upload_flow import (
    forget_other_uploads,
    prepared_key,
)
from dashboard.i18n import Lang
from dashboard.importer.errors import NotAWorkbookError
from dashboard.importer.headers import HeaderMatch
from dashboard.importer.pipeline import locate
from dashboard.importer.workbook import read_workbook
from tests.importer.build import make_xlsx


def test_files_no_longer_uploaded_are_forgotten() -> None:
    state: dict[str, Any] = {
        "_workbooks": {"a": "book a", "b": "book b", "c": "book c"},
        "_prepared": {"a": "prepared a", "b": "prepared b"},
        "_imported": {"b": "report b", "c": "report c"},
        "map-b": {"Header": "field"},
    }
    forget_other_uploads(state, ["b"])
    assert state == {
        "_workbooks": {"b": "book b"},
        "_prepared": {"b": "prepared b"},
        "_imported": {"b": "report b"},
        "map-b": {"Header": "field"},
    }


def test_nothing_uploaded_empties_the_caches_and_a_fresh_session_is_left_alone() -> None:
    state: dict[str, Any] = {"_workbooks": {"a": "book a"}}
    forget_other_uploads(state, [])
    assert state == {"_workbooks": {}}
    fresh: dict[str, Any] = {}
    forget_other_uploads(fresh, ["a"])
    assert fresh == {}


@pytest.fixture(scope="module")
def match(tmp_path_factory: pytest.TempPathFactory) -> HeaderMatch:
    path = make_xlsx(
        tmp_path_factory.mktemp("flow") / "inquiries.xlsx",
        {
            "Data": [
                ["Henvendelses-ID", "Forvaltning", "Modtaget", "Type", "Frist", "Ukendt"],
                ["H-1", "Socialforvaltningen", "2024-01-02", "Klage", "2024-01-30", "x"],
            ]
        },
    )
    return locate(read_workbook(path))


DEADLINES = {"complaint": 28, "ombudsman": 21}


def test_the_same_inputs_give_the_same_key(match: HeaderMatch) -> None:
    assert prepared_key(match, {}, DEADLINES, "da") == prepared_key(
        match, {}, dict(DEADLINES), "da"
    )


@pytest.mark.parametrize(
    "change",
    ["manual mapping", "mapping", "deadline", "header row", "kind", "language"],
)
def test_anything_a_validation_depends_on_changes_the_key(match: HeaderMatch, change: str) -> None:
    manual: dict[str, str] = {}
    deadlines = dict(DEADLINES)
    other = match
    lang: Lang = "da"
    if change == "manual mapping":
        manual = {"Ukendt": "notes"}
    elif change == "mapping":
        other = HeaderMatch(**{**vars(match), "mapping": {**match.mapping, "c5": "notes"}})
    elif change == "deadline":
        deadlines["complaint"] = 30
    elif change == "header row":
        other = HeaderMatch(**{**vars(match), "header_index": match.header_index + 1})
    elif change == "kind":
        other = HeaderMatch(**{**vars(match), "kind": "incidents"})
    else:
        lang = "en"
    assert prepared_key(other, manual, deadlines, lang) != prepared_key(match, {}, DEADLINES, "da")


def test_a_file_is_read_once_and_a_refusal_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = upload_flow.read_workbook

    def counting(path: Path, *, display_name: str) -> Any:
        calls.append(display_name)
        return real(path, display_name=display_name)

    monkeypatch.setattr(upload_flow, "read_workbook", counting)
    good = make_xlsx(tmp_path / "good.xlsx", {"Data": [["Hændelses-ID"], ["H-1"]]})
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    cache: dict[str, Any] = {}
    first = upload_flow.read_once(cache, good.read_bytes(), "good.xlsx", "g")
    assert upload_flow.read_once(cache, good.read_bytes(), "good.xlsx", "g") is first
    for _ in range(2):
        with pytest.raises(NotAWorkbookError) as refused:
            upload_flow.read_once(cache, broken.read_bytes(), "broken.xlsx", "b")
        assert refused.value.sentence_in("da").startswith("broken.xlsx er ikke en Excel")
    assert calls == ["good.xlsx", "broken.xlsx"]


def _upload_script() -> None:
    """Runs under AppTest: the Import page's flow for the file named in TEST_UPLOAD."""
    import os  # AppTest runs this function's source on its own
    from pathlib import Path

    from dashboard.components.context import cursor
    from dashboard.components.upload_flow import import_one

    path = Path(os.environ["TEST_UPLOAD"])
    import_one(cursor(), path.name, path.read_bytes(), "da")


@pytest.fixture
def upload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the Import page's flow on a file, under AppTest, on a store of its own in tmp_path."""
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import TIMEOUT

    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))

    def run(path: Path) -> AppTest:
        monkeypatch.setenv("TEST_UPLOAD", str(path))
        return AppTest.from_function(_upload_script, default_timeout=TIMEOUT).run()

    return run


ODD_HEADERS = ["Nr", "Forvaltning", "Hvornår", "Slags"]  # only "Forvaltning" is an alias
ODD_MAPPING = {"Nr": "incident_id", "Hvornår": "occurred_on", "Slags": "harassment_type"}


def _odd_export(path: Path) -> Path:
    return make_xlsx(
        path,
        {
            "Udtræk": [
                ["Hændelser, udtræk fra registreringssystemet"],
                ODD_HEADERS,
                ["H-1", "Socialforvaltningen", "2024-01-02", "Vold"],
                ["H-2", "Socialforvaltningen", "2024-01-03", "Trusler"],
                ["H-3", "Børne- og Ungdomsforvaltningen", "2024-01-04", "Digital chikane"],
            ]
        },
    )


def test_headers_the_contract_does_not_know_can_be_pointed_at_mapped_and_imported(
    tmp_path: Path, upload: Any
) -> None:
    """Contract: a header that matches nothing is offered for manual mapping in the upload
    page, and the mapping is reused for the next file with the same headers. A file whose
    headers name fewer than three known fields used to be refused outright."""
    from dashboard import store

    db = tmp_path / "store.duckdb"
    at = upload(_odd_export(tmp_path / "udtraek.xlsx"))
    assert not at.exception
    assert "Peg selv på overskriftsrækken" in [m.value.strip("*") for m in at.markdown]
    preview = at.dataframe[0].value
    assert preview["Række"].tolist()[:2] == [1, 2]
    assert preview["B"].tolist()[:2] == ["", "Forvaltning"]  # an empty cell shows empty

    at.number_input(key=next(k for k in _keys(at) if k.startswith("place-row-"))).set_value(2)
    at.selectbox(key=next(k for k in _keys(at) if k.startswith("place-kind-"))).set_value(
        "incidents"
    )
    at.run()
    assert not at.exception
    for header, field in ODD_MAPPING.items():
        picker = next(s for s in at.selectbox if s.label == header)
        picker.set_value(field)
        at.run()
    assert not at.exception
    assert not [w for w in at.warning if "mangler" in w.value]  # every required field mapped
    at.button(key=next(k for k in _keys(at) if k.startswith("confirm-"))).click().run()
    assert not at.exception

    con = store.connect(db)
    try:
        stored = store.fetch_all(
            con, "SELECT incident_id, department, occurred_on::VARCHAR FROM incidents ORDER BY 1"
        )
    finally:
        con.close()
    assert stored == [
        ("H-1", "Socialforvaltningen", "2024-01-02"),
        ("H-2", "Socialforvaltningen", "2024-01-03"),
        ("H-3", "Børne- og Ungdomsforvaltningen", "2024-01-04"),
    ]

    # The next export with the same headers is found without pointing at anything.
    again = upload(_odd_export(tmp_path / "naeste.xlsx"))
    assert not again.exception
    assert not [m for m in again.markdown if "Peg selv" in m.value]
    assert any("række 2" in c.value for c in again.caption)


def _keys(at: Any) -> list[str]:
    """The keys of the widgets the flow gives keys to (they end in the file's digest)."""
    return [w.key for kind in ("number_input", "selectbox", "button") for w in getattr(at, kind)]


def test_a_second_column_for_the_same_field_is_pointed_out(tmp_path: Path, upload: Any) -> None:
    header = ["Hændelses-ID", "Forvaltning", "Dato", "Type", "Forvaltning"]
    path = make_xlsx(
        tmp_path / "twice.xlsx",
        {"Ark1": [header, ["H-1", "Socialforvaltningen", "2024-01-02", "Vold", "Andet"]]},
    )
    at = upload(path)
    assert not at.exception
    [warning] = [w.value for w in at.warning]
    assert "ikke importeret: Forvaltning." in warning


def test_another_data_sheet_is_pointed_out_chosen_and_imported(tmp_path: Path, upload: Any) -> None:
    from dashboard import store

    header = ["Hændelses-ID", "Forvaltning", "Dato", "Type"]
    path = make_xlsx(
        tmp_path / "two_years.xlsx",
        {
            "2023": [
                header,
                ["H-1", "Soc", "2023-01-02", "Vold"],
                ["H-2", "Soc", "2023-02-02", "Vold"],
            ],
            "2024": [
                header,
                ["H-3", "Soc", "2024-01-02", "Vold"],
                ["H-4", "Soc", "2024-03-02", "Vold"],
            ],
        },
    )
    db = tmp_path / "store.duckdb"
    at = upload(path)
    assert not at.exception
    assert [i.value for i in at.info if "ligner data" in i.value] == [
        "Andre ark, der ligner data, bliver ikke importeret med dette: »2024«. Vælg ét ark ad "
        "gangen under »Hvilket ark skal importeres?«."
    ]
    at.button(key=next(k for k in _keys(at) if k.startswith("confirm-"))).click().run()
    another = next(k for k in _keys(at) if k.startswith("another-"))
    at.button(key=another).click().run()
    at.selectbox(key=next(k for k in _keys(at) if k.startswith("sheet-"))).set_value("2024").run()
    assert not at.exception
    assert any("Fundet ark: 2024" in c.value for c in at.caption)
    at.button(key=next(k for k in _keys(at) if k.startswith("confirm-"))).click().run()
    assert not at.exception

    con = store.connect(db)
    try:
        ids = store.fetch_all(con, "SELECT incident_id FROM incidents ORDER BY 1")
    finally:
        con.close()
    assert ids == [("H-1",), ("H-2",), ("H-3",), ("H-4",)]


def test_pointing_at_the_header_starts_on_the_sheet_chosen(tmp_path: Path, upload: Any) -> None:
    header = ["Hændelses-ID", "Forvaltning", "Dato", "Type"]
    path = make_xlsx(
        tmp_path / "mixed.xlsx",
        {
            "Kendt": [header, ["H-1", "Soc", "2023-01-02", "Vold"]],
            "Ukendt": [ODD_HEADERS, ["H-2", "Soc", "2024-01-02", "Vold"]],
        },
    )
    at = upload(path)
    at.selectbox(key=next(k for k in _keys(at) if k.startswith("sheet-"))).set_value("Ukendt")
    at.run()
    assert not at.exception
    placed = at.selectbox(key=next(k for k in _keys(at) if k.startswith("place-sheet-")))
    assert placed.value == "Ukendt"


def test_the_only_empty_sheet_is_not_told_to_choose_another(tmp_path: Path, upload: Any) -> None:
    """Issue 17: a one-sheet empty file said "Vælg et andet ark" with no other sheet to pick."""
    at = upload(make_xlsx(tmp_path / "tom.xlsx", {"Ark1": []}))
    assert not at.exception
    infos = [i.value for i in at.info]
    assert any("eneste ark er tomt" in i for i in infos), infos
    assert not any("Vælg et andet ark" in i for i in infos)
    # with another sheet to pick, the empty one still says so
    two = upload(make_xlsx(tmp_path / "to.xlsx", {"Tom": [], "Noter": [["a", "b"], ["c", "d"]]}))
    assert any("Vælg et andet ark" in i.value for i in two.info)


@pytest.mark.parametrize(
    ("blank", "total", "caption"),
    [
        (0, 1, "Sprunget over: 1 totalrække."),
        (1, 1, "Sprunget over: 1 tom række og 1 totalrække."),
        (2, 0, "Sprunget over: 2 tomme rækker."),
    ],
)
def test_skipped_rows_are_counted_in_the_right_number(
    tmp_path: Path, upload: Any, blank: int, total: int, caption: str
) -> None:
    """Issue 17: "1 totalrækker". Expected captions written by hand (Danish grammar)."""
    header = ["Hændelses-ID", "Forvaltning", "Dato", "Type"]
    rows: list[list[Any]] = [header, ["H-1", "Soc", "2024-01-02", "Vold"]]
    rows += [[None, None, None, None]] * blank
    rows += [["H-2", "Soc", "2024-01-03", "Vold"]]
    rows += [["I alt", None, None, None]] * total
    at = upload(make_xlsx(tmp_path / "rows.xlsx", {"Ark1": rows}))
    assert not at.exception
    assert caption in [c.value for c in at.caption]


def test_rejected_rows_show_one_reason_per_line(tmp_path: Path, upload: Any) -> None:
    """Issue 17: a row's reasons in one cell ran off-screen at 1280 px; one line each now.
    The row below lacks both its id and its department: two reasons, written by hand."""
    header = ["Hændelses-ID", "Forvaltning", "Dato", "Type"]
    rows = [header, ["H-1", "Soc", "2024-01-02", "Vold"], [None, None, "2024-01-03", "Vold"]]
    at = upload(make_xlsx(tmp_path / "afvist.xlsx", {"Ark1": rows}))
    assert not at.exception
    [table] = [d.value for d in at.dataframe if "Årsag" in d.value.columns]
    assert table["Række"].tolist() == [3, 3]
    assert sorted(table["Årsag"].tolist()) == [
        "Forvaltning mangler (obligatorisk)",
        "Hændelses-ID mangler (obligatorisk)",
    ]
