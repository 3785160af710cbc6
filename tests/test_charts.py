"""Charts: valid Vega-Lite, texts in the chosen language, locale, tooltips, aggregated data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import altair as alt
import polars as pl
import pytest

from dashboard import charts
from dashboard.metrics.funnel import funnel_curve

NBSP = "\u00a0"

UNITS = pl.DataFrame(
    {
        "unit": ["Jobcenter Nord", "Borgerservice", "Ydelse Syd", "Hjemmeplejen", "Tandplejen"],
        "police_report_rate": [0.42, 0.18, 0.25, 0.05, float("nan")],
        "police_report_rate_ci_low": [0.30, 0.10, 0.15, 0.01, float("nan")],
        "police_report_rate_ci_high": [0.55, 0.29, 0.38, 0.16, float("nan")],
        "n": [60, 80, 45, 50, 0],
        "signal": [2, 0, 1, -1, 0],
        "police_report_oe": [2.1, 0.9, 1.3, 0.3, 1.0],
        "police_report_expected": [12.0, 15.0, 8.0, 10.0, 4.0],
        "days_to_police_report_median": [3.0, 5.5, 2.0, 10.0, None],
        "days_to_police_report_p90": [9.0, 14.0, 4.0, 30.0, None],
        "small_counts": [[], ["x"], [], [], []],  # not used by any chart: must not be embedded
    }
)
MONTHS = pl.DataFrame(
    {
        "month": [date(2024, m, 1) for m in range(1, 7)],
        "incidents": [10, 12, 9, 14, 20, 18],
        "police_reports": [2, 3, 1, 4, 6, 5],
        "warnings": [4, 5, 3, 6, 8, 7],
    }
)
KM = pl.DataFrame(
    {
        "days": [0.0, 2.0, 5.0, 9.0, 0.0, 1.0, 3.0, 20.0],
        "unanswered": [1.0, 0.7, 0.4, 0.2, 1.0, 0.8, 0.5, 0.45],
        "unit": ["Jobcenter Nord"] * 4 + ["Borgerservice"] * 4,
    }
)
STACK = pl.DataFrame(
    {
        "unit": ["A", "A", "A", "B", "B"],
        "severity": ["low", "medium", "high", "low", "high"],
        "incidents": [5, 3, 2, 7, 1],
    }
)
EVENTS = pl.DataFrame(
    {
        "event": ["Hændelse", "Advarsel", "Politianmeldelse", "Arbejdsskade anmeldt"],
        "on": [date(2024, 3, 1), date(2024, 3, 4), date(2024, 3, 4), date(2024, 3, 20)],
    }
)


def dot_plot(lang: str) -> alt.LayerChart:
    return charts.rate_dot_plot(
        UNITS,
        rate="police_report_rate",
        ci_low="police_report_rate_ci_low",
        ci_high="police_report_rate_ci_high",
        label="unit",
        baseline=0.22,
        lang=lang,  # type: ignore[arg-type]
        title="T",
    )


def proportion_funnel(lang: str) -> alt.LayerChart:
    return charts.funnel_plot(
        UNITS,
        funnel_curve(0.22, 90, kind="proportion", points=40),
        x="n",
        y="police_report_rate",
        label="unit",
        baseline=0.22,
        kind="proportion",
        lang=lang,  # type: ignore[arg-type]
        title="T",
    )


def ratio_funnel(lang: str) -> alt.LayerChart:
    return charts.funnel_plot(
        UNITS,
        funnel_curve(1.0, 18, kind="ratio", points=40),
        x="police_report_expected",
        y="police_report_oe",
        label="unit",
        kind="ratio",
        lang=lang,  # type: ignore[arg-type]
        title="T",
    )


def trend(lang: str) -> alt.LayerChart:
    return charts.trend_chart(
        MONTHS,
        series=["incidents", "police_reports", "warnings"],
        lang=lang,  # type: ignore[arg-type]
        title="T",
    )


def km(lang: str) -> alt.LayerChart:
    return charts.km_chart(KM, group="unit", lang=lang, title="T")  # type: ignore[arg-type]


def bars(lang: str) -> alt.LayerChart:
    return charts.bar_chart(
        UNITS,
        category="unit",
        value="police_report_rate",
        percent=True,
        lang=lang,  # type: ignore[arg-type]
        title="T",
    )


def stacked(lang: str) -> alt.LayerChart:
    return charts.bar_chart(
        STACK,
        category="unit",
        value="incidents",
        color="severity",
        lang=lang,  # type: ignore[arg-type]
        title="T",
    )


def delays(lang: str) -> alt.LayerChart:
    return charts.delay_chart(
        UNITS,
        label="unit",
        median="days_to_police_report_median",
        p90="days_to_police_report_p90",
        lang=lang,  # type: ignore[arg-type]
        title="T",
    )


def timeline(lang: str) -> alt.LayerChart:
    return charts.timeline_chart(EVENTS, lang=lang, title="T")  # type: ignore[arg-type]


# builder, frame(s) whose rows are embedded, (Danish, English) texts that must appear
CASES: dict[str, tuple[Any, list[pl.DataFrame], dict[str, list[str]]]] = {
    "dot": (
        dot_plot,
        [UNITS, pl.DataFrame({"baseline": [0.22]})],
        {
            "da": ["Andel politianmeldt", "Kommunen samlet", f"95{NBSP}%-konfidensinterval"],
            "en": ["Share reported to police", "Municipality overall", "95% confidence interval"],
        },
    ),
    "funnel_proportion": (
        proportion_funnel,
        # the group with n = 0 has no place in a funnel (log x axis)
        [
            UNITS.filter(pl.col("n") > 0),
            funnel_curve(0.22, 90, kind="proportion", points=40),
            pl.DataFrame({"b": [1]}),
        ],
        {
            "da": ["Antal hændelser", "Andel politianmeldt", f"99,8{NBSP}%-grænse"],
            "en": ["Number of incidents", "Share reported to police", "99.8% limit"],
        },
    ),
    "funnel_ratio": (
        ratio_funnel,
        [UNITS, funnel_curve(1.0, 18, kind="ratio", points=40), pl.DataFrame({"b": [1]})],
        {
            "da": ["Forventet (E)", "Observeret/forventet (O/E)", f"95{NBSP}%-grænse"],
            "en": ["Expected (E)", "Observed/expected (O/E)", "95% limit"],
        },
    ),
    "trend": (
        trend,
        [MONTHS],
        {
            "da": ["Måned", "Antal", "Politianmeldelser", "Advarsler"],
            "en": ["Month", "Count", "Police reports", "Warnings"],
        },
    ),
    "km": (
        km,
        [KM],
        {
            "da": ["Dage siden modtagelse", "Andel endnu ikke besvaret", "Enhed"],
            "en": ["Days since received", "Share not yet answered", "Unit"],
        },
    ),
    "bars": (
        bars,
        [UNITS],
        {"da": ["Andel politianmeldt", "Enhed"], "en": ["Share reported to police", "Unit"]},
    ),
    "stacked": (
        stacked,
        [STACK],
        {"da": ["Hændelser", "Alvorlighed", "Høj"], "en": ["Incidents", "Severity", "High"]},
    ),
    "delays": (
        delays,
        [UNITS],
        {
            "da": ["Dage", "Dage til politianmeldelse (median)"],
            "en": ["Days", "Days to police report (median)"],
        },
    ),
    "timeline": (
        timeline,
        [EVENTS],
        {
            "da": ["Dato", "Trin", "Dage efter hændelsen"],
            "en": ["Date", "Step", "Days after the incident"],
        },
    ),
}


def walk(node: Any) -> Iterator[Any]:
    """Every dict, list and scalar in a spec, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def strings(spec: dict[str, Any]) -> set[str]:
    return {
        s for s in walk({k: v for k, v in spec.items() if k != "datasets"}) if isinstance(s, str)
    }


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(spec) if isinstance(n, dict) and "mark" in n]


