"""The report's method appendix describes the figures the report shows: every level and
threshold it names equals the declaration or setting the figures are computed with, in both
languages, and changes with it.

The values written out here are the declarations' own (``dashboard.stats``, the funnel
levels of ``dashboard.metrics.incidents``, the settings passed to the report); the numbers
found in the appendix's text are read back from it with regular expressions."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dashboard import stats, store
from dashboard.i18n import LANGS, Lang, label
from dashboard.metrics import findings, incidents, methods
from dashboard.metrics.report import MetricsReport, build_report
from dashboard.report_pdf.content import Bullets, Paragraph, Subheading, Table, build_document

GENERATED = datetime(2026, 12, 4, 9, 30).astimezone()
# Settings other than the defaults, so that a copied default would show.
SUPPRESS, DAYS = 7, 11
DEADLINES = {"ombudsman": 19, "access_to_records": 6, "complaint": 27, "general": 29}


@pytest.fixture(scope="module")
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = store.connect(demo_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def report(con: duckdb.DuckDBPyConnection) -> MetricsReport:
    return build_report(con, by="unit", work_accident_days=DAYS, suppress_below=SUPPRESS)


def _appendix(con: duckdb.DuckDBPyConnection, report: MetricsReport, lang: Lang) -> list[object]:
    doc = build_document(
        con,
        report,
        lang,
        generated=GENERATED,
        work_accident_days=DAYS,
        deadline_days=DEADLINES,
    )
    return list(doc.appendix.blocks)


def _prose(blocks: list[object]) -> str:
    """The appendix's paragraphs and list items (not its table), no-break spaces as spaces."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Bullets):
            parts.extend(block.items)
    return "\n".join(parts).replace("\xa0", " ")


def _percent(value: float, lang: Lang) -> str:
    """A level as the appendix writes it, by hand: 0.05 -> "5 %", 0.998 -> "99,8 %" (da);
    "5%", "99.8%" (en)."""
    text = f"{100 * value:.1f}".removesuffix(".0")
    return text.replace(".", ",") + " %" if lang == "da" else text + "%"


def test_the_rule_uses_the_declared_values() -> None:
    """The functions behind the verdicts take the declarations as their defaults, so the
    values the appendix states are the ones the figures were computed with."""
    screen = inspect.signature(stats.screen_oe).parameters
    assert screen["alpha"].default == stats.SCREENING_FDR
    assert screen["min_expected"].default == stats.MIN_EXPECTED
    assert screen["trim"].default == stats.WINSOR_FRACTION
    assert screen["overdispersion_alpha"].default == stats.OVERDISPERSION_ALPHA
    assert screen["adjustment"].default == stats.OVERDISPERSION_ADJUSTMENT == "additive"
    assert inspect.signature(stats.choose_null).parameters["max_rate"].default == (
        stats.NULL_MAX_RATE
    )
    assert inspect.signature(stats.chi2_homogeneity).parameters["n_simulations"].default == (
        stats.MONTE_CARLO_TABLES
    )
    assert findings.FUNNEL_LIMIT == pytest.approx(100 * incidents.FUNNEL_CONFIDENCES[-1])


