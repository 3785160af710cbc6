"""Locale-aware display formatting of numbers, percentages, dates and months (da / en).

Pure functions without side effects and without Babel: the dashboard only ever needs two
locales, and their rules are short enough to write down here.

Danish (``"da"``)
    ``1.234,5`` (thousands ".", decimal ","), ``12,3 %`` (no-break space before "%"),
    dates ``24-07-2024`` (dd-mm-yyyy, as the product owner specified), months ``jul. 2024``
    (CLDR's abbreviated month names: "maj" and the other short names have no period).
English (``"en"``)
    ``1,234.5``, ``12.3%``, ISO dates ``2024-07-24``, months ``Jul 2024``.

Conventions shared by both languages
    * Missing values (``None``, NaN, pandas ``NaT``) are shown as an en dash "–".
    * Negative numbers get a proper minus sign, U+2212 "−" (typographically correct, the same
      glyph d3/Vega uses by default, so tables and charts agree). A value that rounds to zero
      is shown without a sign ("0,0", never "−0,0").
    * Rounding is Python's: correctly rounded from the binary value, ties to even
      (``format_number(x, lang, d)`` shows exactly ``round(x, d)``).
    * Integers (``int``, numpy integers) are always shown without decimals, whatever
      ``decimals`` says; pass a float to get decimals.

Charts (Altair / Vega-Lite)
    :func:`d3_number_format` and :func:`d3_time_format` return d3 locale definitions that
    match these functions; :func:`vega_locale` bundles both. Apply them in one of two ways:

    * in the chart spec (works in Streamlit's ``st.altair_chart``, in saved HTML and in
      exported PNG/SVG)::

          chart = chart.configure(locale=formatting.vega_locale(lang))

      ``configure`` is only allowed on the top-level chart (after layering/concatenation).
      Format strings in encodings then use the locale, e.g.
      ``alt.X("month:T", axis=alt.Axis(format="%b %Y"))`` gives "jul. 2024" in Danish and
      ``alt.Y("rate:Q", axis=alt.Axis(format=".1%"))`` gives "12,3 %".
    * outside Streamlit (Jupyter, ``chart.save("x.html")``), globally through vega-embed::

          alt.renderers.set_embed_options(
              format_locale=formatting.d3_number_format(lang),
              time_format_locale=formatting.d3_time_format(lang),
          )

      Streamlit does not use Altair's renderers; there the embed options can be put in the
      spec instead: ``chart.properties(usermeta={"embedOptions": {"formatLocale": ...,
      "timeFormatLocale": ...}})``. Prefer ``configure(locale=...)``.
"""

from __future__ import annotations

import math
import numbers
from datetime import date, datetime
from typing import Any, Literal

Lang = Literal["da", "en"]

MISSING = "–"  # en dash, shown for None / NaN / NaT
MINUS = "\u2212"  # proper minus sign
NBSP = "\u00a0"
RANGE_DASH = "–"  # en dash between the ends of an interval

_DA_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
_DA_SHORT_MONTHS = (
    "jan.", "feb.", "mar.", "apr.", "maj", "jun.",
    "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
)  # fmt: skip
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_EN_SHORT_MONTHS = tuple(m[:3] for m in _EN_MONTHS)
# d3 wants weekdays starting with Sunday.
_DA_DAYS = ("søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag")
_DA_SHORT_DAYS = ("søn.", "man.", "tirs.", "ons.", "tors.", "fre.", "lør.")
_EN_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_EN_SHORT_DAYS = tuple(d[:3] for d in _EN_DAYS)
_DA_SEPARATORS = str.maketrans(",.", ".,")  # Python's "1,234.5" -> "1.234,5"


def _check_lang(lang: str) -> None:
    if lang not in ("da", "en"):
        raise ValueError(f"unsupported language {lang!r}; expected 'da' or 'en'")


def _is_missing(value: Any) -> bool:
    """None, float NaN, numpy NaN, pandas NaT / NA."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # pandas.NA raises on bool()
        return True


def _localise_digits(text: str, lang: Lang) -> str:
    """Turn Python's "1,234.5" into the language's separators."""
    if lang == "da":
        return text.translate(_DA_SEPARATORS)
    return text


def format_number(value: float | int | None, lang: Lang, decimals: int = 0) -> str:
    """A number with thousands separators: da ``1.234,5``, en ``1,234.5``; missing -> "–".

    Integers are shown without decimals; negative numbers with "−" (U+2212).
    """
    _check_lang(lang)
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    if _is_missing(value):
        return MISSING
    assert value is not None
    if isinstance(value, numbers.Integral):
        number: int | float = int(value)
        decimals = 0
    else:
        number = float(value)
    if isinstance(number, float) and math.isinf(number):
        return ("" if number > 0 else MINUS) + "∞"
    body = f"{abs(number):,.{decimals}f}"
    negative = number < 0 and any(ch not in "0,." for ch in body)
    return (MINUS if negative else "") + _localise_digits(body, lang)


def format_percent(fraction: float | None, lang: Lang, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.123 -> da ``12,3 %`` (no-break space), en ``12.3%``."""
    _check_lang(lang)
    if _is_missing(fraction):
        return MISSING
    assert fraction is not None
    number = format_number(float(fraction) * 100, lang, decimals)
    return f"{number}{NBSP}%" if lang == "da" else f"{number}%"


