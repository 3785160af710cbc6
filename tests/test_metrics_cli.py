"""``metrics --format json`` on the fixture store: the stratified tests and the Kaplan–Meier
interval in the JSON equal dashboard.stats on tables counted by hand from the rows
(tests/metrics/fixture.py). Every group of the fixture has 1–4 police reports and 1–4
inquiries, so the figures are read with ``--unsuppressed`` (an analyst's, logged), and the
default output is checked to hide them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dashboard import stats
from dashboard.cli import main
from tests.metrics.fixture import EXTRA, fixture_store
from tests.metrics.test_equal_treatment import unit_vs_rest


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    path = tmp_path / "fixture.duckdb"
    fixture_store(str(path), extra=EXTRA).close()
    return path


def metrics_json(db: Path, *argv: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["metrics", "--db", str(db), "--by", "unit", "--format", "json", *argv],
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


def test_json_has_breslow_day_generalised_cmh_and_the_correction(db: Path) -> None:
    payload = metrics_json(db, "--unsuppressed")
    assert payload["filters"]["cmh_correction"] is False
    police = payload["equal_treatment"]["police_report_rate"]
    assert police["cmh_correction"] is False
    for row in police["cmh"]:
        tables = unit_vs_rest(row["unit"])
        bd = stats.breslow_day_test(tables)
        assert row["breslow_day_p_value"] == pytest.approx(bd.p_value, rel=1e-12)
        assert row["breslow_day_dof"] == bd.dof
        assert row["statistic"] == pytest.approx(stats.cmh_test(tables).statistic, rel=1e-12)
    assert set(police["generalised_cmh"]) == {"statistic", "dof", "p_value", "strata"}
    assert police["generalised_cmh"]["dof"] == 2  # three units, yes/no
    # every outcome has them
    for result in payload["equal_treatment"].values():
        assert {"cmh", "cmh_correction", "generalised_cmh"} <= set(result)

    corrected = metrics_json(db, "--cmh-correction", "--unsuppressed")
    assert corrected["filters"]["cmh_correction"] is True
    police = corrected["equal_treatment"]["police_report_rate"]
    assert police["cmh_correction"] is True
    for row in police["cmh"]:
        expected = stats.cmh_test(unit_vs_rest(row["unit"]), correction=True).statistic
        assert row["statistic"] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_json_has_the_kaplan_meier_median_with_its_interval(db: Path) -> None:
    inquiries = {r["unit"]: r for r in metrics_json(db, "--unsuppressed")["inquiries"]}
    # A1: answered after 9 and 19 days, open for 10; B1: answered after 2, open for 30
    # (tests/metrics/fixture.py); the stats function on those rows as a frequency table
    for unit, days, answered in (("A1", [9, 19, 10], [1, 1, 0]), ("B1", [2, 30], [1, 0])):
        km = stats.kaplan_meier_median_ci_from_counts(days, answered, [1] * len(days))
        row = inquiries[unit]
        assert row["km_median_response_days"] == km.median
        low, high = row["km_median_response_days_ci"]
        assert low == km.lower
        assert high is None and km.upper != km.upper  # NaN: the upper band never reaches 1/2
    # by hand (tests/metrics/test_report.py): A1 19 (9, NA), B1 16 (2, NA)
    assert inquiries["A1"]["km_median_response_days_ci"] == [9, None]
    assert inquiries["B1"]["km_median_response_days"] == 16


def test_table_shows_the_kaplan_meier_interval(db: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["metrics", "--db", str(db), "--by", "unit", "--unsuppressed"]
    assert main(argv, stdout=out, stderr=err) == 0
    lines = out.getvalue().splitlines()
    header = next(i for i, line in enumerate(lines) if "KM 95% CI" in line)
    rows = {line.split()[0]: line.split() for line in lines[header + 1 : header + 3]}
    # group, inquiries, open, overdue, median, p90, KM median, KM interval, in time
    assert rows["A1"][6:8] == ["19", "9–NA"]
    assert rows["B1"][6:8] == ["16", "2–NA"]  # survfit's midpoint (2 + 30)/2


def test_by_default_the_small_groups_figures_are_hidden(db: Path) -> None:
    # police reports per unit (tests/metrics/fixture.py): A1 2, A2 2, B1 3; inquiries: A1 3,
    # B1 2 — all from 1 to 4, so none of their tests or medians may be shown
    payload = metrics_json(db)
    for row in payload["equal_treatment"]["police_report_rate"]["cmh"]:
        assert row["statistic"] is None and row["breslow_day_p_value"] is None, row
        assert row["pooled_odds_ratio"] is None
    for row in payload["inquiries"]:
        assert row["inquiries"] is None and row["km_median_response_days"] is None, row
        assert row["km_median_response_days_ci"] == [None, None]
    out, err = io.StringIO(), io.StringIO()
    assert main(["metrics", "--db", str(db), "--by", "unit"], stdout=out, stderr=err) == 0
    lines = out.getvalue().splitlines()
    header = next(i for i, line in enumerate(lines) if "KM 95% CI" in line)
    rows = {line.split()[0]: line.split() for line in lines[header + 1 : header + 3]}
    assert rows["A1"][6:8] == rows["B1"][6:8] == ["–", "–"]


def test_unsuppressed_output_is_written_to_the_audit_log(db: Path) -> None:
    from dashboard import access

    metrics_json(db)
    assert access.audit_rows(db) == []
    metrics_json(db, "--unsuppressed")
    (entry,) = access.audit_rows(db)
    assert entry["action"] == "export" and entry["page"] == "metrics"
    assert json.loads(entry["details"])["unsuppressed"] is True
