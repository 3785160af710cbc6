"""``python -m dashboard.serve [streamlit options]``: the dashboard's server.

DuckDB lets one process write a store. ``streamlit run app.py`` opens the store only when
the first browser session runs a page, so until then a command-line import would take the
store and every page would then fail to open it. This launcher opens the store for writing
*before* it starts Streamlit in the same process, and keeps that connection for the
server's life: the server holds the store from its first second, the command line says so
in its one sentence (``store.StoreBusyError``), and the pages' own connection
(``components.context``) joins the same database instance in this process. When another
program holds the store already, the server does not start and says why in one sentence.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

from dashboard import store
from dashboard.config import ConfigError, load_settings

APP = Path(__file__).resolve().parent.parent / "app.py"
EXIT_REFUSED = 2

# The connection that holds the store for the server's life (never used for queries).
_held: list[duckdb.DuckDBPyConnection] = []


def hold_store() -> str | None:
    """Open the configured store for writing and keep it open; the refusal sentence, or None."""
    try:
        settings = load_settings()
        _held.append(store.open_for_writing(settings.db_path))
    except store.StoreBusyError:
        return (
            f"The store {settings.db_path} is in use by another program (an import or undo on "
            "the command line, or another dashboard): start the dashboard when it has finished."
        )
    except (ConfigError, store.StoreUnusableError) as error:
        return str(error)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Hold the store, then run Streamlit on app.py with ``argv`` as its options."""
    refusal = hold_store()
    if refusal:
        print(refusal, file=sys.stderr)
        return EXIT_REFUSED
    from streamlit.web import cli as streamlit_cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    try:
        streamlit_cli.main()  # a click command: it ends with SystemExit
    except SystemExit as stop:
        return int(stop.code or 0) if not isinstance(stop.code, str) else EXIT_REFUSED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
