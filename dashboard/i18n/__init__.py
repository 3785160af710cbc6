"""User-interface texts in Danish (default) and English.

The texts live in two TOML catalogues next to this module, ``da.toml`` and ``en.toml``, with
identical keys (the tests enforce it). A key is dotted: section, then name, e.g.
``"nav.overview"`` or ``"stats.finding_police_report_high"``.

>>> from dashboard.i18n import t, label, field_label
>>> t("nav.overview", "da")
'Overblik'
>>> t("stats.finding_police_report_high", "en", unit="Unit A", ratio="2.10", limits="99.8")
'Unit A reports to the police 2.10 times as often as its case mix predicts (99.8% limits exceeded).'
>>> label("severity", "high", "da"), label("severity", None, "en")
('Høj', 'Unknown')
>>> field_label("occurred_on", "da")
'Hændelsesdato'

Rules
-----
* An unknown key raises ``KeyError`` naming the key; there is no silent fallback to the
  other language or to the key itself.
* ``t`` fills placeholders with ``str.format``. Numbers and dates must be formatted by the
  caller with :mod:`dashboard.formatting` (the separators differ between languages), so
  ``t`` refuses them with ``TypeError`` instead of printing ``2.1`` in a Danish sentence.
* Literal braces in a catalogue text are written ``{{`` and ``}}``.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import string
import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

from dashboard import contract

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "Lang",
    "field_label",
    "group_words",
    "keys",
    "label",
    "metric_label",
    "placeholders",
    "t",
]

Lang = Literal["da", "en"]
LANGS: tuple[Lang, ...] = ("da", "en")
DEFAULT_LANG: Lang = "da"


def _flatten(table: dict[str, Any], prefix: str, out: dict[str, str], lang: str) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            _flatten(value, f"{key}.", out, lang)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise TypeError(f"{lang}.toml: {key!r} must be a string, not {type(value).__name__}")


@cache
def _catalogue(lang: str) -> dict[str, str]:
    """The flattened catalogue of one language (read once per process)."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGS}")
    raw = resources.files(__name__).joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    flat: dict[str, str] = {}
    _flatten(tomllib.loads(raw), "", flat, lang)
    return flat


def _text(key: str, lang: Lang) -> str:
    try:
        return _catalogue(lang)[key]
    except KeyError:
        raise KeyError(f"no text for key {key!r} in the {lang!r} catalogue") from None


def t(key: str, lang: Lang, **values: Any) -> str:
    """The text for a dotted ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    Raises ``KeyError`` for an unknown key or a missing placeholder value, and ``TypeError``
    for a number or date value (format it with :mod:`dashboard.formatting` first).
    """
    text = _text(key, lang)
    for name, value in values.items():
        if isinstance(value, numbers.Number | _dt.date):
            raise TypeError(
                f"t({key!r}): value {name}={value!r} is a {type(value).__name__}; "
                "format numbers and dates with dashboard.formatting before passing them"
            )
    return text.format(**values)


def t_count(key: str, count: int, lang: Lang, **values: Any) -> str:
    """``t`` of ``{key}_one`` when ``count`` is 1, else of ``{key}_other`` (both languages
    use the singular for exactly one and the plural otherwise, zero included)."""
    return t(f"{key}_{'one' if count == 1 else 'other'}", lang, **values)


def label(vocabulary: str, value: str | None, lang: Lang) -> str:
    """The label of a canonical category value (``contract.VOCABULARIES``); None -> "Ukendt".

    An unknown vocabulary raises ``KeyError``; an unknown value is shown as it is.
    """
    if vocabulary not in contract.VOCABULARIES:
        raise KeyError(f"unknown vocabulary {vocabulary!r}")
    if value is None or value == "":
        return _text("common.unknown", lang)
    return contract.category_label(vocabulary, value, lang)


def field_label(field: str, lang: Lang) -> str:
    """Human label of a contract field, e.g. ``occurred_on`` -> "Hændelsesdato"."""
    return _text(f"fields.{field}", lang)


def metric_label(metric: str, lang: Lang) -> str:
    """Human label of a metric, e.g. ``police_report_rate`` -> "Andel politianmeldt"."""
    return _text(f"metrics.{metric}", lang)


def keys(lang: Lang) -> set[str]:
    """All dotted keys of a language's catalogue."""
    return set(_catalogue(lang))


def placeholders(key: str, lang: Lang) -> set[str]:
    """The placeholder names a text expects, e.g. ``{"unit", "ratio", "limits"}``."""
    names: set[str] = set()
    for _, field, _, _ in string.Formatter().parse(_text(key, lang)):
        if field is not None:
            if field == "" or field.isdigit():
                raise ValueError(f"{lang}: {key!r} uses a positional placeholder")
            names.add(field.split(".")[0].split("[")[0])
    return names


def group_words(by: str, lang: Lang) -> dict[str, str]:
    """The words for the groups compared when grouping ``by`` ("unit" or "department"), as
    the placeholders {group}, {group_definite}, {groups} and {groups_definite} of the
    sentences that state a result ("the differences between the departments ..."), and
    each of them capitalised for the start of a title ({Group}, {Groups}, ...)."""
    words = {
        "group": t(f"group_words.{by}", lang),
        "group_definite": t(f"group_words.{by}_definite", lang),
        "groups": t(f"group_words.{by}_plural", lang),
        "groups_definite": t(f"group_words.{by}_plural_definite", lang),
    }
    return words | {name.capitalize(): word[:1].upper() + word[1:] for name, word in words.items()}
