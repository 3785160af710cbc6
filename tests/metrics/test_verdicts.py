"""Issue 13 wired into the metrics: the reference population, the focus, one verdict per
group and outcome, and every place that shows a verdict agreeing on it."""

from __future__ import annotations

import io
import json

import numpy as np
import polars as pl
import pytest

from dashboard import stats, store
from dashboard.demo import CASE_MIX_ONLY_UNIT, generate_demo
from dashboard.i18n import group_words, t
from dashboard.metrics import outcomes, views
from dashboard.metrics.export_tables import export_tables
from dashboard.metrics.filters import Filters, Scope
from dashboard.metrics.findings import finding_sentence, summary
from dashboard.metrics.incidents import (
    COLUMNS,
    DELAY_SCHEMA,
    GROUP_KEYS,
    OUTCOMES,
    STRATUM_KEYS,
    SUMMED_COLUMNS,
    incident_metrics,
)
from dashboard.metrics.report import build_report
from dashboard.store.seed import write_demo

SEED = 2024


@pytest.fixture(scope="module")
def demo():
    con = store.connect(":memory:")
    data = generate_demo(SEED)
    write_demo(con, "incidents", data.incidents, seed=SEED)
    write_demo(con, "inquiries", data.inquiries, seed=SEED)
    return con, data, build_report(con, by="unit", unsuppressed=True)


def unit_row(frame: pl.DataFrame, unit: str) -> dict:
    return frame.filter(pl.col("unit") == unit).row(0, named=True)


def by_group(frame: pl.DataFrame, column: str) -> dict[tuple, object]:
    return dict(zip(frame.select(GROUP_KEYS).iter_rows(), frame[column].to_list(), strict=True))


# ---------------------------------------------------------------- independent recomputation


def test_expected_counts_and_verdicts_follow_the_recipe_from_the_raw_strata(demo) -> None:
    """Recomputed here with numpy from the stratum rows, following dashboard.stats' recipe
    (p = reference_rates per stratum, E = n·p, V = n·p(1 − p), choose_null, screen_oe): the
    report's E, V, p-values, q-values and verdicts are the same numbers."""
    _, _, report = demo
    strata = report.strata
    groups = strata.select(GROUP_KEYS).unique().sort(GROUP_KEYS, nulls_last=True)
    levels = strata.select(STRATUM_KEYS).unique().sort(STRATUM_KEYS)
    keys = list(groups.iter_rows())
    level_index = {k: i for i, k in enumerate(levels.iter_rows())}
    group_index = {k: i for i, k in enumerate(keys)}
    incidents = report.incidents.sort(GROUP_KEYS, nulls_last=True)
    for outcome, cols in COLUMNS.items():
        yes = np.zeros((len(keys), len(level_index)))
        known = np.zeros_like(yes)
        for r in strata.iter_rows(named=True):
            g = group_index[(r["department"], r["unit"])]
            s = level_index[(r["harassment_type"], r["severity"])]
            yes[g, s] += r[cols.count]
            known[g, s] += r[cols.known]
        p = yes.sum(axis=0) / np.where(known.sum(axis=0) > 0, known.sum(axis=0), 1)
        e, v, o = known @ p, known @ (p * (1 - p)), yes.sum(axis=1)
        null = stats.choose_null(e, v)
        pb = null == "poisson_binomial"
        res = stats.screen_oe(
            o, e, v if pb else None, probabilities=p if pb else None, counts=known if pb else None
        )
        q = stats.adjust_p_values(
            np.where((e >= stats.MIN_EXPECTED) & np.isfinite(res.p_values), res.p_values, np.nan),
            method="fdr_bh",
        )
        assert incidents[f"{outcome}_expected"].to_numpy() == pytest.approx(e, rel=1e-12)
        assert incidents[f"{outcome}_variance"].to_numpy() == pytest.approx(v, rel=1e-12)
        assert incidents[f"{outcome}_p"].to_numpy() == pytest.approx(res.p_values, rel=1e-9)
        assert incidents[f"{outcome}_p_adjusted"].to_numpy() == pytest.approx(
            q, rel=1e-9, nan_ok=True
        )
        assert incidents[f"{outcome}_verdict"].to_list() == res.verdict.tolist()
        assert incidents[f"{outcome}_oe_upper"].to_numpy() == pytest.approx(res.upper, rel=1e-9)
        screening = report.screenings[outcome]
        assert screening.null == null
        assert screening.confidence == pytest.approx(res.confidence)
        assert screening.overdispersion == res.overdispersion


