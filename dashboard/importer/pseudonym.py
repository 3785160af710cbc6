"""Keep CPR numbers out of the database: keyed pseudonyms for references, masking for free text.

A CPR number (Danish personal identification number) is "CPR-like" here when it has the
shape ``ddmmyy-xxxx``, ``ddmmyyxxxx`` or ``ddmmyy xxxx`` with dd 01–31 and mm 01–12, and is
not part of a longer run of digits (so case numbers like ``2023-1909968`` and 12-digit
numbers are left alone). The separator may be a hyphen (also the Unicode hyphen, the
non-breaking hyphen or an en dash) or a space (also a non-breaking space). There is no
modulus-11 check: numbers issued since 2007 need not pass it, and masking too much is the
safe side.

Reference columns (citizen, employee) are replaced by ``p_`` + the first 24 hex digits
(written with the letters a–p instead of 0–9a–f, so that no pseudonym ever holds a run of
digits that a CPR scanner would flag) of
HMAC-SHA256 under a secret key; the key comes from ``DASHBOARD_SECRET_KEY`` or a key file
that is created on first use.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

import polars as pl

from dashboard.config import ConfigError
from dashboard.errors import error_message

log = logging.getLogger(__name__)
ENV_KEY = "DASHBOARD_SECRET_KEY"
MIN_KEY_CHARS = 16
CPR_MASK = "[CPR]"

_SEPARATORS = "-\u2010\u2011\u2013 \u00a0"
_CPR_BODY = (
    "(?:0[1-9]|[12][0-9]|3[01])"  # day
    "(?:0[1-9]|1[0-2])"  # month
    "[0-9]{2}"  # year
    f"[{_SEPARATORS}]?"
    "[0-9]{4}"
)
_CPR_FULL = re.compile(_CPR_BODY)
_CPR_IN_TEXT = re.compile(f"(?<![0-9]){_CPR_BODY}(?![0-9])")
# Polars' regex engine has no look-around: the boundaries are matched as characters and put
# back. Two neighbouring numbers that share one boundary character are not both found in one
# pass, but every one missed in the first pass is found in the second (see mask_cpr_series).
_CPR_IN_TEXT_POLARS = f"(^|[^0-9]){_CPR_BODY}([^0-9]|$)"
_CPR_REPLACEMENT_POLARS = "${1}" + CPR_MASK + "${2}"
_SEPARATOR_RE = re.compile(f"[{_SEPARATORS}]")


def looks_like_cpr(text: str) -> bool:
    """True if the whole (stripped) text is a CPR-like number."""
    return _CPR_FULL.fullmatch(text.strip()) is not None


def mask_cpr(text: str) -> str:
    """Replace every CPR-like number in ``text`` with ``[CPR]``."""
    return _CPR_IN_TEXT.sub(CPR_MASK, text)


def _rewrite_cpr_rows(series: pl.Series, rewrite: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``series`` as text with ``rewrite`` applied to the rows holding a CPR-like number.

    Only rows where the bare CPR pattern occurs can change (the bounded pattern contains it),
    and finding them costs a fraction of rewriting every row: most text columns hold no CPR
    number at all.
    """
    text = series.cast(pl.String)
    rows = text.str.contains(_CPR_BODY).arg_true()
    if rows.len() == 0:
        return text
    return text.scatter(rows, rewrite(text.gather(rows)))  # a new series: input unchanged


def _mask_part(part: pl.Series) -> pl.Series:
    for _ in range(2):
        part = part.str.replace_all(_CPR_IN_TEXT_POLARS, _CPR_REPLACEMENT_POLARS)
    return part


def mask_cpr_series(series: pl.Series) -> pl.Series:
    """Vectorised :func:`mask_cpr` for a String series (nulls stay null)."""
    return _rewrite_cpr_rows(series, _mask_part)


def load_or_create_key(key_file: Path, environ: Mapping[str, str] = os.environ) -> bytes:
    """The pseudonymisation key: ``DASHBOARD_SECRET_KEY`` if set, else the key file.

    The environment value (surrounding whitespace stripped; an empty value counts as unset)
    must be at least 16 characters; its UTF-8 bytes are the key. Otherwise the key file holds
    the key hex-encoded; if it does not exist it is created with 32 random bytes, readable
    by the owner only from the moment it exists, and never half-written.
    """
    from_env = environ.get(ENV_KEY, "").strip()
    if from_env:
        if len(from_env) < MIN_KEY_CHARS:
            raise ConfigError(error_message("key_too_short", env=ENV_KEY, n=MIN_KEY_CHARS))
        return from_env.encode("utf-8")
    try:
        if not key_file.exists():
            _create_key_file(key_file)
        return _read_key_file(key_file)
    except OSError as error:
        # The system's reason is English: logged for the administrator, not shown.
        log.warning("key file %s: %s", key_file, error.strerror)
        raise ConfigError(
            error_message("key_file_unusable", file=str(key_file), env=ENV_KEY)
        ) from error


