"""Smoke test of the benchmarks (``python -m bench``) at a tiny size, so that they cannot rot.

Each benchmark runs end to end on about 2,000 incidents with one repetition, writing its
results to a temporary folder (never to bench/results or the README) and caching its
generated files in a temporary folder too. The numbers are not checked, only that every
part ran and the results hold what the tables are made from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import browser, imports, load, metrics

ROWS = 2_000
SCALE = ROWS / 6_000  # dashboard.demo makes 6,000 incidents per unit of scale


def _results(out: Path, name: str) -> dict[str, Any]:
    assert (out / f"{name}.md").read_text(encoding="utf-8").startswith("###")
    return json.loads((out / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_import_benchmark_runs(tmp_path: Path) -> None:
    imports.run(
        (imports.Size(ROWS, import_runs=1, pandas_runs=1),),
        cache_dir=tmp_path / "cache",
        out_dir=tmp_path / "out",
    )
    data = _results(tmp_path / "out", "import")
    (size,) = data["sizes"]
    assert size["default_limits_error"] is None
    assert size["import_runs"][0]["stored"] == ROWS
    assert size["import_runs"][0]["rejected"] == 0
    assert size["pandas"]["runs"] == 1 and size["ratio"] > 0
    assert size["reader_peak_mib"] > 0 and size["parent_peak_mib"] > 0
    assert {"inspect_workbook", "_run_worker", "validate", "commit"} <= set(size["phases"])


@pytest.mark.slow
def test_metrics_benchmark_runs(tmp_path: Path) -> None:
    metrics.run(SCALE, (1, 2), runs=1, cache_dir=tmp_path / "cache", out_dir=tmp_path / "out")
    data = _results(tmp_path / "out", "metrics")
    small, doubled = data["stores"]
    assert small["incidents"] == ROWS and doubled["incidents"] == 2 * ROWS
    assert all(s["polars_same_result"] for s in data["stores"])
    assert set(small["sql_per_query"]) == set(metrics.SQL_QUERIES)


@pytest.mark.browser
def test_browser_benchmark_runs(tmp_path: Path) -> None:
    if not browser.CHROMIUM.exists():
        pytest.skip(f"the browser benchmark needs Debian's Chromium at {browser.CHROMIUM}")
    browser.run(
        SCALE,
        rounds=1,
        types=browser.TYPES[:2],
        cache_dir=tmp_path / "cache",
        out_dir=tmp_path / "out",
    )
    data = _results(tmp_path / "out", "browser")
    assert data["incidents"] == ROWS
    assert data["cold"]["runs"] == 2 and data["repeated_to_all"]["runs"] == 2
    assert data["reload"]["runs"] == 3


@pytest.mark.slow
def test_report_benchmark_runs(tmp_path: Path) -> None:
    from bench import report

    report.run(SCALE, runs=1, cache_dir=tmp_path / "cache", out_dir=tmp_path / "out")
    data = _results(tmp_path / "out", "report")
    assert data["incidents"] == ROWS
    assert data["report_fresh_process"]["runs"] == 1 and data["excel_in_process"]["runs"] == 1
    assert data["pdf_bytes"] > 0 and data["xlsx_bytes"] > 0
    assert set(data["phases"]) == {"metrics", "document", "typst"}
    assert data["ratio_report_to_excel"] > 0


def test_access_benchmark_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import access

    monkeypatch.chdir(tmp_path)  # the benchmark changes to the project folder; undone after
    access.run(reruns=1, scale=0.05, out_dir=tmp_path / "out", big=False)
    data = _results(tmp_path / "out", "access")
    assert data["reruns"] == 1 and len(data["raw_s"]["signed_in"]) == 1
    assert data["grant_check_ms"] > 0 and data["audit_write_ms"] > 0


@pytest.mark.slow
def test_department_head_reruns_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import access
    from dashboard import store
    from dashboard.demo import generate_demo
    from dashboard.store.seed import write_demo

    db = tmp_path / "small.duckdb"
    con = store.connect(db)
    data = generate_demo(2024, scale=SCALE)
    write_demo(con, "incidents", data.incidents, seed=2024)
    write_demo(con, "inquiries", data.inquiries, seed=2024)
    con.close()
    for name in ("DASHBOARD_DB", "DASHBOARD_KEY_FILE", "DASHBOARD_PEERS"):
        monkeypatch.setenv(name, "")  # the benchmark sets them; undone after the test
    monkeypatch.chdir(tmp_path)
    timings = access.head_reruns(db, types=("violence",))
    viewers = ("head_anonymous", "head_hidden", "ombudsman")
    assert set(timings) == {
        f"{v}/{p}/{r}" for v in viewers for p in access.HEAD_PAGES for r in ("first", "again")
    }
    assert all(t["n"] == 1 and t["median_ms"] > 0 for t in timings.values())


@pytest.mark.slow
def test_load_benchmark_runs(tmp_path: Path) -> None:
    load.run(
        tmp_path / "out",
        scale=SCALE,
        sessions=3,
        duration=6,
        repeats=1,
        switch_scale=SCALE,
        first_repeats=1,
        cache_dir=tmp_path / "cache",
    )
    data = _results(tmp_path / "out", "load")
    dashboard, minimal = data["runs"]
    for run in (dashboard, minimal):
        assert run["reruns"] > 0 and not run["hung"] and run["errors"] == []
        assert run["health_failures"] == 0 and run["rss_peak_mib"] > 0
    assert set(data["page_switches"]["pages"]) == {
        page or "overview" for page in load.DASHBOARD_PAGES
    }
    assert all(f["first_page"]["runs"] == 1 for f in data["first_page"].values())