def test_hand_computed_reference_and_focus() -> None:
    """Two units, one stratum each way. Reference: the whole population. Stratum a: 2 of 4
    yes; stratum b: 3 of 6. Unit X has a: 4 incidents (2 yes), Y has b: 6 (3 yes); rates are
    1/2 in both strata, so E_X = 4·0.5 = 2, V_X = 4·0.25 = 1, E_Y = 3, V_Y = 1.5."""
    zero = dict.fromkeys(SUMMED_COLUMNS, 0)
    rows = [
        {**zero, "department": "D", "unit": "X", "harassment_type": "a", "severity": "s",
         "incidents": 4, "police_reports": 2, "police_report_known": 4},
        {**zero, "department": "D", "unit": "Y", "harassment_type": "b", "severity": "s",
         "incidents": 6, "police_reports": 3, "police_report_known": 6},
    ]  # fmt: skip
    strata = pl.DataFrame(rows)
    delays = pl.DataFrame(schema=DELAY_SCHEMA)
    frame, _ = incident_metrics(strata, delays, focus=((), ("Y",)))
    assert frame["unit"].to_list() == ["Y", "X"]  # the focus row leads
    assert frame["focus"].to_list() == [True, False]
    assert frame["police_report_expected"].to_list() == pytest.approx([3.0, 2.0])
    assert frame["police_report_variance"].to_list() == pytest.approx([1.5, 1.0])
    assert frame["police_report_verdict"].to_list() == ["too_few", "too_few"]  # E < 5
    # shown: X alone (a viewer's scope), still against the reference of X and Y
    only_x, _ = incident_metrics(strata.filter(pl.col("unit") == "X"), delays, reference=strata)
    assert only_x["police_report_expected"].to_list() == pytest.approx([2.0])
    assert only_x["police_report_oe"].to_list() == pytest.approx([1.0])


# ---------------------------------------------------------------- focus and scope


def test_filtering_to_one_unit_keeps_its_oe_against_the_municipality(demo) -> None:
    con, data, everyone = demo
    unit = next(p.unit for p in data.planted if p.outcome == "police_report")
    focused = build_report(con, Filters(units=(unit,)), by="unit", unsuppressed=True)
    first = focused.incidents.row(0, named=True)
    assert first["unit"] == unit and first["focus"]
    assert focused.incidents["focus"].sum() == 1
    assert focused.incidents.height == everyone.incidents.height  # all the others are shown
    before = unit_row(everyone.incidents, unit)
    for outcome in OUTCOMES:
        assert first[f"{outcome}_oe"] == pytest.approx(before[f"{outcome}_oe"], rel=1e-12)
        assert first[f"{outcome}_verdict"] == before[f"{outcome}_verdict"]
    assert first["police_report_oe"] > 1.2  # the planted unit, not 1
    assert first["police_report_verdict"] == "higher"
    # the headline adds up the focus only
    assert focused.focus_incidents["incidents"].to_list() == [before["incidents"]]


def test_a_department_head_sees_their_units_against_the_municipality(demo) -> None:
    con, _, everyone = demo
    department = everyone.incidents["department"][0]
    scoped = build_report(
        con, scope=Scope.restricted(departments=(department,)), by="unit", unsuppressed=True
    )
    assert set(scoped.incidents["department"]) == {department}  # named rows obey the scope
    for column in ("expected", "oe", "p", "p_adjusted", "verdict"):
        for outcome in OUTCOMES:
            mine = by_group(scoped.incidents, f"{outcome}_{column}")
            all_ = by_group(everyone.incidents, f"{outcome}_{column}")
            for key, value in mine.items():
                if isinstance(value, float):
                    assert value == pytest.approx(all_[key], rel=1e-12, nan_ok=True)
                else:
                    assert value == all_[key]


def test_a_unit_scope_grouped_by_department_shows_only_its_own_counts(demo) -> None:
    """A viewer scoped to one unit, grouped by department: the department's row holds that
    unit's incidents only, tested against the municipality's stratum rates."""
    con, _, unit_report = demo
    department, unit = unit_report.incidents.select(GROUP_KEYS).row(0)
    scoped = build_report(
        con, scope=Scope.restricted(units=(unit,)), by="department", unsuppressed=True
    )
    assert scoped.incidents["department"].to_list() == [department]
    row = scoped.incidents.row(0, named=True)
    own = unit_row(unit_report.incidents, unit)
    assert row["incidents"] == own["incidents"]
    assert row["police_report_expected"] == pytest.approx(own["police_report_expected"])
    assert row["police_report_verdict"] in stats.VERDICTS


# ---------------------------------------------------------------- the done-when


def test_the_case_mix_only_jobcentre_gets_no_verdict(demo) -> None:
    _, _, report = demo
    unit = unit_row(report.incidents, CASE_MIX_ONLY_UNIT)
    assert all(unit[f"{o}_verdict"] in ("as_expected", "too_few") for o in OUTCOMES)