def _read_key_file(key_file: Path) -> bytes:
    text = key_file.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ConfigError(error_message("key_file_not_hex", file=str(key_file))) from None
    if len(key) < MIN_KEY_CHARS:
        raise ConfigError(
            error_message("key_file_too_short", file=str(key_file), n=len(key), min=MIN_KEY_CHARS)
        )
    return key


def _create_key_file(key_file: Path) -> None:
    """Write a new key to a private temporary file, then link it into place atomically.

    If another process creates the key file first, its key is kept (the link fails with
    FileExistsError). On file systems without hard links the key file is written directly.
    """
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    content = secrets.token_bytes(32).hex().encode("ascii") + b"\n"
    tmp = key_file.with_name(f".{key_file.name}.{secrets.token_hex(8)}.tmp")
    _write_private(tmp, content)
    try:
        os.link(tmp, key_file)
    except FileExistsError:
        pass
    except OSError:
        with contextlib.suppress(FileExistsError):
            _write_private(key_file, content)
    finally:
        tmp.unlink(missing_ok=True)


def _write_private(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)


_HEX_AS_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


class Pseudonymiser:
    """Keyed, stable pseudonyms for person references (citizen, employee)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_CHARS:
            raise ValueError(f"The pseudonymisation key must be at least {MIN_KEY_CHARS} bytes.")
        self._key = key
        # HMAC-SHA256 (RFC 2104) is sha256(key ^ opad || sha256(key ^ ipad || message)). The
        # two keyed states are computed once here and copied per value in
        # pseudonymise_series: hmac.new derives them from the key again for every value, which
        # was half the cost of pseudonymising 100k rows. pseudonym() keeps hmac.new, and the
        # tests check that both give the same pseudonyms.
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    @staticmethod
    def normalise(value: str) -> str:
        """Strip; a CPR-like value also loses its separator (``010190-1234`` = ``0101901234``).

        Other ids stay case-sensitive.
        """
        stripped = value.strip()
        if _CPR_FULL.fullmatch(stripped):
            return _SEPARATOR_RE.sub("", stripped)
        return stripped

    def pseudonym(self, value: str) -> str:
        """``p_`` + the first 24 hex digits of HMAC-SHA256 of the normalised value, as letters a–p."""
        normalised = self.normalise(value)
        if not normalised:
            raise ValueError("Cannot pseudonymise an empty value.")
        digest = hmac.new(self._key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
        return "p_" + digest[:24].translate(_HEX_AS_LETTERS)

    def pseudonymise_series(self, series: pl.Series) -> pl.Series:
        """Vectorised :meth:`pseudonym` (once per distinct value); nulls and empties give null."""
        series = series.cast(pl.String)
        distinct: list[str] = series.unique().drop_nulls().to_list()
        inner_copy, outer_copy, normalise = self._inner.copy, self._outer.copy, self.normalise
        values: list[str] = []
        digests: list[str] = []
        for value in distinct:
            normalised = normalise(value)
            if not normalised:
                continue  # not in the mapping: becomes null
            inner = inner_copy()
            inner.update(normalised.encode("utf-8"))
            outer = outer_copy()
            outer.update(inner.digest())
            values.append(value)
            digests.append(outer.hexdigest()[:24])
        # One translate for all digests instead of one per value.
        letters = "\n".join(digests).translate(_HEX_AS_LETTERS).split("\n") if digests else []
        return series.replace_strict(
            pl.Series(values, dtype=pl.String),
            pl.Series([f"p_{x}" for x in letters], dtype=pl.String),
            default=None,
            return_dtype=pl.String,
        )

    def pseudonymise_cpr_in_series(self, series: pl.Series) -> pl.Series:
        """Every CPR-like number in the text replaced by its :meth:`pseudonym` (nulls stay).

        For record ids: masking would make ``0101801234`` and ``0202801234`` one id, while a
        keyed pseudonym keeps them apart (and the same in the next export) without the number.
        """

        def pseudonymise_part(part: pl.Series) -> pl.Series:
            distinct: list[str] = part.unique().to_list()
            replaced = [_CPR_IN_TEXT.sub(lambda m: self.pseudonym(m[0]), v) for v in distinct]
            return part.replace_strict(
                pl.Series(distinct, dtype=pl.String), pl.Series(replaced, dtype=pl.String)
            )

        return _rewrite_cpr_rows(series, pseudonymise_part)
