"""The one rule for what counts as a CPR number, and how one is masked and normalised.

A CPR number (the Danish personal identification number) is ``ddmmyy`` + a 4-digit serial,
with dd 01–31 and mm 01–12. It is found in every spelling seen in exports and notes:

* ``0101901234``, ``010190-1234`` and ``010190 1234`` (the hyphen may also be the Unicode
  hyphen, the non-breaking hyphen, a figure dash, an en dash or a minus sign; the space a
  non-breaking or narrow space);
* the serial set off by ``/``, ``_``, ``.`` or a dash with spaces around it
  (``010190/1234``, ``010190_1234``, ``010190 - 1234``);
* the date parts set off too (``01.01.90-1234``, ``01 01 90 1234``, ``01-01-90-1234``);
* a CPR number typed into a number cell, which loses its leading zero (``101901234``: a
  day 1–9 written with one digit);
* full-width digits (``０１０１９０－１２３４``), which a Japanese or Chinese input method types.

A match is never part of a longer run of digits (so case numbers like ``2023-1909968`` and
12-digit numbers are left alone). There is no modulus-11 check: numbers issued since 2007
need not pass it, and masking too much is the safe side. The cost is that some numbers that
are not CPR numbers are masked too: a 10-digit phone number, a date followed by a 4-digit
number (``01.01.90 1234``), or a 9-digit number whose digits 2–3 are a month.

:func:`normalise` turns any spelling into its ten ASCII digits, so the same person gets the
same pseudonym however the number was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl

CPR_MASK = "[CPR]"

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")


def _digits(ascii_chars: str) -> str:
    """A character class of the ASCII digits ``ascii_chars`` and their full-width forms."""
    return "[" + ascii_chars + ascii_chars.translate(_FULL_WIDTH) + "]"


_ANY_DIGIT = _digits("0-9")
_SPACE = " \u00a0\u202f\u3000"  # space, non-breaking, narrow non-breaking, ideographic
_DASH = "\\-\u2010\u2011\u2012\u2013\u2212\uff0d"  # hyphens, dashes, minus, full-width hyphen
# Between the parts of the date: nothing, a space, or one dash, dot or slash (spaces around).
_DATE_SEP = f"(?:[{_SPACE}]?[{_DASH}./][{_SPACE}]?|[{_SPACE}])?"
# Before the serial: the same, or an underscore.
_SERIAL_SEP = f"(?:[{_SPACE}]{{0,2}}[{_DASH}./_][{_SPACE}]{{0,2}}|[{_SPACE}]{{1,2}})?"
_DAY = (
    f"(?:{_digits('0')}?{_digits('1-9')}|{_digits('12')}{_ANY_DIGIT}|{_digits('3')}{_digits('01')})"
)
_MONTH = f"(?:{_digits('0')}{_digits('1-9')}|{_digits('1')}{_digits('0-2')})"
_BODY = f"{_DAY}{_DATE_SEP}{_MONTH}{_DATE_SEP}{_ANY_DIGIT}{{2}}{_SERIAL_SEP}{_ANY_DIGIT}{{4}}"

_FULL = re.compile(_BODY)
_IN_TEXT = re.compile(f"(?<!{_ANY_DIGIT}){_BODY}(?!{_ANY_DIGIT})")
# Polars' regex engine has no look-around: the boundaries are matched as characters and put
# back. Two neighbouring numbers that share one boundary character are not both found in one
# pass, but every one missed in the first pass is found in the second (see mask_series).
_IN_TEXT_POLARS = f"(^|[^{_ANY_DIGIT[1:-1]}]){_BODY}([^{_ANY_DIGIT[1:-1]}]|$)"
_REPLACEMENT_POLARS = "${1}" + CPR_MASK + "${2}"
_NOT_DIGIT = re.compile(f"[^{_ANY_DIGIT[1:-1]}]")


def body_pattern() -> str:
    """The regular expression of a CPR number (no boundaries), for Python and Polars alike."""
    return _BODY


def looks_like_cpr(text: str) -> bool:
    """True if the whole (stripped) text is a CPR number in one of its spellings."""
    return _FULL.fullmatch(text.strip()) is not None


def normalise(text: str) -> str:
    """The ten ASCII digits of a CPR number in any spelling (``looks_like_cpr(text)`` holds)."""
    digits = _NOT_DIGIT.sub("", text).translate(_TO_ASCII)
    return digits.rjust(10, "0")  # a number cell drops the day's leading zero


def mask(text: str) -> str:
    """Every CPR number in ``text`` replaced by ``[CPR]``."""
    return _IN_TEXT.sub(CPR_MASK, text)


def replace(text: str, replacement: Callable[[str], str]) -> str:
    """Every CPR number in ``text`` replaced by ``replacement(its ten digits)``."""
    return _IN_TEXT.sub(lambda m: replacement(normalise(m[0])), text)


def contains_cpr(text: str) -> bool:
    """True if a CPR number occurs anywhere in ``text``."""
    return _IN_TEXT.search(text) is not None


def rewrite_rows(series: pl.Series, rewrite: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``series`` as text with ``rewrite`` applied to the rows holding a CPR-like number.

    Only rows where the bare pattern occurs can change (the bounded pattern contains it),
    and finding them costs a fraction of rewriting every row: most text columns hold no CPR
    number at all.
    """
    text = series.cast(pl.String)
    rows = text.str.contains(_BODY).arg_true()
    if rows.len() == 0:
        return text
    return text.scatter(rows, rewrite(text.gather(rows)))  # a new series: input unchanged


def _mask_part(part: pl.Series) -> pl.Series:
    for _ in range(2):
        part = part.str.replace_all(_IN_TEXT_POLARS, _REPLACEMENT_POLARS)
    return part


def mask_series(series: pl.Series) -> pl.Series:
    """Vectorised :func:`mask` for a String series (nulls stay null)."""
    return rewrite_rows(series, _mask_part)
