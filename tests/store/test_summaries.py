"""The monthly incident summary (migration 004): kept equal to the incidents by every write,
and read so that the outcome counts equal a scan of every incident, for any period.

The reference is a query over ``incidents`` written out here without the store's macros.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from dashboard import queries, store
from dashboard.metrics.filters import ALL, Filters, Scope, query_params
from dashboard.store.records import ImportMeta, undo_import, with_row_hash, write_import
from dashboard.store.seed import write_demo
from tests.metrics.fixture import incident_frame

FIRST_DAY = date(2023, 12, 1)
DAYS = 160  # into May 2024: several whole months and leap February
TYPES = ("violence", "threats", "digital_harassment")
SEVERITIES = ("low", "medium", "high", None)
CHANNELS = ("email", "phone", None)
UNITS = {"A": ("A1", "A2", None), "B": ("B1",)}


def random_incidents(n: int, seed: int, prefix: str = "") -> pl.DataFrame:
    """``n`` incidents with every kind of missing value and date order."""
    rng = np.random.default_rng(seed)

    def maybe_bool() -> bool | None:
        return (None, True, False, False)[rng.integers(4)]

    def after(day: date) -> date | None:
        return None if rng.random() < 0.2 else day + timedelta(days=int(rng.integers(-3, 20)))

    rows = []
    for i in range(n):
        department = ("A", "B")[rng.integers(2)]
        occurred = FIRST_DAY + timedelta(days=int(rng.integers(DAYS)))
        police, warning, accident = maybe_bool(), maybe_bool(), maybe_bool()
        rows.append(
            {
                "incident_id": f"{prefix}{i}",
                "department": department,
                "unit": UNITS[department][rng.integers(len(UNITS[department]))],
                "occurred_on": occurred,
                "registered_on": occurred,
                "channel": CHANNELS[rng.integers(len(CHANNELS))],
                "harassment_type": TYPES[rng.integers(len(TYPES))],
                "severity": SEVERITIES[rng.integers(len(SEVERITIES))],
                "documented": maybe_bool(),
                "warning_given": warning,
                # a dated warning whose flag is empty, too
                "warning_on": after(occurred) if warning or warning is None else None,
                "police_reported": police,
                "police_reported_on": after(occurred) if police else None,
                "work_accident_reported": accident,
                "work_accident_reported_on": after(occurred) if accident else None,
                "absence_days": (None, 0, 0, 1, 4)[rng.integers(5)],
            }
        )
    template = incident_frame()
    frame = pl.DataFrame(rows, schema={c: template.schema[c] for c in rows[0]})
    missing = [c for c in template.columns if c not in frame.columns]
    return frame.with_columns(pl.lit(None, template.schema[c]).alias(c) for c in missing).select(
        template.columns
    )


def write(con, frame: pl.DataFrame, name: str) -> int | None:
    records = with_row_hash(con, "incidents", frame)
    meta = ImportMeta("incidents", name, "Ark1", 1, "hash-" + name, frame.height, 0, 0, {})
    return write_import(con, records, meta).import_id


def summary_is_current(con) -> bool:
    def rows(sql: str) -> list[tuple]:
        return sorted(store.fetch_all(con, sql), key=repr)

    # list() gathers the days in no particular order: compare them sorted
    lists = ", ".join(
        f"list_sort({c}) AS {c}"
        for c in (
            "work_accident_delays",
            "work_accident_deadline_days",
            "police_report_delays",
            "warning_to_police_delays",
        )
    )
    kept = rows(f"SELECT * REPLACE ({lists}) FROM incident_summary")
    fresh = rows(f"SELECT * REPLACE ({lists}) FROM all_incident_summary_rows()")
    total = store.fetch_one(con, "SELECT count(*) FROM incidents")
    assert total is not None
    return kept == fresh and sum(r[6] for r in kept) == total[0]


@pytest.fixture
def con():
    c = store.connect(":memory:")
    yield c
    c.close()


def test_every_write_keeps_the_summary_current(con) -> None:
    assert summary_is_current(con)  # empty
    write_demo(con, "incidents", random_incidents(50, seed=1, prefix="demo-"), seed=1)
    assert summary_is_current(con)
    first = write(con, random_incidents(80, seed=2), "first.xlsx")  # replaces the demo
    assert summary_is_current(con)
    assert store.fetch_one(con, "SELECT sum(incidents) FROM incident_summary") == (80,)
    # A newer export: the same ids with other content (updates) and new ids.
    second = write(con, random_incidents(120, seed=3), "second.xlsx")
    assert summary_is_current(con)
    assert second is not None and first is not None
    undo_import(con, second)  # back to the first export's versions
    assert summary_is_current(con)
    assert store.fetch_one(con, "SELECT sum(incidents) FROM incident_summary") == (80,)
    undo_import(con, first)
    assert summary_is_current(con)
    assert store.fetch_one(con, "SELECT count(*) FROM incident_summary") == (0,)


def test_a_failed_import_leaves_the_summary_as_it_was(con) -> None:
    write(con, random_incidents(30, seed=4), "good.xlsx")
    before = store.fetch_all(con, "SELECT * FROM incident_summary ORDER BY ALL")
    broken = random_incidents(5, seed=5).with_columns(department=pl.lit(None, pl.String))
    with pytest.raises(Exception, match=r"(?i)null|constraint"):
        write(con, broken, "broken.xlsx")
    assert store.fetch_all(con, "SELECT * FROM incident_summary ORDER BY ALL") == before


# --------------------------------------------------------------------------- reading it

# The incidents the tests' filters and scope select, grouped (the tests use no department
# filter and restrict the scope by department only).
ROWS_IN_VIEW = """
FROM incidents
WHERE occurred_on BETWEEN $date_from AND $date_to
  AND (len($types) = 0 OR list_contains($types::VARCHAR[], harassment_type))
  AND (len($channels) = 0 OR list_contains($channels::VARCHAR[], channel))
  AND (len($units) = 0 OR list_contains($units::VARCHAR[], unit))
  AND ($scope_all OR list_contains($scope_departments::VARCHAR[], department))
