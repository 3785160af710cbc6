"""Sentences of the import boundary in Danish and English.

An :class:`~dashboard.importer.errors.ImportFileError` carries a :class:`Message`: a key of
the ``import_errors`` section of the catalogues in ``dashboard/i18n`` and its values. The
command line prints it in English (``error.sentence``); the Import page in the reader's
language (``error.sentence_in(lang)``). The reasons a single row is rejected for are keys of
the ``import_reasons`` section (a ``ParseError`` carries one), rendered in the language the
rows are validated in. Values are rendered per language when the sentence
is: whole numbers with that language's separators (``1,234`` / ``1.234``), lists of names
joined with its "and", and values that are sentences of their own (a nested ``Message``,
e.g. "none" for an empty list) in that language too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

from dashboard import cpr
from dashboard.formatting import format_number
from dashboard.i18n import Lang, t

SECTION = "import_errors"  # a whole file refused
REASONS = "import_reasons"  # one row rejected

Value = Union[str, int, Sequence[str], "Message"]


@dataclass(frozen=True)
class Message:
    """A catalogue key, the values for its placeholders, and the catalogue section."""

    key: str
    values: Mapping[str, Value] = field(default_factory=dict)
    section: str = SECTION

    def render(self, lang: Lang) -> str:
        values = {k: _value(v, lang) for k, v in self.values.items()}
        return t(f"{self.section}.{self.key}", lang, **values)


def message(key: str, **values: Value) -> Message:
    """A sentence refusing a whole file."""
    return Message(key, values)


def reason(key: str, **values: Value) -> Message:
    """A reason for rejecting one row."""
    return Message(key, values, section=REASONS)


def _value(value: Value, lang: Lang) -> str:
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, bool):
        raise TypeError("a yes/no value has no place in a sentence of the import boundary")
    if isinstance(value, int):
        return format_number(value, lang)
    # File, sheet and header names come from the upload: a CPR number in one is masked in
    # every sentence, as everywhere else the program shows or keeps a text.
    if isinstance(value, str):
        return cpr.mask(value)
    names = [cpr.mask(v) for v in value]
    if len(names) < 3:
        return f" {t(f'{SECTION}.and', lang)} ".join(names)
    # "A, B and C" / "A, B og C": a comma between all but the last two
    return f"{', '.join(names[:-1])} {t(f'{SECTION}.and', lang)} {names[-1]}"
