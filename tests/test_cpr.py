"""The CPR rule (dashboard/cpr.py): every spelling of a CPR number is found, masked in text
and normalised to its ten digits; generated over the spellings an export or a note holds."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import cpr
from dashboard.importer.pseudonym import Pseudonymiser
from tests.strategies import cell_text

FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY = b"0123456789abcdef0123456789abcdef"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DIGITS = "0123456789０１２３４５６７８９"
DATE_SEPARATORS = ["", ".", "-", " ", "/", ". "]
SERIAL_SEPARATORS = ["", "-", " ", "/", "_", " - ", ".", "\u2013", "\u2011", "\u2010", "\u00a0"]


@st.composite
def spelled_cprs(draw: st.DrawFn) -> tuple[str, str]:
    """(a CPR number spelled as exports and notes spell it, its ten digits)."""
    day, month = draw(st.integers(1, 31)), draw(st.integers(1, 12))
    year, serial = draw(st.integers(0, 99)), draw(st.integers(0, 9999))
    digits = f"{day:02d}{month:02d}{year:02d}{serial:04d}"
    if day < 10 and draw(st.booleans()):  # typed into a number cell: the leading zero is gone
        text = digits[1:]
    else:
        sep = draw(st.sampled_from(DATE_SEPARATORS))
        text = (
            sep.join((digits[:2], digits[2:4], digits[4:6]))
            + draw(st.sampled_from(SERIAL_SEPARATORS))
            + digits[6:]
        )
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return text, digits


no_digits = cell_text(exclude=DIGITS, max_size=12)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("101901234", "0101901234"),  # a number cell dropped the leading zero
        ("01.01.90-1234", "0101901234"),
        ("010190 - 1234", "0101901234"),
        ("01 01 90 1234", "0101901234"),
        ("010190/1234", "0101901234"),
        ("010190_1234", "0101901234"),
        ("０１０１９０－１２３４", "0101901234"),
        ("０１０１９０１２３４", "0101901234"),
        ("300855-5179", "3008555179"),
    ],
)
def test_the_spellings_named_in_issue_15(text: str, digits: str) -> None:
    assert cpr.looks_like_cpr(text)
    assert cpr.normalise(text) == digits
    assert cpr.mask(f"Borger {text} ringede.") == "Borger [CPR] ringede."
    assert cpr.mask_series(pl.Series([f"({text})"])).to_list() == ["([CPR])"]


@pytest.mark.parametrize(
    "text",
    [
        "J.nr. 2023-1909968",  # a case number
        "123456789012",  # 12 digits
        "10101901234",  # 11 digits
        "24-07-2024",  # a date
        "24.07.2024 kl. 12",
        "tlf. 12 34 56 78",  # an 8-digit phone number
        "12345678",
        "320190-1234",  # day 32
        "011390-1234",  # month 13
        "000190-1234",  # day 00
    ],
)
def test_numbers_that_are_no_cpr_stay(text: str) -> None:
    assert cpr.mask(text) == text
    assert cpr.mask_series(pl.Series([text])).to_list() == [text]


def test_the_accepted_cost_a_ten_digit_phone_number_is_masked() -> None:
    # Stated in the README: a 10-digit number whose first six digits are a date is masked.
    assert cpr.mask("Ring 1212345678 i dag") == "Ring [CPR] i dag"


@FAST
@given(spelled_cprs())
def test_every_spelling_is_a_cpr_with_its_ten_digits(spelled: tuple[str, str]) -> None:
    text, digits = spelled
    assert cpr.looks_like_cpr(text)
    assert cpr.normalise(text) == digits


@FAST
@given(no_digits, spelled_cprs(), no_digits)
def test_every_spelling_is_masked_in_free_text(
    before: str, spelled: tuple[str, str], after: str
) -> None:
    text = before + spelled[0] + after
    masked = cpr.mask(text)
    assert not re.search(f"[{DIGITS}]", masked)
    assert cpr.CPR_MASK in masked
    assert cpr.mask_series(pl.Series([text])).to_list() == [masked]


@FAST
@given(spelled_cprs())
def test_every_spelling_gets_the_pseudonym_of_its_digits(spelled: tuple[str, str]) -> None:
    p = Pseudonymiser(KEY)
    text, digits = spelled
    assert p.pseudonym(text) == p.pseudonym(digits)
    assert p.pseudonymise_series(pl.Series([f" {text} "])).to_list() == [p.pseudonym(digits)]
    # inside an id, too: the same person's number gives the same key
    ids = p.pseudonymise_cpr_in_series(pl.Series([f"SAG {text}"])).to_list()
    assert ids == [f"SAG {p.pseudonym(digits)}"]


@FAST
@given(st.lists(spelled_cprs(), min_size=1, max_size=6), st.sampled_from([", ", "; ", "\n"]))
def test_lists_of_spellings_are_all_masked(spelled: list[tuple[str, str]], joiner: str) -> None:
    text = joiner.join(s for s, _ in spelled)
    assert cpr.mask(text) == joiner.join([cpr.CPR_MASK] * len(spelled))
    assert cpr.mask_series(pl.Series([text])).to_list() == [cpr.mask(text)]
