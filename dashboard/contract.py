"""The import contract in one place: record kinds, fields, header aliases and vocabularies.

This restates ``shared/DATA_CONTRACT.md``; the importer, the store schema, the demo
generator and the UI labels all read from here, so a new alias or category is added once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

Kind = Literal["incidents", "inquiries"]
KINDS: tuple[Kind, ...] = ("incidents", "inquiries")
FieldType = Literal["text", "ref", "date", "category", "bool", "int", "freetext"]


@dataclass(frozen=True)
class Field:
    """One field of a record kind."""

    name: str
    type: FieldType
    required: bool
    aliases: tuple[str, ...]
    vocabulary: str | None = None  # key into VOCABULARIES for category fields


INCIDENT_FIELDS: tuple[Field, ...] = (
    Field(
        "incident_id",
        "text",
        True,
        ("Hændelses-ID", "Hændelsesnr.", "Hændelsesnummer", "ID", "Incident ID", "Incident no."),
    ),
    Field(
        "case_id",
        "text",
        False,
        ("J.nr.", "Journalnummer", "Sagsnr.", "Sagsnummer", "Case number", "Case ID"),
    ),
    Field("department", "text", True, ("Forvaltning", "Department", "Administration")),
    Field("unit", "text", False, ("Afdeling", "Enhed", "Center", "Unit", "Section")),
    Field(
        "occurred_on",
        "date",
        True,
        ("Hændelsesdato", "Dato for hændelse", "Dato", "Date of incident", "Incident date", "Date"),
    ),
    Field(
        "registered_on",
        "date",
        False,
        ("Registreringsdato", "Registreret", "Registered", "Registration date"),
    ),
    Field("channel", "category", False, ("Kanal", "Medie", "Channel", "Medium"), "channel"),
    Field(
        "harassment_type",
        "category",
        True,
        ("Hændelsestype", "Type", "Kategori", "Incident type", "Category"),
        "harassment_type",
    ),
    Field("severity", "category", False, ("Alvorlighed", "Grad", "Severity"), "severity"),
    Field(
        "citizen_ref",
        "ref",
        False,
        ("Borger-ID", "Borger", "CPR", "CPR-nr.", "Citizen ID", "Citizen"),
    ),
    Field(
        "employee_ref", "ref", False, ("Medarbejder-ID", "Medarbejder", "Employee ID", "Employee")
    ),
    Field("documented", "bool", False, ("Dokumenteret", "Documented")),
    Field(
        "documentation_form",
        "category",
        False,
        ("Dokumentationsform", "Dokumentation", "Documentation", "Documentation form"),
        "documentation_form",
    ),
    Field(
        "documented_by",
        "category",
        False,
        ("Dokumenteret af", "Dokumentation ved", "Documented by"),
        "documented_by",
    ),
    Field(
        "warning_given",
        "bool",
        False,
        ("Advarsel givet", "Advarsel", "Advaret", "Warning given", "Warned"),
    ),
    Field("warning_on", "date", False, ("Advarselsdato", "Dato for advarsel", "Warning date")),
    Field(
        "police_reported",
        "bool",
        False,
        (
            "Politianmeldt",
            "Politianmeldelse",
            "Anmeldt til politiet",
            "Reported to police",
            "Police report",
        ),
    ),
    Field(
        "police_reported_on",
        "date",
        False,
        ("Dato for politianmeldelse", "Anmeldelsesdato", "Police report date"),
    ),
    Field(
        "decided_by",
        "category",
        False,
        ("Besluttet af", "Beslutning truffet af", "Decided by"),
        "decided_by",
    ),
    Field(
        "work_accident_reported",
        "bool",
        False,
        (
            "Anmeldt som arbejdsulykke",
            "Arbejdsulykke anmeldt",
            "Arbejdsskade anmeldt",
            "Reported as work accident",
            "Work accident reported",
        ),
    ),
    Field(
        "work_accident_reported_on",
        "date",
        False,
        (
            "Dato for anmeldelse af arbejdsulykke",
            "Arbejdsulykke anmeldt dato",
            "Work accident report date",
        ),
    ),
    Field(
        "absence_days",
        "int",
        False,
        ("Fraværsdage", "Fravær (dage)", "Days of absence", "Absence days"),
    ),
    Field(
        "absence_from",
        "date",
        False,
        ("Første fraværsdag", "Fravær fra", "Fraværsdato", "First day of absence", "Absence from"),
    ),
    Field(
        "notes",
        "freetext",
        False,
        ("Bemærkninger", "Noter", "Beskrivelse", "Notes", "Remarks", "Description"),
    ),
)

INQUIRY_FIELDS: tuple[Field, ...] = (
    Field(
        "inquiry_id",
        "text",
        True,
        ("Sagsnr.", "Sagsnummer", "Henvendelses-ID", "Inquiry ID", "Case number"),
    ),
    Field("department", "text", True, ("Forvaltning", "Department")),
    Field("unit", "text", False, ("Afdeling", "Enhed", "Unit")),
    Field(
        "inquiry_type",
        "category",
        True,
        ("Henvendelsestype", "Type", "Inquiry type"),
        "inquiry_type",
    ),
    Field(
        "received_on",
        "date",
        True,
        ("Modtaget", "Modtaget dato", "Modtagelsesdato", "Received", "Date received"),
    ),
    Field("deadline_on", "date", False, ("Svarfrist", "Frist", "Deadline", "Due date")),
    Field(
        "answered_on",
        "date",
        False,
        ("Besvaret", "Besvaret dato", "Svardato", "Answered", "Date answered"),
    ),
    Field("citizen_ref", "ref", False, ("Borger-ID", "Borger", "CPR", "Citizen ID")),
)

FIELDS: dict[Kind, tuple[Field, ...]] = {"incidents": INCIDENT_FIELDS, "inquiries": INQUIRY_FIELDS}
ID_FIELD: dict[Kind, str] = {"incidents": "incident_id", "inquiries": "inquiry_id"}


@dataclass(frozen=True)
class Category:
    """One canonical value with its labels and any extra spellings accepted on import."""

    value: str
    da: str
    en: str
    extra: tuple[str, ...] = ()


VOCABULARIES: dict[str, tuple[Category, ...]] = {
    "channel": (
        Category("social_media", "Sociale medier", "Social media"),
        Category("email", "E-mail", "E-mail", ("email", "mail")),
        Category("sms", "SMS", "SMS"),
        Category("phone", "Telefon", "Phone"),
        Category("in_person", "Personligt fremmøde", "In person"),
        Category("letter", "Brev", "Letter"),
        Category("other", "Andet", "Other"),
    ),
    "harassment_type": (
        Category("digital_harassment", "Digital chikane", "Digital harassment"),
        Category("threats", "Trusler", "Threats"),
        Category("violence", "Vold", "Violence"),
        Category("verbal_abuse", "Verbale krænkelser", "Verbal abuse"),
        Category("stalking", "Forfølgelse", "Stalking"),
        Category("other", "Andet", "Other"),
    ),
    "severity": (
        Category("low", "Lav", "Low", ("1",)),
        Category("medium", "Middel", "Medium", ("2",)),
        Category("high", "Høj", "High", ("3",)),
    ),
    "documentation_form": (
        Category("screenshot", "Skærmbillede", "Screenshot"),
        Category("saved_email", "Gemt e-mail", "Saved email", ("Gemt email", "Saved e-mail")),
        Category("log_entry", "Journalnotat", "Log entry"),
        Category("witness_statement", "Vidneudsagn", "Witness statement"),
        Category("other", "Andet", "Other"),
    ),
    "documented_by": (
        Category("employee", "Medarbejderen", "Employee"),
        Category("manager", "Leder", "Manager"),
        Category("hr", "HR", "HR"),
        Category("other", "Andet", "Other"),
    ),
    "decided_by": (
        Category("manager", "Leder", "Manager"),
        Category("legal", "Juridisk afdeling", "Legal"),
        Category("hr", "HR", "HR"),
        Category("quality_assurance", "Kvalitetssikring", "Quality assurance"),
        Category("other", "Andet", "Other"),
    ),
    "inquiry_type": (
        Category("complaint", "Klage", "Complaint"),
        Category("ombudsman", "Borgerrådgiveren", "Ombudsman"),
        Category("access_to_records", "Aktindsigt", "Access to records"),
        Category("general", "Henvendelse", "General"),
    ),
}

# Out-of-the-box answer deadlines per inquiry type, used when an inquiry has none.
DEFAULT_DEADLINES: dict[str, timedelta] = {
    "ombudsman": timedelta(days=21),
    "access_to_records": timedelta(days=7),
    "complaint": timedelta(days=28),
    "general": timedelta(days=28),
}

# Values of the first data column that mark a total row at the bottom of an export.
TOTAL_ROW_MARKERS: frozenset[str] = frozenset(
    {"i alt", "ialt", "total", "totalt", "sum", "i alt:", "total:"}
)


def normalise_key(text: str) -> str:
    """Fold a header or a category label for matching: case, spaces, punctuation, accents kept.

    Danish letters (æ, ø, å) stay distinct; everything that is not a letter or digit goes.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", "", folded)


def fields_for(kind: Kind) -> tuple[Field, ...]:
    """The fields of a record kind, in contract order."""
    return FIELDS[kind]


def field_names(kind: Kind) -> list[str]:
    """Field names of a kind in contract order."""
    return [f.name for f in FIELDS[kind]]


def alias_index(kind: Kind) -> dict[str, str]:
    """Normalised header alias -> field name, for one kind (field names match as well)."""
    index: dict[str, str] = {}
    for f in FIELDS[kind]:
        for alias in (*f.aliases, f.name):
            index.setdefault(normalise_key(alias), f.name)
    return index


def vocabulary_index(vocabulary: str) -> dict[str, str]:
    """Normalised label (canonical, Danish, English, extra spellings) -> canonical value."""
    index: dict[str, str] = {}
    for cat in VOCABULARIES[vocabulary]:
        for label in (cat.value, cat.da, cat.en, *cat.extra):
            index[normalise_key(label)] = cat.value
    return index


def category_label(vocabulary: str, value: str, lang: str) -> str:
    """The label of a canonical value in ``lang`` ("da" or "en"); the value itself if unknown."""
    for cat in VOCABULARIES[vocabulary]:
        if cat.value == value:
            return cat.da if lang == "da" else cat.en
    return value
