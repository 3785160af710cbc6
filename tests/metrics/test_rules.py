"""The legal rules on hand-made rows, each expected value counted by hand in the comments.

Sources of the rules: bekendtgørelse om anmeldelse af arbejdsulykker (BEK nr. 1242 af
2022), § 1, on notifying a work accident no later than 14 days after the first day of
absence (README, "The rules"); the prior-warning split and the inquiry deadline shares are
the product's own definitions, written out in the README for a lawyer to check.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import duckdb
import polars as pl
import pytest

from dashboard import store
from dashboard.metrics.filters import Filters
from dashboard.metrics.report import build_report
from dashboard.store.records import ImportMeta, with_row_hash, write_import
from tests.metrics.fixture import incident_frame, inquiry_frame

EXTRACT = date(2024, 4, 30)


def d(month: int, day: int) -> date:
    return date(2024, month, day)


def incidents(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Incident records of department A, unit A1, violence/high on 03-01 unless given."""
    template = incident_frame()
    base = {
        "department": "A",
        "unit": "A1",
        "occurred_on": d(3, 1),
        "harassment_type": "violence",
        "severity": "high",
    }
    full = [
        {**dict.fromkeys(template.columns), **base, "incident_id": f"i{n}", **row}
        for n, row in enumerate(rows)
    ]
    return pl.DataFrame(full, schema=template.schema)


def inquiries(rows: list[dict[str, Any]]) -> pl.DataFrame:
    template = inquiry_frame()
    base = {"department": "A", "unit": "A1", "deadline_source": "file"}
    full = [
        {**dict.fromkeys(template.columns), **base, "inquiry_id": f"q{n}", **row}
        for n, row in enumerate(rows)
    ]
    return pl.DataFrame(full, schema=template.schema)


def make_store(
    incident_rows: pl.DataFrame | None = None, inquiry_rows: pl.DataFrame | None = None
) -> duckdb.DuckDBPyConnection:
    con = store.connect(":memory:")
    for kind, frame in (("incidents", incident_rows), ("inquiries", inquiry_rows)):
        if frame is None:
            continue
        meta = ImportMeta(kind, f"{kind}.xlsx", "Ark1", 1, kind, frame.height, 0, 0, {})  # type: ignore[arg-type]
        write_import(con, with_row_hash(con, kind, frame), meta)  # type: ignore[arg-type]
    return con


def totals(con: duckdb.DuckDBPyConnection, **kwargs: Any) -> dict[str, Any]:
    report = build_report(con, by="department", extract_on=EXTRACT, unsuppressed=True, **kwargs)
    assert report.incidents.height == 1
    return report.incidents.row(0, named=True)


def wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval written out (Wilson 1927; Newcombe 1998, method 3)."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# --------------------------------------------------------------------------- police reports

POLICE = [
    # reported on 03-10
    {"police_reported": True, "police_reported_on": d(3, 10), "warning_given": True, "warning_on": d(3, 5)},  # with
    {"police_reported": True, "police_reported_on": d(3, 10), "warning_given": True, "warning_on": d(3, 10)},  # with: same day
    {"police_reported": True, "police_reported_on": d(3, 10), "warning_on": d(3, 1)},  # with: dated, flag empty
    {"police_reported": True, "police_reported_on": d(3, 10), "warning_given": True, "warning_on": d(3, 12)},  # without: after
    {"police_reported": True, "police_reported_on": d(3, 10), "warning_given": False},  # without
    {"police_reported": True, "police_reported_on": d(3, 10), "warning_given": True},  # unknown: undated warning
    {"police_reported": True, "warning_given": True, "warning_on": d(3, 5)},  # unknown: undated report
    {"police_reported": True, "police_reported_on": d(3, 10)},  # unknown: nothing on warnings
    {"police_reported": False, "warning_given": True, "warning_on": d(3, 5)},  # not reported
    {"warning_given": False},  # police unknown
]  # fmt: skip


def test_every_police_report_is_exactly_one_of_with_without_unknown() -> None:
    con = make_store(incidents(POLICE))
    row = totals(con)
    assert row["police_reports"] == 8
    assert row["police_with_prior_warning"] == 3
    assert row["police_without_prior_warning"] == 2
    assert row["police_prior_warning_unknown"] == 3
    assert (
        row["police_with_prior_warning"]
        + row["police_without_prior_warning"]
        + row["police_prior_warning_unknown"]
        == row["police_reports"]
    )
    assert row["police_without_prior_warning_share"] == pytest.approx(2 / 8)
    # the list of reports without a prior warning holds exactly the two "without"
    from dashboard import queries
    from dashboard.metrics.filters import ALL, query_params

    listed = queries.run(
        con, "police_without_prior_warning", query_params(Filters(), ALL, limit=100)
    )
    assert sorted(listed["incident_id"].to_list()) == ["i3", "i4"]


# --------------------------------------------------------------------------- work accidents

# All on 03-01. The deadline runs from the day after the incident when only days of absence
# (≥ 1) are known, and from the incident date when there is no absence.
WORK = [
    {"absence_days": 3, "work_accident_reported": True, "work_accident_reported_on": d(3, 15)},  # W0: 13 days from 03-02: within
    {"absence_days": 3, "work_accident_reported": True, "work_accident_reported_on": d(3, 16)},  # W1: 14 days: within (no later than)
    {"absence_days": 3, "work_accident_reported": True, "work_accident_reported_on": d(3, 17)},  # W2: 15 days: late
    {"absence_days": 2, "work_accident_reported": False},  # W3: required, not notified: missing
    {"absence_days": 2},  # W4: required, notification unknown: neither notified nor missing
    {"absence_days": 0, "work_accident_reported": True, "work_accident_reported_on": d(3, 15)},  # W5: not required; 14 days from 03-01: within
    {"absence_days": 0, "work_accident_reported": True, "work_accident_reported_on": d(3, 16)},  # W6: 15 days from the incident: late
    {"work_accident_reported": True},  # W7: notified, undated: unknown, not late
    {"absence_days": 1, "work_accident_reported": True},  # W8: required, notified, undated
    {"work_accident_reported": False},  # W9: absence unknown: not required, not missing
]  # fmt: skip


