"""Random tokens for the CPR numbers in record ids (the ``cpr_tokens`` table, migration 007).

The importer keys each CPR number in an id by its pseudonym (``p_`` + 24 letters, see
``Pseudonymiser.pseudonymise_cpr_in_series``); :func:`tokens_for` gives each such key the
random token the store keeps for it, creating one for a number it has not seen. The token,
not the pseudonym, is what the record's id holds, so an id shown on a page, in an export or
on the command line says nothing about the number: it cannot be recomputed from a guessed
CPR number, with or without the key.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable
from datetime import UTC, datetime

import duckdb

from dashboard.store import fetch_all

PSEUDONYM_IN_ID = re.compile(r"p_[a-p]{24}")
TOKEN_PREFIX = "cpr-"
# Letters only: a token never holds a run of digits that a CPR scanner would flag.
_TOKEN_LETTERS = string.ascii_lowercase
_TOKEN_LENGTH = 16  # 26**16, about 4e22 tokens


def new_token() -> str:
    """A fresh random token (``cpr-`` + 16 letters from the system's random source)."""
    return TOKEN_PREFIX + "".join(secrets.choice(_TOKEN_LETTERS) for _ in range(_TOKEN_LENGTH))


def tokens_for(con: duckdb.DuckDBPyConnection, pseudonyms: Iterable[str]) -> dict[str, str]:
    """pseudonym -> its token, creating tokens for pseudonyms the store has not seen.

    Run inside the import's transaction, so tokens created for an import that fails go with it.
    """
    wanted = sorted(set(pseudonyms))
    if not wanted:
        return {}
    found = dict(
        fetch_all(
            con,
            "SELECT pseudonym, token FROM cpr_tokens WHERE pseudonym IN (SELECT unnest($p))",
            {"p": wanted},
        )
    )
    missing = [p for p in wanted if p not in found]
    if missing:
        created = {p: new_token() for p in missing}
        fetch_all(
            con,
            "INSERT INTO cpr_tokens SELECT unnest($p), unnest($t), $at",
            {
                "p": list(created),
                "t": list(created.values()),
                "at": datetime.now(UTC).replace(tzinfo=None),
            },
        )
        found.update(created)
    return found


def replace_keys(value: str, tokens: dict[str, str]) -> str:
    """``value`` with every pseudonym key replaced by its token."""
    return PSEUDONYM_IN_ID.sub(lambda m: tokens[m[0]], value)
