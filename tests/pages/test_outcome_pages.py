"""The Police reports, Warnings, Work accidents and Documentation pages under AppTest: they
render in both languages without an exception or error box, their headline figures equal
the metrics layer's figures computed here from the same demo store, and a filter changes them.

The figures are computed independently of the pages' helpers: straight sums over the
report's groups, formatted with dashboard.formatting (counts 1–4 as "<5")."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import store
from dashboard.formatting import format_count, format_number, format_percent
from dashboard.i18n import Lang, metric_label, t
from dashboard.metrics.filters import Filters, GroupBy
from dashboard.metrics.report import MetricsReport, build_report
from tests.pages.conftest import ROOT, TIMEOUT

PAGES = ["police.py", "warnings.py", "work_accidents.py", "documentation.py"]
TITLES = {
    "police.py": "nav.police",
    "warnings.py": "nav.warnings",
    "work_accidents.py": "nav.work_accidents",
    "documentation.py": "nav.documentation",
}
VIOLENCE = Filters(types=("violence",))


def open_page(page: str, lang: Lang) -> AppTest:
    """An AppTest on ``page`` in ``lang``, reached as a user does: the app opens, the page is
    picked (the first run registers the pages; a page's URL may differ from its file name)
    and the language is switched in the sidebar."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(str(ROOT / "dashboard" / "pages" / page))
    at.run()
    if lang != "da":
        at.button_group(key="lang").set_value(lang).run()
    return at


def open_link(page: str, **query: str) -> AppTest:
    """An AppTest opened from a shared link: straight on ``page`` with the query string set
    before the first run (only for pages whose URL is their file name, e.g. police)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(str(ROOT / "dashboard" / "pages" / page))
    at.run()
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def report_for(demo_db: Path, filters: Filters, by: GroupBy = "unit") -> MetricsReport:
    con = store.connect(demo_db)
    try:
        # unsuppressed: the tests sum the groups' real counts into the totals shown
        return build_report(
            con, filters, by=by, work_accident_days=14, suppress_below=5, unsuppressed=True
        )
    finally:
        con.close()


def expected_headline(report: MetricsReport, page: str, lang: Lang) -> list[tuple[str, str]]:
    """(label, value) of each st.metric at the top of ``page``."""
    inc = report.incidents

    def total(column: str) -> int:
        return int(inc[column].sum())

    def count(value: int) -> str:
        return format_count(value, lang, small=0 < value < 5, threshold=5)

    def share(part: int, whole: int, *others: int) -> str:
        # a share of a total from 1 to 4 is withheld: with it, the total could be worked out
        if any(0 < n < 5 for n in (part, whole, *others)):
            return format_percent(None, lang)
        return format_percent(part / whole if whole else None, lang)

    if page == "police.py":
        return [
            (metric_label("police_reports", lang), count(total("police_reports"))),
            (
                metric_label("police_report_rate", lang),
                share(total("police_reports"), total("police_report_known")),
            ),
            (
                metric_label("police_without_prior_warning", lang),
                count(total("police_without_prior_warning")),
            ),
        ]
    if page == "warnings.py":
        with_prior = total("police_with_prior_warning")
        return [
            (metric_label("warnings", lang), count(total("warnings"))),
            (metric_label("warning_rate", lang), share(total("warnings"), total("warning_known"))),
            (t("warnings.prior_metric", lang), share(with_prior, total("police_reports"))),
        ]
    if page == "work_accidents.py":
        days = format_number(14, lang)  # the statutory default
        notified, missing = total("work_accident_required_notified"), total("work_accident_missing")
        within, late = total("work_accidents_within_deadline"), total("work_accidents_late")
        return [
            # it leads with the required ones that were not notified
            (metric_label("work_accident_missing", lang), count(missing)),
            (metric_label("work_accident_required", lang), count(total("work_accident_required"))),
            (
                metric_label("work_accident_compliance_rate", lang),
                share(notified, notified + missing, missing),
            ),
            (metric_label("work_accidents", lang), count(total("work_accidents"))),
            (
                t("work_accidents.within_metric", lang, days=days),
                share(within, within + late, late),
            ),
            (t("rules.late_metric", lang), count(late)),
        ]
    return [
        (metric_label("documented", lang), count(total("documented"))),
        (
            metric_label("documentation_rate", lang),
            share(total("documented"), total("documentation_known")),
        ),
        (
            t("documentation.unknown_metric", lang),
            count(total("incidents") - total("documentation_known")),
        ),
    ]


def shown_headline(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_and_a_filter_changes_the_headline(
    app, demo_db: Path, page: str, lang: Lang
) -> None:
    at = open_page(page, lang)
    assert_clean(at)
    assert [e.value for e in at.title] == [t(TITLES[page], lang)]
    everything = expected_headline(report_for(demo_db, Filters()), page, lang)
    assert shown_headline(at) == everything

    at.sidebar.multiselect(key="type").set_value(["violence"]).run()
    assert_clean(at)
    violence = expected_headline(report_for(demo_db, VIOLENCE), page, lang)
    assert shown_headline(at) == violence
    assert violence != everything


def test_a_shared_link_reproduces_the_view(app, demo_db: Path) -> None:
    """Filters and grouping from the query string (a copied link), grouped by department."""
    at = open_link("police.py", lang="en", type="violence", by="department")
    assert [e.value for e in at.title] == [t("nav.police", "en")]
    assert_clean(at)
    assert shown_headline(at) == expected_headline(
        report_for(demo_db, VIOLENCE, "department"), "police.py", "en"
    )
    # the list of police reports without a prior warning is shown (the drill-down's table)
    assert len(at.dataframe) >= 2
    assert any(t("police.select_hint", "en") == c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_work_accidents_say_which_proxy_and_list_the_missing(
    app, demo_db: Path, lang: Lang
) -> None:
    at = open_page("work_accidents.py", lang)
    assert_clean(at)
    inc = report_for(demo_db, Filters()).incidents

    def count(column: str) -> str:
        value = int(inc[column].sum())
        return format_count(value, lang, small=0 < value < 5, threshold=5)

    proxy = t(
        "rules.proxy_note",
        lang,
        absence_from=count("deadline_from_absence_from"),
        day_after=count("deadline_from_day_after"),
        incident=count("deadline_from_incident"),
    )
    assert proxy in [c.value for c in at.caption]
    # the demo gives the first day of absence for some absences, not for others
    assert int(inc["deadline_from_absence_from"].sum()) > 0
    assert int(inc["deadline_from_day_after"].sum()) > 0
    # the list of required work accidents not notified: one row per such incident
    missing = at.dataframe[0].value
    assert len(missing) == int(inc["work_accident_missing"].sum())
    assert {"absence_from", "deadline_on"} <= set(missing.columns)
    # the deadline shown is 14 days from the deadline's start (day after / first day of absence)
    start = missing["absence_from"].fillna(missing["occurred_on"] + pd.Timedelta(days=1))
    assert ((missing["deadline_on"] - start).dt.days == 14).all()
    # the text says 14 days after the first day of absence, nowhere 9
    intro = t("work_accidents.intro", lang, days="14")
    assert intro in [m.value for m in at.markdown]
