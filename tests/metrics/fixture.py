"""A tiny store whose every metric is computed by hand in the tests.

Incidents (2024):
| id | dept | unit | type/severity | occurred | police (date) | warning (date) | work accident (date) | documented |
|----|------|------|---------------|----------|---------------|----------------|----------------------|------------|
| 1  | A | A1 | digital/low     | 01-01 | yes 01-10 | yes 01-05 | no          | yes |
| 2  | A | A1 | digital/low     | 01-02 | no        | no        | no          | no  |
| 3  | A | A1 | violence/high   | 01-15 | yes 01-20 | no        | yes 01-20   | yes |
| 4  | A | A2 | violence/high   | 02-01 | yes 02-01 | yes 02-05 | yes 02-15   | yes |
| 5  | A | A2 | digital/low     | 02-02 | unknown   | yes (none)| no          | yes |
| 6  | B | B1 | digital/low     | 03-01 | no        | yes 03-02 | no          | no  |
| 7  | B | B1 | threats/medium  | 03-01 | yes 03-10 | yes 03-05 | no          | yes |
| 8  | B | B1 | violence/(none) | 03-03 | no        | no        | yes 03-11   | unknown |

Inquiries (2024): Q1 A/A1 received 01-01, deadline 01-29, answered 01-10; Q2 A/A1 01-01,
01-08, answered 01-20; Q3 A/A1 03-01, 03-22, open; Q4 B/B1 02-01, 02-08, answered 02-03;
Q5 B/B1 02-10, 02-17, open. The extract date is 2024-03-11 (incident 8's notification).
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from dashboard import store
from dashboard.contract import field_names
from dashboard.store.records import ImportMeta, with_row_hash, write_import


def d(month: int, day: int) -> date:
    return date(2024, month, day)


INCIDENTS = [
    # id, dept, unit, type, severity, occurred, police, police_on, warning, warning_on, wa, wa_on, documented
    (
        "1",
        "A",
        "A1",
        "digital_harassment",
        "low",
        d(1, 1),
        True,
        d(1, 10),
        True,
        d(1, 5),
        False,
        None,
        True,
    ),
    (
        "2",
        "A",
        "A1",
        "digital_harassment",
        "low",
        d(1, 2),
        False,
        None,
        False,
        None,
        False,
        None,
        False,
    ),
    (
        "3",
        "A",
        "A1",
        "violence",
        "high",
        d(1, 15),
        True,
        d(1, 20),
        False,
        None,
        True,
        d(1, 20),
        True,
    ),
    (
        "4",
        "A",
        "A2",
        "violence",
        "high",
        d(2, 1),
        True,
        d(2, 1),
        True,
        d(2, 5),
        True,
        d(2, 15),
        True,
    ),
    (
        "5",
        "A",
        "A2",
        "digital_harassment",
        "low",
        d(2, 2),
        None,
        None,
        True,
        None,
        False,
        None,
        True,
    ),
    (
        "6",
        "B",
        "B1",
        "digital_harassment",
        "low",
        d(3, 1),
        False,
        None,
        True,
        d(3, 2),
        False,
        None,
        False,
    ),
    (
        "7",
        "B",
        "B1",
        "threats",
        "medium",
        d(3, 1),
        True,
        d(3, 10),
        True,
        d(3, 5),
        False,
        None,
        True,
    ),
    ("8", "B", "B1", "violence", None, d(3, 3), False, None, False, None, True, d(3, 11), None),
]

INQUIRIES = [
    ("Q1", "A", "A1", d(1, 1), d(1, 29), d(1, 10)),
    ("Q2", "A", "A1", d(1, 1), d(1, 8), d(1, 20)),
    ("Q3", "A", "A1", d(3, 1), d(3, 22), None),
    ("Q4", "B", "B1", d(2, 1), d(2, 8), d(2, 3)),
    ("Q5", "B", "B1", d(2, 10), d(2, 17), None),
]


def incident_frame(incidents: list[tuple] | None = None) -> pl.DataFrame:
    rows = []
    for i, dept, unit, typ, sev, occ, pol, pol_on, warn, warn_on, wa, wa_on, doc in (
        incidents or INCIDENTS
    ):
        rows.append(
            {
                "incident_id": i,
                "case_id": None,
                "department": dept,
                "unit": unit,
                "occurred_on": occ,
                "registered_on": occ,
                "channel": "email",
                "harassment_type": typ,
                "severity": sev,
                "citizen_ref": None,
                "employee_ref": None,
                "documented": doc,
                "documentation_form": None,
                "documented_by": None,
                "warning_given": warn,
                "warning_on": warn_on,
                "police_reported": pol,
                "police_reported_on": pol_on,
                "decided_by": "manager" if pol else None,
                "work_accident_reported": wa,
                "work_accident_reported_on": wa_on,
                "absence_days": 0,
                "absence_from": None,
                "notes": None,
            }
        )
    schema = {
        "incident_id": pl.String,
        "case_id": pl.String,
        "department": pl.String,
        "unit": pl.String,
        "occurred_on": pl.Date,
        "registered_on": pl.Date,
        "channel": pl.String,
        "harassment_type": pl.String,
        "severity": pl.String,
        "citizen_ref": pl.String,
        "employee_ref": pl.String,
        "documented": pl.Boolean,
        "documentation_form": pl.String,
        "documented_by": pl.String,
        "warning_given": pl.Boolean,
        "warning_on": pl.Date,
        "police_reported": pl.Boolean,
        "police_reported_on": pl.Date,
        "decided_by": pl.String,
        "work_accident_reported": pl.Boolean,
        "work_accident_reported_on": pl.Date,
        "absence_days": pl.Int64,
        "absence_from": pl.Date,
        "notes": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema)
    assert frame.columns == field_names("incidents")
    return frame


def inquiry_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "inquiry_id": q,
                "department": dept,
                "unit": unit,
                "inquiry_type": "complaint",
                "received_on": rec,
                "deadline_on": dl,
                "answered_on": ans,
                "citizen_ref": None,
                "deadline_source": "file",
            }
            for q, dept, unit, rec, dl, ans in INQUIRIES
        ],
        schema={
            "inquiry_id": pl.String,
            "department": pl.String,
            "unit": pl.String,
            "inquiry_type": pl.String,
            "received_on": pl.Date,
            "deadline_on": pl.Date,
            "answered_on": pl.Date,
            "citizen_ref": pl.String,
            "deadline_source": pl.String,
        },
    )


def fixture_store(
    path: str = ":memory:", extra: list[tuple] | None = None
) -> duckdb.DuckDBPyConnection:
    """A store holding the records above (and the ``extra`` incidents, as :data:`EXTRA`): in
    memory, or in the file ``path``."""
    con = store.connect(path)
    incidents = incident_frame(INCIDENTS + (extra or []))
    for kind, frame in (("incidents", incidents), ("inquiries", inquiry_frame())):
        meta = ImportMeta(kind, f"{kind}.xlsx", "Ark1", 1, kind, frame.height, 0, 0, {})  # type: ignore[arg-type]
        write_import(con, with_row_hash(con, kind, frame), meta)  # type: ignore[arg-type]
    return con


def _police_only(i: str, dept: str, unit: str, typ: str, sev: str, police: bool) -> tuple:
    return (i, dept, unit, typ, sev, d(2, 20), police, d(2, 20) if police else None,
            False, None, False, None, True)  # fmt: skip


# Incidents for the stratified tests, which need groups with both outcomes in two strata:
# only the police report varies (no warning, no work accident, documented, 2024-02-20).
# Police reports (yes, no) with INCIDENTS: A1 digital/low (1, 2), violence/high (1, 1);
# A2 violence/high (1, 1), digital/low (1, 0); B1 digital/low (1, 1), violence/high (1, 1),
# threats/medium (1, 0), violence/unknown (0, 1).
EXTRA = [
    _police_only("9", "A", "A1", "digital_harassment", "low", False),
    _police_only("10", "A", "A1", "violence", "high", False),
    _police_only("11", "A", "A2", "violence", "high", False),
    _police_only("12", "A", "A2", "digital_harassment", "low", True),
    _police_only("13", "B", "B1", "digital_harassment", "low", True),
    _police_only("14", "B", "B1", "violence", "high", False),
    _police_only("15", "B", "B1", "violence", "high", True),
]


def police_tables(
    incidents: list[tuple],
) -> dict[str, dict[tuple[str, str | None], tuple[int, int]]]:
    """Police reports (yes, no) per unit and harassment type × severity stratum, counted in
    Python from rows like :data:`INCIDENTS` (incidents with an unknown report left out)."""
    tables: dict[str, dict[tuple[str, str | None], tuple[int, int]]] = {}
    for _, _, unit, typ, sev, _, police, *_ in incidents:
        if police is None:
            continue
        yes, no = tables.setdefault(unit, {}).get((typ, sev), (0, 0))
        tables[unit][(typ, sev)] = (yes + int(police), no + int(not police))
    return tables
