"""The stratified equal-treatment tests of dashboard.metrics.equal_treatment on the fixture
store with the EXTRA incidents: each figure equals the dashboard.stats function on tables
counted by hand from the rows (tests/metrics/fixture.py), or a value worked out by hand."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from dashboard import stats, store
from dashboard.demo import generate_demo
from dashboard.i18n import LANGS, Lang, group_words, metric_label, t
from dashboard.metrics.export_tables import about_table, export_tables
from dashboard.metrics.report import build_report
from dashboard.store.seed import write_demo
from tests.metrics.fixture import EXTRA, INCIDENTS, fixture_store, police_tables

TABLES = police_tables(INCIDENTS + EXTRA)
STRATA = sorted({s for unit in TABLES.values() for s in unit}, key=str)


def unit_vs_rest(unit: str) -> np.ndarray:
    """K × 2 × 2: (yes, no) of the unit and of every other unit, per stratum."""
    rows = []
    for stratum in STRATA:
        mine = TABLES[unit].get(stratum, (0, 0))
        rest = [sum(TABLES[u].get(stratum, (0, 0))[i] for u in TABLES if u != unit) for i in (0, 1)]
        rows.append([list(mine), rest])
    return np.array(rows, dtype=float)


@pytest.fixture(scope="module")
def con():
    c = fixture_store(extra=EXTRA)
    yield c
    c.close()


@pytest.fixture(scope="module")
def police(con):
    return build_report(con, by="unit", unsuppressed=True).tests_with_cmh("police_report_rate")


def by_unit(result) -> dict[str, dict]:
    return {r["unit"]: r for r in result["cmh"]}


def test_each_group_has_its_breslow_day_test(police) -> None:
    got = by_unit(police)
    assert set(got) == {"A1", "A2", "B1"}
    for unit, row in got.items():
        tables = unit_vs_rest(unit)
        bd = stats.breslow_day_test(tables)
        assert row["breslow_day_statistic"] == pytest.approx(bd.statistic, rel=1e-12)
        assert row["breslow_day_p_value"] == pytest.approx(bd.p_value, rel=1e-12)
        assert row["breslow_day_dof"] == bd.dof == 1  # digital/low and violence/high
        cmh = stats.cmh_test(tables)
        assert row["statistic"] == pytest.approx(cmh.statistic, rel=1e-12)
    # B1 is just like the rest in both strata ((1, 1) against (2, 2)): pooled odds ratio 1,
    # Breslow–Day 0 and p = 1 (by hand: a = E a = 1 in each stratum)
    assert got["B1"]["pooled_odds_ratio"] == pytest.approx(1.0)
    assert got["B1"]["breslow_day_statistic"] == pytest.approx(0.0, abs=1e-12)
    assert got["B1"]["breslow_day_p_value"] == pytest.approx(1.0)


def test_cmh_by_hand_and_the_continuity_correction(con, police) -> None:
    # A1 against the rest, Mantel & Haenszel (1959): digital/low A1 (1, 2), rest (2, 1):
    # E a = 3·3/6 = 1.5, V = 3·3·3·3/(36·5) = 0.45; violence/high A1 (1, 1), rest (2, 2):
    # E a = 2·3/6 = 1, V = 2·4·3·3/(36·5) = 0.4. Σ(a − E a) = −0.5, ΣV = 0.85.
    assert police["cmh_correction"] is False
    assert by_unit(police)["A1"]["statistic"] == pytest.approx(0.25 / 0.85, rel=1e-12)
    corrected = build_report(con, by="unit", cmh_correction=True, unsuppressed=True)
    result = corrected.tests_with_cmh("police_report_rate")
    assert result["cmh_correction"] is True
    # R's correct = TRUE: (|Σ(a − E a)| − 0.5)² / ΣV = 0 for A1
    assert by_unit(result)["A1"]["statistic"] == pytest.approx(0.0, abs=1e-12)
    for unit, row in by_unit(result).items():
        assert row["statistic"] == pytest.approx(
            stats.cmh_test(unit_vs_rest(unit), correction=True).statistic, rel=1e-12
        )
        # the correction changes neither the odds ratio nor the Breslow–Day test
        assert row["breslow_day_p_value"] == by_unit(police)[unit]["breslow_day_p_value"]


def global_tables() -> np.ndarray:
    """Strata × units × (yes, no) of police reports."""
    units = sorted(TABLES)
    return np.array([[list(TABLES[u].get(s, (0, 0))) for u in units] for s in STRATA], dtype=float)


def test_generalised_cmh_is_the_adjusted_global_test(con, police) -> None:
    expected = stats.generalised_cmh_test(global_tables())
    got = police["generalised_cmh"]
    assert got["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    assert got["p_value"] == pytest.approx(expected.p_value, rel=1e-12)
    assert got["dof"] == expected.dof == 2 and got["strata"] == expected.n_strata
    # beside it, the crude chi-square of the same groups
    assert police["chi2"] is not None and police["groups"] == 3


def test_generalised_cmh_of_two_groups_is_the_mantel_haenszel_statistic(con) -> None:
    # For two rows and two columns the generalised statistic is the uncorrected
    # Mantel–Haenszel one (Agresti (2013) §8.4.2). Department A against B, by hand:
    # digital/low A (2, 2), B (1, 1): E a = 4·3/6 = 2, V = 4·2·3·3/(36·5) = 0.4;
    # violence/high A (2, 2), B (1, 1): the same. threats/medium and violence/unknown hold
    # one incident each (no variance). Σ(a − E a) = 0, so M² = 0.
    report = build_report(con, by="department", unsuppressed=True)
    result = report.tests_with_cmh("police_report_rate")
    assert result["generalised_cmh"]["statistic"] == pytest.approx(0.0, abs=1e-12)
    assert result["generalised_cmh"]["dof"] == 1
    a = next(r for r in result["cmh"] if r["department"] == "A")
    assert a["statistic"] == pytest.approx(result["generalised_cmh"]["statistic"], abs=1e-12)
    # warnings differ between the departments: the two statistics still agree
    warnings = report.tests_with_cmh("warning_rate")
    a = next(r for r in warnings["cmh"] if r["department"] == "A")
    assert a["statistic"] == pytest.approx(warnings["generalised_cmh"]["statistic"], rel=1e-12)


@pytest.mark.parametrize("lang", LANGS)
def test_the_export_carries_them(con, lang: Lang) -> None:
    report = build_report(con, by="unit", unsuppressed=True)
    sheets = dict(export_tables(report, lang))
    cmh = sheets[t("export.table_cmh", lang, **group_words("unit", lang))]
    police = cmh.filter(cmh[t("export.outcome", lang)] == metric_label("police_report_rate", lang))
    units = police[t("filters.unit", lang)].to_list()
    assert sorted(units) == sorted(TABLES)
    for unit, p in zip(units, police[t("strata_tests.breslow_day_p", lang)].to_list(), strict=True):
        assert p == pytest.approx(stats.breslow_day_test(unit_vs_rest(unit)).p_value, rel=1e-12)
    correction = police[t("strata_tests.export_correction", lang)].to_list()
    assert correction == [t("common.no", lang)] * 3
    tests = sheets[t("export.table_tests", lang)].row(0, named=True)
    assert tests[t("export.outcome", lang)] == metric_label("police_report_rate", lang)
    expected = stats.generalised_cmh_test(global_tables())
    assert tests[t("strata_tests.export_adjusted_p", lang)] == pytest.approx(
        expected.p_value, rel=1e-12
    )
    assert tests[t("strata_tests.export_adjusted_dof", lang)] == expected.dof
    about = about_table(report, lang, threshold=5, generated=datetime(2024, 3, 11, 12, 0))
    assert (
        t("strata_tests.correction_off", lang, **group_words("unit", lang))
        in about.to_series(1).to_list()
    )


def test_generalised_cmh_on_the_demo_municipality_matches_r() -> None:
    # Issue 13 recomputed the demo municipality's tests in R (mantelhaen.test over units ×
    # work accident × type × severity): X² = 58.7 adjusted against the crude chi-square 372,
    # the case mix explaining most of the crude differences between units.
    con = store.connect(":memory:")
    data = generate_demo(2024)
    write_demo(con, "incidents", data.incidents, seed=2024)
    result = build_report(con, by="unit", delays=False, unsuppressed=True).tests_with_cmh(
        "work_accident_rate"
    )
    con.close()
    assert result["chi2"] == pytest.approx(372, abs=0.5)
    assert result["generalised_cmh"]["statistic"] == pytest.approx(58.7, abs=0.05)
    assert result["generalised_cmh"]["dof"] == result["dof"] == 26  # 27 units
