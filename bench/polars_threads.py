"""Stress test of the pattern behind the hang of issue 17: many Python threads calling into
Polars at once, as Streamlit's script threads did before the caches held shared objects.

``python -m bench.polars_threads [--threads 20] [--seconds 30]``: every thread loops over
what a rerun used to do with Polars, chosen at random: unpickle a cached frame (what
``st.cache_data`` did on every hit), run a lazy aggregation, read a DuckDB result into
Polars (``.pl()``), convert to Arrow and to pandas, and build and convert an Altair chart of
a frame. The threads stop after ``--seconds``; if they have not all finished ``--stall`` seconds
later, faulthandler prints every thread's stack and the process exits 1 (exit 0 otherwise).

On this machine (2 cores, Polars 2.1.0, DuckDB 2.0.0; 20 threads, 12-20 s runs, 2026-12-04)
it hung in 3 of 6 runs of the full mix, with the CPU idle and every thread "idle" in py-spy:
in ``DataFrame.deserialize`` (``__setstate__``), ``collect``, ``to_arrow``, pyarrow's
``table_to_dataframe`` under ``to_pandas``, ``from_arrow`` under DuckDB's ``.pl()``, and
Altair's conversion, the main thread in a ``time.sleep(1)`` that never returned: a thread
holds the GIL while it waits inside Polars (pola-rs/polars#24448, #27396). It hung without
the DuckDB step too (1 of 2 runs), and with ``POLARS_MAX_THREADS=1`` (1 of 1); not in 8
runs of two-step mixes, and not in 6 runs with ``--lock`` (one thread at a time in the
steps; about a third fewer steps per second).
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import pickle
import random
import sys
import threading
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.polars_threads", description=__doc__)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--stall", type=float, default=10.0)
    parser.add_argument(
        "--lock", action="store_true", help="one thread at a time in the steps (a Polars lock)"
    )
    args = parser.parse_args(argv)

    # Everything imported up front: threads importing modules at once is another hazard
    # (see dashboard/serve.py), not the one tested here.
    import altair as alt
    import duckdb
    import pandas  # noqa: F401  (Polars' to_pandas and Altair need it imported)
    import polars as pl
    import pyarrow  # noqa: F401

    n = 50_000
    frame = pl.DataFrame(
        {
            "unit": [f"u{i % 50}" for i in range(n)],
            "month": [i % 24 for i in range(n)],
            "days": [float(i % 90) for i in range(n)],
        }
    ).with_columns(pl.col("unit").cast(pl.Categorical), days_list=pl.concat_list("days", "days"))
    blob = pickle.dumps(frame)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT (i % 50)::VARCHAR AS unit, i % 24 AS month, "
        "(i % 90)::DOUBLE AS days FROM range(200000) r(i)"
    )
    small = frame.head(500).drop("days_list")
    progress = [0]
    failures: list[str] = []
    lock = threading.Lock() if args.lock else contextlib.nullcontext()

    def step(kind: int, cur: duckdb.DuckDBPyConnection) -> None:
        if kind == 0:
            pickle.loads(blob)
        elif kind == 1:
            frame.lazy().group_by("unit", "month").agg(pl.col("days").median()).collect()
        elif kind == 2:
            cur.sql("SELECT unit, month, count(*) n FROM t GROUP BY ALL").pl()
        elif kind == 3:
            frame.to_arrow()
        elif kind == 4:
            small.to_pandas()
        else:
            alt.Chart(small).mark_bar().encode(x="unit", y="days").to_dict()

    def work(seed: int) -> None:
        rng = random.Random(seed)
        cur = con.cursor()
        end = time.monotonic() + args.seconds
        try:
            while time.monotonic() < end:
                with lock:
                    step(rng.randrange(6), cur)
                progress[0] += 1
        except Exception as error:
            failures.append(f"{type(error).__name__}: {error}")
        finally:
            cur.close()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(args.threads)]
    start = time.monotonic()
    # The watchdog is faulthandler's own C thread: in the hang no Python thread runs again
    # (the main thread's sleep never returns), so a Python watchdog would hang too.
    faulthandler.dump_traceback_later(args.seconds + args.stall, exit=True)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    faulthandler.cancel_dump_traceback_later()
    print(f"{progress[0]} steps in {time.monotonic() - start:.0f} s, {len(failures)} failures")
    for failure in failures[:5]:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