def format_date(value: date | datetime | None, lang: Lang) -> str:
    """A date: da ``24-07-2024`` (dd-mm-yyyy), en ``2024-07-24`` (ISO); a datetime's time is
    dropped; missing -> "–"."""
    _check_lang(lang)
    if _is_missing(value):
        return MISSING
    assert value is not None
    if lang == "da":
        return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def format_month(value: date | datetime | None, lang: Lang) -> str:
    """A month: da ``jul. 2024`` (``maj 2024``), en ``Jul 2024``; missing -> "–"."""
    _check_lang(lang)
    if _is_missing(value):
        return MISSING
    assert value is not None
    names = _DA_SHORT_MONTHS if lang == "da" else _EN_SHORT_MONTHS
    return f"{names[value.month - 1]} {value.year}"


def format_count(value: int | None, lang: Lang, *, small: bool = False, threshold: int = 5) -> str:
    """A count with thousands separators; ``small=True`` shows ``<{threshold}`` instead.

    ``small`` is the disclosure-suppression flag: the caller decides which counts are too
    small to show (typically 1 to ``threshold - 1``); this function only renders the result.
    """
    _check_lang(lang)
    if small:
        return f"<{threshold}"
    if _is_missing(value):
        return MISSING
    assert value is not None
    return format_number(int(value), lang)


def format_ratio(value: float | None, lang: Lang, decimals: int = 2) -> str:
    """A ratio such as O/E with fixed decimals: 2.1 -> da ``2,10``, en ``2.10``."""
    _check_lang(lang)
    if _is_missing(value):
        return MISSING
    assert value is not None
    return format_number(float(value), lang, decimals)


def format_interval(
    low: float | None,
    high: float | None,
    lang: Lang,
    *,
    percent: bool,
    decimals: int | None = None,
) -> str:
    """An interval with an en dash: da ``12,3–18,9 %`` / en ``12.3–18.9%`` (``percent=True``,
    fractions in, 1 decimal by default) or da ``0,85–1,40`` / en ``0.85–1.40`` (ratios,
    2 decimals by default). Either end missing -> "–"."""
    _check_lang(lang)
    if _is_missing(low) or _is_missing(high):
        return MISSING
    assert low is not None and high is not None
    if percent:
        digits = 1 if decimals is None else decimals
        text = (
            format_number(float(low) * 100, lang, digits)
            + RANGE_DASH
            + format_number(float(high) * 100, lang, digits)
        )
        return f"{text}{NBSP}%" if lang == "da" else f"{text}%"
    digits = 2 if decimals is None else decimals
    return (
        format_number(float(low), lang, digits)
        + RANGE_DASH
        + format_number(float(high), lang, digits)
    )


def d3_number_format(lang: Lang) -> dict[str, Any]:
    """d3-format locale (Vega ``NumberLocale``) matching :func:`format_number`/``format_percent``.

    Besides the four basic keys it sets ``minus`` ("−") and ``percent`` (da: no-break space
    + "%"), so a Vega ``.1%`` format renders "12,3 %" exactly like :func:`format_percent`.
    """
    _check_lang(lang)
    if lang == "da":
        return {
            "decimal": ",",
            "thousands": ".",
            "grouping": [3],
            "currency": ["", " kr."],
            "minus": MINUS,
            "percent": f"{NBSP}%",
        }
    return {
        "decimal": ".",
        "thousands": ",",
        "grouping": [3],
        "currency": ["DKK ", ""],
        "minus": MINUS,
        "percent": "%",
    }


def d3_time_format(lang: Lang) -> dict[str, Any]:
    """d3-time-format locale (Vega ``TimeLocale``) with month and weekday names.

    ``%x`` gives the same date as :func:`format_date` and ``%b %Y`` the same month as
    :func:`format_month`.
    """
    _check_lang(lang)
    if lang == "da":
        return {
            "dateTime": "%A den %d. %B %Y %X",
            "date": "%d-%m-%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": list(_DA_DAYS),
            "shortDays": list(_DA_SHORT_DAYS),
            "months": list(_DA_MONTHS),
            "shortMonths": list(_DA_SHORT_MONTHS),
        }
    return {
        "dateTime": "%a %e %b %Y %X",
        "date": "%Y-%m-%d",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": list(_EN_DAYS),
        "shortDays": list(_EN_SHORT_DAYS),
        "months": list(_EN_MONTHS),
        "shortMonths": list(_EN_SHORT_MONTHS),
    }


def vega_locale(lang: Lang) -> dict[str, Any]:
    """Both locales as a Vega-Lite ``config.locale``: ``chart.configure(locale=vega_locale(lang))``."""
    return {"number": d3_number_format(lang), "time": d3_time_format(lang)}
