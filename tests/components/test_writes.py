"""One write to the store at a time (issue 15, item 7).

Two sessions importing at once, an import waiting for another and then proceeding or being
refused in one sentence, a page opened while another process holds the store, and a
command-line import against a running server.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import store
from dashboard.components import writes
from dashboard.components.failure import as_text
from dashboard.demo import generate_demo
from dashboard.errors import error_message
from dashboard.i18n import t
from dashboard.store.seed import write_demo
from tests.pages.conftest import ROOT, TIMEOUT
from tests.samples import sample

INCIDENTS = "haendelser_2023-2024.xlsx"
INQUIRIES = "henvendelser_2023-2024.xlsx"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


def upload_session(path: Path) -> AppTest:
    """A session that has uploaded ``path`` and sees its preview (not yet imported)."""

    def script(file: str) -> None:
        from dashboard.components import context
        from dashboard.components.upload_flow import import_one

        with open(file, "rb") as handle:
            import_one(context.cursor(), file.rsplit("/", 1)[-1], handle.read(), "da")

    at = AppTest.from_function(script, args=(str(path),), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def confirm(at: AppTest) -> AppTest:
    return next(b for b in at.button if str(b.key).startswith("confirm-")).click().run()


def stored_imports(db: Path) -> list[str]:
    st.cache_resource.clear()  # let go of the store so it can be read here
    with store.connect(db) as con:
        return [r[0] for r in store.fetch_all(con, "SELECT file_name FROM imports ORDER BY 1")]


def test_two_sessions_importing_at_once_both_succeed(db: Path) -> None:
    # Two sessions are two script threads, each with its cursor of the server's one
    # connection (components.context); both confirm at the same moment. (Two AppTests
    # cannot run at once in one process: each swaps Streamlit's runtime in and out.)
    from dashboard.components import context
    from dashboard.importer.pipeline import commit, prepare
    from dashboard.importer.pseudonym import Pseudonymiser, load_or_create_key

    pseudonymiser = Pseudonymiser(load_or_create_key(context.settings().key_file))
    prepared = [
        prepare(sample(name), pseudonymiser=pseudonymiser) for name in (INCIDENTS, INQUIRIES)
    ]
    connection = store.open_for_writing(db)
    # Demo data first, as on a fresh server: both imports rebuild the summary over it.
    data = generate_demo(7, scale=0.05)
    write_demo(connection, "incidents", data.incidents, seed=7)
    write_demo(connection, "inquiries", data.inquiries, seed=7)
    start = threading.Barrier(len(prepared))
    failures: list[BaseException] = []

    def session(one: object) -> None:
        cur = connection.cursor()
        start.wait()
        try:
            with writes.one_writer("da"):
                commit(cur, one)  # type: ignore[arg-type]
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=session, args=(one,)) for one in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    connection.close()
    assert not failures, failures
    assert [n for n in stored_imports(db) if not n.startswith("demo")] == sorted(
        [INCIDENTS, INQUIRIES]
    )


def test_an_import_waits_for_another_and_then_proceeds(db: Path) -> None:
    at = upload_session(sample(INCIDENTS))
    lock = writes._lock()
    lock.acquire()
    # The other writer finishes half a second after the click (a timer, not a sleep).
    threading.Timer(0.5, lock.release).start()
    confirm(at)
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value == t("import.success", "da")
    assert stored_imports(db) == [INCIDENTS]


def test_an_import_still_blocked_after_the_wait_is_refused_in_one_sentence(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_WRITE_WAIT_SECONDS", "1")
    at = upload_session(sample(INCIDENTS))
    lock = writes._lock()
    lock.acquire()
    try:
        confirm(at)
    finally:
        lock.release()
    assert not at.exception, [e.value for e in at.exception]
    assert [w.value for w in at.warning] == [t("store_writes.refused", "da")]
    assert stored_imports(db) == []


HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.read()
"""


def test_a_page_opened_while_another_process_holds_the_store_says_so(db: Path) -> None:
    store.connect(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        busy = as_text(error_message("store_busy_app", db=str(db)).render("da"))
        assert busy in [e.value for e in at.error]
    finally:
        holder.communicate("")  # closing stdin ends it
    at.run()  # the other program is gone: the page opens
    assert not at.exception
    assert not at.error
    assert at.title
