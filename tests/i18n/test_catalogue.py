"""The da/en catalogues: same keys, no empty texts, matching placeholders, API behaviour."""

from __future__ import annotations

import re
import string
from datetime import date

import pytest

from dashboard import contract, i18n
from dashboard.i18n import DEFAULT_LANG, LANGS, field_label, keys, label, metric_label, t

SECTIONS = {"app", "nav", "filters", "fields", "metrics", "stats", "import", "export", "common"}
NAV = [
    "overview", "police", "warnings", "work_accidents", "documentation",
    "response_times", "equal_treatment", "incidents", "import", "export",
]  # fmt: skip
METRICS = [
    "incidents", "police_reports", "police_report_rate", "warnings", "warning_rate",
    "police_without_prior_warning", "work_accidents", "work_accident_rate",
    "work_accidents_within_deadline", "documented", "documentation_rate",
    "days_to_police_report_median", "days_to_police_report_p90",
    "days_to_work_accident_median", "days_to_work_accident_p90", "police_report_oe",
    "warning_oe", "work_accident_oe", "documentation_oe", "expected", "observed", "answered",
    "open", "open_overdue", "median_response_days", "p90_response_days",
    "share_within_deadline", "km_median_response_days", "extract_date", "change_from_previous",
]  # fmt: skip
OUTCOMES = ["police_report", "warning", "work_accident", "documentation"]
ALL_FIELDS = sorted({f.name for kind in contract.KINDS for f in contract.fields_for(kind)})


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_languages() -> None:
    assert LANGS == ("da", "en")
    assert DEFAULT_LANG == "da"


def test_same_keys_in_both_languages() -> None:
    da, en = keys("da"), keys("en")
    assert da - en == set(), "only in da.toml"
    assert en - da == set(), "only in en.toml"


def test_top_level_sections() -> None:
    # the shared sections exist; pages add sections of their own
    assert {k.split(".")[0] for k in keys("da")} >= SECTIONS


@pytest.mark.parametrize("lang", LANGS)
def test_no_empty_values(lang: i18n.Lang) -> None:
    empty = [k for k in keys(lang) if not i18n._catalogue(lang)[k].strip()]
    assert empty == []


def test_placeholders_match_between_languages() -> None:
    mismatched = {
        key: (i18n.placeholders(key, "da"), i18n.placeholders(key, "en"))
        for key in keys("da")
        if i18n.placeholders(key, "da") != i18n.placeholders(key, "en")
    }
    assert mismatched == {}


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_formats_with_its_placeholders(lang: i18n.Lang) -> None:
    for key in keys(lang):
        names = i18n.placeholders(key, lang)
        assert names == _placeholders(i18n._catalogue(lang)[key])
        text = t(key, lang, **dict.fromkeys(names, "X"))
        assert "{" not in text and "}" not in text, key


@pytest.mark.parametrize("lang", LANGS)
def test_every_contract_field_has_a_label(lang: i18n.Lang) -> None:
    for name in [*ALL_FIELDS, "deadline_source"]:
        assert field_label(name, lang).strip(), name


@pytest.mark.parametrize("lang", LANGS)
def test_required_nav_and_metric_keys(lang: i18n.Lang) -> None:
    for name in NAV:
        assert t(f"nav.{name}", lang)
    for name in METRICS:
        assert metric_label(name, lang)
    for outcome in OUTCOMES:
        for direction in ("high", "low"):
            key = f"stats.finding_{outcome}_{direction}"
            assert i18n.placeholders(key, lang) == {
                "unit",
                "ratio",
                "limits",
                "observed",
                "expected",
            }, key


def test_known_texts() -> None:
    assert field_label("occurred_on", "da") == "Hændelsesdato"
    assert field_label("occurred_on", "en") == "Date of incident"
    assert t("nav.overview", "da") == "Overblik"
    assert t("common.unknown", "en") == "Unknown"
    assert t("app.demo_banner", "da").startswith("Dashboardet viser demodata")
    assert (
        t(
            "stats.finding_police_report_high",
            "da",
            unit="Jobcenter Nord",
            ratio="2,10",
            observed="21",
            expected="10,0",
            limits="99,8",
        )
        == "Jobcenter Nord anmelder 2,10 gange så ofte til politiet, som sagernes sammensætning "
        "tilsiger (21 mod forventet 10,0; 99,8\u00a0%-grænserne er overskredet)."
    )
    assert (
        t(
            "stats.finding_police_report_high",
            "en",
            unit="Job Centre North",
            ratio="2.10",
            observed="21",
            expected="10.0",
            limits="99.8",
        )
        == "Job Centre North reports to the police 2.10 times as often as its case mix predicts "
        "(21 against 10.0 expected; 99.8% limits exceeded)."
    )


