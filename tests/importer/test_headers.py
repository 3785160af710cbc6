"""What the Import page shows of a sheet whose header row the analyst points at."""

from __future__ import annotations

from pathlib import Path

from dashboard.importer.headers import first_rows
from dashboard.importer.workbook import read_workbook
from tests.importer.build import make_xlsx


def test_first_rows_are_numbered_lettered_and_masked(tmp_path: Path) -> None:
    """Issue 15, item 2: every text the program shows is masked, the preview's cells too."""
    rows = [["Udtræk 2024", None], ["Nr", "Borger"], ["1", "010190-1234"], ["2", "101901234"]]
    book = read_workbook(make_xlsx(tmp_path / "x.xlsx", {"Ark1": rows}))
    shown = first_rows(book.sheets[0], "Række")
    assert shown.columns == ["Række", "A", "B"]
    assert shown["Række"].to_list() == [1, 2, 3, 4]
    assert shown["B"].to_list() == ["", "Borger", "[CPR]", "[CPR]"]
