"""No page gives back a count of 1–4 (issue 15 item 9): every analysis page under AppTest,
on the demo store, is searched for what would reveal a small count of a group — its rate,
O/E or expected count (with the denominator shown, each gives the count back) — in the
tables and in the data each chart sends to the browser.

The small cells and their figures come from the unsuppressed report of the same view: the
truth the pages must not reveal."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from dashboard import store
from dashboard.access import RIGHTS
from dashboard.components.navigation import visible
from dashboard.formatting import format_number, format_percent, format_ratio
from dashboard.metrics import registry
from dashboard.metrics.report import build_report

PAGE_FILES = [s.file for s in visible(RIGHTS["analyst"]) if s.file not in ("import_data.py",)]


def tells(demo_db: Path) -> dict[str, list[float]]:
    """Per unit: the rate, O/E and expected count of each outcome whose count is 1–4."""
    con = store.connect(demo_db)
    try:
        truth = build_report(con, by="unit", unsuppressed=True).incidents
    finally:
        con.close()
    found: dict[str, list[float]] = {}
    for row in truth.iter_rows(named=True):
        for spec in registry.OUTCOMES:
            if row["unit"] and 0 < row[spec.count] < 5:
                values = [row[spec.rate], row[f"{spec.name}_oe"], row[f"{spec.name}_expected"]]
                # 0 and 1 (0 % or 100 %, O/E 1) are too common to tell one figure from another
                found.setdefault(row["unit"], []).extend(v for v in values if v not in (0, 1, None))
    return found


def chart_rows(at) -> list[dict]:
    rows = []
    for chart in at.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            table = pa.ipc.open_stream(dataset.data.data).read_all()
            rows += table.to_pylist()
    return rows


@pytest.mark.parametrize("page", PAGE_FILES)
def test_no_page_shows_what_gives_a_small_count_back(app, demo_db: Path, page: str) -> None:
    secret = tells(demo_db)
    assert secret  # the demo has units with 1–4 police reports, warnings …: the test can fail
    at = app(page)
    assert not at.exception
    for row in chart_rows(at):
        texts = [str(v) for v in row.values() if isinstance(v, str)]
        numbers = [v for v in row.values() if isinstance(v, float)]
        for unit, values in secret.items():
            if any(unit in text for text in texts):
                leaked = [v for v in values if any(abs(v - n) < 1e-9 for n in numbers)]
                assert not leaked, f"{page}: a chart gives {unit}'s {leaked}"
    for frame in at.dataframe:
        for record in frame.value.to_dict("records"):
            cells = [str(v) for v in record.values()]
            for unit, values in secret.items():
                if not any(unit in cell for cell in cells):
                    continue
                shown = {
                    text
                    for v in values
                    for text in (
                        format_percent(v, "da"),
                        format_ratio(v, "da"),
                        format_number(v, "da", 1),
                    )
                }
                assert not shown & set(cells), (
                    f"{page}: a table gives {unit}'s {shown & set(cells)}"
                )
