"""``python -m dashboard serve``: the app's server, from wherever the package is installed
(``make run`` starts it too). Its options are checked here; :mod:`dashboard.serve` serves.

It is ``streamlit run`` on the package's own copy of the app's script,
``dashboard/streamlit_app/app.py``, headless and without a file watcher (installed code does
not change under a running server). Streamlit reads the ``.streamlit/config.toml`` beside
the script it runs, so the settings come along. In the checkout both are links to the one
``app.py`` and ``.streamlit/config.toml`` at the top (what ``streamlit run app.py`` and the
tests use); building the wheel copies their content in. The store and the key file are the
usual settings (``DASHBOARD_DB``, ``--db``); relative paths are taken from the working
directory.
"""

from __future__ import annotations

import os
import socket
from importlib import resources
from pathlib import Path

from dashboard.errors import DashboardError, error_message


class AddressUnusableError(DashboardError):
    """The server cannot listen on the address and port asked for."""


def script_path() -> Path:
    """The script Streamlit serves, in the installed package (next to its .streamlit/)."""
    return Path(str(resources.files("dashboard") / "streamlit_app" / "app.py"))


def streamlit_arguments(port: int, address: str) -> list[str]:
    """The ``streamlit`` command line that serves the app."""
    return [
        "run",
        str(script_path()),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
    ]


def check_address(address: str, port: int) -> None:
    """Raise :class:`AddressUnusableError` unless a server could listen on ``address:port``
    now (Streamlit would otherwise end with a traceback for an unknown or foreign address)."""
    try:
        family, kind, proto, _, where = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)[
            0
        ]
        with socket.socket(family, kind, proto) as probe:
            probe.bind(where)
    except OSError as error:  # socket.gaierror too
        raise AddressUnusableError(
            error_message("cannot_listen", address=address, port=str(port))
        ) from error


# The connection that holds the store for the server's life (never used for queries).
_held: list[object] = []


def hold_store() -> None:
    """Open the configured store for writing and keep it open in this process.

    DuckDB lets one process write a store, and Streamlit opens it only when the first page
    runs: until then a command-line import would take it, and every page would then fail.
    Held from the start, the server and the command line agree (the CLI says the store is in
    use), and the pages' own connection joins the same database instance in this process.
    Raises StoreBusyError / StoreUnusableError (one sentence) when it cannot.
    """
    from dashboard import store
    from dashboard.config import load_settings

    _held.append(store.open_for_writing(load_settings().db_path))


def serve(port: int, address: str, db: str | None) -> int:
    """``python -m dashboard serve``: run the server until it is stopped (Ctrl+C or SIGTERM);
    returns its exit status. The options become Streamlit's (:func:`streamlit_arguments`)
    after the address is checked; the rest (holding the store, warming the imports and the
    pages, ``streamlit run``) is :func:`dashboard.serve.main`, the one implementation."""
    check_address(address, port)
    if db:
        os.environ["DASHBOARD_DB"] = db  # the app's pages read the settings from the environment
    from dashboard.serve import main

    return main(streamlit_arguments(port, address)[2:])
