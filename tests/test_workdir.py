"""The private working directory (dashboard/workdir.py): issue 15, item 4.

Clear-text copies of uploads lived in /tmp/xlsx-import-* and <tmp>/dashboard-uploads/, and
stayed there after a kill -9 (and for a day after every upload, refused ones too)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from dashboard import store, workdir
from dashboard.components import upload_flow
from dashboard.importer.errors import NotAWorkbookError
from dashboard.importer.workbook import read_workbook
from tests.importer.build import INCIDENT_HEADER, incident_row, make_xlsx


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def root(tmp_path: Path):
    """A working directory of this test's own; the session's is restored afterwards."""
    before = workdir.folder()
    yield tmp_path / "work"
    workdir.start(before.parent)


def test_start_makes_it_private_and_empties_what_ended_processes_left(root: Path) -> None:
    root.mkdir(mode=0o755)
    (root / "upload-x.xlsx").write_bytes(b"left by an old release")
    (root / "999999999-1").mkdir()  # a process that does not exist
    (root / "999999999-1" / "upload.xlsx").write_bytes(b"clear text")
    parent = os.getppid()  # a running process: its folder is its own business
    alive = root / f"{parent}-{workdir._start_time(parent)}"
    alive.mkdir()
    folder = workdir.start(root)
    assert mode(root) == 0o700 and mode(folder) == 0o700
    assert sorted(p.name for p in root.iterdir()) == sorted([folder.name, alive.name])
    assert folder.name.startswith(f"{os.getpid()}-")


def test_a_read_leaves_nothing_and_an_upload_lives_only_while_it_is_read(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = workdir.start(root)
    good = make_xlsx(tmp_path / "good.xlsx", {"Ark1": [INCIDENT_HEADER, incident_row(1)]})
    seen: list[list[str]] = []
    real = upload_flow.read_workbook

    def watching(path: Path, **kw: Any) -> Any:
        seen.append(sorted(p.name for p in folder.iterdir()))
        assert path.parent == folder and mode(path) == 0o600
        return real(path, **kw)

    monkeypatch.setattr(upload_flow, "read_workbook", watching)
    cache: dict[str, Any] = {}
    upload_flow.read_once(cache, good.read_bytes(), "good.xlsx", "g")
    with pytest.raises(NotAWorkbookError):
        upload_flow.read_once(cache, b"not a zip", "broken.xlsx", "b")
    assert len(seen) == 2 and all(len(names) == 1 for names in seen)  # the upload, while read
    assert list(folder.iterdir()) == []  # after a preview and after a refusal: empty
    read_workbook(good)
    assert list(folder.iterdir()) == []


CHILD = """
import sys
from pathlib import Path
from dashboard import workdir
folder = workdir.start(Path(sys.argv[1]))
with workdir.upload_file(b"0101901234 in clear") as upload:
    reading = workdir.new_dir("read-")
    (Path(reading.name) / "upload.xlsx").write_bytes(upload.read_bytes())
    print(folder, flush=True)
    sys.stdin.read()  # killed here
"""


def test_what_a_killed_process_left_goes_when_the_next_one_starts(root: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        folder = Path(child.stdout.readline().strip())  # type: ignore[union-attr]
        assert len(list(folder.rglob("*"))) == 3  # the upload, the reader's folder and copy
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        child.kill()
    assert folder.exists()  # a kill -9 runs no clean-up
    workdir.start(root)
    assert not folder.exists()
    assert [p.name for p in root.iterdir()] == [workdir.folder().name]


def test_the_store_and_its_wal_are_created_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a permissive umask, as a shell gives
    try:
        con = store.connect(tmp_path / "data" / "store.duckdb")
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        wal = tmp_path / "data" / "store.duckdb.wal"
        assert wal.exists()
        assert mode(tmp_path / "data" / "store.duckdb") == 0o600 and mode(wal) == 0o600
        con.close()
    finally:
        os.umask(old)


def test_a_store_made_before_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    store.connect(path).close()
    path.chmod(0o644)
    store.connect(path).close()
    assert mode(path) == 0o600


def test_the_copies_earlier_releases_left_in_the_temporary_folder_go(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_tmp = tmp_path / "tmp"
    for name in ("dashboard-uploads", "xlsx-import-abc123", "someone-elses"):
        (system_tmp / name).mkdir(parents=True)
        (system_tmp / name / "upload.xlsx").write_bytes(b"0101901234")
        old = time.time() - workdir.LEGACY_QUIET_SECONDS - 60
        os.utime(system_tmp / name, (old, old))
    # a folder an earlier release's process is still working in (changed within the hour)
    (system_tmp / "xlsx-import-busy").mkdir()
    monkeypatch.setattr(workdir.tempfile, "tempdir", str(system_tmp))
    workdir.start(root)
    assert sorted(p.name for p in system_tmp.iterdir()) == ["someone-elses", "xlsx-import-busy"]