def tooltip_titles(spec: dict[str, Any]) -> set[str]:
    titles = set()
    for layer in layers(spec):
        for item in layer.get("encoding", {}).get("tooltip", []):
            titles.add(item["title"])
    return titles


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_chart_spec(case: str, lang: str) -> None:
    build, frames, texts = CASES[case]
    chart = build(lang)
    assert isinstance(chart, alt.TopLevelMixin)
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")

    # title and axis/legend/tooltip titles in the chosen language, not in the other one
    found = strings(spec)
    other = "en" if lang == "da" else "da"
    for text in texts[lang]:
        assert text in found, f"{case}/{lang}: {text!r} missing"
    for text in texts[other]:
        if text not in texts[lang]:
            assert text not in found, f"{case}/{lang}: {text!r} from the other language"
    assert spec["title"]["text"] == "T"
    # the width follows the page, the height is the plot's plus title, axes and legends
    # (fitting all of them into the plot's height squeezed the funnel to a third of it)
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["padding"] == charts.PADDING and charts.PADDING["left"] >= 20  # long names

    # locale: Danish decimal comma, English decimal point; month names of the language
    locale = spec["config"]["locale"]
    assert locale["number"]["decimal"] == ("," if lang == "da" else ".")
    assert locale["time"]["shortMonths"][4] == ("maj" if lang == "da" else "May")
    assert spec["config"]["font"] == charts.FONT

    # tooltips
    assert tooltip_titles(spec), f"{case}: no tooltips"

    # only the aggregated rows are embedded: one dataset per frame, one row per frame row
    sizes = sorted(len(rows) for rows in spec["datasets"].values())
    assert sizes == sorted(f.height for f in frames)
    # valid JSON (no NaN) and no record-level or unused columns (small_counts)
    text = json.dumps(spec, allow_nan=False)
    assert "small_counts" not in text