@pytest.mark.parametrize("lang", LANGS)
def test_missing_key_raises(lang: i18n.Lang) -> None:
    with pytest.raises(KeyError, match=r"nav\.does_not_exist"):
        t("nav.does_not_exist", lang)
    with pytest.raises(KeyError, match="no_such_field"):
        field_label("no_such_field", lang)
    with pytest.raises(KeyError, match="no_such_metric"):
        metric_label("no_such_metric", lang)
    with pytest.raises(KeyError):
        t("nav", lang)  # a section is not a text


def test_missing_placeholder_value_raises() -> None:
    with pytest.raises(KeyError, match="unit"):
        t("stats.finding_police_report_high", "da", ratio="2,10", limits="95")


@pytest.mark.parametrize("value", [2.1, 3, True, date(2024, 7, 24)])
def test_numbers_and_dates_are_refused(value: object) -> None:
    with pytest.raises(TypeError, match=r"dashboard\.formatting"):
        t("app.data_as_of", "da", date=value)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="de"):
        t("nav.overview", "de")  # type: ignore[arg-type]


def test_label() -> None:
    assert label("severity", "high", "da") == "Høj"
    assert label("severity", "high", "en") == "High"
    assert label("harassment_type", "digital_harassment", "da") == "Digital chikane"
    assert label("channel", None, "da") == "Ukendt"
    assert label("channel", None, "en") == "Unknown"
    assert label("channel", "carrier_pigeon", "en") == "carrier_pigeon"
    with pytest.raises(KeyError, match="no_vocabulary"):
        label("no_vocabulary", "x", "da")


def test_keys_returns_a_copy() -> None:
    k = keys("da")
    k.add("junk.key")
    assert "junk.key" not in keys("da")


def test_catalogues_are_package_resources(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    i18n._catalogue.cache_clear()
    assert t("nav.import", "en") == "Import"


def test_no_streamlit_import() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dashboard.i18n, dashboard.formatting; "
        "sys.exit(1 if 'streamlit' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_counted_phrases_take_the_singular_for_exactly_one() -> None:
    """Issue 17: "1 totalrækker". Written by hand: Danish and English both use the singular
    for one and the plural for zero and two."""
    assert i18n.t_count("edges.total_rows", 1, "da", n="1") == "1 totalrække"
    assert i18n.t_count("edges.total_rows", 2, "da", n="2") == "2 totalrækker"
    assert i18n.t_count("edges.blank_rows", 1, "da", n="1") == "1 tom række"
    assert i18n.t_count("edges.blank_rows", 1, "en", n="1") == "1 blank row"
    assert i18n.t_count("edges.blank_rows", 0, "en", n="0") == "0 blank rows"


# The words the catalogues must not use for a department or a unit (issue 17: "gruppe",
# "enhed" and "afdeling" were used for one thing). A department is "forvaltning" /
# "department" and a unit "enhed" / "unit" everywhere; a sentence about the groups compared
# takes the grouping's own word through the {group} placeholders (i18n.group_words).
FORBIDDEN = {
    "da": re.compile(r"\b(afdeling\w*|grupp\w*)", re.IGNORECASE),
    "en": re.compile(r"\b(groups?|division\w*)\b", re.IGNORECASE),
}


@pytest.mark.parametrize("lang", LANGS)
def test_one_term_per_concept_for_departments_and_units(lang: i18n.Lang) -> None:
    texts = {
        key: i18n.t(key, lang, **dict.fromkeys(i18n.placeholders(key, lang), "x"))
        for key in keys(lang)
    }
    found = {key: FORBIDDEN[lang].findall(text) for key, text in texts.items()}
    assert {key: words for key, words in found.items() if words} == {}
    words = {"da": ("forvaltning", "enhed"), "en": ("department", "unit")}[lang]
    assert (i18n.t("group_words.department", lang), i18n.t("group_words.unit", lang)) == words
    assert (i18n.t("filters.department", lang), i18n.t("filters.unit", lang)) == tuple(
        w.capitalize() for w in words
    )


def test_the_scan_sees_the_synonyms_it_forbids() -> None:
    """The patterns catch the words of issue 17 in their inflected forms (by hand)."""
    assert FORBIDDEN["da"].findall("Tallene pr. gruppe; Grupperne og afdelingen") == [
        "gruppe",
        "Grupperne",
        "afdelingen",
    ]
    assert FORBIDDEN["en"].findall("Groups compared, between-group, a division") == [
        "Groups",
        "group",
        "division",
    ]
    assert FORBIDDEN["en"].findall("the department's units") == []


@pytest.mark.parametrize(
    ("by", "lang", "title"),
    [
        ("unit", "da", "Enheder, der gør det oftere eller sjældnere end forventet"),
        ("department", "en", "Departments that do it more or less often than expected"),
    ],
)
def test_a_title_starts_with_the_grouping_s_word_capitalised(by, lang, title) -> None:
    assert i18n.t("verdict.findings_title", lang, **i18n.group_words(by, lang)) == title
