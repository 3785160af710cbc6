"""Cell parsers: the contract's value forms, and properties over arbitrary input."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

from dashboard.contract import VOCABULARIES
from dashboard.importer.parsers import (
    ParseError,
    excel_serial_to_date,
    is_x_column,
    map_bool_column,
    map_unique,
    parse_bool,
    parse_bool_column,
    parse_category,
    parse_date,
    parse_int,
)

FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

plausible_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))

DA_MONTHS = (
    ("januar", "jan."),
    ("februar", "feb."),
    ("marts", "mar."),
    ("april", "apr."),
    ("maj", "maj"),
    ("juni", "jun."),
    ("juli", "jul."),
    ("august", "aug."),
    ("september", "sept."),
    ("oktober", "okt."),
    ("november", "nov."),
    ("december", "dec."),
)
EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def random_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(text, flips, strict=True))


# --------------------------------------------------------------------------- dates: examples


@pytest.mark.parametrize(
    "text",
    [
        "2024-07-24",
        "2024-07-24 00:00:00",
        "2024-07-24 13:45:10",
        "2024-07-24 13:45:10.250000",
        "2024-07-24T08:00:00",
        "24-07-2024",
        "24.07.2024",
        "24/07/2024",
        " 24.07.2024 ",
        "24. juli 2024",
        "24 juli 2024",
        "24. Juli 2024",
        "24. JULI 2024",
        "24. jul. 2024",
        "24 jul 2024",
        "24 July 2024",
        "24 Jul 2024",
        "24-Jul-2024",
        "July 24, 2024",
        "onsdag den 24. juli 2024",
        "Wednesday, 24 July 2024",
        "45497",
        "45497.0",
        "45497.999",
    ],
)
def test_date_forms(text: str) -> None:
    assert parse_date(text) == date(2024, 7, 24)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.7.2024", date(2024, 7, 4)),
        ("4-7-2024", date(2024, 7, 4)),
        ("1/12/2023", date(2023, 12, 1)),
        ("12/01/2024", date(2024, 1, 12)),  # always day first
        ("3. sept. 2024", date(2024, 9, 3)),
        ("3. sep. 2024", date(2024, 9, 3)),
        ("1. maj 2023", date(2023, 5, 1)),
        ("1 May 2023", date(2023, 5, 1)),
        ("31. okt. 2023", date(2023, 10, 31)),
        ("31 Oct 2023", date(2023, 10, 31)),
        ("17. marts 2024", date(2024, 3, 17)),
        ("2nd March 2024", date(2024, 3, 2)),
        ("29.02.2024", date(2024, 2, 29)),
    ],
)
def test_date_examples(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_serial_1904_system() -> None:
    assert parse_date("44035", date1904=True) == date(2024, 7, 24)
    assert parse_date("44035.0", date1904=True) == date(2024, 7, 24)
    # only bare serials depend on the date system
    assert parse_date("2024-07-24", date1904=True) == date(2024, 7, 24)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31-02-2024", 'impossible date "31-02-2024"'),
        ("29.02.2023", 'impossible date "29.02.2023"'),
        ("2024-13-01", 'impossible date "2024-13-01"'),
        ("32. juli 2024", 'impossible date "32. juli 2024"'),
        ("01-01-1900", 'implausible date "01-01-1900"'),
        ("1989-12-31", 'implausible date "1989-12-31"'),
        ("01.01.2101", 'implausible date "01.01.2101"'),
        ("2024", 'implausible date "2024"'),
        ("60", 'implausible date "60"'),
        ("999999999", 'implausible date "999999999"'),
        ("ukendt", 'unreadable date "ukendt"'),
        ("24.07.24", 'unreadable date "24.07.24" (use a four-digit year)'),
        ("24-07-24", 'unreadable date "24-07-24" (use a four-digit year)'),
        ("24. blabla 2024", 'unreadable date "24. blabla 2024"'),
        ("2024-07-24 25:00:00", 'unreadable date "2024-07-24 25:00:00"'),
        ("24-07/2024", 'unreadable date "24-07/2024"'),
        ("-45497", 'unreadable date "-45497"'),
    ],
)
def test_date_rejections(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(text)
    assert str(caught.value).startswith(reason)


def test_empty_raises_empty() -> None:
    for parse in (parse_date, parse_bool, parse_int, lambda t: parse_category(t, "severity")):
        with pytest.raises(ParseError, match=r"^empty$"):
            parse("  ")


def test_reason_masks_cpr_and_shortens_long_values() -> None:
    with pytest.raises(ParseError) as caught:
        parse_date("010190-1234")
    assert "1234" not in str(caught.value)
    assert '"[CPR]"' in str(caught.value)
    with pytest.raises(ParseError) as caught:
        parse_bool("x" * 500)
    assert len(str(caught.value)) < 80


# --------------------------------------------------------------------------- dates: properties


@st.composite
def formatted_dates(draw: st.DrawFn) -> tuple[date, str]:
    d = draw(plausible_dates)
    forms = [
        d.isoformat(),
        f"{d.isoformat()} 00:00:00",
        f"{d:%d-%m-%Y}",
        f"{d:%d.%m.%Y}",
        f"{d:%d/%m/%Y}",
        f"{d.day}.{d.month}.{d.year}",
        f"{d.day}-{d.month}-{d.year}",
        f"{d.day}/{d.month}/{d.year}",
        f"{d.year}-{d.month}-{d.day}",
    ]
    full, abbreviation = DA_MONTHS[d.month - 1]
    for month in (full, abbreviation):
        forms.append(f"{d.day}. {random_case(draw, month)} {d.year}")
        forms.append(f"{d.day} {random_case(draw, month)} {d.year}")
    english = EN_MONTHS[d.month - 1]
    forms += [
        f"{d.day} {random_case(draw, english)} {d.year}",
        f"{d.day} {english[:3]} {d.year}",
        f"{english} {d.day}, {d.year}",
    ]
    moment = datetime.combine(d, draw(st.times()))
    forms.append(moment.isoformat(sep=" "))
    text = draw(st.sampled_from(forms))
    padding = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return d, padding + text + padding


@FAST
@given(formatted_dates())
def test_date_round_trip_in_every_form(case: tuple[date, str]) -> None:
    expected, text = case
    assert parse_date(text) == expected


@FAST
@given(plausible_dates, st.booleans(), st.sampled_from(["", ".0", ".5", ".25", ".999"]))
def test_serial_round_trip_against_openpyxl(d: date, date1904: bool, fraction: str) -> None:
    epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
    serial = (d - epoch.date()).days
    assert from_excel(serial, epoch=epoch).date() == d  # the reference agrees with our serial
    assert parse_date(f"{serial}{fraction}", date1904=date1904) == d


@FAST
@given(st.integers(min_value=1, max_value=2_958_465), st.booleans())
def test_serial_conversion_matches_openpyxl_over_the_whole_range(
    serial: int, date1904: bool
) -> None:
    epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
    if date1904 and serial > 2_957_003:
        with pytest.raises(ParseError):
            excel_serial_to_date(serial, date1904=True)
        return
    if serial == 60 and not date1904:
        with pytest.raises(ParseError):  # Excel's non-existent 1900-02-29
            excel_serial_to_date(serial)
        return
    assert excel_serial_to_date(serial, date1904=date1904) == from_excel(serial, epoch=epoch).date()


def test_serial_edges_of_the_1900_system() -> None:
    assert excel_serial_to_date(1) == date(1900, 1, 1)
    assert excel_serial_to_date(59) == date(1900, 2, 28)
    assert excel_serial_to_date(61) == date(1900, 3, 1)
    assert excel_serial_to_date(0, date1904=True) == date(1904, 1, 1)


@FAST
@given(
    st.integers(min_value=1990, max_value=2100),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=29, max_value=31),
    st.sampled_from(["{d:02d}-{m:02d}-{y}", "{d}.{m}.{y}", "{y}-{m:02d}-{d:02d}"]),
)
def test_impossible_days_are_rejected(y: int, m: int, d: int, form: str) -> None:
    try:
        date(y, m, d)
    except ValueError:
        with pytest.raises(ParseError, match=r"^impossible date"):
            parse_date(form.format(y=y, m=m, d=d))
    else:
        assert parse_date(form.format(y=y, m=m, d=d)) == date(y, m, d)


@FAST
@given(
    st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)).filter(
        lambda d: not 1990 <= d.year <= 2100
    ),
    st.sampled_from(["{d:%Y-%m-%d}", "{d:%d.%m.%Y}", "{d:%d/%m/%Y}"]),
)
def test_dates_outside_the_window_are_implausible(d: date, form: str) -> None:
    with pytest.raises(ParseError, match=r"^implausible date"):
        parse_date(form.format(d=d))


@FAST
@given(plausible_dates, st.sampled_from(["{d:%d-%m-%y}", "{d:%d.%m.%y}", "{d:%d/%m/%y}"]))
def test_two_digit_years_are_rejected(d: date, form: str) -> None:
    text = form.format(d=d)
    with pytest.raises(ParseError, match="four-digit year"):
        parse_date(text)


date_like_text = st.one_of(
    st.text(),
    st.from_regex(r"[0-9 .\-/:tT,]{0,25}", fullmatch=True),
    st.from_regex(r"[0-9]{1,12}(\.[0-9]{0,4})?", fullmatch=True),
    st.builds(
        lambda d, m, y: f"{d}. {m} {y}",
        st.integers(-5, 120),
        st.sampled_from([*(m for pair in DA_MONTHS for m in pair), *EN_MONTHS, "foo", ""]),
        st.integers(-5, 99999),
    ),
)


@FAST
@given(date_like_text, st.booleans())
def test_parse_date_returns_a_plausible_date_or_raises_parse_error(
    text: str, date1904: bool
) -> None:
    try:
        value = parse_date(text, date1904=date1904)
    except ParseError as error:
        assert str(error)
    else:
        assert isinstance(value, date)
        assert 1990 <= value.year <= 2100


# --------------------------------------------------------------------------- yes/no

TRUE_WORDS = ("Ja", "J", "Yes", "Y", "Sand", "True", "1", "1.0", "X")
FALSE_WORDS = ("Nej", "N", "No", "Falsk", "False", "0", "0.0")


@pytest.mark.parametrize("text", [*TRUE_WORDS, "ja", "JA", " Ja ", "x", "sand", "TRUE", "1.00"])
def test_true_words(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", [*FALSE_WORDS, "nej", "NEJ", " nej ", "falsk", "no"])
def test_false_words(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["Måske", "Ukendt", "2", "0.5", "Jaa", "-", "?", "Nej tak"])
def test_not_yes_no(text: str) -> None:
    with pytest.raises(ParseError, match="is not yes/no"):
        parse_bool(text)


def test_not_yes_no_message() -> None:
    with pytest.raises(ParseError) as caught:
        parse_bool("Måske")
    assert str(caught.value) == '"Måske" is not yes/no'


@st.composite
def spelled_bools(draw: st.DrawFn) -> tuple[bool, str]:
    expected = draw(st.booleans())
    word = draw(st.sampled_from(TRUE_WORDS if expected else FALSE_WORDS))
    spaces = draw(st.sampled_from(["", " ", "  ", "\t", "\u00a0"]))
    return expected, spaces + random_case(draw, word) + spaces


@FAST
@given(spelled_bools())
def test_yes_no_in_any_case_and_spacing(case: tuple[bool, str]) -> None:
    expected, text = case
    assert parse_bool(text) is expected


ACCEPTED_BOOL_KEYS = {w.lower() for w in (*TRUE_WORDS, *FALSE_WORDS)}


def is_accepted_bool(text: str) -> bool:
    key = "".join(unicodedata.normalize("NFKC", text).split()).casefold()
    return key in ACCEPTED_BOOL_KEYS or re.fullmatch(r"[01]\.0+", key) is not None


@FAST
@given(st.one_of(st.text(), st.text(alphabet="jJaAnNeEyYsxX01. \u00a0", max_size=6)))
def test_parse_bool_accepts_exactly_the_yes_no_set(text: str) -> None:
    if is_accepted_bool(text):
        assert isinstance(parse_bool(text), bool)
    else:
        with pytest.raises(ParseError):
            parse_bool(text)


def test_x_column_rule() -> None:
    column = ["X", None, "", " x ", "  "]
    assert is_x_column(column)
    result = parse_bool_column(column)
    assert result.values == [True, False, False, True, False]
    assert result.errors == [None] * 5
    assert result.x_column


def test_empty_means_unknown_outside_an_x_column() -> None:
    result = parse_bool_column(["Ja", None, "", "X", "Nej"])
    assert not result.x_column
    assert result.values == [True, None, None, True, False]


def test_unreadable_cells_are_reported_not_raised() -> None:
    result = parse_bool_column(["Ja", "Måske", None])
    assert result.values == [True, None, None]
    assert result.errors == [None, '"Måske" is not yes/no', None]


def test_an_all_empty_column_is_not_an_x_column() -> None:
    assert not is_x_column([None, "", " "])
    assert parse_bool_column([None, ""]).values == [None, None]


bool_cells = st.one_of(
    st.none(), st.sampled_from(["", " ", "X", "x", " X", "Ja", "nej", "1.0", "Måske", "0"])
)


@FAST
@given(st.lists(bool_cells, max_size=30))
def test_vectorised_bool_column_agrees_with_the_list_version(cells: list[str | None]) -> None:
    expected = parse_bool_column(cells)
    values, errors, x_column = map_bool_column(pl.Series(cells, dtype=pl.String))
    assert x_column == expected.x_column
    assert values.to_list() == expected.values
    assert errors.to_list() == expected.errors


@FAST
@given(st.lists(st.sampled_from([None, "", " ", "X", "x", " x "]), max_size=20))
def test_x_column_empties_mean_no(cells: list[str | None]) -> None:
    result = parse_bool_column(cells)
    has_x = any(c is not None and c.strip() for c in cells)
    assert result.x_column == has_x
    for cell, value in zip(cells, result.values, strict=True):
        if cell is not None and cell.strip():
            assert value is True
        else:
            assert value is (False if has_x else None)


# --------------------------------------------------------------------------- categories

ALL_LABELS = [
    (vocabulary, label, cat.value)
    for vocabulary, categories in VOCABULARIES.items()
    for cat in categories
    for label in (cat.value, cat.da, cat.en, *cat.extra)
]


@st.composite
def spelled_labels(draw: st.DrawFn) -> tuple[str, str, str]:
    vocabulary, label, value = draw(st.sampled_from(ALL_LABELS))
    pieces = []
    for char in random_case(draw, label):
        pieces.append(char)
        pieces.append(draw(st.sampled_from(["", "", "", " ", "-", "_", "."])))
    outer = draw(st.sampled_from(["", " ", "  "]))
    return vocabulary, outer + "".join(pieces) + outer, value


@FAST
@given(spelled_labels())
def test_every_label_maps_to_its_value_in_any_case_and_spacing(case: tuple[str, str, str]) -> None:
    vocabulary, text, value = case
    assert parse_category(text, vocabulary) == value


@pytest.mark.parametrize(
    ("text", "vocabulary", "value"),
    [
        ("Digital chikane", "harassment_type", "digital_harassment"),
        ("digital harassment", "harassment_type", "digital_harassment"),
        ("Verbale krænkelser", "harassment_type", "verbal_abuse"),
        ("HØJ", "severity", "high"),
        ("1", "severity", "low"),
        ("2.0", "severity", "medium"),  # a numeric cell as calamine renders it
        ("Gemt email", "documentation_form", "saved_email"),
        ("Borgerrådgiveren", "inquiry_type", "ombudsman"),
        ("e-mail", "channel", "email"),
    ],
)
def test_category_examples(text: str, vocabulary: str, value: str) -> None:
    assert parse_category(text, vocabulary) == value


def test_unknown_category_lists_the_danish_labels() -> None:
    with pytest.raises(ParseError) as caught:
        parse_category("Spam", "harassment_type")
    assert str(caught.value) == (
        'unknown value "Spam" (expected one of: Digital chikane, Trusler, Vold, '
        "Verbale krænkelser, Forfølgelse, Andet)"
    )


@FAST
@given(st.text(), st.sampled_from(sorted(VOCABULARIES)))
def test_parse_category_returns_a_canonical_value_or_raises_parse_error(
    text: str, vocabulary: str
) -> None:
    try:
        value = parse_category(text, vocabulary)
    except ParseError:
        pass
    else:
        assert value in {cat.value for cat in VOCABULARIES[vocabulary]}


# --------------------------------------------------------------------------- integers


@pytest.mark.parametrize(
    ("text", "expected"), [("3", 3), ("3.0", 3), (" 3 ", 3), ("0", 0), ("12,0", 12)]
)
def test_int_forms(text: str, expected: int) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-1", '"-1" is below 0'),
        ("-3", '"-3" is below 0'),
        ("3.5", '"3.5" is not a whole number'),
        ("3,5", '"3,5" is not a whole number'),
        ("1.000", '"1.000" is ambiguous'),
        ("tre", '"tre" is not a number'),
        ("3 dage", '"3 dage" is not a number'),
        ("99999999999", '"99999999999" is above'),
    ],
)
def test_int_rejections(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_int(text)
    assert str(caught.value).startswith(reason)


def test_int_bounds_are_optional() -> None:
    assert parse_int("-1", minimum=None) == -1
    assert parse_int("99999999999", maximum=None) == 99_999_999_999
    with pytest.raises(ParseError, match='"4" is below 5'):
        parse_int("4", minimum=5)


@FAST
@given(
    st.integers(min_value=0, max_value=2**31 - 1),
    st.sampled_from(["{n}", "{n}.0", " {n} ", "+{n}"]),
)
def test_int_round_trip(n: int, form: str) -> None:
    assert parse_int(form.format(n=n)) == n


@FAST
@given(st.integers(max_value=-1))
def test_negative_numbers_are_below_zero(n: int) -> None:
    with pytest.raises(ParseError, match="is below 0"):
        parse_int(str(n))


@FAST
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=99))
def test_fractions_are_not_whole_numbers(n: int, fraction: int) -> None:
    assume(fraction % 10 != 0)
    with pytest.raises(ParseError, match="not a whole number"):
        parse_int(f"{n}.{fraction}")


@FAST
@given(st.one_of(st.text(), st.from_regex(r"[+\-−0-9., ]{0,15}", fullmatch=True)))
def test_parse_int_returns_an_int_or_raises_parse_error(text: str) -> None:
    try:
        value = parse_int(text)
    except ParseError:
        pass
    else:
        assert isinstance(value, int)
        assert 0 <= value <= 2**31 - 1


# --------------------------------------------------------------------------- map_unique

mixed_cells = st.one_of(
    st.none(),
    st.sampled_from(
        ["", "  ", "24.07.2024", " 24.07.2024", "2024-07-24 00:00:00", "45497", "ukendt"]
    ),
    st.sampled_from(["31-02-2024", "3", "-1", "3.5", "Ja", "x", "Trusler", "010190-1234"]),
    st.text(max_size=8),
)


@pytest.mark.parametrize(
    ("parse", "dtype"),
    [
        (parse_date, pl.Date),
        (parse_int, pl.Int64),
        (parse_bool, pl.Boolean),
        (lambda t: parse_category(t, "harassment_type"), pl.String),
    ],
)
@FAST
@given(cells=st.lists(mixed_cells, max_size=40))
def test_map_unique_agrees_with_the_scalar_parser(
    parse: Callable[[str], object], dtype: pl.DataType, cells: list[str | None]
) -> None:
    values, errors = map_unique(pl.Series("col", cells, dtype=pl.String), parse, dtype)
    assert values.dtype == dtype
    assert errors.dtype == pl.String
    assert values.name == errors.name == "col"
    assert len(values) == len(errors) == len(cells)
    for cell, value, error in zip(cells, values.to_list(), errors.to_list(), strict=True):
        if cell is None or not cell.strip():
            assert value is None and error is None
            continue
        try:
            expected = parse(cell)
        except ParseError as caught:
            assert value is None
            assert error == str(caught)
        else:
            assert value == expected
            assert error is None


def test_map_unique_on_an_empty_or_all_null_series() -> None:
    for series in (pl.Series([], dtype=pl.String), pl.Series([None, None], dtype=pl.String)):
        values, errors = map_unique(series, parse_date, pl.Date)
        assert values.null_count() == errors.null_count() == len(series)


def test_map_unique_calls_parse_once_per_distinct_value() -> None:
    calls: list[str] = []

    def parse(text: str) -> int:
        calls.append(text)
        return parse_int(text)

    series = pl.Series(["1", " 1", "2", "1", None, "2", "x"] * 1000)
    values, errors = map_unique(series, parse, pl.Int64)
    assert sorted(calls) == ["1", "2", "x"]
    assert values[:4].to_list() == [1, 1, 2, 1]
    assert errors[6] == '"x" is not a number'


def test_map_unique_on_a_large_column_stays_fast() -> None:
    distinct = [f"{date(2023, 1, 1) + timedelta(days=i):%d.%m.%Y}" for i in range(700)]
    series = pl.Series(distinct * 300)  # 210,000 rows
    start = datetime.now()
    values, errors = map_unique(series, parse_date, pl.Date)
    elapsed = datetime.now() - start
    assert errors.null_count() == len(series)
    assert values[0] == date(2023, 1, 1)
    assert elapsed.total_seconds() < 2  # about 0.03 s on a quiet machine; generous for CI


def test_excel_date_cell_rendering_with_time_keeps_the_date() -> None:
    moment = datetime.combine(date(2024, 7, 24), time(23, 59, 59, 999999))
    assert parse_date(str(moment)) == date(2024, 7, 24)
