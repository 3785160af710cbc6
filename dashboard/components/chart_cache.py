"""Charts drawn from Vega-Lite specs built once per distinct input and shared by every session.

``st.altair_chart(charts.x(frame, ...))`` builds the Altair object, validates it against the
Vega-Lite schema and converts it to a spec on every rerun of every session: under load that
was about a third of the script's time (``bench/load.py``; Altair's deep copies in
``LayerChart`` and its JSON-schema validation), and the conversion runs under a lock that
Streamlit holds for all sessions at once (Altair's theme and data transformer are process
globals). ``draw(charts.x, frame, ...)`` gives the same chart from a spec kept in
``st.cache_resource``: the chart function runs and the spec is converted only the first time
a chart function is called with those arguments (a frame is hashed by Streamlit's cache
hasher, by content), and afterwards every session reuses the spec, whose data is already
Arrow bytes.

The spec is converted by Streamlit's own ``_convert_altair_to_vega_lite_spec`` (what
``st.altair_chart`` calls) so that the chart is exactly the one ``st.altair_chart`` would
draw; ``tests/components/test_chart_cache.py`` checks that equality, and would fail if that
private function went away. Streamlit copies a spec before it changes it, so the shared
dict is never modified.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec


@st.cache_resource(show_spinner=False, max_entries=1024)
def _spec(module: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    build = getattr(importlib.import_module(module), name)
    return dict(_convert_altair_to_vega_lite_spec(build(*args, **kwargs)))


def spec(build: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Vega-Lite spec of ``build(*args, **kwargs)`` (an Altair chart), cached.

    ``build`` must be a module-level function (it is cached by its module and name, so no
    lambda or closure whose captured values would be left out of the key).
    """
    if "<" in build.__qualname__:
        raise TypeError(f"{build.__qualname__} is not a module-level chart function.")
    return _spec(build.__module__, build.__qualname__, args, kwargs)


def draw(
    build: Callable[..., Any],
    *args: Any,
    where: Any = None,
    **kwargs: Any,
) -> None:
    """Draw ``build(*args, **kwargs)`` full width in ``where`` (a container or column; the
    main area by default)."""
    (where or st).vega_lite_chart(spec=spec(build, *args, **kwargs), width="stretch")
