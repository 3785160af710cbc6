"""``python -m dashboard.serve [streamlit run options]``: the dashboard's server, warm.

``streamlit run app.py`` imports nothing of the app until the first session runs a page, so
the first person after a start waits for Polars, DuckDB, Altair, scipy and statsmodels to be
imported (about 4 s on this machine, ``python -X importtime``), and sessions that arrive
together import them in several script threads at once, which Python's import locks do not
always survive (a module seen "partially initialized" by another thread). Here, before
Streamlit starts serving:

1. every module the app and its pages import is imported once, in the main thread (read
   from the import statements of ``app.py`` and the page scripts, so a new page or a new
   import is warmed without a list to keep);
2. the first page (the Overview with the default view) is run once headless with
   Streamlit's ``AppTest``, so that the store's connection, the page's results and its
   chart specs are already in the process-wide caches (``st.cache_resource``) the first
   session reads: the first page after a start then costs what a cached page costs.

Then ``streamlit run app.py`` runs in this process with the options given.
"""

from __future__ import annotations

import ast
import importlib
import sys
import time
from collections.abc import Iterable
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE_DIR = Path(__file__).resolve().parent / "pages"


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
    """Run the first page once headless; None, or one sentence saying why it could not run
    (the server starts all the same: the first session then computes the page itself)."""
    from streamlit.testing.v1 import AppTest

    try:
        at = AppTest.from_file(str(APP), default_timeout=timeout).run()
    except Exception as error:  # e.g. a time-out on a huge store: serve anyway
        return f"The first page could not be prepared ({type(error).__name__}); serving anyway."
    if at.exception:
        return "The first page could not be prepared (it stopped with an error); serving anyway."
    return None


def main(argv: list[str] | None = None) -> None:
    """Warm the imports and the first page, then ``streamlit run app.py`` with ``argv``."""
    warm()
    if (problem := prime()) is not None:
        print(problem, file=sys.stderr, flush=True)
    from streamlit.web import cli

    cli.main(["run", str(APP), *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


if __name__ == "__main__":
    main()