def test_dot_plot_details() -> None:
    spec = dot_plot("da").to_dict()
    (data,) = [rows for rows in spec["datasets"].values() if len(rows) == UNITS.height]
    # sorted by rate, highest first; the group without a rate last
    sort = {
        tuple(layer["encoding"]["y"]["sort"]) for layer in layers(spec) if "y" in layer["encoding"]
    }
    assert sort == {("Jobcenter Nord", "Ydelse Syd", "Borgerservice", "Hjemmeplejen", "Tandplejen")}
    assert [r["unit"] for r in data][-1] == "Tandplejen"
    assert data[-1]["police_report_rate"] is None  # NaN -> null
    # percent axis, interval pre-formatted in Danish
    assert {"format": ".0%"} in [layer["encoding"]["x"].get("axis") for layer in layers(spec)]
    first = data[0]
    assert first["_interval"] == f"30,0–55,0{NBSP}%"
    assert first["_signal"] == f"Uden for 99,8{NBSP}%-grænserne"
    # grey-scale: filled vs open shapes by signal, not colour
    point = next(layer for layer in layers(spec) if layer["mark"]["type"] == "point")
    assert point["encoding"]["shape"]["scale"]["range"] == ["circle", "triangle-up", "square"]
    assert point["encoding"]["fill"]["scale"]["range"][0] == "transparent"
    assert {"Antal sager (n)", "Andel politianmeldt", "Enhed"} <= tooltip_titles(spec)
    # a baseline rule at the municipal share
    assert any(
        layer["mark"]["type"] == "rule" and layer["encoding"]["x"]["field"] == "_baseline"
        for layer in layers(spec)
    )


def test_dot_plot_without_signal_or_baseline() -> None:
    frame = UNITS.drop("signal", "n")
    chart = charts.rate_dot_plot(
        frame,
        rate="police_report_oe",
        ci_low="police_report_rate_ci_low",
        ci_high="police_report_rate_ci_high",
        label="unit",
        baseline=None,
        lang="en",
        title="O/E",
        percent=False,
    )
    spec = chart.to_dict()
    assert [len(rows) for rows in spec["datasets"].values()] == [frame.height]
    assert "Police reports, O/E" in strings(spec)
    assert not any("shape" in layer["encoding"] for layer in layers(spec))


