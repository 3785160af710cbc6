"""Loading and running the SQL files in ``dashboard/sql/`` (one query per file).

Each file starts with a header comment (purpose, parameters, grain) and uses DuckDB named
parameters (``$view``, ``$limit``) only. The files are package data, read with
:mod:`importlib.resources`, so an installed wheel finds them as the source tree does. Running a query passes exactly the parameters its text uses: a missing
one is an error here, before DuckDB sees it.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import duckdb
import polars as pl

from dashboard.errors import QueryError, error_message
from dashboard.store import fetch_frame

log = logging.getLogger(__name__)
QUERY_DIR = resources.files("dashboard") / "sql"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LINE_COMMENT = re.compile(r"--[^\n]*")


class UnknownQueryError(LookupError):
    """No file ``sql/<name>.sql`` in the package."""


class MissingParameterError(ValueError):
    """A query was run without a parameter its text uses."""


@dataclass(frozen=True)
class Query:
    """One query file: its name, text, header comment and the parameters it uses."""

    name: str
    sql: str
    header: str
    parameters: frozenset[str]


def names() -> list[str]:
    """Every query name, sorted."""
    return sorted(
        p.name.removesuffix(".sql") for p in QUERY_DIR.iterdir() if p.name.endswith(".sql")
    )


@functools.cache
def load(name: str) -> Query:
    """The query ``sql/<name>.sql``; :class:`UnknownQueryError` if there is none."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise UnknownQueryError(f"Query names are lower-case words joined by '_', got {name!r}.")
    path = QUERY_DIR / f"{name}.sql"
    if not path.is_file():
        raise UnknownQueryError(f"There is no query {name!r}; known queries: {', '.join(names())}.")
    sql = path.read_text(encoding="utf-8")
    header = "\n".join(line[2:].strip() for line in sql.splitlines() if line.startswith("--"))
    code = _LINE_COMMENT.sub("", sql)
    return Query(name, sql, header, frozenset(_PARAM.findall(code)))


def run(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any]) -> pl.DataFrame:
    """Run a query with the parameters it uses, taken from ``params`` (extra keys are ignored).

    DuckDB failing to answer (a damaged store, memory exhausted) is a :class:`QueryError`
    whose sentence says so; DuckDB's own text (English, technical) is logged, not shown.
    """
    query = load(name)
    missing = sorted(query.parameters - set(params))
    if missing:
        raise MissingParameterError(f"Query {name!r} needs parameter(s) {', '.join(missing)}.")
    try:
        return fetch_frame(con, query.sql, {k: params[k] for k in query.parameters})
    except duckdb.Error as error:
        log.error("query %s failed: %s", name, error)
        raise QueryError(error_message("query_failed", query=name)) from error