def test_every_place_that_shows_a_verdict_agrees(demo) -> None:
    """The Equal treatment page's funnel frame, the outcome pages' rate and funnel frames,
    the findings and their sentences, the equal-treatment results, the export's incident
    sheet and the CLI JSON give every group the same verdict for every outcome."""
    _, _, report = demo
    incidents = report.incidents
    export = dict(export_tables(report, "en"))[
        t("export.table_incidents", "en", **group_words("unit", "en"))
    ]
    words = {t(f"verdict.{v}", "en"): v for v in stats.VERDICTS}
    for outcome in OUTCOMES:
        truth = by_group(incidents, f"{outcome}_verdict")
        funnel = views.oe_points(incidents, outcome, "unit")
        assert funnel[f"{outcome}_verdict"].to_list() == incidents[f"{outcome}_verdict"].to_list()
        rate = outcomes.rate_points(incidents, outcome, "unit")
        known = incidents.filter(pl.col(COLUMNS[outcome].known) > 0)
        assert rate[f"{outcome}_verdict"].to_list() == known[f"{outcome}_verdict"].to_list()
        named = {k: v for k, v in truth.items() if v in ("higher", "lower")}
        found = {
            (f.department, f.unit): "higher" if f.direction == "high" else "lower"
            for f in report.findings
            if f.outcome == outcome
        }
        assert found == named
        listed = report.equal_treatment[f"{outcome}_rate"]["verdicts"]
        assert {(v["department"], v["unit"]): v["verdict"] for v in listed} == named
        lines = summary(report, "en")
        for f in report.findings:
            assert finding_sentence(f, "en") in lines
        header = t("verdict.column", "en", metric=t(f"metrics.{outcome}_oe", "en"))
        exported = {
            (d, u): words[w]
            for d, u, w in zip(
                export[t("filters.department", "en")].to_list(),
                export[t("filters.unit", "en")].to_list(),
                export[header].to_list(),
                strict=True,
            )
        }
        assert exported == truth


def test_the_cli_json_states_the_overdispersion_and_the_verdicts(tmp_path, monkeypatch) -> None:
    from dashboard.cli import main

    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    db = str(tmp_path / "store.duckdb")
    assert (
        main(["demo", "--db", db, "--scale", "0.2"], stdout=io.StringIO(), stderr=io.StringIO())
        == 0
    )
    out = io.StringIO()
    code = main(["metrics", "--db", db, "--by", "unit", "--format", "json"], stdout=out,
                stderr=io.StringIO())  # fmt: skip
    assert code == 0
    payload = json.loads(out.getvalue())
    for outcome in OUTCOMES:
        result = payload["equal_treatment"][f"{outcome}_rate"]
        assert set(result["overdispersion"]) == {"phi", "p_value", "tau2", "method"}
        assert result["overdispersion"]["method"] in ("none", "additive", "multiplicative")
        assert result["null"] in ("poisson", "poisson_binomial")
        named = {
            (r["department"], r["unit"]): r[f"{outcome}_verdict"]
            for r in payload["incidents"]
            if r[f"{outcome}_verdict"] in ("higher", "lower")
        }
        assert {(v["department"], v["unit"]): v["verdict"] for v in result["verdicts"]} == named
        assert all(r[f"{outcome}_verdict"] in stats.VERDICTS for r in payload["incidents"])


def test_a_department_and_unit_filter_focus_on_rows_passing_both(demo) -> None:
    con, _, everyone = demo
    department, unit = everyone.incidents.sort(GROUP_KEYS).select(GROUP_KEYS).row(0)
    other = everyone.incidents.filter(pl.col("department") != department)["department"][0]
    both = build_report(
        con, Filters(departments=(department,), units=(unit,)), by="unit", unsuppressed=True
    )
    assert both.focus_incidents["unit"].to_list() == [unit]
    neither = build_report(
        con, Filters(departments=(other,), units=(unit,)), by="unit", unsuppressed=True
    )
    assert neither.focus_incidents.is_empty()  # as the SQL filters: no incident passes both


def test_a_unit_filter_grouped_by_department_narrows_the_department_row(demo) -> None:
    """Grouped by department, a unit filter leaves the unit's department as the row shown,
    with that unit's counts, against the municipality's stratum rates."""
    con, _, everyone = demo
    department, unit = everyone.incidents.sort(GROUP_KEYS).select(GROUP_KEYS).row(0)
    narrowed = build_report(con, Filters(units=(unit,)), by="department", unsuppressed=True)
    assert narrowed.focus_incidents["department"].to_list() == [department]
    row = narrowed.focus_incidents.row(0, named=True)
    own = unit_row(everyone.incidents, unit)
    assert row["incidents"] == own["incidents"]
    for outcome in OUTCOMES:
        assert row[f"{outcome}_expected"] == pytest.approx(own[f"{outcome}_expected"], rel=1e-12)
