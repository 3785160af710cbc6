"""DuckDB stores with many incidents, for the metrics and the browser benchmarks.

``ensure_store(cache, scale)`` writes the demo data at ``scale`` (``dashboard.demo``: about
6,000 incidents and 2,000 inquiries per unit of scale, so 170 gives 1.02M incidents and
340k inquiries) through ``write_demo``, exactly as ``python -m dashboard demo`` stores it.

``ensure_replicated(cache, scale, copies)`` copies that file and replicates its incidents and
inquiries inside DuckDB (``copies`` times, ids suffixed ``~2``, ``~3``, ...), so 10M incidents
never pass through Python. Only the current-record tables are replicated, which is all the
metrics read; the history and membership tables keep the 1M original (an undo on that store
would be wrong, which no benchmark does).

Files are cached under ``bench/.cache/`` keyed by scale, copies and ``STORE_VERSION``, written
under a temporary name first, and migrated to the current schema whenever they are used.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from dashboard import store
from dashboard.demo import generate_demo
from dashboard.store.seed import write_demo

STORE_VERSION = 1  # bump when the stores' content changes, to rebuild cached files
SEED = 2024


def _name(scale: float, copies: int = 1) -> str:
    tag = f"{scale:g}".replace(".", "_")
    return f"store_scale{tag}_x{copies}_v{STORE_VERSION}.duckdb"


def _migrated(path: Path) -> Path:
    """Bring a cached store to the current schema (new migrations, e.g. macros, apply)."""
    con = store.connect(path)
    con.close()
    return path


def _discard(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def ensure_store(cache_dir: Path, scale: float) -> Path:
    """The demo store at ``scale`` (cached)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / _name(scale)
    if path.exists():
        return _migrated(path)
    tmp = path.with_name("building-" + path.name)
    _discard(tmp)
    data = generate_demo(SEED, scale=scale)
    con = store.connect(tmp)
    con.execute("SET enable_progress_bar = false")
    try:
        write_demo(con, "incidents", data.incidents, seed=SEED)
        write_demo(con, "inquiries", data.inquiries, seed=SEED)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.replace(path)
    return path


def ensure_replicated(cache_dir: Path, scale: float, copies: int) -> Path:
    """The demo store at ``scale`` with incidents and inquiries replicated ``copies`` times."""
    if copies == 1:
        return ensure_store(cache_dir, scale)
    path = cache_dir / _name(scale, copies)
    if path.exists():
        return _migrated(path)
    source = ensure_store(cache_dir, scale)
    tmp = path.with_name("building-" + path.name)
    _discard(tmp)
    shutil.copyfile(source, tmp)
    con = store.connect(tmp)
    con.execute("SET enable_progress_bar = false")
    try:
        con.begin()
        for table, id_column in (("incidents", "incident_id"), ("inquiries", "inquiry_id")):
            store.fetch_all(
                con,
                f"""INSERT INTO {table}
                SELECT t.* REPLACE (t.{id_column} || '~' || k AS {id_column})
                FROM {table} AS t, range(2, $last) AS copies(k)""",  # noqa: S608 (closed list)
                {"last": copies + 1},
            )
        store.refresh_summaries(con)  # rows added behind the store's back
        con.commit()
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.replace(path)
    return path


def demo_store(cache_dir: Path, scale: float) -> tuple[Path, int, int]:
    """The demo store at ``scale`` (cached) and its numbers of incidents and inquiries."""
    path = ensure_store(cache_dir, scale)
    return (path, *counts(path))


def counts(path: Path) -> tuple[int, int]:
    """(incidents, inquiries) in a store."""
    con = store.connect(path, read_only=True)
    try:
        row = store.fetch_one(
            con, "SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM inquiries)"
        )
    finally:
        con.close()
    assert row is not None
    return int(row[0]), int(row[1])
