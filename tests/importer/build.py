"""Building small workbooks for tests with openpyxl."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

INCIDENT_HEADER = [
    "Hændelses-ID",
    "Forvaltning",
    "Afdeling",
    "Hændelsesdato",
    "Hændelsestype",
    "Alvorlighed",
    "Borger-ID",
    "Advarsel givet",
    "Politianmeldt",
    "Fraværsdage",
    "Bemærkninger",
]


def incident_row(n: int, **overrides: Any) -> list[Any]:
    """A valid incident row with id H-<n>; override cells by header name."""
    values = {
        "Hændelses-ID": f"H-{n}",
        "Forvaltning": "Socialforvaltningen",
        "Afdeling": "Socialcenter Nørrebro",
        "Hændelsesdato": "24-07-2024",
        "Hændelsestype": "Digital chikane",
        "Alvorlighed": "Lav",
        "Borger-ID": f"B{n:04d}",
        "Advarsel givet": "Ja",
        "Politianmeldt": "Nej",
        "Fraværsdage": "0",
        "Bemærkninger": None,
    }
    values.update(overrides)
    return [values[h] for h in INCIDENT_HEADER]


def make_xlsx(
    path: Path,
    sheets: dict[str, Sequence[Sequence[Any]]],
    *,
    hidden: Sequence[str] = (),
    date1904: bool = False,
) -> Path:
    """Write ``{sheet name: rows}`` to ``path``; rows may hold str, numbers, dates or None."""
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    if date1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        wb.epoch = CALENDAR_MAC_1904
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path
