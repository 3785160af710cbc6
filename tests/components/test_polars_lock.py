"""The process-wide Polars lock (components.polars_lock): one thread at a time in a held
region, reentrant, given up entirely around DuckDB's work and taken back."""

from __future__ import annotations

import sys
import threading

import pytest

from dashboard.components.polars_lock import PolarsLock


def test_held_is_reentrant_and_released_gives_it_up_entirely() -> None:
    lock = PolarsLock()
    with lock.held(), lock.held():
        assert lock.holds()
        with lock.released():
            assert not lock.holds()
            # another thread can take it while this one has given it up
            taken = threading.Event()

            def take() -> None:
                with lock.held():
                    taken.set()

            worker = threading.Thread(target=take)
            worker.start()
            worker.join(timeout=10)
            assert taken.is_set()
        assert lock.holds()  # taken back as often as it was held
    assert not lock.holds()


def test_released_outside_a_held_region_does_nothing() -> None:
    lock = PolarsLock()
    with lock.released():
        assert not lock.holds()
    with lock.held():
        assert lock.holds()


def test_release_by_a_thread_that_does_not_hold_it_is_refused() -> None:
    with pytest.raises(RuntimeError):
        PolarsLock().release()


def test_never_two_threads_in_a_held_region_at_once() -> None:
    """Eight threads, each holding the lock for many short stretches and giving it up in
    between (as a page does around DuckDB): the count of threads inside never exceeds one,
    and every thread finishes."""
    lock = PolarsLock()
    inside = 0
    most = 0
    count_lock = threading.Lock()

    def run() -> None:
        nonlocal inside, most
        for _ in range(200):
            with lock.held():
                with count_lock:
                    inside += 1
                    most = max(most, inside)
                sum(range(500))  # pure Python: the interpreter switches threads here
                with count_lock:
                    inside -= 1
                with lock.released():
                    sum(range(500))

    threads = [threading.Thread(target=run) for _ in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert not any(thread.is_alive() for thread in threads)
    assert most == 1
