"""chart_cache: the chart st.altair_chart would draw, built once per distinct input."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import charts
from dashboard.components import chart_cache

TIMEOUT = 60
CALLS: list[int] = []


def counting_chart(frame: pl.DataFrame, *, title: str) -> alt.Chart:
    """A chart function that counts how often it is built."""
    CALLS.append(frame.height)
    return charts.bar_chart(frame, category="unit", value="share", lang="da", title=title)


def _both_ways() -> None:
    import polars as pl
    import streamlit as st

    from dashboard import charts
    from dashboard.components import chart_cache

    frame = pl.DataFrame({"unit": ["Nord", "Syd", "Vest"], "share": [0.25, 0.5, 0.125]})
    args: dict[str, Any] = {"category": "unit", "value": "share", "percent": True, "lang": "da"}
    st.altair_chart(charts.bar_chart(frame, title="Andel", **args), width="stretch")
    chart_cache.draw(charts.bar_chart, frame, title="Andel", **args)


def _counted() -> None:
    import polars as pl
    import streamlit as st

    from dashboard.components import chart_cache
    from tests.components.test_chart_cache import counting_chart

    rows = st.session_state.get("rows", 2)
    frame = pl.DataFrame({"unit": ["Nord", "Syd", "Vest"][:rows], "share": [0.25, 0.5, 0.1][:rows]})
    chart_cache.draw(counting_chart, frame, title="Andel")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    st.cache_resource.clear()
    CALLS.clear()
    yield
    st.cache_resource.clear()


def _charts(at: AppTest) -> list[Any]:
    return [element.proto for element in at.get("vega_lite_chart")]


def test_draws_exactly_what_altair_chart_draws() -> None:
    at = AppTest.from_function(_both_ways, default_timeout=TIMEOUT).run()
    assert not at.exception
    direct, cached = _charts(at)
    assert cached.spec == direct.spec
    assert [(d.name, d.data.data) for d in cached.datasets] == [
        (d.name, d.data.data) for d in direct.datasets
    ]
    assert cached.datasets  # the data travels as Arrow, as with st.altair_chart
    assert cached.use_container_width == direct.use_container_width


def test_built_once_per_distinct_input_across_sessions() -> None:
    first = AppTest.from_function(_counted, default_timeout=TIMEOUT).run()
    first.run()  # a rerun of the same session
    AppTest.from_function(_counted, default_timeout=TIMEOUT).run()  # another session
    assert not first.exception
    assert CALLS == [2]  # one build for three runs with equal frames
    other = AppTest.from_function(_counted, default_timeout=TIMEOUT)
    other.session_state["rows"] = 3
    other.run()
    assert CALLS == [2, 3]  # a frame with other content is another chart
    assert len(_charts(other)) == 1


def test_refuses_a_lambda() -> None:
    frame = pl.DataFrame({"unit": ["Nord"], "share": [0.5]})
    with pytest.raises(TypeError, match="module-level"):
        chart_cache.spec(lambda f: charts.bar_chart(f, category="unit", value="share"), frame)