GROUP BY ALL
ORDER BY ALL
"""

REFERENCE = (
    """
SELECT department, CASE WHEN $group_by = 'unit' THEN unit END AS unit, harassment_type,
    coalesce(severity, 'unknown') AS severity,
    count(*) AS incidents,
    count(police_reported) AS police_report_known,
    count(*) FILTER (WHERE police_reported) AS police_reports,
    count(warning_given) AS warning_known,
    count(*) FILTER (WHERE warning_given) AS warnings,
    count(work_accident_reported) AS work_accident_known,
    count(*) FILTER (WHERE work_accident_reported) AS work_accidents,
    count(documented) AS documentation_known,
    count(*) FILTER (WHERE documented) AS documented,
    -- the rules spelled out here, independently of macros.sql
    count(*) FILTER (WHERE police_reported AND warning_given IS DISTINCT FROM false
        AND warning_on <= police_reported_on) AS police_with_prior_warning,
    count(*) FILTER (WHERE police_reported AND (warning_given = false OR (
        warning_given IS NULL OR warning_given) AND warning_on > police_reported_on))
        AS police_without_prior_warning,
    count(*) FILTER (WHERE police_reported AND warning_given IS DISTINCT FROM false
        AND (warning_on IS NULL OR police_reported_on IS NULL)) AS police_prior_warning_unknown,
    count(*) FILTER (WHERE absence_days >= 1) AS work_accident_required,
    count(*) FILTER (WHERE absence_days >= 1 AND work_accident_reported)
        AS work_accident_required_notified,
    count(*) FILTER (WHERE absence_days >= 1 AND NOT work_accident_reported)
        AS work_accident_missing,
    count(*) FILTER (WHERE work_accident_reported AND work_accident_reported_on
        - (occurred_on + CASE WHEN absence_days >= 1 THEN 1 ELSE 0 END) <= $work_accident_days)
        AS work_accidents_within_deadline,
    count(*) FILTER (WHERE work_accident_reported AND work_accident_reported_on
        - (occurred_on + CASE WHEN absence_days >= 1 THEN 1 ELSE 0 END) > $work_accident_days)
        AS work_accidents_late,
    count(*) FILTER (WHERE work_accident_reported AND work_accident_reported_on IS NULL)
        AS work_accidents_undated,
    0::BIGINT AS deadline_from_absence_from,
    count(*) FILTER (WHERE work_accident_reported AND work_accident_reported_on IS NOT NULL
        AND absence_days >= 1) AS deadline_from_day_after,
    count(*) FILTER (WHERE work_accident_reported AND work_accident_reported_on IS NOT NULL
        AND NOT coalesce(absence_days >= 1, false)) AS deadline_from_incident
