"""The page boundary: the cached store connection, a cursor per script run, cached results.

Only this layer and the pages import streamlit. The connection is cached per process with
``st.cache_resource`` and every script run (one thread) takes its own cursor. Results are
cached keyed on the store's data version, so an import or an undo invalidates them.

Results are kept with ``st.cache_resource``, not ``st.cache_data``: one object shared by
every session, never pickled. ``st.cache_data`` unpickles a cached Polars frame on every
hit (``DataFrame.__setstate__``, which deserialises through Polars' thread pool from the
script thread): that is Polars work on every rerun of every session, and it is where the
thread dumps of the server that stopped answering under load showed its threads (issue 17).
Nothing changes a result after it is made: Polars frames are only ever read or used to
make new frames, and a ``MetricsReport`` is frozen.

A page runs holding the process-wide Polars lock (``components.polars_lock``). A cached
function that runs DuckDB is entered with the lock given up and takes it back in its body:
Streamlit holds a per-key lock while it computes a value, and a second session asking for
the same value must wait for that one without holding the Polars lock, which the first
needs back after each DuckDB execution.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from dashboard import access, queries, store, workdir
from dashboard.components import auth, polars_lock
from dashboard.config import Peers, Settings, load_settings
from dashboard.metrics.filters import Filters, GroupBy, Scope, query_params
from dashboard.metrics.report import MetricsReport, build_report

DataVersion = tuple[int, int, str]


@st.cache_resource(show_spinner=False)
def _connection(db_path: str) -> duckdb.DuckDBPyConnection:
    # A store held by the command line, or a path that cannot hold one, is a DashboardError
    # (not cached: the next run tries again).
    with polars_lock.held():
        return store.open_for_writing(db_path, in_app=True)


def settings() -> Settings:
    """Settings from the environment (read per run: cheap)."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def _working_directory(root: str) -> str:
    """Started once per server process: what a killed server left there goes (workdir.start)."""
    return str(workdir.start(Path(root)))


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the process-wide connection, for this script run's thread only (a store
    held by another program raises StoreBusyError, which app.py shows as its sentence)."""
    current = settings()
    _working_directory(str(current.work_dir))
    with polars_lock.released():
        return _connection(str(current.db_path)).cursor()


def viewer_scope() -> Scope:
    """What the current viewer may see: their grant's scope (see components.auth), nothing
    when no viewer was identified in this run."""
    return auth.current_scope()


@st.cache_data(show_spinner=False, max_entries=4)
def _mirrored(_cur: duckdb.DuckDBPyConnection, db: str, version: DataVersion) -> bool:
    # no Polars in it: store.fetch_all runs DuckDB, and the access file is SQLite
    pairs = store.fetch_all(
        _cur,
        "SELECT DISTINCT department, unit FROM incidents "
        "UNION SELECT DISTINCT department, unit FROM inquiries",
    )
    access.record_units(Path(db), [(str(d), None if u is None else str(u)) for d, u in pairs])
    return True


def mirror_catalogue(cur: duckdb.DuckDBPyConnection) -> None:
    """Keep the access file's catalogue of departments and units equal to the store's (once
    per data version), so ``access grant`` can check names while this process holds the store."""
    version = data_version(cur)
    with polars_lock.released():
        _mirrored(cur, str(settings().db_path), version)


def data_version(cur: duckdb.DuckDBPyConnection) -> DataVersion:
    """Changes whenever an import is written or undone (the cache key of every result)."""
    row = store.fetch_one(
        cur,
        "SELECT count(*), coalesce(max(import_id), 0), coalesce(max(undone_at)::VARCHAR, '') FROM imports",
    )
    assert row is not None
    return (int(row[0]), int(row[1]), str(row[2]))


@st.cache_resource(show_spinner=False, max_entries=128)
def report(
    _cur: duckdb.DuckDBPyConnection,
    db: str,
    version: DataVersion,
    filters: Filters,
    scope: Scope,
    by: GroupBy,
    work_accident_days: int,
    suppress_below: int,
    delays: bool,
    peers: Peers,
    unsuppressed: bool = False,
) -> MetricsReport:
    """The metrics report of one view, cached per data version (``db`` and ``version`` key
    it), the scope and the peers setting. Entered without the Polars lock (see above)."""
    with polars_lock.held():
        return build_report(
            _cur,
            filters,
            scope,
            by,
            work_accident_days=work_accident_days,
            suppress_below=suppress_below,
            delays=delays,
            peers=peers,
            unsuppressed=unsuppressed,
        )


def view_report(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    by: GroupBy,
    *,
    delays: bool = False,
    unsuppressed: bool = False,
) -> MetricsReport:
    """The report for the current viewer and settings; ``delays`` adds the days-to-action
    quantiles, which only some pages show. ``unsuppressed`` (the Export page's option for
    a viewer with :attr:`Right.UNSUPPRESSED`, who must log the export) leaves small counts in."""
    s = settings()
    version, scope = data_version(cur), viewer_scope()
    with polars_lock.released():
        return report(
            cur,
            str(s.db_path),
            version,
            filters,
            scope,
            by,
            s.work_accident_days,
            s.suppress_below,
            delays,
            s.peers,
            unsuppressed,
        )


@st.cache_resource(show_spinner=False, max_entries=256)
def query(
    _cur: duckdb.DuckDBPyConnection,
    db: str,
    version: DataVersion,
    name: str,
    filters: Filters,
    scope: Scope,
    extra: tuple[tuple[str, object], ...] = (),
) -> pl.DataFrame:
    """One query from dashboard/sql/ with the view's filters and scope, cached per data
    version. Entered without the Polars lock (see above)."""
    s = settings()
    with polars_lock.held():
        params = query_params(
            filters, scope, work_accident_days=s.work_accident_days, **dict(extra)
        )
        return queries.run(_cur, name, params)


def view_query(
    cur: duckdb.DuckDBPyConnection, name: str, filters: Filters, **extra: object
) -> pl.DataFrame:
    """Run a query for the current viewer (cached)."""
    db, version, scope = str(settings().db_path), data_version(cur), viewer_scope()
    with polars_lock.released():
        return query(cur, db, version, name, filters, scope, tuple(sorted(extra.items())))


def filter_options(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Departments, units and date range the viewer can filter on."""
    return view_query(cur, "filter_options", Filters())


def date_bounds(options: pl.DataFrame) -> tuple[date, date] | None:
    """First and last date in the data, or None when there is none."""
    if options.is_empty():
        return None
    return options["first_date"].min(), options["last_date"].max()  # type: ignore[return-value]


def inquiries_stored(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether any inquiry was ever loaded (in the store at all, whatever the view)."""
    return bool(store.fetch_all(cur, "SELECT 1 FROM inquiries LIMIT 1"))