def test_funnel_details() -> None:
    spec = proportion_funnel("en").to_dict()
    lines = [layer for layer in layers(spec) if layer["mark"]["type"] == "line"]
    assert len(lines) == 4
    dash = lines[0]["encoding"]["strokeDash"]["scale"]
    assert dash["domain"] == ["Municipality overall", "95% limit", "99.8% limit"]
    assert dash["range"][1] != [1, 0] and dash["range"][2] == [1, 0]  # 95 % dashed, 99.8 % solid
    assert {layer["encoding"]["strokeDash"]["field"] for layer in lines} == {
        "_limit95",
        "_limit998",
    }
    assert lines[0]["encoding"]["x"]["scale"]["type"] == "log"
    # labels only for groups outside the 99.8 % limits: after the dot, or before it on the
    # right of the chart (where a name after the dot is cut off at the edge)
    texts = [layer for layer in layers(spec) if layer["mark"]["type"] == "text"]
    assert [(t["mark"]["align"], t["transform"]) for t in texts] == [
        (
            align,
            [
                {"filter": {"field": "signal", "oneOf": [-2, 2]}},
                {"filter": {"field": "_label_side", "equal": side}},
            ],
        )
        for align, side in (("left", "right"), ("right", "left"))
    ]
    # the y range fits the groups: 0 %..(at most) 100 %
    low, high = lines[0]["encoding"]["y"]["scale"]["domain"]
    assert 0 <= low < 0.05 and 0.42 < high <= 1


def test_a_label_near_the_right_edge_goes_before_its_dot() -> None:
    def sides(chart: alt.LayerChart) -> dict[str, str]:
        (rows,) = [r for r in chart.to_dict()["datasets"].values() if "_label_side" in r[0]]
        return {r["unit"]: r["_label_side"] for r in rows}

    # Jobcenter Nord (the group outside the limits): n = 60 on a log axis 30..90 lies at 63 %
    # of its width; expected 12 on 2.7..18 at 79 % (the axis ends: see _funnel_domains).
    assert sides(proportion_funnel("da"))["Jobcenter Nord"] == "right"
    assert sides(ratio_funnel("da"))["Jobcenter Nord"] == "left"
    assert sides(ratio_funnel("da"))["Tandplejen"] == "right"  # expected 4, at 22 %


def test_ratio_funnel_baseline_is_one() -> None:
    spec = ratio_funnel("da").to_dict()
    (baseline,) = [rows for rows in spec["datasets"].values() if len(rows) == 1]
    assert baseline[0]["_baseline"] == 1.0
    with pytest.raises(ValueError, match="baseline"):
        charts.funnel_plot(
            UNITS,
            funnel_curve(0.2, 90, kind="proportion"),
            x="n",
            y="police_report_rate",
            label="unit",
            kind="proportion",
            lang="da",
            title="T",
        )


def test_trend_details() -> None:
    spec = trend("da").to_dict()
    assert spec["transform"][0]["fold"] == ["Hændelser", "Politianmeldelser", "Advarsler"]
    line, point = layers(spec)
    assert {"color", "strokeDash"} <= set(line["encoding"])
    assert {"color", "shape"} <= set(point["encoding"])
    assert line["encoding"]["x"]["axis"]["format"] == "%b %Y"
    assert line["encoding"]["x"]["timeUnit"] == "yearmonth"


def test_km_details() -> None:
    spec = km("en").to_dict()
    line = layers(spec)[0]
    assert line["mark"]["interpolate"] == "step-after"
    assert "strokeDash" in line["encoding"]
    assert line["encoding"]["y"]["axis"]["format"] == ".0%"
    many = pl.concat(
        [KM.with_columns(unit=pl.lit(f"Unit {i}")) for i in range(charts.MAX_DASHED_GROUPS + 1)]
    )
    spec = charts.km_chart(many, group="unit", lang="en", title="T").to_dict()
    assert "strokeDash" not in layers(spec)[0]["encoding"]
    assert [len(rows) for rows in spec["datasets"].values()] == [many.height]