"""
    + ROWS_IN_VIEW
)


REFERENCE_DELAYS = (
    """
SELECT department, CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    count(police_reported_on - occurred_on) FILTER (WHERE police_reported) AS police_report_dated,
    quantile_cont(police_reported_on - occurred_on, 0.5) FILTER (WHERE police_reported)
        AS days_to_police_report_median,
    quantile_cont(police_reported_on - occurred_on, 0.9) FILTER (WHERE police_reported)
        AS days_to_police_report_p90,
    count(work_accident_reported_on - occurred_on) FILTER (WHERE work_accident_reported)
        AS work_accident_dated,
    quantile_cont(work_accident_reported_on - occurred_on, 0.5)
        FILTER (WHERE work_accident_reported) AS days_to_work_accident_median,
    quantile_cont(work_accident_reported_on - occurred_on, 0.9)
        FILTER (WHERE work_accident_reported) AS days_to_work_accident_p90,
    quantile_cont(police_reported_on - warning_on, 0.5)
        FILTER (WHERE police_reported AND warning_on <= police_reported_on)
        AS days_warning_to_police_median,
    count(*) FILTER (WHERE police_reported AND warning_on <= police_reported_on)
        AS police_with_prior_warning_dated
"""
    + ROWS_IN_VIEW
)


def reference(con, sql: str, params: dict) -> pl.DataFrame:
    """The plain scan with the view's fields as parameters of their own."""
    flat = {**params["view"], **{k: v for k, v in params.items() if k != "view"}}
    return store.fetch_frame(con, sql, {k: v for k, v in flat.items() if f"${k}" in sql})


@pytest.fixture(scope="module")
def filled():
    c = store.connect(":memory:")
    write(c, random_incidents(600, seed=6), "many.xlsx")
    yield c
    c.close()


def days() -> st.SearchStrategy[date]:
    return st.integers(-5, DAYS + 5).map(lambda n: FIRST_DAY + timedelta(days=n))


@settings(max_examples=150, deadline=None)
@given(
    start=days(),
    length=st.one_of(st.integers(0, 40), st.integers(0, DAYS)),
    month_aligned=st.booleans(),
    by=st.sampled_from(["unit", "department"]),
    types=st.lists(st.sampled_from(TYPES), max_size=2, unique=True),
    channels=st.lists(st.sampled_from(["email", "phone"]), max_size=1),
    units=st.lists(st.sampled_from(["A1", "B1"]), max_size=1),
    days_limit=st.integers(-2, 15),
    restricted=st.booleans(),
)
def test_outcome_counts_equal_a_scan_of_every_incident(
    filled, start, length, month_aligned, by, types, channels, units, days_limit, restricted
) -> None:
    if month_aligned:  # whole months, the common case: only the summary is read
        start = start.replace(day=1)
    end = start + timedelta(days=length)
    filters = Filters(
        date_from=start,
        date_to=end,
        types=tuple(types),
        channels=tuple(channels),
        units=tuple(units),
    )
    scope = Scope.restricted(departments=("A",)) if restricted else ALL
    params = query_params(
        filters, scope, group_by=by, work_accident_days=days_limit, extract_date=end
    )
    got = queries.run(filled, "incident_outcomes_by_group_stratum", params)
    assert got["peer"].null_count() == got.height  # a plain view's groups are all named
    got = got.drop("peer")
    counts = reference(filled, REFERENCE, params)
    assert got.rows() == counts.rows()
    assert got.schema == counts.schema
    # The headline totals of a period read the summary the same way.
    totals = queries.run(filled, "period_totals", params).row(0, named=True)
    expected = counts.drop("department", "unit", "harassment_type", "severity").sum()
    for column in (
        "incidents",
        "police_reports",
        "warning_known",
        "police_with_prior_warning",
        "police_without_prior_warning",
        "police_prior_warning_unknown",
        "work_accident_required",
        "work_accident_missing",
    ):
        assert totals[column] == expected[column].item()
    # The days to action: quantiles over the summary's lists equal those over the rows.
    assert_frame_equal(
        queries.run(filled, "incident_delays_by_group", params),
        reference(filled, REFERENCE_DELAYS, params),
        abs_tol=1e-9,
    )
