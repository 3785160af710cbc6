from dashboard.contract import (
    FIELDS,
    KINDS,
    VOCABULARIES,
    alias_index,
    normalise_key,
    vocabulary_index,
)


def test_every_alias_maps_to_its_field() -> None:
    for kind in KINDS:
        index = alias_index(kind)
        for field in FIELDS[kind]:
            for alias in field.aliases:
                assert index[normalise_key(alias)] == field.name, (kind, alias)


def test_header_matching_ignores_case_space_and_punctuation() -> None:
    index = alias_index("incidents")
    assert index[normalise_key("  hændelses id ")] == "incident_id"
    assert index[normalise_key("J.NR")] == "case_id"
    assert index[normalise_key("Fravær (dage)")] == "absence_days"


def test_vocabularies_accept_danish_english_and_canonical() -> None:
    index = vocabulary_index("harassment_type")
    assert index[normalise_key("Digital chikane")] == "digital_harassment"
    assert index[normalise_key("digital harassment")] == "digital_harassment"
    assert index[normalise_key("digital_harassment")] == "digital_harassment"
    assert vocabulary_index("severity")[normalise_key("3")] == "high"
    for name, cats in VOCABULARIES.items():
        assert len(vocabulary_index(name)) >= len(cats)
