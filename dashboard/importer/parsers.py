"""Cell parsers for the import: text in, typed value out, or a ParseError with a short reason.

Cells arrive as text (the reader renders every cell as a string), stripped or not. Every
parser either returns a value or raises :class:`ParseError`, whose message is a short plain
English phrase for the "reasons" column shown to an analyst, quoting the offending value
(with any CPR number in it masked, and long values shortened). Anything else is a bug.

Decisions worth knowing:

- Day-first text dates (``24-07-2024``, ``24.07.2024``, ``24/07/2024``, ``4.7.2024``) are
  always read day first. Two-digit years (``24.07.24``) are rejected: a guessed century is a
  silent error, a rejected row with "use a four-digit year" is fixed in a minute.
- Dates must fall in 1990–2100 (``PLAUSIBLE_YEARS``); anything else is "implausible", which
  also catches numbers that were never dates (a bare ``2024`` read as an Excel serial).
- A bare number is an Excel serial date in the 1900 system (with Excel's fictitious
  1900-02-29 at serial 60) or, with ``date1904=True``, the 1904 system. A time of day (the
  fraction) is dropped.
- Empty input raises ``ParseError("empty")``; callers normally treat empty as missing before
  calling, and :func:`map_unique` does so.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import NamedTuple, TypeVar

import polars as pl

from dashboard.contract import VOCABULARIES, normalise_key, vocabulary_index
from dashboard.i18n import Lang
from dashboard.importer.messages import reason
from dashboard.importer.pseudonym import mask_cpr

T = TypeVar("T")

PLAUSIBLE_YEARS = (1990, 2100)
_MAX_QUOTED = 40
INT32_MAX = 2**31 - 1


class ParseError(ValueError):
    """A cell that cannot be read; ``str(error)`` is a short reason for an analyst, in English,
    and ``message`` renders it in either language (the ``import_reasons`` catalogue section)."""

    def __init__(self, key: str, **values: str) -> None:
        self.message = reason(key, **values)
        super().__init__(key)

    def __str__(self) -> str:  # rendered when asked for: most are rendered in ``lang`` only
        return self.message.render("en")


def quote(text: str) -> str:
    """The value as quoted in a reason: CPR numbers masked, long values shortened."""
    shown = mask_cpr(text.strip())
    if len(shown) > _MAX_QUOTED:
        shown = shown[: _MAX_QUOTED - 1] + "…"
    return f'"{shown}"'


def _require_text(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        raise ParseError("empty")
    return stripped


# --------------------------------------------------------------------------- dates

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("januar", "jan", "january"),
        ("februar", "feb", "february"),
        ("marts", "mar", "march"),
        ("april", "apr"),
        ("maj", "may"),
        ("juni", "jun", "june"),
        ("juli", "jul", "july"),
        ("august", "aug"),
        ("september", "sep", "sept"),
        ("oktober", "okt", "october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_WEEKDAYS = (
    "mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|"
    "man|tir|tirs|ons|tor|tors|fre|lør|søn|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    "mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
)
_WEEKDAY_PREFIX = re.compile(rf"^(?:{_WEEKDAYS})\.?,?\s+(?:den\s+|the\s+)?")

_TIME = r"(?:[ t](?P<hh>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<ss>[0-9]{2})(?:\.[0-9]+)?)?)?"
_ISO = re.compile(rf"(?P<y>[0-9]{{4}})-(?P<m>[0-9]{{1,2}})-(?P<d>[0-9]{{1,2}}){_TIME}")
_DAY_FIRST = re.compile(
    rf"(?P<d>[0-9]{{1,2}})\s*(?P<sep>[-./])\s*(?P<m>[0-9]{{1,2}})\s*(?P=sep)\s*(?P<y>[0-9]{{4}}){_TIME}"
)
_DAY_FIRST_SHORT_YEAR = re.compile(r"[0-9]{1,2}\s*([-./])\s*[0-9]{1,2}\s*\1\s*[0-9]{2}")
_ORDINAL = r"(?:st|nd|rd|th)?"
_LONG_DAY_FIRST = re.compile(
    rf"(?P<d>[0-9]{{1,2}}){_ORDINAL}\.?[\s\-/]*(?:of\s+)?(?P<month>[^\W\d_]+)\.?,?[\s\-/]*(?P<y>[0-9]{{4}})"
)
_LONG_MONTH_FIRST = re.compile(
    rf"(?P<month>[^\W\d_]+)\.?[\s\-/]*(?P<d>[0-9]{{1,2}}){_ORDINAL},?[\s\-/]+(?P<y>[0-9]{{4}})"
)
_SERIAL = re.compile(r"(?P<whole>[0-9]{1,9})(?:\.(?P<fraction>[0-9]+))?")

_EXCEL_1900_BASE = date(1899, 12, 30)
_EXCEL_1900_EARLY_BASE = date(1899, 12, 31)
_EXCEL_1904_BASE = date(1904, 1, 1)


def excel_serial_to_date(serial: int, *, date1904: bool = False) -> date:
    """The calendar date of a whole Excel serial day number (no plausibility check).

    1900 system: serial 1 is 1900-01-01; serial 60 is Excel's non-existent 1900-02-29 and
    raises ParseError; from 61 on, date(1899, 12, 30) + serial. 1904 system: 1904-01-01 + serial.
    """
    if serial < 0:
        raise ParseError("date_unreadable", value=f'"{serial}"')
    try:
        if date1904:
            return _EXCEL_1904_BASE + timedelta(days=serial)
        if serial == 0 or serial == 60:
            raise ParseError("date_impossible", value=f'"{serial}"')
        if serial < 60:
            return _EXCEL_1900_EARLY_BASE + timedelta(days=serial)
        return _EXCEL_1900_BASE + timedelta(days=serial)
    except OverflowError:
        raise ParseError("date_implausible", value=f'"{serial}"') from None


def _valid_time(match: re.Match[str]) -> bool:
    hh, mi, ss = match.group("hh"), match.group("mi"), match.group("ss")
    if hh is None:
        return True
    return int(hh) <= 23 and int(mi) <= 59 and (ss is None or int(ss) <= 60)


def _make_date(year: int, month: int, day: int, original: str) -> date:
    try:
        value = date(year, month, day)
    except ValueError:
        raise ParseError("date_impossible", value=quote(original)) from None
    return _plausible(value, original)


def _plausible(value: date, original: str) -> date:
    low, high = PLAUSIBLE_YEARS
    if not low <= value.year <= high:
        raise ParseError("date_outside", value=quote(original), low=str(low), high=str(high))
    return value


def parse_date(text: str, *, date1904: bool = False) -> date:
    """Read a date cell: ISO, a rendered Excel date, day-first text, long form or a serial.

    Accepted: ``2024-07-24``, ``2024-07-24 00:00:00`` (time, also fractional seconds, is
    dropped), ``24-07-2024`` / ``24.07.2024`` / ``24/07/2024`` / ``4.7.2024`` (day first),
    ``24. juli 2024`` / ``24 jul. 2024`` / ``24-Jul-2024`` (Danish or English month names and
    abbreviations, any case, optional weekday in front), ``July 24, 2024``, and a bare Excel
    serial ``45497`` / ``45497.0`` (1900 system, or 1904 with ``date1904``).
    """
    original = text
    stripped = _require_text(text)
    folded = unicodedata.normalize("NFKC", stripped).casefold()

    if (m := _ISO.fullmatch(folded)) and _valid_time(m):
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"]), original)
    if (m := _DAY_FIRST.fullmatch(folded)) and _valid_time(m):
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"]), original)
    if m := _SERIAL.fullmatch(folded):
        try:
            day = excel_serial_to_date(int(m["whole"]), date1904=date1904)
        except ParseError:
            day = date.min  # Excel's 1900-02-29, day 0 or beyond 9999: all implausible
        return _plausible(day, original)

    words = _WEEKDAY_PREFIX.sub("", folded, count=1) if folded[:1].isalpha() else folded
    for pattern in (_LONG_DAY_FIRST, _LONG_MONTH_FIRST):
        if m := pattern.fullmatch(words):
            month = _MONTHS.get(m["month"])
            if month is not None:
                return _make_date(int(m["y"]), month, int(m["d"]), original)

    if _DAY_FIRST_SHORT_YEAR.fullmatch(folded):
        raise ParseError("date_short_year", value=quote(original))
    raise ParseError("date_unreadable", value=quote(original))


# --------------------------------------------------------------------------- yes/no

_TRUE = frozenset({"ja", "j", "yes", "y", "sand", "true", "x", "1"})
_FALSE = frozenset({"nej", "n", "no", "falsk", "false", "0"})
_NUMERIC_BOOL = re.compile(r"([01])\.0+")
_WHITESPACE = re.compile(r"\s+")


def _bool_key(text: str) -> str:
    key = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    if m := _NUMERIC_BOOL.fullmatch(key):
        return m[1]
    return key


def parse_bool(text: str) -> bool:
    """Ja/Nej, J/N, Yes/No, Y/N, Sand/Falsk, True/False, 1/0 (also 1.0/0.0), X -> True."""
    _require_text(text)
    key = _bool_key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ParseError("not_yes_no", value=quote(text))


def is_x_column(values: Iterable[str | None]) -> bool:
    """True if the column's non-empty cells are all "X" (a ticked-box column) and it has some.

    In such a column an empty cell means no; elsewhere an empty cell means unknown.
    """
    seen = False
    for value in values:
        if value is None:
            continue
        stripped = value.strip()
        if not stripped:
            continue
        if stripped not in ("x", "X"):
            return False
        seen = True
    return seen


class BoolColumn(NamedTuple):
    """A parsed yes/no column: values (None = unknown or unreadable), reasons, the rule used."""

    values: list[bool | None]
    errors: list[str | None]
    x_column: bool


def parse_bool_column(values: Sequence[str | None]) -> BoolColumn:
    """Parse a whole yes/no column with the X rule (see :func:`is_x_column`).

    Unreadable cells get ``None`` in ``values`` and their reason in ``errors``; rejecting
    those rows is the caller's business.
    """
    x_column = is_x_column(values)
    parsed: list[bool | None] = []
    errors: list[str | None] = []
    for value in values:
        if value is None or not value.strip():
            parsed.append(False if x_column else None)
            errors.append(None)
            continue
        try:
            parsed.append(parse_bool(value))
            errors.append(None)
        except ParseError as error:
            parsed.append(None)
            errors.append(str(error))
    return BoolColumn(parsed, errors, x_column)


def map_bool_column(
    series: pl.Series, lang: Lang = "en", *, x_column: bool | None = None
) -> tuple[pl.Series, pl.Series, bool]:
    """Vectorised :func:`parse_bool_column`: (values, reasons in ``lang``, x_column) for a
    String series.

    ``x_column`` says whether the X rule applies, when the series is only part of its column
    (a block of a large sheet); by default it is decided from the series itself.
    """
    values, errors = map_unique(series, parse_bool, pl.Boolean, lang)
    if x_column is None:
        x_column = is_x_column(series.unique().to_list())
    if x_column:
        values = values.fill_null(False)
    return values, errors, x_column


# --------------------------------------------------------------------------- categories


@functools.cache
def _vocabulary(vocabulary: str) -> tuple[dict[str, str], str]:
    labels = ", ".join(cat.da for cat in VOCABULARIES[vocabulary])
    return vocabulary_index(vocabulary), labels


_WHOLE_FLOAT = re.compile(r"([0-9]+)\.0+")


def parse_category(text: str, vocabulary: str) -> str:
    """The canonical value of a label (canonical, Danish, English or extra spelling).

    Matching ignores case, spaces and punctuation (``contract.normalise_key``); a numeric
    cell rendered as ``1.0`` matches the label ``1``.
    """
    stripped = _require_text(text)
    index, labels = _vocabulary(vocabulary)
    if m := _WHOLE_FLOAT.fullmatch(stripped):
        stripped = m[1]
    value = index.get(normalise_key(stripped))
    if value is None:
        raise ParseError("unknown_value", value=quote(text), labels=labels)
    return value


# --------------------------------------------------------------------------- integers

_NUMBER = re.compile(r"(?P<whole>[+-]?[0-9]+)(?:[.,](?P<fraction>[0-9]+))?")


def parse_int(text: str, *, minimum: int | None = 0, maximum: int | None = INT32_MAX) -> int:
    """A whole number within bounds: ``3``, `` 3 ``, ``3.0`` (a rendered numeric cell), ``3,0``.

    ``3.5`` is not a whole number; ``1.000`` is refused as ambiguous (Danish thousands
    separator or a decimal point).
    """
    stripped = _require_text(text)
    compact = _WHITESPACE.sub("", unicodedata.normalize("NFKC", stripped)).replace("\u2212", "-")
    m = _NUMBER.fullmatch(compact)
    if m is None:
        raise ParseError("not_a_number", value=quote(text))
    fraction = m["fraction"]
    if fraction is not None:
        if len(fraction) == 3:
            raise ParseError("ambiguous_number", value=quote(text))
        if fraction.strip("0"):
            raise ParseError("not_whole", value=quote(text))
    value = int(m["whole"])
    if minimum is not None and value < minimum:
        raise ParseError("below", value=quote(text), limit=str(minimum))
    if maximum is not None and value > maximum:
        raise ParseError("above", value=quote(text), limit=str(maximum))
    return value


# --------------------------------------------------------------------------- vectorised


def map_unique(
    series: pl.Series,
    parse: Callable[[str], T],
    dtype: pl.DataType | type[pl.DataType],
    lang: Lang = "en",
) -> tuple[pl.Series, pl.Series]:
    """Apply ``parse`` once per distinct value of a String series.

    Returns ``(values, errors)``, both as long as ``series`` and named like it: ``values`` of
    ``dtype`` with null where the cell is empty (null, "" or whitespace) or unreadable;
    ``errors`` (String) holding the ParseError's reason in ``lang`` where unreadable, else
    null. ``parse`` gets the stripped text; exceptions other than ParseError propagate.
    """
    if series.dtype != pl.String:
        series = series.cast(pl.String)
    raw_values: list[str] = series.unique().drop_nulls().to_list()
    by_stripped: dict[str, tuple[T | None, str | None]] = {}
    keys: list[str] = []
    parsed: list[T | None] = []
    reasons: list[str | None] = []
    for raw in raw_values:
        stripped = raw.strip()
        if not stripped:
            continue
        outcome = by_stripped.get(stripped)
        if outcome is None:
            try:
                outcome = (parse(stripped), None)
            except ParseError as error:
                outcome = (None, error.message.render(lang))
            by_stripped[stripped] = outcome
        keys.append(raw)
        parsed.append(outcome[0])
        reasons.append(outcome[1])

    old = pl.Series(keys, dtype=pl.String)
    values = series.replace_strict(
        old, pl.Series(parsed, dtype=dtype), default=None, return_dtype=dtype
    )
    errors = series.replace_strict(
        old, pl.Series(reasons, dtype=pl.String), default=None, return_dtype=pl.String
    )
    return values.alias(series.name), errors.alias(series.name)
