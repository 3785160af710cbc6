"""The Equal treatment and Response times pages on the fixture store (with the EXTRA
incidents), in both languages: the Breslow–Day and generalised CMH figures and the
Kaplan–Meier interval shown equal dashboard.stats on rows counted by hand
(tests/metrics/fixture.py). Every group of the fixture has 1–4 police reports and 1–4
inquiries: the figures are read with ``DASHBOARD_SUPPRESS_BELOW=1`` (nothing is small), and
with the default threshold the page is checked to hide them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import stats
from dashboard.formatting import format_number
from dashboard.i18n import Lang, field_label, group_words, metric_label, t
from dashboard.metrics.findings import format_p
from tests.metrics.fixture import EXTRA, fixture_store
from tests.metrics.test_equal_treatment import TABLES, global_tables, unit_vs_rest


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture store instead of the demo data (the ``app`` fixture opens this file)."""
    path = tmp_path_factory.mktemp("strata") / "fixture.duckdb"
    fixture_store(str(path), extra=EXTRA).close()
    return path


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def frame_with(at, column: str):  # type: ignore[no-untyped-def]
    """The one table on the page that has ``column`` (the page shows several)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, column
    return found[0]


def check_equal_treatment(at, lang: Lang) -> None:
    assert_clean(at)
    # the crude chi-square and, beside it, the generalised CMH test
    global_tests = frame_with(at, t("strata_tests.adjusted", lang))
    adjusted = global_tests[t("strata_tests.adjusted", lang)].tolist()
    expected = stats.generalised_cmh_test(global_tables())
    assert adjusted[1] == format_number(expected.statistic, lang, 2)
    assert adjusted[2] == format_number(expected.dof, lang)
    assert adjusted[3] == format_p(expected.p_value, lang)
    assert adjusted[4] == t("strata_tests.method_generalised_cmh", lang)
    assert t("strata_tests.crude", lang) in global_tests.columns
    # each unit against the rest, with its Breslow–Day p-value
    cmh = frame_with(at, t("strata_tests.breslow_day_p", lang))
    shown = dict(
        zip(
            cmh[field_label("unit", lang)].tolist(),
            cmh[t("strata_tests.breslow_day_p", lang)].tolist(),
            strict=True,
        )
    )
    assert shown == {
        unit: format_p(stats.breslow_day_test(unit_vs_rest(unit)).p_value, lang) for unit in TABLES
    }
    captions = [c.value for c in at.caption]
    assert t("strata_tests.correction_off", lang, **group_words("unit", lang)) in captions
    assert t("strata_tests.global_help", lang, **group_words("unit", lang)) in captions
    assert t("strata_tests.breslow_day_help", lang, **group_words("unit", lang)) in [
        m.value for m in at.markdown
    ]


def test_equal_treatment_shows_the_stratified_tests(app, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_SUPPRESS_BELOW", "1")
    at = app("equal_treatment.py")
    check_equal_treatment(at, "da")
    at = at.segmented_control(key="lang").set_value("en").run()
    check_equal_treatment(at, "en")


def check_response_times(at, lang: Lang) -> None:
    assert_clean(at)
    table = at.dataframe[0].value
    rows = dict(
        zip(
            table[field_label("unit", lang)].tolist(),
            zip(
                table[metric_label("km_median_response_days", lang)].tolist(),
                table[t("strata_tests.km_ci", lang)].tolist(),
                strict=True,
            ),
            strict=True,
        )
    )
    open_end = t("strata_tests.km_open_end", lang)
    # A1: answered after 9 and 19 days, open for 10; B1: answered after 2, open for 30
    for unit, days, answered in (("A1", [9, 19, 10], [1, 1, 0]), ("B1", [2, 30], [1, 0])):
        km = stats.kaplan_meier_median_ci(days, answered)
        assert rows[unit] == (
            format_number(km.median, lang, 1),
            f"{format_number(km.lower, lang, 1)}–{open_end}",  # the upper band stays above 1/2
        )
    assert rows["B1"][0] == format_number(16.0, lang, 1)  # survfit's midpoint (2 + 30)/2
    assert t("strata_tests.km_ci_help", lang) in [c.value for c in at.caption]


def test_response_times_show_the_kaplan_meier_interval(app, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_SUPPRESS_BELOW", "1")
    at = app("response_times.py")
    check_response_times(at, "da")
    at = at.segmented_control(key="lang").set_value("en").run()
    check_response_times(at, "en")


def test_by_default_the_small_groups_tests_and_medians_are_hidden(app) -> None:
    # police reports per unit (tests/metrics/fixture.py): A1 2, A2 2, B1 3; inquiries: A1 3,
    # B1 2 — all from 1 to 4: no unit's Breslow–Day p-value, KM median or interval is shown
    lang: Lang = "da"
    at = app("equal_treatment.py")
    assert_clean(at)
    cmh = frame_with(at, t("strata_tests.breslow_day_p", lang))
    assert sorted(cmh[field_label("unit", lang)]) == sorted(TABLES)
    assert set(cmh[t("strata_tests.breslow_day_p", lang)]) == {"–"}
    at = app("response_times.py")
    assert_clean(at)
    table = at.dataframe[0].value
    for column in (metric_label("km_median_response_days", lang), t("strata_tests.km_ci", lang)):
        assert set(table[column]) == {"–"}, column
