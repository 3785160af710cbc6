"""One Python thread at a time in Polars: the process-wide lock a page's script run holds.

Why (issue 17, "the server must never hang"): many Python threads calling into Polars at
once can hang the whole process. ``python -m bench.polars_threads`` reproduces it outside
Streamlit: 20 threads doing what the script threads did with Polars (unpickle a frame,
``collect``, DuckDB's ``.pl()``, ``to_arrow``, ``to_pandas``, an Altair chart's conversion)
hung this 2-core machine in 3 of 6 runs of 12-20 s (Polars 2.1.0, DuckDB 2.0.0), the CPU
idle and every thread waiting inside Polars, pyarrow or Altair while the main thread's
one-second sleep never returned: a thread holds the GIL while it waits inside Polars, the
pattern of pola-rs/polars#24448 and #27396. It also hung with ``POLARS_MAX_THREADS=1``, and
never with one thread at a time in those calls (``--lock``, 6 runs). In the server every
session's script run is such a thread: pages shape cached frames and Streamlit converts the
frames of ``st.dataframe`` and the charts it shows.

So ``app.py`` runs the page under :func:`held`, which covers everything the page does and
Streamlit's own conversions inside ``st.dataframe``/``st.vega_lite_chart``; a second session's
run waits for it. A run waiting on DuckDB (an uncached query of a 1M-row store takes about
a second) would then stop every other session, so the data layer gives the lock up around
the DuckDB execution itself (:func:`released`, in ``dashboard.store``: DuckDB releases the
GIL while it works and hands over an Arrow table) and takes it back before Polars reads the
result. Measured under ``bench/load.py`` (300k incidents; figures in the README, *The
hang*): at 20 sessions the lock cost no rerun time, and at 40 it halved the p90.

Rules that keep this free of deadlocks (a thread that gives the lock up must never hold
something another thread waits for while holding this lock):

* another lock is taken, and a cached function that may run DuckDB is entered, only with
  this lock given up (:func:`released`); its body takes it again (:func:`held`). Streamlit's
  cache holds a per-key lock while a value is computed, so a second thread asking for the
  same value waits for that lock, not for this one while holding it (``components.context``
  and ``components.writes`` do this);
* outside a held region :func:`released` does nothing, so the command line, the import
  worker and tests that call the data layer directly run as before.

Plain Python, no streamlit: the data layer imports :func:`released`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class PolarsLock:
    """A reentrant lock that its holder can give up entirely for a block and take back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0

    def holds(self) -> bool:
        """Whether the calling thread holds the lock."""
        return self._owner == threading.get_ident()

    def acquire(self) -> None:
        """Take the lock (again, when this thread holds it already)."""
        if self.holds():
            self._depth += 1
            return
        self._lock.acquire()
        self._owner = threading.get_ident()
        self._depth = 1

    def release(self) -> None:
        """Undo one :meth:`acquire`; the lock is free when every one is undone."""
        if not self.holds():
            raise RuntimeError("The Polars lock is released by a thread that does not hold it.")
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block (reentrant)."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    @contextmanager
    def released(self) -> Iterator[None]:
        """Give the lock up entirely for the block, however often this thread took it, and
        take it back (as often) afterwards; nothing when this thread does not hold it."""
        if not self.holds():
            yield
            return
        depth = self._depth
        self._owner = None
        self._depth = 0
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._owner = threading.get_ident()
            self._depth = depth


LOCK = PolarsLock()
# The process-wide lock's methods, as the rest of the code uses them.
held = LOCK.held
released = LOCK.released
holds = LOCK.holds
