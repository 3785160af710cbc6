"""The outcome registry: every spec has its SQL columns and its texts in both languages,
and what is derived from it (the metrics frame, the export, the JSON) carries every spec."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dashboard import queries
from dashboard.i18n import LANGS, keys
from dashboard.metrics import registry
from dashboard.metrics.export_tables import _incident_columns
from dashboard.metrics.filters import ALL, Filters, query_params
from dashboard.metrics.report import build_report
from tests.metrics.fixture import fixture_store


@pytest.fixture(scope="module")
def con():
    c = fixture_store()
    yield c
    c.close()


@pytest.fixture(scope="module")
def sql_columns(con) -> set[str]:
    frame = queries.run(
        con, "incident_outcomes_by_group_stratum", query_params(Filters(), ALL, group_by="unit")
    )
    return set(frame.columns)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("spec", registry.OUTCOMES, ids=lambda s: s.name)
def test_every_spec_has_its_sql_columns_and_texts(spec, lang, sql_columns) -> None:
    assert registry.spec_problems(spec, sql_columns, keys(lang)) == []


@pytest.mark.parametrize(
    "broken, problem",
    [
        (replace(registry.WARNING, count="warnings_given"), "no column 'warnings_given'"),
        (
            replace(registry.WARNING, rule_counts=("warning_heard",)),
            "no column 'warning_heard'",
        ),
        (replace(registry.WARNING, name="citizen_heard"), "no text 'metrics.citizen_heard_rate'"),
        (replace(registry.WARNING, page="hearings"), "no text 'hearings.rate_title'"),
    ],
)
def test_a_spec_lacking_a_column_or_a_text_is_found(broken, problem, sql_columns) -> None:
    problems = registry.spec_problems(broken, sql_columns, keys("da"))
    assert any(problem in p for p in problems), problems


def test_names_are_unique_and_partitions_add_up(con) -> None:
    names = [s.name for s in registry.OUTCOMES]
    assert len(set(names)) == len(names)
    assert len(set(registry.COUNT_COLUMNS)) == len(registry.COUNT_COLUMNS)
    report = build_report(con, by="unit")
    partitioned = [spec for spec in registry.OUTCOMES if spec.partition]
    assert [s.name for s in partitioned] == ["police_report", "work_accident"]
    for spec in partitioned:
        total = sum(report.incidents[c] for c in spec.partition)
        assert (total == report.incidents[spec.count]).all(), spec.name


def test_everything_derived_carries_every_spec(con) -> None:
    report = build_report(con, by="unit")
    exported = _incident_columns()
    for spec in registry.OUTCOMES:
        for column in (*spec.counts, spec.rate, f"{spec.name}_oe", *(s.name for s in spec.shares)):
            assert column in report.incidents.columns, column
            assert column in exported, column
