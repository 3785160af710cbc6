"""Danish and English display formatting, with hand-written expected strings."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import formatting as f

NBSP = "\u00a0"
MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1234.5, "da", 1, "1.234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (-1234567, "da", 0, f"{MINUS}1.234.567"),
        (-1234567, "en", 0, f"{MINUS}1,234,567"),
        (1234567.891, "da", 2, "1.234.567,89"),
        (0.5, "da", 0, "0"),  # ties to even
        (1.5, "da", 0, "2"),
        (2.675, "en", 2, "2.67"),  # 2.675 is 2.67499… in binary
        (999.96, "en", 1, "1,000.0"),
        (12, "da", 2, "12"),  # ints never get decimals
        (12.0, "da", 2, "12,00"),
        (0, "en", 0, "0"),
        (-0.04, "da", 1, "0,0"),  # no "−0,0"
        (-0.0, "en", 0, "0"),
        (-0.06, "da", 1, f"{MINUS}0,1"),
        (None, "da", 0, "–"),
        (float("nan"), "en", 2, "–"),
        (float("inf"), "da", 0, "∞"),
        (float("-inf"), "da", 0, f"{MINUS}∞"),
    ],
)
def test_format_number(value: float | None, lang: f.Lang, decimals: int, expected: str) -> None:
    assert f.format_number(value, lang, decimals) == expected


def test_format_number_numpy() -> None:
    np = pytest.importorskip("numpy")
    assert f.format_number(np.int64(1234), "da", 2) == "1.234"
    assert f.format_number(np.float64(1234.5), "en", 1) == "1,234.5"
    assert f.format_number(np.float64("nan"), "da") == "–"


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="language"):
        f.format_number(1, "de")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="decimals"):
        f.format_number(1.0, "da", -1)


def test_format_percent() -> None:
    assert f.format_percent(0.123, "da") == f"12,3{NBSP}%"
    assert f.format_percent(0.123, "en") == "12.3%"
    assert f.format_percent(1, "da", 0) == f"100{NBSP}%"
    assert f.format_percent(12.3456, "en", 2) == "1,234.56%"
    assert f.format_percent(-0.05, "da") == f"{MINUS}5,0{NBSP}%"
    assert f.format_percent(None, "da") == "–"
    assert f.format_percent(float("nan"), "en") == "–"


def test_format_date() -> None:
    assert f.format_date(date(2024, 7, 24), "da") == "24-07-2024"
    assert f.format_date(date(2024, 7, 24), "en") == "2024-07-24"
    assert f.format_date(datetime(2024, 1, 2, 23, 59), "da") == "02-01-2024"
    assert f.format_date(datetime(2024, 1, 2, 23, 59), "en") == "2024-01-02"
    assert f.format_date(None, "da") == "–"


def test_format_date_pandas_nat() -> None:
    pd = pytest.importorskip("pandas")
    assert f.format_date(pd.NaT, "da") == "–"
    assert f.format_date(pd.Timestamp("2024-07-24 10:00"), "da") == "24-07-2024"


def test_format_month() -> None:
    assert f.format_month(date(2024, 7, 24), "da") == "jul. 2024"
    assert f.format_month(date(2024, 7, 1), "en") == "Jul 2024"
    assert f.format_month(date(2024, 5, 1), "da") == "maj 2024"
    assert f.format_month(date(2023, 12, 31), "da") == "dec. 2023"
    assert f.format_month(None, "en") == "–"


def test_format_count() -> None:
    assert f.format_count(1234, "da") == "1.234"
    assert f.format_count(1234, "en") == "1,234"
    assert f.format_count(3, "da", small=True) == "<5"
    assert f.format_count(3, "en", small=True, threshold=10) == "<10"
    assert f.format_count(0, "da") == "0"
    assert f.format_count(None, "da") == "–"


def test_format_ratio() -> None:
    assert f.format_ratio(2.1, "da") == "2,10"
    assert f.format_ratio(2.1, "en") == "2.10"
    assert f.format_ratio(2, "da") == "2,00"  # an int ratio still gets decimals
    assert f.format_ratio(0.456, "en", 1) == "0.5"
    assert f.format_ratio(None, "en") == "–"


def test_format_interval() -> None:
    assert f.format_interval(0.123, 0.189, "da", percent=True) == f"12,3–18,9{NBSP}%"
    assert f.format_interval(0.123, 0.189, "en", percent=True) == "12.3–18.9%"
    assert f.format_interval(0.85, 1.4, "da", percent=False) == "0,85–1,40"
    assert f.format_interval(0.85, 1.4, "en", percent=False, decimals=1) == "0.8–1.4"
    assert f.format_interval(None, 1.4, "en", percent=False) == "–"
    assert f.format_interval(0.1, float("nan"), "da", percent=True) == "–"


def test_d3_locales() -> None:
    da = f.d3_number_format("da")
    assert {k: da[k] for k in ("decimal", "thousands", "grouping", "currency")} == {
        "decimal": ",",
        "thousands": ".",
        "grouping": [3],
        "currency": ["", " kr."],
    }
    assert da["minus"] == MINUS
    assert f.d3_number_format("en")["decimal"] == "."
    time_da = f.d3_time_format("da")
    assert time_da["months"][6] == "juli"
    assert time_da["shortMonths"][6] == "jul."
    assert time_da["days"][1] == "mandag"  # d3 weeks start on Sunday
    assert time_da["date"] == "%d-%m-%Y"
    assert f.d3_time_format("en")["date"] == "%Y-%m-%d"
    for key in ("days", "shortDays"):
        assert len(time_da[key]) == 7
    for key in ("months", "shortMonths"):
        assert len(time_da[key]) == 12


def test_vega_locale_is_valid_altair_config() -> None:
    alt = pytest.importorskip("altair")
    chart = alt.Chart(alt.Data(values=[{"x": 1}])).mark_point().encode(x="x:Q")
    spec = chart.configure(locale=f.vega_locale("da")).to_dict()  # validates against the schema
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"]["time"]["shortMonths"][0] == "jan."


@settings(max_examples=300, deadline=None)
@given(
    value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    decimals=st.integers(min_value=0, max_value=4),
)
def test_danish_output_parses_back(value: float, decimals: int) -> None:
    text = f.format_number(value, "da", decimals)
    parsed = float(text.replace(MINUS, "-").replace(".", "").replace(",", "."))
    assert parsed == round(value, decimals) or (parsed == 0 and round(value, decimals) == 0)
    if decimals:
        assert len(text.rsplit(",", 1)[1]) == decimals
    assert "-" not in text


@settings(max_examples=200, deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_english_is_danish_with_swapped_separators(value: float) -> None:
    da = f.format_number(value, "da", 2)
    en = f.format_number(value, "en", 2)
    assert en == da.translate(str.maketrans(".,", ",."))
    assert not math.isnan(float(en.replace(MINUS, "-").replace(",", "")))
