"""Overview, Import and Export under AppTest: figures equal the metrics layer's."""

from __future__ import annotations

from pathlib import Path

from dashboard import store
from dashboard.formatting import format_number, format_percent
from dashboard.i18n import metric_label
from dashboard.metrics.filters import Filters
from dashboard.metrics.headline import headline
from dashboard.metrics.report import build_report


def expected_headline(db: Path, filters: Filters, lang: str) -> dict[str, str]:
    con = store.connect(db)
    try:
        h = headline(build_report(con, filters))
    finally:
        con.close()
    return {
        "incidents": format_number(h.incidents, lang),  # type: ignore[arg-type]
        "police_reports": format_number(h.police_reports, lang),  # type: ignore[arg-type]
        "police_report_rate": format_percent(h.police_report_rate, lang),  # type: ignore[arg-type]
        "documentation_rate": format_percent(h.documentation_rate, lang),  # type: ignore[arg-type]
        "work_accident_missing": format_number(h.work_accident_missing, lang),  # type: ignore[arg-type]
        "work_accident_compliance_rate": format_percent(h.work_accident_compliance_rate, lang),  # type: ignore[arg-type]
    }


def shown(at, lang: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The headline boxes the page shows, found by their labels (not by position)."""
    by_label = {m.label: m.value for m in at.metric}
    return {name: by_label[metric_label(name, lang)] for name in HEADLINE}


HEADLINE = (
    "incidents",
    "police_reports",
    "police_report_rate",
    "documentation_rate",
    "work_accident_missing",
    "work_accident_compliance_rate",
)


def test_overview_headline_equals_metrics_layer(app, demo_db: Path) -> None:
    at = app("overview.py", lang="en")
    assert shown(at, "en") == expected_headline(demo_db, Filters(), "en")
    assert at.markdown  # the findings


def test_overview_filter_changes_headline(app, demo_db: Path) -> None:
    at = app("overview.py")
    before = shown(at, "da")
    at.sidebar.multiselect(key="type").set_value(["violence"]).run()
    assert shown(at, "da") == expected_headline(demo_db, Filters(types=("violence",)), "da")
    assert shown(at, "da") != before
    assert at.query_params["type"] in (
        "violence",
        ["violence"],
    )  # AppTest keeps single values as str


def test_link_reproduces_view(app, demo_db: Path) -> None:
    at = app("overview.py", type="violence", lang="da")
    want = expected_headline(demo_db, Filters(types=("violence",)), "da")
    assert shown(at, "da")["incidents"] == want["incidents"]


def test_import_page_shows_history(app) -> None:
    at = app("import_data.py", lang="en")
    assert not at.exception
    assert any("Import history" in s.value for s in at.subheader)


def test_export_page_offers_workbook_and_csv(app) -> None:
    at = app("export.py", lang="en")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert any("Excel" in label for label in labels) and any("CSV" in label for label in labels)


def test_response_times_without_inquiries_says_to_import_them(monkeypatch, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from dashboard.demo import generate_demo
    from dashboard.store.seed import write_demo
    from tests.pages.conftest import ROOT, TIMEOUT

    db = tmp_path / "incidents-only.duckdb"
    con = store.connect(db)
    write_demo(con, "incidents", generate_demo(1, scale=0.1).incidents, seed=1)
    con.close()
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page(str(ROOT / "dashboard" / "pages" / "response_times.py"))
    at.run()
    assert not at.exception
    assert any("no inquiries in the data yet" in i.value for i in at.info)


def test_overview_without_inquiries_says_none_were_loaded(monkeypatch, tmp_path: Path) -> None:
    """Issue 17: "Åbne henvendelser 0" when no inquiries were ever loaded; say so instead."""
    from streamlit.testing.v1 import AppTest

    from dashboard.demo import generate_demo
    from dashboard.i18n import t
    from dashboard.store.seed import write_demo
    from tests.pages.conftest import ROOT, TIMEOUT

    db = tmp_path / "incidents-only.duckdb"
    con = store.connect(db)
    write_demo(con, "incidents", generate_demo(1, scale=0.1).incidents, seed=1)
    con.close()
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    for lang, words in (("da", "Ingen indlæst"), ("en", "None loaded")):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.query_params["lang"] = lang
        at.run()
        assert not at.exception
        by_label = {m.label: m.value for m in at.metric}
        for name in ("open", "open_overdue"):
            assert by_label[metric_label(name, lang)] == words
            assert t("edges.no_inquiries_loaded", lang) == words


def test_overview_with_inquiries_counts_the_open_ones(app, demo_db: Path) -> None:
    at = app("overview.py", lang="da")
    con = store.connect(demo_db)
    try:
        h = headline(build_report(con, Filters()))
    finally:
        con.close()
    by_label = {m.label: m.value for m in at.metric}
    assert h.open and by_label[metric_label("open", "da")] == format_number(h.open, "da")


def test_import_history_offers_a_past_imports_rejected_rows(monkeypatch, tmp_path: Path) -> None:
    """Issue 17: the history says who imported, shows the status among the first columns
    (it was off-screen at 1280 px), and offers the rejected rows of a past import again."""
    from streamlit.testing.v1 import AppTest

    from dashboard.i18n import t
    from dashboard.importer.pipeline import import_file
    from dashboard.importer.pseudonym import Pseudonymiser
    from tests.importer.build import INCIDENT_HEADER, incident_row, make_xlsx
    from tests.pages.conftest import ROOT, TIMEOUT

    db = tmp_path / "store.duckdb"
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "k" * 32)
    rows = [INCIDENT_HEADER, incident_row(1), incident_row(2, Forvaltning=None)]
    con = store.connect(db)
    import_file(
        con,
        make_xlsx(tmp_path / "udtraek.xlsx", {"Ark1": rows}),
        pseudonymiser=Pseudonymiser(b"k" * 32),
    )
    con.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(str(ROOT / "dashboard" / "pages" / "import_data.py"))
    at.run()
    assert not at.exception
    [history] = [d.value for d in at.dataframe]
    assert history.columns[:7].tolist() == [
        "#",
        t("import.history_file", "da"),
        t("import.history_kind", "da"),
        t("import.history_when", "da"),
        t("import.history_status", "da"),
        t("access.imported_by", "da"),
        t("access.undone_by", "da"),
    ]
    assert history[t("import.rejected", "da")].tolist() == ["1"]
    picker = at.selectbox(key="rejected_again_pick")
    assert picker.options == ["#1 · udtraek.xlsx"]
    [download] = [
        b
        for b in at.get("download_button")
        if b.proto.label == t("edges.download_rejected_again", "da")
    ]
    assert download.proto.label


def test_export_and_overview_offer_the_report_and_keep_the_answers(app) -> None:
    at = app("export.py", lang="en")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Download the statement (PDF)" in labels
    areas = {a.label: a for a in at.text_area}
    assert set(areas) == {
        "Guidelines",
        "The procedure when a police report is considered",
        "Who takes part in the decision",
        "How and by whom incidents are documented",
    }
    areas["Guidelines"].input("We follow the staff policy.").run()
    assert at.session_state["report_answers"]["guidelines"] == "We follow the staff policy."
    at.switch_page(str(Path(__file__).resolve().parents[2] / "dashboard/pages/overview.py")).run()
    assert not at.exception
    assert "Download the statement (PDF)" in [b.label for b in at.get("download_button")]
    # The answer typed on the Export page is still there for the Overview's report.
    assert at.session_state["report_answers"]["guidelines"] == "We follow the staff policy."
