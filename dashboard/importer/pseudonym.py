"""Keep CPR numbers out of the database: keyed pseudonyms for references, masking for free text.

What counts as a CPR number, and how it is masked and normalised, is :mod:`dashboard.cpr`.

Reference columns (citizen, employee) are replaced by ``p_`` + the first 24 hex digits
(written with the letters a–p instead of 0–9a–f, so that no pseudonym ever holds a run of
digits that a CPR scanner would flag) of
HMAC-SHA256 under a secret key; the key comes from ``DASHBOARD_SECRET_KEY`` or a key file
that is created on first use. A pseudonym never leaves the store: pages and exports show a
short alias numbered within one view instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from dashboard import cpr
from dashboard.config import ConfigError
from dashboard.errors import error_message

log = logging.getLogger(__name__)
ENV_KEY = "DASHBOARD_SECRET_KEY"
MIN_KEY_CHARS = 16
CPR_MASK = cpr.CPR_MASK
looks_like_cpr = cpr.looks_like_cpr
mask_cpr = cpr.mask
mask_cpr_series = cpr.mask_series


def load_or_create_key(
    key_file: Path,
    environ: Mapping[str, str] = os.environ,
    *,
    legacy: Path | None = None,
    store_in_use: bool = False,
) -> bytes:
    """The pseudonymisation key: ``DASHBOARD_SECRET_KEY`` if set, else the key file.

    The environment value (surrounding whitespace stripped; an empty value counts as unset)
    must be at least 16 characters; its UTF-8 bytes are the key. Otherwise the key file holds
    the key hex-encoded. When it does not exist:

    * a key kept where earlier releases kept it (``legacy``: ``secret.key`` in the data folder
      beside the store) is moved to ``key_file``, so every pseudonym stays what it was;
    * a store that already holds imports (``store_in_use``) is refused in one sentence: a new
      key would give every person a new pseudonym;
    * otherwise it is created with 32 random bytes, readable by the owner only from the moment
      it exists, and never half-written.
    """
    from_env = environ.get(ENV_KEY, "").strip()
    if from_env:
        if len(from_env) < MIN_KEY_CHARS:
            raise ConfigError(error_message("key_too_short", env=ENV_KEY, n=MIN_KEY_CHARS))
        return from_env.encode("utf-8")
    try:
        if not key_file.exists():
            if legacy is not None and legacy.is_file():
                _move_key_file(legacy, key_file)
            elif store_in_use:
                raise ConfigError(error_message("key_file_missing", file=str(key_file)))
            else:
                _create_key_file(key_file)
        return _read_key_file(key_file)
    except OSError as error:
        # The system's reason is English: logged for the administrator, not shown.
        log.warning("key file %s: %s", key_file, error.strerror)
        raise ConfigError(
            error_message("key_file_unusable", file=str(key_file), env=ENV_KEY)
        ) from error


def _move_key_file(legacy: Path, key_file: Path) -> None:
    """Move a key from the data folder to ``key_file`` (private, never half-written); the old
    file is removed only once the new one holds the same key."""
    key = _read_key_file(legacy)
    _create_key_file(key_file, key)
    if _read_key_file(key_file) == key:
        legacy.unlink()
        log.warning("The pseudonymisation key moved from %s to %s.", legacy, key_file)


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


def _create_key_file(key_file: Path, key: bytes | None = None) -> None:
    """Write a new key to a private temporary file, then link it into place atomically.

    If another process creates the key file first, its key is kept (the link fails with
    FileExistsError). On file systems without hard links the key file is written directly.
    """
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    content = (secrets.token_bytes(32) if key is None else key).hex().encode("ascii") + b"\n"
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
        """Strip; a CPR number becomes its ten digits (``010190-1234`` = ``101901234`` = ``0101901234``).

        Other ids stay case-sensitive.
        """
        stripped = value.strip()
        if cpr.looks_like_cpr(stripped):
            return cpr.normalise(stripped)
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
        """Every CPR number in the text replaced by :meth:`pseudonym` of its digits (nulls stay).

        For record ids: masking would make ``0101801234`` and ``0202801234`` one id, while a
        keyed pseudonym keeps them apart (and the same in the next export) without the number.
        These pseudonyms are the store's keys for CPR-shaped ids only: when the records are
        written, the store replaces each by the random token it keeps for it (see
        ``dashboard.store.tokens``), so no id shown anywhere is derived from a CPR number.
        """

        def pseudonymise_part(part: pl.Series) -> pl.Series:
            distinct: list[str] = part.unique().to_list()
            replaced = [cpr.replace(v, self.pseudonym) for v in distinct]
            return part.replace_strict(
                pl.Series(distinct, dtype=pl.String), pl.Series(replaced, dtype=pl.String)
            )

        return cpr.rewrite_rows(series, pseudonymise_part)
