"""Edited links (issue 15, item 8): every query parameter of every page is validated.

An unknown or out-of-range value gives a notice and a sane default, never an exception;
hypothesis fuzzes every page's parameters under AppTest (bounded; derandomised under CI by
the "ci" profile of tests/conftest.py).
"""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dashboard.access import RIGHTS
from dashboard.components.navigation import visible
from dashboard.contract import VOCABULARIES
from dashboard.i18n import t
from dashboard.metrics.incidents import OUTCOMES
from tests.pages.conftest import ROOT, TIMEOUT

# local mode acts as an analyst (the admin page is not in its menu)
PAGE_FILES = [spec.file for spec in visible(RIGHTS["analyst"])]
NOTICE = t("link_params.ignored", "da", names="")  # the sentence up to the names


def open_link(page: str, query: dict[str, Any]) -> tuple[AppTest, AppTest]:
    """The link opened (the first page's run) and then ``page``; both runs are returned."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    first = [e.value for e in at.exception], [i.value for i in at.info]
    at.switch_page(str(ROOT / "dashboard" / "pages" / page))
    at.run()
    return first, at  # type: ignore[return-value]


def notices(infos: list[str]) -> list[str]:
    return [i for i in infos if i.startswith(NOTICE.split(":")[0])]


def test_the_issue_s_period_gives_a_notice_and_the_data_s_dates(app, demo_db) -> None:  # type: ignore[no-untyped-def]
    import duckdb

    with duckdb.connect(str(demo_db)) as con:  # as the app connects (one instance per file)
        held = con.execute(
            "SELECT least((SELECT min(occurred_on) FROM incidents),"
            " (SELECT min(received_on) FROM inquiries)),"
            " greatest((SELECT max(occurred_on) FROM incidents),"
            " (SELECT max(received_on) FROM inquiries))"
        ).fetchone()
    at = app(None, period="0001-01-01..9999-12-31")
    assert not at.exception, [e.value for e in at.exception]
    assert notices([i.value for i in at.info]) == [
        t("link_params.ignored", "da", names=t("filters.period", "da"))
    ]
    (picker,) = at.sidebar.date_input
    assert picker.value == held  # clamped to the first and last dates the store holds


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"period": "2030-01-01..2031-01-01"}, "filters.period"),  # outside the data
        ({"period": "2024-06-01..2024-01-01"}, "filters.period"),  # ends before it starts
        ({"period": "x..y"}, "filters.period"),
        ({"lang": "xx"}, "filters.language"),
        ({"by": "floor"}, "filters.group_by"),
        ({"sev": ["high", "urgent"]}, "filters.severity"),  # one unknown of two
    ],
)
def test_an_unusable_value_is_named_in_a_notice(app, query, named: str) -> None:  # type: ignore[no-untyped-def]
    at = app(None, **query)
    assert not at.exception, [e.value for e in at.exception]
    assert notices([i.value for i in at.info]) == [
        t("link_params.ignored", "da", names=t(named, "da"))
    ]


def test_an_unknown_unit_is_answered_by_the_scope_check_alone(app) -> None:  # type: ignore[no-untyped-def]
    # components.filters refuses a department or unit outside the viewer's scope (or none at
    # all) with its own warning, without naming it; the link notice does not add to it.
    at = app(None, unit="No such unit")
    assert not at.exception
    assert [w.value for w in at.warning if w.value == t("access.link_outside_scope", "da")]
    assert not notices([i.value for i in at.info])
    at.run()  # nor does the notice turn up on the next run
    assert not notices([i.value for i in at.info])


def test_a_clean_link_gives_no_notice(app) -> None:  # type: ignore[no-untyped-def]
    at = app(None, period="2024-01-01..2024-06-30", sev="high", by="department", lang="da")
    assert not at.exception
    assert not notices([i.value for i in at.info])
    assert at.sidebar.date_input[0].value == (date(2024, 1, 1), date(2024, 6, 30))


def test_an_unknown_outcome_is_named_on_the_equal_treatment_page(app) -> None:  # type: ignore[no-untyped-def]
    at = app("equal_treatment.py", outcome="bribery")
    assert not at.exception
    assert notices([i.value for i in at.info]) == [
        t("link_params.ignored", "da", names=t("equal_treatment.outcome", "da"))
    ]


def test_streamlit_shows_no_error_details() -> None:
    # Valid values are those of streamlit.config.ShowErrorDetailsConfigOptions (1.67):
    # "full" (the default), "stacktrace", "type", "none".
    from streamlit.config import ShowErrorDetailsConfigOptions

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == ShowErrorDetailsConfigOptions.NONE.value


# ------------------------------------------------------------------------------- fuzzing

# Text a URL can carry (no lone surrogates), with the separators our parsers look at.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("0123456789-.:/ "), st.characters(codec="utf-8", exclude_categories=("Cs",))
    ),
    max_size=30,
)
# Mostly around the data's dates (2023-2024 in the demo), some anywhere from year 1 to 9999.
DATES = st.one_of(
    st.dates(min_value=date(2022, 1, 1), max_value=date(2026, 12, 31)),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
).map(date.isoformat)
PERIOD = st.one_of(st.tuples(DATES, DATES).map("..".join), TEXT)


def choice(options: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(options), TEXT)


def vocabulary(name: str) -> st.SearchStrategy[str]:
    return choice([c.value for c in VOCABULARIES[name]])


PARAMS: dict[str, st.SearchStrategy[Any]] = {
    "lang": choice(["da", "en"]),
    "period": PERIOD,
    "dept": choice(["Socialforvaltningen", "Kultur- og Fritidsforvaltningen"]),
    "unit": choice(["Borgerservice", "Ydelsesservice"]),
    "type": vocabulary("harassment_type"),
    "channel": vocabulary("channel"),
    "sev": vocabulary("severity"),
    "by": choice(["unit", "department"]),
    "outcome": choice(list(OUTCOMES)),
    "q": TEXT,
    "incident": TEXT,
}
# A key given once, several times (?sev=a&sev=b), or left out; the period, the parameter
# with the most ways to be wrong, always.
LINKS = st.fixed_dictionaries(
    {"period": PERIOD},
    optional={
        key: st.one_of(values, st.lists(values, min_size=2, max_size=3))
        for key, values in PARAMS.items()
        if key != "period"
    },
)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGE_FILES)
def test_fuzzed_links_never_raise(app, page: str) -> None:  # type: ignore[no-untyped-def]
    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(LINKS)
    def check(query: dict[str, Any]) -> None:
        first, at = open_link(page, query)
        assert not first[0], (query, first[0])
        assert not at.exception, (query, [e.value for e in at.exception])

    check()
