"""The one private working directory: every clear-text copy of an upload lives here, briefly.

An upload holds CPR numbers in clear, and so do the reader's copy of it and the parts a
large sheet is cut into. They are written only below one directory, ``DASHBOARD_WORK_DIR``
(default: ``work/`` next to the store), created with mode 0700; each process works in a
folder of its own there, named by its process id and start time. The folders of processes
that have ended (also by SIGKILL) are removed when the next process starts
(:func:`start`), a process that exits normally removes its own, and each operation removes
what it wrote as it ends: a reader's folder when the workbook is read or refused (the parts
of a large sheet when its workbook is dropped), an upload as soon as it has been read.

A process that never calls :func:`start` (a library caller, a test) starts it on first use,
with the root from the settings.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)
_lock = threading.Lock()
_folder: Path | None = None


def _start_time(pid: int) -> str | None:
    """The kernel's start time of process ``pid`` (field 22 of /proc/pid/stat), None if
    there is no such process: with the pid it names one process, even once pids wrap."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def _own_name() -> str:
    return f"{os.getpid()}-{_start_time(os.getpid()) or '0'}"


def _alive(name: str) -> bool:
    pid, _, started = name.partition("-")
    return pid.isdigit() and _start_time(int(pid)) == started


def _private_dir(path: Path) -> None:
    """``path`` as a directory that only its owner may enter (created, or its mode fixed)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def start(root: Path) -> Path:
    """Make ``root`` the working directory of this process: created private, emptied of
    everything but the folders of other running processes, and this process's folder made.

    Returns this process's folder.
    """
    global _folder
    with _lock:
        try:
            _private_dir(root)
        except OSError as error:
            from dashboard.config import ConfigError
            from dashboard.errors import error_message

            # The system's reason is English: logged for the administrator, not shown.
            log.warning("working directory %s: %s", root, error.strerror)
            raise ConfigError(error_message("work_dir_unusable", dir=str(root))) from error
        own = _own_name()
        for item in root.iterdir():
            if item.is_dir() and not item.is_symlink() and _alive(item.name):
                continue  # this process's own (started before), or another one's at work
            _remove(item)
        _remove_legacy_copies()
        folder = root / own
        _private_dir(folder)
        if _folder != folder:
            atexit.register(_remove, folder)  # a normal exit leaves nothing behind
        _folder = folder
        return folder


LEGACY_QUIET_SECONDS = 3600


def _remove_legacy_copies() -> None:
    """Remove the clear-text copies earlier releases left in the system's temporary folder
    (``dashboard-uploads/``, ``xlsx-import-*``), where they stayed for good after a kill;
    only this user's own, and only those untouched for longer than any import of those
    releases could run (their reader's limit was 300 s): a folder changed since may still be
    read by a process of an earlier release running beside this one."""
    tmp = Path(tempfile.gettempdir())
    before = time.time() - LEGACY_QUIET_SECONDS
    for item in [tmp / "dashboard-uploads", *tmp.glob("xlsx-import-*")]:
        with contextlib.suppress(OSError):
            info = item.lstat()
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and info.st_mtime < before:
                shutil.rmtree(item, ignore_errors=True)


def folder() -> Path:
    """This process's folder in the working directory (started from the settings if need be)."""
    if _folder is None or not _folder.is_dir():
        from dashboard.config import load_settings

        return start(load_settings().work_dir)
    return _folder


def _remove(item: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()


def new_dir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A fresh folder (mode 0700) for one operation; it goes with ``cleanup()``."""
    return tempfile.TemporaryDirectory(prefix=prefix, dir=folder())


@contextlib.contextmanager
def upload_file(data: bytes, suffix: str = ".xlsx") -> Iterator[Path]:
    """``data`` in a private file (mode 0600) for as long as the block runs, then removed."""
    fd, name = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=folder())
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        yield path
    finally:
        path.unlink(missing_ok=True)
