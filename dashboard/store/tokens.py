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

from dashboard.contract import ID_FIELD, KINDS
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


def _fill(template: str, **names: str) -> str:
    """``template`` with its identifier slots filled; the names come from a closed list (the
    kinds, their id columns and tables, the hash columns), never from input."""
    return template.format(**names)


def rekey_old_ids(con: duckdb.DuckDBPyConnection) -> None:
    """Give the ids written before migration 007, which hold the pseudonym of a CPR number,
    a token each, in every table that holds ids; and those rows their hashes over the new ids.

    Run inside the migration's transaction. Conflict reasons kept with rejected rows named
    such an id: the pseudonym there is masked.
    """
    from dashboard.store.records import ROW_HASH_VERSIONS

    pattern = PSEUDONYM_IN_ID.pattern
    for kind in KINDS:
        id_column = ID_FIELD[kind]
        names = {"t": kind, "id": id_column}
        old_ids = [
            r[0]
            for r in fetch_all(
                con,
                _fill(
                    """SELECT DISTINCT id FROM (
                        SELECT {id} AS id FROM {t} UNION ALL
                        SELECT {id} FROM {t}_history UNION ALL
                        SELECT record_id FROM {t}_imported)
                    WHERE regexp_matches(id, $p)""",
                    **names,
                ),
                {"p": pattern},
            )
        ]
        if not old_ids:
            continue
        found = tokens_for(con, (k for i in old_ids for k in PSEUDONYM_IN_ID.findall(i)))
        fetch_all(
            con,
            "CREATE OR REPLACE TEMP TABLE rekey AS "
            "SELECT unnest($old) AS old_id, unnest($new) AS new_id",
            {"old": old_ids, "new": [replace_keys(i, found) for i in old_ids]},
        )
        present = {r[0] for r in fetch_all(con, _fill("DESCRIBE {t}", **names))}
        first, *later = ROW_HASH_VERSIONS[kind]
        parts = [f"coalesce({c}::VARCHAR, '\\N')" for c in first]
        # a later version's column that this store does not have yet is empty: it adds nothing
        parts += [f"'{c}' || chr(30) || {c}::VARCHAR" for v in later for c in v if c in present]
        names["hashed"] = f"md5_number_upper(concat_ws(chr(31), {', '.join(parts)}))"
        for table in (kind, f"{kind}_history"):
            names["table"] = table
            for template in (
                """CREATE OR REPLACE TEMP TABLE rehash AS
                SELECT r.old_id, r.new_id, x.row_hash AS old_hash, x.row_hash AS new_hash
                FROM {table} x JOIN rekey r ON x.{id} = r.old_id""",
                "UPDATE {table} SET {id} = r.new_id FROM rekey r WHERE {table}.{id} = r.old_id",
                """UPDATE rehash SET new_hash = (
                    SELECT {hashed} FROM {table} x
                    WHERE x.{id} = rehash.new_id AND x.row_hash = rehash.old_hash)""",
                """UPDATE {table} SET row_hash = h.new_hash FROM rehash h
                WHERE {table}.{id} = h.new_id AND {table}.row_hash = h.old_hash""",
                """UPDATE {t}_imported SET record_id = h.new_id, row_hash = h.new_hash
                FROM rehash h
                WHERE {t}_imported.record_id = h.old_id AND {t}_imported.row_hash = h.old_hash""",
            ):
                fetch_all(con, _fill(template, **names))
        # a version kept in no table (never, but a store edited by hand) keeps its hash
        fetch_all(
            con,
            _fill(
                "UPDATE {t}_imported SET record_id = r.new_id FROM rekey r "
                "WHERE {t}_imported.record_id = r.old_id",
                **names,
            ),
        )
        fetch_all(con, "DROP TABLE rekey")
        fetch_all(con, "DROP TABLE IF EXISTS rehash")
    fetch_all(
        con,
        "UPDATE rejected_rows "
        "SET reasons = list_transform(reasons, lambda r: regexp_replace(r, $p, $m, 'g')) "
        "WHERE len(list_filter(reasons, lambda r: regexp_matches(r, $p))) > 0",
        {"p": pattern, "m": "[CPR]"},
    )
