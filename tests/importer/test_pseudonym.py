"""Pseudonyms, the key, and CPR masking (scalar and vectorised)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import cpr
from dashboard.importer import pseudonym as module
from dashboard.importer.pseudonym import (
    CPR_MASK,
    Pseudonymiser,
    load_or_create_key,
    looks_like_cpr,
    mask_cpr,
    mask_cpr_series,
)
from tests.strategies import cell_text

FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY = b"0123456789abcdef0123456789abcdef"
SEPARATORS = ["", "-", " ", "\u2013", "\u2011", "\u2010", "\u00a0"]
PSEUDONYM = re.compile(r"p_[a-p]{24}")


@st.composite
def cprs(draw: st.DrawFn, separators: list[str] = SEPARATORS) -> str:
    day = draw(st.integers(1, 31))
    month = draw(st.integers(1, 12))
    year = draw(st.integers(0, 99))
    serial = draw(st.integers(0, 9999))
    sep = draw(st.sampled_from(separators))
    return f"{day:02d}{month:02d}{year:02d}{sep}{serial:04d}"


# No digit of either kind the CPR rule reads (ASCII and full-width).
no_digits = cell_text(exclude="0123456789０１２３４５６７８９", max_size=12)


# --------------------------------------------------------------------------- key


def test_environment_key_wins(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    key = load_or_create_key(key_file, {"DASHBOARD_SECRET_KEY": "a long enough secret phrase"})
    assert key == b"a long enough secret phrase"
    assert not key_file.exists()


def test_environment_key_is_stripped_and_utf8(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "k", {"DASHBOARD_SECRET_KEY": " hemmelig nøgle æøå 123\n"})
    assert key == "hemmelig nøgle æøå 123".encode()


def test_short_environment_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="DASHBOARD_SECRET_KEY is too short"):
        load_or_create_key(tmp_path / "k", {"DASHBOARD_SECRET_KEY": "short"})


def test_empty_environment_key_counts_as_unset(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "k", {"DASHBOARD_SECRET_KEY": ""})
    assert len(key) == 32


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "nested" / "dir" / "secret.key"
    old_umask = os.umask(0)  # even with a permissive umask the file is owner-only
    try:
        key = load_or_create_key(key_file, {})
    finally:
        os.umask(old_umask)
    assert len(key) == 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}\n", key_file.read_text())
    assert load_or_create_key(key_file, {}) == key
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["secret.key"]  # no temp left


def test_two_fresh_key_files_differ(tmp_path: Path) -> None:
    assert load_or_create_key(tmp_path / "a", {}) != load_or_create_key(tmp_path / "b", {})


def test_existing_key_file_is_read(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    key_file.write_text(KEY.hex() + "\n")
    assert load_or_create_key(key_file, {}) == KEY


def test_a_concurrently_created_key_file_is_kept(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    key_file.write_text(KEY.hex())
    module._create_key_file(key_file)  # lost the race: the existing key stays
    assert load_or_create_key(key_file, {}) == KEY
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


@pytest.mark.parametrize("content", ["not hex at all", "abcd", ""])
def test_a_damaged_key_file_is_refused(tmp_path: Path, content: str) -> None:
    key_file = tmp_path / "secret.key"
    key_file.write_text(content)
    with pytest.raises(ValueError, match=str(key_file)):
        load_or_create_key(key_file, {})


# --------------------------------------------------------------------------- pseudonyms


def test_pseudonym_shape_and_stability() -> None:
    p = Pseudonymiser(KEY)
    value = p.pseudonym("B1234567")
    assert PSEUDONYM.fullmatch(value)
    assert Pseudonymiser(KEY).pseudonym("B1234567") == value
    assert Pseudonymiser(b"another key of 16+ bytes").pseudonym("B1234567") != value


def test_cpr_spellings_share_a_pseudonym() -> None:
    p = Pseudonymiser(KEY)
    spellings = ["010190-1234", "0101901234", "010190 1234", " 010190-1234 ", "010190\u20131234"]
    assert len({p.pseudonym(s) for s in spellings}) == 1


def test_cpr_numbers_in_an_id_become_their_pseudonyms() -> None:
    p = Pseudonymiser(KEY)
    ids = pl.Series(["0101801234", "SAG-020280-1234", "H-17", None, "0101801234"])
    got = p.pseudonymise_cpr_in_series(ids).to_list()
    assert got == [
        p.pseudonym("0101801234"),
        "SAG-" + p.pseudonym("020280-1234"),
        "H-17",
        None,
        p.pseudonym("0101801234"),
    ]


def test_ids_are_case_sensitive_but_stripped() -> None:
    p = Pseudonymiser(KEY)
    assert p.pseudonym("B123") == p.pseudonym("  B123\t")
    assert p.pseudonym("B123") != p.pseudonym("b123")
    assert p.pseudonym("B-123") != p.pseudonym("B123")  # only CPR-like values lose separators


@pytest.mark.parametrize("key_bytes", [16, 63, 64, 65, 200])
def test_series_agrees_with_hmac_new_for_any_key_length(key_bytes: int) -> None:
    """The series version computes HMAC from precomputed keyed states (see Pseudonymiser)."""
    key = bytes(range(key_bytes))
    p = Pseudonymiser(key)
    values = ["B1", "010190-1234", "Æblegrød ø", "x" * 300, "😀"]
    assert p.pseudonymise_series(pl.Series(values)).to_list() == [p.pseudonym(v) for v in values]


def test_short_key_and_empty_value_are_refused() -> None:
    with pytest.raises(ValueError):
        Pseudonymiser(b"short")
    with pytest.raises(ValueError):
        Pseudonymiser(KEY).pseudonym("   ")


@FAST
@given(cell_text(min_size=1).filter(str.strip), cell_text(min_size=1).filter(str.strip))
def test_distinct_values_get_distinct_pseudonyms(a: str, b: str) -> None:
    p = Pseudonymiser(KEY)
    same = Pseudonymiser.normalise(a) == Pseudonymiser.normalise(b)
    assert (p.pseudonym(a) == p.pseudonym(b)) == same
    assert PSEUDONYM.fullmatch(p.pseudonym(a))


@FAST
@given(cprs())
def test_every_cpr_spelling_has_the_pseudonym_of_its_digits(cpr: str) -> None:
    p = Pseudonymiser(KEY)
    digits = re.sub(r"[^0-9]", "", cpr)
    assert p.pseudonym(cpr) == p.pseudonym(digits)
    assert p.pseudonym(cpr) == p.pseudonym(digits[:6] + "-" + digits[6:])


@FAST
@given(
    st.lists(
        st.one_of(st.none(), st.sampled_from(["", " ", "B1", " B1"]), cell_text(max_size=6), cprs())
    )
)
def test_series_agrees_with_scalar(values: list[str | None]) -> None:
    p = Pseudonymiser(KEY)
    result = p.pseudonymise_series(pl.Series("ref", values, dtype=pl.String))
    assert result.dtype == pl.String
    expected = [p.pseudonym(v) if v is not None and v.strip() else None for v in values]
    assert result.to_list() == expected


# --------------------------------------------------------------------------- CPR masking


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CPR 010190-1234.", "CPR [CPR]."),
        ("Borgerens CPR 3004776198 fremgår af sagen.", "Borgerens CPR [CPR] fremgår af sagen."),
        ("010190 1234", "[CPR]"),
        ("a0101901234b", "a[CPR]b"),
        ("0101901234,0101901234 0101901234", "[CPR],[CPR] [CPR]"),
        ("0101901234\n311299-9999", "[CPR]\n[CPR]"),
        ("J.nr. 2023-1909968", "J.nr. 2023-1909968"),  # a case number is not a CPR number
        ("123456789012", "123456789012"),  # 12 digits
        ("10101901234", "10101901234"),  # 11 digits
        ("0101901234-5", "[CPR]-5"),  # ten digits bounded by non-digits
        ("320190-1234", "320190-1234"),  # day 32
        ("011390-1234", "011390-1234"),  # month 13
        ("000190-1234", "000190-1234"),  # day 00
        ("tlf. 12 34 56 78", "tlf. 12 34 56 78"),
        ("24-07-2024", "24-07-2024"),
    ],
)
def test_mask_examples(text: str, expected: str) -> None:
    assert mask_cpr(text) == expected
    assert mask_cpr_series(pl.Series([text])).to_list() == [expected]


def test_looks_like_cpr() -> None:
    assert looks_like_cpr("010190-1234")
    assert looks_like_cpr(" 0101901234 ")
    assert looks_like_cpr("010190 1234")
    assert not looks_like_cpr("B0101901234")
    assert not looks_like_cpr("01019012345")
    assert not looks_like_cpr("2023-1909968")
    assert not looks_like_cpr("")


@FAST
@given(cprs())
def test_generated_cprs_look_like_cpr(cpr: str) -> None:
    assert looks_like_cpr(cpr)


@FAST
@given(no_digits, cprs(), no_digits)
def test_a_cpr_among_letters_is_always_masked(before: str, cpr: str, after: str) -> None:
    masked = mask_cpr(before + cpr + after)
    assert masked == before + CPR_MASK + after
    assert cpr not in masked
    assert not re.search(r"[0-9]", masked)


@FAST
@given(
    no_digits,
    cprs(separators=[""]),
    st.from_regex(r"[0-9]{0,8}", fullmatch=True),
    st.from_regex(r"[0-9]{0,8}", fullmatch=True),
    no_digits,
)
def test_a_cpr_inside_a_longer_digit_run_is_not_masked(
    before: str, cpr: str, left: str, right: str, after: str
) -> None:
    if not left and not right:
        right = "7"
    text = before + left + cpr + right + after
    assert mask_cpr(text) == text
    assert mask_cpr_series(pl.Series([text])).to_list() == [text]


@FAST
@given(
    no_digits,
    cprs(separators=["-", " "]),
    st.from_regex(r"[0-9]{0,2}|[0-9]{5,8}", fullmatch=True),
    st.from_regex(r"[0-9]{0,4}|[0-9]{7,8}", fullmatch=True),
    no_digits,
)
def test_a_separated_cpr_with_digits_attached_is_not_masked(
    before: str, cpr: str, left: str, right: str, after: str
) -> None:
    # left/right lengths that would turn a neighbouring part into a CPR of its own (9 or 10
    # digits: a number cell drops a day's leading zero) are left out
    if not left and not right:
        left = "7"
    text = before + left + cpr + right + after
    assert mask_cpr(text) == text


# Texts rich in near-misses: CPR numbers back to back, digit runs and separators.
cpr_soup = st.lists(
    st.one_of(
        cprs(),
        st.sampled_from([" ", "-", "\u2013", ",", "a", "\n", "0", "12"]),
        st.text(alphabet="0123456789 -\u2013\u00a0aZ\n.", max_size=6),
        st.sampled_from(["2023-1909968", "[CPR]", "ø"]),
    ),
    max_size=12,
).map("".join)


@FAST
@given(st.one_of(cpr_soup, cell_text()))
def test_masking_is_complete_and_idempotent(text: str) -> None:
    masked = mask_cpr(text)
    assert mask_cpr(masked) == masked
    assert not cpr.contains_cpr(masked)


@FAST
@given(st.lists(st.one_of(cpr_soup, cell_text(), st.none()), max_size=20))
def test_vectorised_masking_agrees_with_scalar(texts: list[str | None]) -> None:
    series = pl.Series("notes", texts, dtype=pl.String)
    result = mask_cpr_series(series)
    assert result.name == "notes"
    assert result.to_list() == [None if t is None else mask_cpr(t) for t in texts]
    assert series.to_list() == texts  # only rows with a CPR number are replaced, in a copy


def test_back_to_back_cprs_are_all_masked_by_the_vectorised_version() -> None:
    text = " ".join(["0101901234"] * 7) + "-" + "-".join(["010190-1234"] * 5)
    expected = " ".join([CPR_MASK] * 7) + "-" + "-".join([CPR_MASK] * 5)
    assert mask_cpr(text) == expected
    assert mask_cpr_series(pl.Series([text])).to_list() == [expected]


def test_a_key_in_the_data_folder_moves_to_the_key_file(tmp_path: Path) -> None:
    """A running deployment keeps its key (and so every pseudonym) when the default moves."""
    legacy = tmp_path / "data" / "secret.key"
    legacy.parent.mkdir()
    legacy.write_text(KEY.hex() + "\n")
    key_file = tmp_path / "config" / "secret.key"
    assert load_or_create_key(key_file, {}, legacy=legacy, store_in_use=True) == KEY
    assert not legacy.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_or_create_key(key_file, {}, legacy=legacy) == KEY


def test_a_missing_key_for_a_store_in_use_is_refused_not_replaced(tmp_path: Path) -> None:
    key_file = tmp_path / "config" / "secret.key"
    with pytest.raises(ValueError, match="restore the key file from its backup"):
        load_or_create_key(key_file, {}, legacy=tmp_path / "none.key", store_in_use=True)
    assert not key_file.exists()
    assert len(load_or_create_key(key_file, {}, store_in_use=False)) == 32  # a new store