def test_work_accident_rules_at_the_statutory_14_days() -> None:
    row = totals(make_store(incidents(WORK)), work_accident_days=14)
    assert row["work_accident_required"] == 6  # W0-W4, W8
    assert row["work_accident_required_notified"] == 4  # W0, W1, W2, W8
    assert row["work_accident_missing"] == 1  # W3
    assert row["work_accidents_within_deadline"] == 3  # W0, W1, W5
    assert row["work_accidents_late"] == 2  # W2, W6
    assert row["work_accidents_undated"] == 2  # W7, W8
    # which day the deadline ran from, for the dated notifications
    assert row["deadline_from_day_after"] == 3  # W0-W2
    assert row["deadline_from_incident"] == 2  # W5, W6
    assert row["deadline_from_absence_from"] == 0
    # compliance: notified among the required whose notification is known (W4 unknown)
    assert row["work_accident_compliance_rate"] == pytest.approx(4 / 5)
    low, high = wilson(4, 5)
    assert row["work_accident_compliance_rate_ci_low"] == pytest.approx(low)
    assert row["work_accident_compliance_rate_ci_high"] == pytest.approx(high)
    # on time among the dated notifications (undated ones are unknown, not late)
    assert row["work_accidents_within_deadline_share"] == pytest.approx(3 / 5)
    # the notification rate stays over the incidents where the answer is known: 8 of 9
    # known (W4 unknown), notified W0-W2, W5-W8
    assert row["work_accident_rate"] == pytest.approx(7 / 9)


def test_the_deadline_is_a_setting() -> None:
    row = totals(make_store(incidents(WORK)), work_accident_days=13)
    # W0 (13 days) within; W1 (14), W2 (15), W5 (14), W6 (15) late; undated still unknown
    assert row["work_accidents_within_deadline"] == 1
    assert row["work_accidents_late"] == 4
    assert row["work_accidents_undated"] == 2


# --------------------------------------------------------------------------- inquiries

INQUIRIES = [
    # ombudsman (21 days) received 03-01, deadline 03-22
    {"inquiry_type": "ombudsman", "received_on": d(3, 1), "deadline_on": d(3, 22), "answered_on": d(3, 20)},  # in time
    {"inquiry_type": "ombudsman", "received_on": d(3, 1), "deadline_on": d(3, 22), "answered_on": d(3, 25)},  # late
    {"inquiry_type": "ombudsman", "received_on": d(3, 1), "deadline_on": d(3, 22)},  # open past its deadline: late
    # complaints received 04-20, deadline 05-18: open and still in time at 04-30
    {"inquiry_type": "complaint", "received_on": d(4, 20), "deadline_on": d(5, 18)},  # undecided
    {"inquiry_type": "complaint", "received_on": d(4, 1), "deadline_on": d(4, 29), "answered_on": d(4, 10)},  # in time
]  # fmt: skip


def test_inquiries_open_past_their_deadline_count_as_late() -> None:
    report = build_report(
        make_store(inquiry_rows=inquiries(INQUIRIES)),
        by="department",
        extract_on=EXTRACT,
        unsuppressed=True,
    )
    row = report.inquiries.row(0, named=True)
    assert (row["answered"], row["open"], row["open_overdue"]) == (3, 2, 1)
    # decided: 3 answered + 1 open past its deadline; in time: 2
    assert row["share_within_deadline"] == pytest.approx(2 / 4)
    low, high = wilson(2, 4)
    assert row["share_within_deadline_ci_low"] == pytest.approx(low)
    assert row["share_within_deadline_ci_high"] == pytest.approx(high)
    # the answered-only share, kept and named as such: 2 of 3
    assert row["share_within_deadline_answered"] == pytest.approx(2 / 3)


def test_inquiries_by_type_and_the_type_filter() -> None:
    con = make_store(inquiry_rows=inquiries(INQUIRIES))
    report = build_report(con, by="department", extract_on=EXTRACT, unsuppressed=True)
    by_type = {r["inquiry_type"]: r for r in report.inquiries_by_type.iter_rows(named=True)}
    assert set(by_type) == {"complaint", "ombudsman"}
    from dashboard.metrics.views import ombudsman_first

    assert ombudsman_first(report.inquiries_by_type)["inquiry_type"].to_list() == [
        "ombudsman",
        "complaint",
    ]
    assert by_type["ombudsman"]["inquiries"] == 3
    assert by_type["ombudsman"]["share_within_deadline"] == pytest.approx(1 / 3)
    assert by_type["complaint"]["share_within_deadline"] == pytest.approx(1.0)  # 1 of 1 decided
    only = build_report(
        con,
        Filters(inquiry_types=("ombudsman",)),
        by="department",
        extract_on=EXTRACT,
        unsuppressed=True,
    )
    assert only.inquiries["inquiries"].to_list() == [3]
    assert only.inquiries_by_type["inquiry_type"].to_list() == ["ombudsman"]