def test_bar_details() -> None:
    spec = bars("da").to_dict()
    bar, text, inside = layers(spec)
    assert text["mark"]["type"] == "text" and inside["mark"]["type"] == "text"
    assert bar["encoding"]["y"]["sort"][:2] == ["Jobcenter Nord", "Ydelse Syd"]
    (data,) = spec["datasets"].values()
    assert data[0]["_text"] == f"42,0{NBSP}%"
    spec = stacked("en").to_dict()
    (bar,) = layers(spec)
    assert bar["encoding"]["color"]["scale"]["domain"] == ["Low", "Medium", "High"]
    assert bar["encoding"]["y"]["sort"] == ["A", "B"]
    counts = charts.bar_chart(UNITS, category="unit", value="n", lang="da", title="T").to_dict()
    assert [r["_text"] for r in next(iter(counts["datasets"].values()))][:2] == ["60", "80"]


def test_delay_details() -> None:
    spec = delays("da").to_dict()
    assert [layer["mark"]["type"] for layer in layers(spec)] == ["bar", "tick"]
    assert layers(spec)[0]["encoding"]["y"]["sort"][0] == "Hjemmeplejen"


def test_timeline_details() -> None:
    spec = timeline("da").to_dict()
    (data,) = spec["datasets"].values()
    assert [r["_date"] for r in data] == ["01-03-2024", "04-03-2024", "04-03-2024", "20-03-2024"]
    assert [r["_days"] for r in data] == [0, 3, 3, 19]
    assert layers(spec)[0]["encoding"]["y"]["sort"][0] == "Hændelse"
    shuffled = EVENTS.reverse()
    spec = charts.timeline_chart(shuffled, lang="en", title="T").to_dict()
    (data,) = spec["datasets"].values()
    assert [r["_date"] for r in data] == ["2024-03-01", "2024-03-04", "2024-03-04", "2024-03-20"]


def test_empty_frames_still_build() -> None:
    for spec in (
        charts.rate_dot_plot(
            UNITS.clear(),
            rate="police_report_rate",
            ci_low="police_report_rate_ci_low",
            ci_high="police_report_rate_ci_high",
            label="unit",
            baseline=None,
            lang="da",
            title="T",
        ),
        charts.funnel_plot(
            UNITS.clear(),
            funnel_curve(0.2, 10, kind="proportion"),
            x="n",
            y="police_report_rate",
            label="unit",
            baseline=0.2,
            kind="proportion",
            lang="da",
            title="T",
        ),
        charts.bar_chart(UNITS.clear(), category="unit", value="n", lang="da", title="T"),
        charts.km_chart(KM.clear(), group="unit", lang="da", title="T"),
        charts.timeline_chart(EVENTS.clear(), lang="da", title="T"),
    ):
        spec.to_dict()


def test_record_level_data_is_refused() -> None:
    big = pl.DataFrame({"unit": [f"u{i}" for i in range(charts.MAX_ROWS + 1)], "n": 1})
    with pytest.raises(ValueError, match="aggregated"):
        charts.bar_chart(big, category="unit", value="n", lang="da", title="T")


def test_missing_column_and_unknown_label() -> None:
    with pytest.raises(KeyError, match="no_such_column"):
        charts.bar_chart(UNITS, category="unit", value="no_such_column", lang="da", title="T")
    with pytest.raises(KeyError, match="no label for column 'mystery'"):
        charts.column_title("mystery", "en")
    frame = UNITS.with_columns(mystery=pl.col("n"))
    spec = charts.bar_chart(
        frame, category="unit", value="mystery", value_title="Mysterier", lang="da", title="T"
    ).to_dict()
    assert "Mysterier" in strings(spec)


