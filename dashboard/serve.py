"""``python -m dashboard.serve [streamlit options]``: the dashboard's server in the checkout
(``make run``, the browser tests): ``streamlit run app.py`` with any of Streamlit's options.
The installed package's ``dashboard serve`` (dashboard.server) holds the store the same way.

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

from dashboard.errors import DashboardError
from dashboard.server import hold_store, script_path

EXIT_REFUSED = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Hold the store, then run Streamlit on app.py with ``argv`` as its options."""
    try:
        hold_store()
    except DashboardError as error:
        print(error.sentence, file=sys.stderr)
        return EXIT_REFUSED
    from streamlit.web import cli as streamlit_cli

    # the package's copy of app.py (in the checkout a link to it), beside its .streamlit/
    app = str(script_path())
    sys.argv = ["streamlit", "run", app, *(sys.argv[1:] if argv is None else argv)]
    try:
        streamlit_cli.main()  # a click command: it ends with SystemExit
    except SystemExit as stop:
        return int(stop.code or 0) if not isinstance(stop.code, str) else EXIT_REFUSED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
