"""Sentences of the import boundary in Danish and English: every one is translated, numbers
and lists follow the language, and the broken samples are refused in Danish on the page."""

from __future__ import annotations

import pytest

from dashboard.i18n import keys, placeholders
from dashboard.importer.errors import ImportFileError
from dashboard.importer.messages import SECTION, message
from dashboard.importer.pipeline import prepare
from dashboard.importer.pseudonym import Pseudonymiser
from tests.samples import sample

KEYS = sorted(k.removeprefix(f"{SECTION}.") for k in keys("da") if k.startswith(f"{SECTION}."))


@pytest.mark.parametrize("key", KEYS)
def test_every_sentence_is_translated(key: str) -> None:
    values = {name: f"<{name}>" for name in placeholders(f"{SECTION}.{key}", "en")}
    danish, english = (message(key, **values).render(lang) for lang in ("da", "en"))
    assert danish != english
    assert all(value in danish for value in values.values())


def test_numbers_and_lists_follow_the_language() -> None:
    missing = message(
        "missing_columns",
        file="f.xlsx",
        sheet="Ark1",
        columns=['"Forvaltning" (department)', '"Dato" (occurred_on)'],
        row=1234,
        field="department",
    )
    assert missing.render("da") == (
        'f.xlsx, arket »Ark1«: de obligatoriske kolonner "Forvaltning" (department) og '
        '"Dato" (occurred_on) mangler i overskriftsrækken (række 1.234); føj dem til udtrækket.'
    )
    assert missing.render("en") == (
        'f.xlsx, sheet "Ark1": the required columns "Forvaltning" (department) and '
        '"Dato" (occurred_on) are missing from the header in row 1,234; add it to the export.'
    )


def test_a_nested_message_is_rendered_in_the_same_language() -> None:
    refused = message("no_data_sheet", file="f.xlsx", sheets=message("none"))
    assert "(synlige ark: ingen)" in refused.render("da")
    assert "(visible sheets: none)" in refused.render("en")


def test_a_yes_no_value_is_refused() -> None:
    with pytest.raises(TypeError):
        message("empty", file=True).render("da")


# The broken samples' refusals, word for word in Danish (the English sentences are checked
# by the command-line tests).
DANISH_REFUSALS = {
    "not_a_workbook.xlsx": (
        "not_a_workbook.xlsx er ikke en Excel-projektmappe (.xlsx); tag udtrækket igen som "
        "Excel-projektmappe."
    ),
    "truncated.xlsx": (  # half a zip has no central directory: not a zip at all
        "truncated.xlsx er ikke en Excel-projektmappe (.xlsx); tag udtrækket igen som "
        "Excel-projektmappe."
    ),
    "empty.xlsx": (
        'empty.xlsx har intet ark med en genkendelig overskriftsrække (synlige ark: "Ark1"); '
        "kontrollér, at det er et udtræk af hændelser eller henvendelser, eller kobl kolonnerne "
        "til felter i hånden."
    ),
}


@pytest.mark.parametrize("name", sorted(DANISH_REFUSALS))
def test_broken_samples_are_refused_in_danish(name: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        prepare(sample(f"bad/{name}"), pseudonymiser=Pseudonymiser(b"k" * 32))
    assert refused.value.sentence_in("da") == DANISH_REFUSALS[name]
    assert refused.value.sentence_in("en") == refused.value.sentence == str(refused.value)


def test_a_missing_required_column_is_named_in_danish() -> None:
    with pytest.raises(ImportFileError) as refused:
        prepare(sample("bad/missing_required_column.xlsx"), pseudonymiser=Pseudonymiser(b"k" * 32))
    danish = refused.value.sentence_in("da")
    assert danish.startswith("missing_required_column.xlsx, arket »")
    assert "den obligatoriske kolonne" in danish and "(department)" in danish