def test_stacked_shares_sorted_by_first_segment_and_booleans_translated() -> None:
    shares = pl.DataFrame(
        {
            "unit": ["A", "A", "B", "B", "C", "C"],
            "warning_given": [True, False, True, False, True, None],
            "share": [0.2, 0.8, 0.9, 0.1, 0.5, 0.5],
        }
    )
    spec = charts.bar_chart(
        shares, category="unit", value="share", color="warning_given", percent=True,
        lang="da", title="T",
    ).to_dict()  # fmt: skip
    (bar,) = layers(spec)
    assert bar["encoding"]["color"]["scale"]["domain"] == ["Ja", "Nej", "Ukendt"]
    assert bar["encoding"]["y"]["sort"] == ["B", "C", "A"]  # by the share of "Ja"
    assert bar["encoding"]["x"]["stack"] == "zero"
    empty = charts.bar_chart(
        shares.clear(), category="unit", value="share", color="warning_given", percent=True,
        lang="en", title="T",
    )  # fmt: skip
    empty.to_dict()


# --------------------------------------------------------------------------- issue 17


def test_a_percent_bar_axis_ends_at_100_percent_with_labels_inside_long_bars() -> None:
    """Issue 17: a share of 100 % drew its axis to 110 % to make room for its label."""
    shares = pl.DataFrame({"unit": ["A", "B", "C"], "share": [1.0, 0.9, 0.4]})
    spec = charts.bar_chart(
        shares, category="unit", value="share", percent=True, lang="da", title="T"
    ).to_dict()
    bar, outside, inside = layers(spec)
    assert bar["encoding"]["x"]["scale"]["domain"] == [0, 1]
    # bars over 85 % have their label inside (right-aligned, white), the rest after the bar
    assert inside["mark"]["align"] == "right" and inside["mark"]["color"] == "white"
    assert [t["filter"] for t in inside["transform"]] == ["datum['share'] > 0.85"]
    assert [t["filter"] for t in outside["transform"]] == ["!(datum['share'] > 0.85)"]
    counts = charts.bar_chart(shares, category="unit", value="share", lang="da", title="T")
    assert counts.to_dict()["layer"][0]["encoding"]["x"]["scale"] == {"domainMax": 1.15}


def test_a_dot_plot_of_shares_never_goes_past_100_percent() -> None:
    high = UNITS.with_columns(pl.col("police_report_rate_ci_high") * 1.8)  # up to 0.99
    spec = charts.rate_dot_plot(
        high,
        rate="police_report_rate",
        ci_low="police_report_rate_ci_low",
        ci_high="police_report_rate_ci_high",
        label="unit",
        baseline=0.22,
        lang="da",
        title="T",
    ).to_dict()
    scales = [layer["encoding"]["x"].get("scale") for layer in layers(spec)]
    assert scales == [{"domainMax": 1, "clamp": True}] * 3
    # low shares keep an axis fitted to them
    assert "scale" not in layers(dot_plot("da").to_dict())[1]["encoding"]["x"]


def test_a_dot_plot_shows_denominators_and_greys_out_small_groups() -> None:
    """Issue 17: units with one or two cases showed 0 % and 100 % like any other. The label
    carries the denominator ("<5" below the threshold) and a small group is faded."""
    frame = UNITS.with_columns(pl.Series("n", [60, 2, 45, 1234, 0]))
    spec = charts.rate_dot_plot(
        frame,
        rate="police_report_rate",
        ci_low="police_report_rate_ci_low",
        ci_high="police_report_rate_ci_high",
        label="unit",
        baseline=0.22,
        lang="da",
        title="T",
        small_below=5,
    ).to_dict()
    data = spec["datasets"][spec["data"]["name"]]  # the other dataset is the baseline's
    by_name = {r["unit"]: r["_small"] for r in data}
    assert by_name == {
        f"Jobcenter Nord (n{NBSP}={NBSP}60)": False,
        f"Borgerservice (n{NBSP}<5)": True,
        f"Ydelse Syd (n{NBSP}={NBSP}45)": False,
        f"Hjemmeplejen (n{NBSP}={NBSP}1.234)": False,
        f"Tandplejen (n{NBSP}={NBSP}0)": False,
    }
    for layer in layers(spec)[1:]:  # the interval and the point (the first is the baseline)
        assert layer["encoding"]["opacity"]["condition"]["test"] == "datum._small"
        assert layer["encoding"]["opacity"]["condition"]["value"] < 0.5