@pytest.mark.parametrize("lang", LANGS)
def test_every_threshold_named_equals_its_declaration(
    con: duckdb.DuckDBPyConnection, report: MetricsReport, lang: Lang
) -> None:
    blocks = _appendix(con, report, lang)
    text = _prose(blocks)
    decimal = "," if lang == "da" else "."
    declared_percent = {
        _percent(v, lang)
        for v in (
            stats.SCREENING_FDR,
            stats.NULL_MAX_RATE,
            stats.WINSOR_FRACTION,
            stats.INTERVAL_CONFIDENCE,
            *incidents.FUNNEL_CONFIDENCES,
        )
    }
    found_percent = set(re.findall(r"\d+(?:[.,]\d+)? ?%", text))
    assert found_percent == declared_percent  # every one named, and no other
    # p-value levels: φ's test and the chi-square sentence's, as decimals
    levels = set(re.findall(rf"\b0{re.escape(decimal)}\d+\b", text))
    assert levels == {f"0{decimal}05"}
    assert stats.OVERDISPERSION_ALPHA == findings.CHI2_ALPHA == 0.05
    # the smallest expected count tested, and the simulated tables
    assert re.search(rf"\b{int(stats.MIN_EXPECTED)}\b", text)
    tables = f"{stats.MONTE_CARLO_TABLES:,}".replace(",", "." if lang == "da" else ",")
    assert tables in text
    # the settings: small numbers, the work-accident deadline, the inquiry deadlines
    small = "1 til 6" if lang == "da" else "1 to 6"
    assert small in text and f"<{SUPPRESS}" in text
    days_word = "dage" if lang == "da" else "days"
    named_days = {int(d) for d in re.findall(rf"\b(\d+) {days_word}\b", text)}
    assert named_days == {DAYS, *DEADLINES.values()}
    for kind, days in DEADLINES.items():
        assert f"{label('inquiry_type', kind, lang)} {days} {days_word}" in text
    # the strata named are the ones the expected counts use
    assert (
        "hændelsestype × alvorlighed" in text
        if lang == "da"
        else ("incident type × severity" in text)
    )
    # the table: per outcome, the verdict's level is the screening's own
    (table,) = [b for b in blocks if isinstance(b, Table)]
    levels_shown = [row[6] for row in table.rows]
    expected = [
        f"{100 * s.confidence:.1f}".replace(".", decimal) + ("\xa0%" if lang == "da" else "%")
        for s in report.screenings.values()
    ]
    assert levels_shown == expected
    named = [int(row[7]) for row in table.rows]
    assert named == [
        int(report.incidents[f"{o}_verdict"].is_in(["higher", "lower"]).sum())
        for o in report.screenings
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_the_appendix_follows_a_changed_declaration(
    con: duckdb.DuckDBPyConnection,
    report: MetricsReport,
    lang: Lang,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No copy of a threshold: change a declaration and the appendix says the new value."""
    monkeypatch.setattr(stats, "SCREENING_FDR", 0.1)
    monkeypatch.setattr(stats, "NULL_MAX_RATE", 0.2)
    monkeypatch.setattr(stats, "WINSOR_FRACTION", 0.15)
    monkeypatch.setattr(stats, "MIN_EXPECTED", 3.0)
    monkeypatch.setattr(stats, "MONTE_CARLO_TABLES", 999)
    monkeypatch.setattr(stats, "INTERVAL_CONFIDENCE", 0.9)
    monkeypatch.setattr(methods, "FUNNEL_CONFIDENCES", (0.8, 0.999))
    text = _prose(_appendix(con, report, lang))
    assert set(re.findall(r"\d+(?:[.,]\d+)? ?%", text)) == {
        _percent(v, lang) for v in (0.1, 0.2, 0.15, 0.8, 0.999, 0.9)
    }
    assert " 999 " in text and re.search(r"\b3\b", text)


@pytest.mark.parametrize("lang", LANGS)
def test_the_appendix_has_every_part(
    con: duckdb.DuckDBPyConnection, report: MetricsReport, lang: Lang
) -> None:
    """Case mix, the null, over-dispersion, multiplicity, small numbers, the legal rules and
    their sources, each under its own heading; the sources name the law and the methods."""
    blocks = _appendix(con, report, lang)
    headings = [b.text for b in blocks if isinstance(b, Subheading)]
    assert len(headings) == 9 == len(set(headings))
    text = _prose(blocks)
    for source in (
        "§ 1",
        "Spiegelhalter",
        "DerSimonian",
        "Benjamini",
        "Landis",
        "Tarone",
        "Wilson",
        "Brookmeyer",
    ):
        assert source in text
    assert "99,8 %-grænserne: Det sker kun" not in text  # the old funnel-limit text is gone
    assert "Holm" in text  # the CMH tests' adjustment (report.adjust), not the verdicts'
