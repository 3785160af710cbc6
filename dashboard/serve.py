"""The dashboard's server, warm: what ``python -m dashboard serve`` (and ``make run``) runs.

``python -m dashboard serve --port --address --db`` checks its options and calls
:func:`main` with them as Streamlit's; ``python -m dashboard.serve [streamlit run options]``
is the same server with ``streamlit run``'s own options (the tests and benchmarks start it
so, to pass options the command does not have).

``streamlit run app.py`` imports nothing of the app until the first session runs a page, so
the first person after a start waits for Polars, DuckDB, Altair, scipy and statsmodels to be
imported (about 4 s on this machine, ``python -X importtime``), and sessions that arrive
together import them in several script threads at once, which Python's import locks do not
always survive (a module seen "partially initialized" by another thread). Here, before
Streamlit starts serving:

1. the store is opened for writing and held for the server's life (DuckDB lets one
   process write a store; without this a command-line import could take it before the first
   session, and every page would then fail to open it); when another program holds it, the
   server does not start and says why in one sentence;
2. every module the app and its pages import is imported once, in the main thread (read
   from the import statements of ``app.py`` and the page scripts, so a new page or a new
   import is warmed without a list to keep);
3. every page is run once headless in the default view (the view a link without filters
   opens) with Streamlit's ``AppTest``, so that the store's connection, the pages' results
   and their chart specs are already in the process-wide caches (``st.cache_resource``)
   that sessions read: the first page after a start, and the first visit of every other
   page in the default view, then cost what a cached page costs.

Then ``streamlit run app.py`` runs in this process with the options given.
"""

from __future__ import annotations

import ast
import importlib
import sys
import time
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from dashboard.errors import DashboardError
from dashboard.server import hold_store, script_path

EXIT_REFUSED = 2

# The script Streamlit serves (in the checkout a link to the top-level app.py) and the pages.
APP = script_path()
PAGE_DIR = Path(str(resources.files("dashboard") / "pages"))


def _imports(scripts: Iterable[Path]) -> dict[str, bool]:
    """The modules the scripts import at their top level, in first-seen order, each with
    whether it must exist (``from pkg import name``: ``pkg.name`` is tried, and need not be a
    module)."""
    names: dict[str, bool] = {}
    for script in scripts:
        tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names[alias.name] = True
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names[node.module] = True
                for alias in node.names:
                    names.setdefault(f"{node.module}.{alias.name}", False)
    return names


def imported_modules(scripts: Iterable[Path]) -> list[str]:
    """The modules the scripts import at their top level, in first-seen order."""
    return list(_imports(scripts))


def warm(scripts: Iterable[Path] | None = None) -> float:
    """Import what the app's scripts import; the seconds it took."""
    start = time.perf_counter()
    for name, required in _imports(scripts or [APP, *sorted(PAGE_DIR.glob("*.py"))]).items():
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if required or error.name != name:
                raise
            # ``from pkg import name`` where name is a function or class, not a module
    return time.perf_counter() - start


def prime(timeout: float = 300.0) -> str | None:
    """Run every page that needs no further right once headless, in the default view (as the
    local viewer: sign-in is not configured for this run); None, or one sentence saying why
    it could not (the server starts all the same: a session then computes the page itself)."""
    from streamlit.testing.v1 import AppTest

    from dashboard.components.navigation import PAGES, page_path

    try:
        at = AppTest.from_file(str(APP), default_timeout=timeout).run()
        # the pages every viewer may open (those needing a further right show no results)
        for spec in PAGES[1:]:
            if at.exception:
                break
            if spec.needs is None:
                at.switch_page(str(page_path(spec.key))).run()
    except Exception as error:  # e.g. a time-out on a huge store: serve anyway
        return f"The pages could not be prepared ({type(error).__name__}); serving anyway."
    if at.exception:
        return "The pages could not be prepared (one stopped with an error); serving anyway."
    return None


def main(argv: list[str] | None = None) -> int:
    """Hold the store, warm the imports and the pages, then ``streamlit run app.py`` with
    ``argv`` as its options."""
    try:
        hold_store()
    except DashboardError as error:
        print(error.sentence, file=sys.stderr)
        return EXIT_REFUSED
    warm()
    if (problem := prime()) is not None:
        print(problem, file=sys.stderr, flush=True)
    from streamlit.web import cli as streamlit_cli

    args = ["run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    try:
        streamlit_cli.main(args, prog_name="streamlit")  # a click command: ends with SystemExit
    except SystemExit as stop:  # Streamlit ends with 0, or 1 after saying why in a line
        return 0 if stop.code in (0, None) else EXIT_REFUSED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