def share_bars(frame: pl.DataFrame, **extra: Any) -> dict[str, Any]:
    """The spec of percent bars of ``share`` per unit with denominators in ``n``."""
    return charts.bar_chart(
        frame, category="unit", value="share", percent=True, lang="da", title="T", n="n", **extra
    ).to_dict()


def test_percent_bars_show_denominators_and_grey_out_small_groups() -> None:
    """Issue 17: the share of notifications within the deadline showed 100 % for a unit with
    one notification like any other. With ``n`` and the threshold every bar's label carries
    its denominator ("<5" below the threshold) and a small group's bar is faded."""
    frame = pl.DataFrame({"unit": ["A", "B", "C"], "share": [1.0, 0.5, 0.0], "n": [1, 12, 5]})
    spec = share_bars(frame, small_below=5)
    data = spec["datasets"][spec["data"]["name"]]
    assert {r["unit"]: r["_small"] for r in data} == {
        f"A (n{NBSP}<5)": True,
        f"B (n{NBSP}={NBSP}12)": False,
        f"C (n{NBSP}={NBSP}5)": False,  # 5 is not below a threshold of 5
    }
    bars = layers(spec)[0]
    assert bars["encoding"]["opacity"]["condition"]["test"] == "datum._small"
    assert bars["encoding"]["opacity"]["value"] == 1.0
    # the sort order names the labelled categories, largest share first
    assert bars["encoding"]["y"]["sort"] == [
        f"A (n{NBSP}<5)",
        f"B (n{NBSP}={NBSP}12)",
        f"C (n{NBSP}={NBSP}5)",
    ]
    # without the threshold nothing changes: plain names, no opacity
    plain = share_bars(frame)
    assert {r["unit"] for r in plain["datasets"][plain["data"]["name"]]} == {"A", "B", "C"}
    assert "opacity" not in layers(plain)[0]["encoding"]


def test_stacked_share_bars_label_each_group_once_with_its_denominator() -> None:
    """The prior-warning bars stack three parts of a group's police reports: every part
    carries the group's denominator, so the group stays one bar."""
    frame = pl.DataFrame(
        {
            "unit": ["A"] * 2 + ["B"] * 2,
            "warning_given": ["with", "without"] * 2,
            "share": [0.25, 0.75, 0.5, 0.5],
            "n": [8, 8, 2, 2],
        }
    )
    spec = share_bars(frame, color="warning_given", small_below=5)
    data = spec["datasets"][spec["data"]["name"]]
    assert sorted({(r["unit"], r["_small"]) for r in data}) == [
        (f"A (n{NBSP}={NBSP}8)", False),
        (f"B (n{NBSP}<5)", True),
    ]
    assert layers(spec)[0]["encoding"]["opacity"]["condition"]["test"] == "datum._small"


def test_the_prior_warning_legend_names_what_the_colours_mean() -> None:
    """Issue 17: the legend said "Advarsel givet" while the darkest bar meant no warning. The
    legend takes the chart's own title and the order given, darkest first."""
    parts = ["Med forudgående advarsel", "Uden forudgående advarsel", "Ukendt"]
    frame = pl.DataFrame(
        {
            "unit": ["A"] * 3 + ["B"] * 3,
            "warning_given": parts * 2,
            "share": [0.2, 0.7, 0.1, 0.5, 0.4, 0.1],
        }
    )
    spec = charts.bar_chart(
        frame,
        category="unit",
        value="share",
        color="warning_given",
        percent=True,
        lang="da",
        title="T",
        color_title="Advarsel før politianmeldelsen",
        color_order=parts,
    ).to_dict()
    (bar,) = layers(spec)
    color = bar["encoding"]["color"]
    assert color["legend"]["title"] == "Advarsel før politianmeldelsen"
    assert color["scale"]["domain"] == parts
    assert color["scale"]["range"][0] == charts.SEQUENTIAL[0]  # darkest: warned first


