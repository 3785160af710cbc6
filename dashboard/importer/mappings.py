"""Manual header mappings: checked against the contract, saved per header layout, reused."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

import duckdb

from dashboard import cpr
from dashboard.contract import KINDS, Kind, field_names
from dashboard.importer.errors import ImportFileError
from dashboard.importer.messages import message
from dashboard.store import fetch_all, fetch_one


class MappingError(ImportFileError):
    """A manual mapping names a field that does not exist."""


def parse_map_option(values: list[str]) -> dict[str, str]:
    """``["Header=field", ...]`` from the command line -> {header: field}."""
    mapping: dict[str, str] = {}
    for item in values:
        header, sep, target = item.rpartition("=")
        if not sep or not header.strip() or not target.strip():
            raise ValueError(f'--map expects "Header=field", got "{item}".')
        mapping[header.strip()] = target.strip()
    return mapping


def check_fields(mapping: Mapping[str, str], kind: Kind | None, file: str) -> None:
    """Raise MappingError when a mapping targets a field unknown to the kind (or to both kinds)."""
    known = set(field_names(kind)) if kind else {f for k in KINDS for f in field_names(k)}
    unknown = sorted(set(mapping.values()) - known)
    if unknown:
        raise MappingError(
            message(
                "unknown_fields",
                file=file,
                fields=", ".join(unknown),
                known=", ".join(sorted(known)),
            ),
            file=file,
        )


def load(con: duckdb.DuckDBPyConnection, signature: str, kind: Kind) -> dict[str, str] | None:
    """The saved mapping for a header layout, if any."""
    row = fetch_one(
        con,
        "SELECT mapping FROM header_mappings WHERE signature = $s AND kind = $k",
        {"s": signature, "k": kind},
    )
    return json.loads(row[0]) if row else None


def save(
    con: duckdb.DuckDBPyConnection, signature: str, kind: Kind, mapping: Mapping[str, str]
) -> None:
    """Remember a mapping for the next file with the same headers.

    A header holding a CPR number is not kept (no text is stored with a CPR number in it,
    and masked it would name another header: "[CPR]" reads as the alias "CPR"); the next file
    with that header is mapped by hand again.
    """
    mapping = {h: f for h, f in mapping.items() if not cpr.contains_cpr(h)}
    if not mapping:
        return
    fetch_all(
        con,
        """INSERT INTO header_mappings VALUES ($s, $k, $m, $t)
           ON CONFLICT (signature, kind) DO UPDATE SET mapping = excluded.mapping, saved_at = excluded.saved_at""",
        {
            "s": signature,
            "k": kind,
            "m": json.dumps(dict(mapping), ensure_ascii=False),
            "t": datetime.now(UTC).replace(tzinfo=None),
        },
    )
