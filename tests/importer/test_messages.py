"""Sentences of the import boundary in Danish and English: every refusal and every reason for
a rejected row is translated, numbers and lists follow the language, the broken samples are
refused in Danish, and the incident sample's rows are rejected alike in either language."""

from __future__ import annotations

import pytest

from dashboard.i18n import keys, placeholders
from dashboard.importer.errors import ImportFileError
from dashboard.importer.messages import REASONS, SECTION, Message, message
from dashboard.importer.pipeline import locate, prepare, validate
from dashboard.importer.pseudonym import Pseudonymiser
from dashboard.importer.workbook import read_workbook
from tests.samples import sample

KEYS = sorted(
    tuple(k.split(".", 1)) for k in keys("da") if k.split(".", 1)[0] in (SECTION, REASONS)
)


@pytest.mark.parametrize(("section", "key"), KEYS, ids=[".".join(k) for k in KEYS])
def test_every_sentence_is_translated(section: str, key: str) -> None:
    values = {name: f"<{name}>" for name in placeholders(f"{section}.{key}", "en")}
    text = Message(key, values, section=section)
    danish, english = text.render("da"), text.render("en")
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
        '"Dato" (occurred_on) are missing from the header in row 1,234; add them to the export.'
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
    "truncated.xlsx": (  # half a zip: it starts as one but its directory is cut off
        "truncated.xlsx er beskadiget eller ufuldstændig; tag udtrækket igen som "
        "Excel-projektmappe (.xlsx), og upload den nye fil."
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


# The incident sample's rejected rows and their reasons in Danish, checked by hand against
# the sample's README (3 without id, 2 with an impossible or unreadable date, 2 without
# department, 1 unknown incident type, 2 sharing an id with conflicting content, 1 negative
# number of absence days).
DANISH_REASONS = {
    99: ["Forvaltning mangler (obligatorisk)"],
    169: ['Hændelses-ID "H-BAD-0006" står i rækkerne 169, 1541 med forskelligt indhold'],
    462: [
        'Hændelsestype: ukendt værdi "Spam" (forventet en af: Digital chikane, Trusler, Vold, '
        "Verbale krænkelser, Forfølgelse, Andet)"
    ],
    891: ["Forvaltning mangler (obligatorisk)"],
    1462: ['Hændelsesdato: umulig dato "31-02-2024" (dagen findes ikke)'],
    1541: ['Hændelses-ID "H-BAD-0006" står i rækkerne 169, 1541 med forskelligt indhold'],
    1848: ['Fraværsdage: "-3" er mindre end 0'],
    1890: ["Hændelses-ID mangler (obligatorisk)"],
    2147: ['Hændelsesdato: ulæselig dato "ukendt"'],
    2282: ["Hændelses-ID mangler (obligatorisk)"],
    2342: ["Hændelses-ID mangler (obligatorisk)"],
}


def test_rows_are_rejected_alike_with_reasons_in_either_language() -> None:
    path = sample("haendelser_2023-2024.xlsx")
    workbook = read_workbook(path)
    match = locate(workbook)
    key = Pseudonymiser(b"k" * 32)
    danish, english = (
        validate(workbook, match, pseudonymiser=key, lang=lang) for lang in ("da", "en")
    )
    assert dict(danish.rejected.select("row_number", "reasons").iter_rows()) == DANISH_REASONS
    assert danish.rejected["row_number"].to_list() == english.rejected["row_number"].to_list()
    assert english.rejected["reasons"].to_list()[0] == ["Forvaltning is empty (required)"]
    assert danish.records.equals(english.records)


def test_several_missing_columns_are_them_in_english() -> None:
    missing = message(
        "missing_columns_or_map",
        file="f.xlsx",
        sheet="Ark1",
        columns=['"Modtaget" (received_on)', '"Type" (inquiry_type)'],
        row=1,
        field="received_on",
    )
    assert "add them to the export or map existing columns to them" in missing.render("en")