def test_the_timeline_axis_writes_no_dates_of_its_own() -> None:
    """Issue 17: the axis labels ran into each other ("03-11-202404-11-2024"); every
    event's date is written beside its point instead, once."""
    spec = timeline("da").to_dict()
    axes = [layer["encoding"]["x"]["axis"] for layer in layers(spec)]
    assert all(axis["labels"] is False for axis in axes)
    (data,) = spec["datasets"].values()
    texts = [layer for layer in layers(spec) if layer["mark"]["type"] == "text"]
    assert [layer["encoding"]["text"]["field"] for layer in texts] == ["_date"]
    assert len({r["_date"] for r in data}) == 3


def _luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour (the formula of its definition)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_against_published_values() -> None:
    # WCAG 2.1: black on white is 21:1; #767676 on white is the well-known 4.54:1 grey.
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("background", charts.BACKGROUNDS)
def test_colours_drawn_on_the_background_read_in_both_themes(background: str) -> None:
    """Issue 17 (dark mode): every colour a chart draws straight onto the page has at least
    3:1 contrast (WCAG 1.4.11) against the light and the dark theme's background."""
    drawn = {
        "INK": charts.INK,
        "MID_GREY": charts.MID_GREY,
        "LIGHT_GREY": charts.LIGHT_GREY,
        "PALETTE[0]": charts.PALETTE[0],  # single-colour bars, and Streamlit's text marks
        "SEQUENTIAL[0]": charts.SEQUENTIAL[0],  # the outer end of every stacked bar
    }
    weak = {name: round(_contrast(c, background), 2) for name, c in drawn.items()}
    assert {name: ratio for name, ratio in weak.items() if ratio < 3} == {}


def test_no_chart_hard_codes_black_or_white_on_the_page() -> None:
    """Black points vanished on the dark theme, white "open" fills glared on it."""
    for name, (build, _frames, _titles) in CASES.items():
        spec = build("en").to_dict()
        for layer in layers(spec):
            mark = layer["mark"] if isinstance(layer["mark"], dict) else {}
            for prop in ("color", "fill", "stroke"):
                assert mark.get(prop) not in ("#1a1a1a", "black", "#000000"), (name, prop)
            if mark.get("type") == "text" and mark.get("color") != "white":  # white: inside a bar
                assert mark.get("color") == charts.INK, name  # Vega's default is black
            fill = layer.get("encoding", {}).get("fill", {}).get("scale", {}).get("range", [])
            assert "white" not in fill, name


def test_the_app_follows_the_browsers_theme() -> None:
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text())
    assert "base" not in config.get("theme", {})


def test_a_verdict_funnel_shapes_by_verdict_and_marks_the_focus() -> None:
    """A verdict column (text) instead of a funnel signal: the legend lists the four
    verdicts, higher/lower and the focus row are named, the focus row is drawn larger, and
    the limits carry the names they are given."""
    points = UNITS.with_columns(
        verdict=pl.Series(["higher", "as_expected", "as_expected", "lower", "too_few"]),
        focus=pl.Series([False, True, False, False, False]),
    )
    spec = charts.funnel_plot(
        points,
        funnel_curve(1.0, 20, kind="ratio", points=30),
        x="police_report_expected",
        y="police_report_oe",
        label="unit",
        kind="ratio",
        lang="en",
        title="T",
        signal="verdict",
        limit_labels=("95% limit", "Limit of the verdict (99.6 %)"),
    ).to_dict()
    dots = [layer for layer in layers(spec) if layer["mark"]["type"] == "point"]
    (dot,) = dots
    assert dot["encoding"]["shape"]["scale"]["domain"] == [
        "As expected",
        "Higher than expected",
        "Lower than expected",
        "Too few cases to judge",
    ]
    assert dot["encoding"]["size"]["condition"]["test"] == "datum.focus"
    lines = [layer for layer in layers(spec) if layer["mark"]["type"] == "line"]
    domain = lines[0]["encoding"]["strokeDash"]["scale"]["domain"]
    assert domain[1:] == ["95% limit", "Limit of the verdict (99.6 %)"]
    texts = [layer for layer in layers(spec) if layer["mark"]["type"] == "text"]
    assert texts[0]["transform"][0] == {
        "filter": {"or": [{"field": "verdict", "oneOf": ["higher", "lower"]}, "datum.focus"]}
    }
