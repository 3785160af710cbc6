"""Altair charts of the dashboard: pure functions from aggregated Polars frames to charts.

Every public function takes a frame that is already aggregated (one row per group, month,
step of a curve or event: a handful to a few hundred rows), the language and a title, and
returns a top-level chart whose labels, titles, tooltips and number/date formats are in that
language. Nothing here queries data, imports Streamlit or computes statistics (the funnel
limits come from :func:`dashboard.metrics.funnel.funnel_curve`).

Conventions

* Text comes from the i18n catalogues: a column's axis/tooltip title is looked up as
  ``metrics.<column>``, then ``fields.<column>``, ``charts.<column>``, ``common.<column>``.
  Category values of a contract vocabulary (``severity``, ``harassment_type`` …) are shown
  by their labels, booleans as yes/no, missing categories as "Ukendt"/"Unknown".
* Numbers and dates are formatted by Vega with the locale of
  :func:`dashboard.formatting.vega_locale` (configured once on the top-level chart by
  :func:`finish`), or by :mod:`dashboard.formatting` for pre-formatted texts (intervals,
  bar labels, dates) so charts and tables agree.
* Readable in grey-scale: groups, series and limits differ by shape, fill (open/filled) or
  stroke dash, never by colour alone.
* Only the columns a chart uses are embedded in the spec, with NaN turned into null, one
  embedded row per input row (plus one row for a baseline rule). A frame of more than
  :data:`MAX_ROWS` rows is refused: it is record-level data, not an aggregate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import altair as alt
import polars as pl
import polars.selectors as cs

from dashboard import contract
from dashboard.formatting import (
    format_count,
    format_date,
    format_interval,
    format_number,
    format_percent,
)
from dashboard.formatting import vega_locale as _vega_locale
from dashboard.i18n import Lang, t
from dashboard.i18n import label as _vocabulary_label

__all__ = [
    "MAX_ROWS",
    "bar_chart",
    "column_title",
    "delay_chart",
    "finish",
    "funnel_plot",
    "km_chart",
    "rate_dot_plot",
    "timeline_chart",
    "trend_chart",
]

MAX_ROWS = 5000

FONT = "Source Sans Pro, Source Sans 3, Helvetica, Arial, sans-serif"
FONT_SIZE = 12
# Vega sizes the space for axis labels by measuring them before the page's font is in use,
# and long group names then ran off the left edge by about 6 % ("PPR Pædagogisk Psykologisk
# Rådgivning" lost its "PP"): the left padding takes up that difference.
PADDING = {"left": 24, "top": 5, "right": 5, "bottom": 5}
TITLE_SIZE = 15
WIDTH: Literal["container"] = "container"
HEIGHT = 320
ROW_STEP = 26  # pixels per group row in the horizontal charts
INSIDE_FROM = 0.85  # a percent bar's label is written inside the bar from this share on

# The app follows the browser's light or dark theme, and a chart cannot tell which one it
# is drawn on (st.context.theme is unknown on a session's first run), so every colour drawn
# straight onto the background has a contrast of at least 3:1 (WCAG 1.4.11, graphical
# objects) against both white and Streamlit's dark background (tests/test_charts.py).
BACKGROUNDS = ("#ffffff", "#0e1117")
INK = "#4e79a7"  # the emphasis colour: points, the 99.8 % limits (4.6:1 light, 4.2:1 dark)
MID_GREY = "#6f6f6f"
LIGHT_GREY = "#8f8f8f"  # intervals, median bars: lighter than INK in both themes
GRID = "rgba(128, 128, 128, 0.3)"  # a faint grid on either background
# Tableau 10: distinct hues that also differ in lightness; always paired with dash/shape.
PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
]  # fmt: skip
# Sequential blues from dark to light: stacked segments stay apart in grey-scale. The two
# darkest blues of the ColorBrewer scale are left out: on the dark theme they vanished.
SEQUENTIAL = [
    "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7",
]  # fmt: skip
DASHES: list[list[float]] = [
    [1, 0], [7, 3], [2, 2], [10, 3, 2, 3], [4, 4], [12, 3], [1, 4], [7, 3, 1, 3, 1, 3],
]  # fmt: skip
SHAPES = [
    "circle", "square", "triangle-up", "diamond", "cross", "triangle-down",
    "triangle-right", "triangle-left",
]  # fmt: skip
MAX_DASHED_GROUPS = len(DASHES)

ChartT = TypeVar("ChartT", alt.Chart, alt.LayerChart, alt.VConcatChart)


# --------------------------------------------------------------------------- helpers


def finish(chart: ChartT, lang: Lang) -> ChartT:
    """Apply the size rule, locale, fonts and axis/legend/title settings to a top-level chart.

    The chart fits the page's width only: its height is that of the plot plus title, axes
    and legends. (Fitting both made Vega squeeze everything into the plot's height: the O/E
    funnel's plot came out 110 pixels tall and its title was cut off.)

    Every public chart function calls this once on the chart it returns; ``configure`` is
    only allowed on a top-level chart, so do not layer or concatenate the result again.
    """
    return (
        chart.properties(
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
            padding=PADDING,
        )
        .configure(locale=_vega_locale(lang), font=FONT)
        .configure_axis(
            labelFontSize=FONT_SIZE,
            titleFontSize=FONT_SIZE,
            titleFontWeight="normal",
            labelLimit=260,
            gridColor=GRID,
            domainColor=MID_GREY,
            tickColor=MID_GREY,
        )
        .configure_legend(
            labelFontSize=FONT_SIZE,
            titleFontSize=FONT_SIZE,
            titleFontWeight="normal",
            labelLimit=420,
            orient="bottom",
            direction="vertical",
            symbolStrokeWidth=1.5,
        )
        .configure_title(fontSize=TITLE_SIZE, anchor="start", fontWeight="bold")
        .configure_view(strokeWidth=0)
    )


def column_title(column: str, lang: Lang) -> str:
    """The display title of a frame column: the first of ``metrics.<c>``, ``fields.<c>``,
    ``charts.<c>`` and ``common.<c>`` (e.g. ``share`` -> "Andel") in the catalogue."""
    for section in ("metrics", "fields", "charts", "common"):
        try:
            return t(f"{section}.{column}", lang)
        except KeyError:
            continue
    raise KeyError(
        f"no label for column {column!r}: add metrics.{column}, fields.{column} or "
        f"charts.{column} to both catalogues, or pass a title explicitly"
    )


def _check(frame: pl.DataFrame, chart: str, columns: Sequence[str]) -> None:
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"{chart}: expected a polars DataFrame, got {type(frame).__name__}")
    if frame.height > MAX_ROWS:
        raise ValueError(
            f"{chart}: {frame.height} rows is more than {MAX_ROWS}; charts take aggregated "
            "frames (one row per group, month or curve step), never record-level data"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{chart}: the frame has no column(s) {missing}; it has {frame.columns}")


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    """NaN -> null (NaN is not valid JSON and Vega would plot it at 0)."""
    return frame.with_columns(cs.float().fill_nan(None))


def _display_values(frame: pl.DataFrame, column: str, lang: Lang) -> pl.DataFrame:
    """Category column as display text: vocabulary labels, yes/no for booleans, "Ukendt"
    for missing values."""
    if frame.schema[column] == pl.Boolean:
        words = (
            pl.when(pl.col(column))
            .then(pl.lit(t("common.yes", lang)))
            .when(pl.col(column).not_())
            .then(pl.lit(t("common.no", lang)))
        )
        return frame.with_columns(words.fill_null(t("common.unknown", lang)).alias(column))
    expr = pl.col(column).cast(pl.String)
    if column in contract.VOCABULARIES:
        mapping = {
            cat.value: _vocabulary_label(column, cat.value, lang)
            for cat in contract.VOCABULARIES[column]
        }
        expr = expr.replace(mapping)
    return frame.with_columns(expr.fill_null(t("common.unknown", lang)).alias(column))


def _vocabulary_order(column: str, lang: Lang) -> list[str]:
    if column not in contract.VOCABULARIES:
        return []
    return [_vocabulary_label(column, c.value, lang) for c in contract.VOCABULARIES[column]]


def _unique(values: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _field(name: str) -> str:
    """A column name as a Vega-Lite field reference ("." and brackets are path syntax)."""
    for ch in ("\\", ".", "[", "]"):
        name = name.replace(ch, "\\" + ch)
    return name


def _is_integer(frame: pl.DataFrame, column: str) -> bool:
    return frame.schema[column].is_integer()


def _title(title: str) -> alt.Title:
    return alt.Title(text=title, anchor="start")


def _signal_labels(lang: Lang) -> list[str]:
    return [
        t("charts.signal_within", lang),
        t("charts.signal_outside_95", lang),
        t("charts.signal_outside_998", lang),
    ]


# A verdict column (``<outcome>_verdict``, text) instead of a numeric funnel signal: the
# verdicts in legend order, with the shape and fill of each.
VERDICT_MARKS = {
    "as_expected": ("circle", "transparent"),
    "higher": ("triangle-up", INK),
    "lower": ("triangle-down", INK),
    "too_few": ("circle", LIGHT_GREY),
}
NAMED_VERDICTS = ["higher", "lower"]


def _is_verdict(frame: pl.DataFrame, signal: str) -> bool:
    return frame.schema[signal] == pl.String


def _with_signal(frame: pl.DataFrame, signal: str, lang: Lang) -> pl.DataFrame:
    """Adds ``_signal``: the label of |signal| (0 within, 1 outside 95 %, 2 outside 99.8 %),
    or of the verdict when ``signal`` is a verdict column."""
    if _is_verdict(frame, signal):
        words = {v: t(f"verdict.{v}", lang) for v in VERDICT_MARKS}
        return frame.with_columns(pl.col(signal).replace_strict(words).alias("_signal"))
    within, out95, out998 = _signal_labels(lang)
    level = pl.col(signal).abs()
    return frame.with_columns(
        pl.when(level >= 2)
        .then(pl.lit(out998))
        .when(level == 1)
        .then(pl.lit(out95))
        .otherwise(pl.lit(within))
        .alias("_signal")
    )


def _signal_encodings(lang: Lang, verdict: bool = False) -> dict[str, Any]:
    """Open circle within the limits, filled grey triangle outside 95 %, filled INK square
    outside 99.8 %: shape and fill carry the message, colour is not needed. For a verdict:
    open circle as expected, black triangle up (down) higher (lower), grey dot too few."""
    if verdict:
        domain = [t(f"verdict.{v}", lang) for v in VERDICT_MARKS]
        shapes = [shape for shape, _ in VERDICT_MARKS.values()]
        fills = [fill for _, fill in VERDICT_MARKS.values()]
        legend = alt.Legend(title=t("verdict.legend", lang))
    else:
        domain = _signal_labels(lang)
        shapes, fills = ["circle", "triangle-up", "square"], ["transparent", MID_GREY, INK]
        legend = alt.Legend(title=t("charts.signal", lang))
    return {
        "shape": alt.Shape(
            "_signal:N", scale=alt.Scale(domain=domain, range=shapes), legend=legend
        ),
        "fill": alt.Fill("_signal:N", scale=alt.Scale(domain=domain, range=fills), legend=legend),
    }


def _named(signal: str, verdict: bool) -> alt.FieldOneOfPredicate:
    """The points whose name is written next to them: outside 99.8 %, or higher/lower."""
    return alt.FieldOneOfPredicate(field=signal, oneOf=NAMED_VERDICTS if verdict else [-2, 2])


def _focus_encodings(frame: pl.DataFrame) -> dict[str, Any]:
    """A thicker outline and a larger mark for the focus rows (column ``focus``), if any."""
    if "focus" not in frame.columns or not frame["focus"].any():
        return {}
    return {
        "strokeWidth": alt.condition("datum.focus", alt.value(3.5), alt.value(1.3)),
        "size": alt.condition("datum.focus", alt.value(220), alt.value(80)),
    }


def _points(has_signal: bool) -> alt.Chart:
    if has_signal:
        return alt.Chart().mark_point(filled=True, size=80, stroke=INK, strokeWidth=1.3)
    return alt.Chart().mark_point(filled=True, size=70, color=INK)


def _n_tooltip(frame: pl.DataFrame, n: str | None, lang: Lang) -> list[alt.Tooltip]:
    if n is None or n not in frame.columns:
        return []
    return [alt.Tooltip(f"{_field(n)}:Q", title=t("charts.n", lang), format=",.0f")]


def _baseline_frame(value: float, lang: Lang) -> pl.DataFrame:
    return pl.DataFrame(
        {"_baseline": [float(value)], "_overall": [t("stats.funnel_overall", lang)]},
        schema={"_baseline": pl.Float64, "_overall": pl.String},
    )


def _label_room(frame: pl.DataFrame, column: str) -> alt.Scale:
    """A scale that leaves room for the value labels written after the longest bar."""
    top = max(_finite(frame[column].to_list()), default=0.0)
    return alt.Scale(domainMax=top * 1.15) if top > 0 else alt.Scale()


def _finite(values: Sequence[Any]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _with_sizes(
    data: pl.DataFrame, label: str, n: str | None, small_below: int | None, lang: Lang
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """With ``small_below`` (the disclosure threshold) and an ``n`` column: every group's
    label carries its denominator ("Enhed A (n = 12)"), shown as "<5" below the threshold,
    and the encoding that greys out such a group's marks (``_small``): a share of one or two
    cases is 0 % or 100 % by nature and should not catch the eye like a real difference.
    A row without n (suppressed, or a group outside the viewer's scope) keeps its name.
    Without them the data is returned as it is and no encoding."""
    if small_below is None or n is None or n not in data.columns:
        return data, {}
    counts = data[n].to_list()
    flags = [c is not None and 0 < c < small_below for c in counts]
    names = [
        name
        if c is None
        else f"{name} (n\u00a0=\u00a0{format_count(c, lang, small=f, threshold=small_below)})"
        if not f
        else f"{name} (n\u00a0{format_count(c, lang, small=f, threshold=small_below)})"
        for name, c, f in zip(data[label].to_list(), counts, flags, strict=True)
    ]
    data = data.with_columns(
        pl.Series(label, names, dtype=pl.String), pl.Series("_small", flags, dtype=pl.Boolean)
    )
    return data, {"opacity": alt.condition("datum._small", alt.value(0.25), alt.value(1.0))}


# --------------------------------------------------------------------------- 1. dot plot


def rate_dot_plot(
    frame: pl.DataFrame,
    *,
    rate: str,
    ci_low: str,
    ci_high: str,
    label: str,
    baseline: float | None,
    lang: Lang,
    title: str,
    signal: str = "signal",
    n: str | None = "n",
    percent: bool = True,
    axis_title: str | None = None,
    small_below: int | None = None,
) -> alt.LayerChart:
    """One row per group, sorted by ``rate`` (highest first): a point with a horizontal bar
    for its 95 % interval and a dashed rule at the municipal ``baseline``.

    Optional columns: ``signal`` (|2| outside 99.8 %, |1| outside 95 %: filled shapes, open
    circle inside) and ``n`` (shown in the tooltip). ``percent=False`` shows ratios (O/E)
    with two decimals instead of percentages. The x title is ``axis_title`` or the label of
    the ``rate`` column.

    With ``small_below`` (the disclosure threshold) and ``n``, every group's label carries its
    denominator ("Enhed A (n = 12)"), shown as "<5" below the threshold, where the group's
    point and interval are greyed out: a share of one or two cases is 0 % or 100 % by
    nature and should not catch the eye like a real difference.
    """
    _check(frame, "rate_dot_plot", [rate, ci_low, ci_high, label])
    has_signal = signal in frame.columns
    verdict = has_signal and _is_verdict(frame, signal)
    extra = [c for c in (signal if has_signal else None, n, "focus") if c and c in frame.columns]
    data = _clean(frame.select(_unique([label, rate, ci_low, ci_high, *extra])))
    data = _display_values(data, label, lang)
    data, faded = _with_sizes(data, label, n, small_below, lang)
    data = data.with_columns(
        pl.Series(
            "_interval",
            [
                format_interval(lo, hi, lang, percent=percent)
                for lo, hi in zip(data[ci_low], data[ci_high], strict=True)
            ],
            dtype=pl.String,
        )
    ).sort(rate, descending=True, nulls_last=True, maintain_order=True)
    if has_signal:
        data = _with_signal(data, signal, lang)

    x_title = axis_title or column_title(rate, lang)
    value_format = ".1%" if percent else ".2f"
    axis = alt.Axis(format=".0%" if percent else ".1~f")
    # a share's axis ends at 100 % (Vega's "nice" rounding of an interval could go past it)
    top = max(_finite([*data[ci_high].to_list(), *data[rate].to_list(), baseline]), default=0.0)
    x_scale = alt.Scale(domainMax=1, clamp=True) if percent and top > 0.9 else alt.Undefined
    y = alt.Y(f"{_field(label)}:N", sort=_unique(data[label].to_list()), title=None)
    if n is not None and n in data.columns:
        # as text: a row without n shows "–" (Vega would format a missing number as 0)
        data = data.with_columns(
            pl.Series(
                "_n",
                [
                    format_count(
                        c,
                        lang,
                        small=small_below is not None and c is not None and 0 < c < small_below,
                        threshold=small_below or 5,
                    )
                    for c in data[n].to_list()
                ],
                dtype=pl.String,
            )
        )
    tooltip = [
        alt.Tooltip(f"{_field(label)}:N", title=column_title(label, lang)),
        alt.Tooltip(f"{_field(rate)}:Q", title=x_title, format=value_format),
        alt.Tooltip("_interval:N", title=t("charts.ci95", lang)),
        *([alt.Tooltip("_n:N", title=t("charts.n", lang))] if "_n" in data.columns else []),
        *([alt.Tooltip("_signal:N", title=t("charts.signal", lang))] if has_signal else []),
    ]
    bars = (
        alt.Chart()
        .mark_rule(strokeWidth=2.5, color=LIGHT_GREY)
        .encode(
            x=alt.X(f"{_field(ci_low)}:Q", title=x_title, axis=axis, scale=x_scale),
            x2=alt.X2(f"{_field(ci_high)}"),
            y=y,
            tooltip=tooltip,
            **faded,
        )
    )
    points = _points(has_signal).encode(
        x=alt.X(f"{_field(rate)}:Q", title=x_title, axis=axis, scale=x_scale),
        y=y,
        tooltip=tooltip,
        **(_signal_encodings(lang, verdict) if has_signal else {}),
        **_focus_encodings(data),
        **faded,
    )
    layers: list[alt.Chart] = [bars, points]
    if baseline is not None and math.isfinite(baseline):
        overall = t("stats.funnel_overall", lang)
        layers.insert(
            0,
            alt.Chart(_baseline_frame(baseline, lang))
            .mark_rule(color=MID_GREY, strokeWidth=1.5)
            .encode(
                x=alt.X("_baseline:Q", title=x_title, axis=axis, scale=x_scale),
                strokeDash=alt.StrokeDash(
                    "_overall:N",
                    scale=alt.Scale(domain=[overall], range=[[5, 4]]),
                    legend=alt.Legend(title=None),
                ),
                tooltip=[
                    alt.Tooltip("_overall:N", title=t("stats.funnel_overall", lang)),
                    alt.Tooltip("_baseline:Q", title=x_title, format=value_format),
                ],
            ),
        )
    chart = alt.LayerChart(data=data, layer=layers).properties(
        title=_title(title), width=WIDTH, height=alt.Step(ROW_STEP), description=title
    )
    return finish(chart, lang)


# --------------------------------------------------------------------------- 2. funnel


def funnel_plot(
    points: pl.DataFrame,
    curve: pl.DataFrame,
    *,
    x: str,
    y: str,
    label: str,
    baseline: float | None = None,
    kind: Literal["proportion", "ratio"],
    lang: Lang,
    title: str,
    signal: str = "signal",
    limit_labels: tuple[str, str] | None = None,
) -> alt.LayerChart:
    """Funnel plot: one point per group at (``x`` = number of incidents or expected count,
    ``y`` = share or O/E), the 95 % (dashed) and 99.8 % (solid) control limits from
    ``curve`` (:func:`dashboard.metrics.funnel.funnel_curve`), and a rule at the baseline
    (the municipal share; 1.0 for ratios, the default there). Groups outside the 99.8 %
    limits are labelled. Both axes use the groups' range; x is logarithmic. Rows with
    ``x <= 0`` or no ``y`` have no place in a funnel and are left out.

    ``signal`` may be a verdict column (text: higher/lower/as_expected/too_few); then the
    higher/lower groups are labelled. ``limit_labels`` names the inner and outer limits
    when they are not the 95 % and 99.8 % ones (e.g. the verdict's own level). Rows with
    ``focus`` true are drawn larger and always labelled.
    """
    if kind not in ("proportion", "ratio"):
        raise ValueError(f"kind must be 'proportion' or 'ratio', got {kind!r}")
    _check(points, "funnel_plot", [x, y, label])
    _check(curve, "funnel_plot (curve)", ["x", "low95", "high95", "low998", "high998"])
    if baseline is None:
        if kind == "proportion":
            raise ValueError("funnel_plot: a proportion funnel needs the baseline share")
        baseline = 1.0
    has_signal = signal in points.columns
    verdict = has_signal and _is_verdict(points, signal)
    focus = ["focus"] if "focus" in points.columns else []
    data = _clean(points.select(_unique([label, x, y, *([signal] if has_signal else []), *focus])))
    data = _display_values(data, label, lang).filter((pl.col(x) > 0) & pl.col(y).is_not_null())
    if has_signal:
        data = _with_signal(data, signal, lang)
    overall = t("stats.funnel_overall", lang)
    limit95, limit998 = limit_labels or (
        t("stats.funnel_limit_95", lang),
        t("stats.funnel_limit_998", lang),
    )
    lines = (
        _clean(curve.select("x", "low95", "high95", "low998", "high998"))
        .filter(pl.col("x") > 0)
        .with_columns(_limit95=pl.lit(limit95), _limit998=pl.lit(limit998))
    )

    x_title = (
        t("stats.funnel_x_axis", lang) if kind == "proportion" else column_title("expected", lang)
    )
    if kind == "ratio":
        y_title = t("stats.funnel_y_axis_oe", lang)
    else:
        try:
            y_title = column_title(y, lang)
        except KeyError:
            y_title = t("stats.funnel_y_axis_rate", lang)
    y_format, y_axis_format = (".1%", ".0%") if kind == "proportion" else (".2f", ".1~f")
    x_domain, y_domain = _funnel_domains(data, lines, x, y, baseline, kind)
    if has_signal:
        data = _with_label_side(data, x, x_domain)
    x_scale = alt.Scale(type="log", domain=x_domain, nice=False)
    y_scale = alt.Scale(domain=y_domain, nice=False, zero=False)
    x_axis = alt.Axis(format=",~f" if kind == "proportion" else ",.1~f", grid=True)
    y_axis = alt.Axis(format=y_axis_format)

    dash = alt.Scale(domain=[overall, limit95, limit998], range=[[2, 3], [6, 4], [1, 0]])
    dash_legend = alt.Legend(title=None, symbolType="stroke", symbolSize=300)

    def limit_line(column: str, level: str, color: str) -> alt.Chart:
        return (
            alt.Chart(lines)
            .mark_line(color=color, strokeWidth=1.4, clip=True)
            .encode(
                x=alt.X("x:Q", scale=x_scale, title=x_title, axis=x_axis),
                y=alt.Y(f"{column}:Q", scale=y_scale, title=y_title, axis=y_axis),
                strokeDash=alt.StrokeDash(f"{level}:N", scale=dash, legend=dash_legend),
            )
        )

    base = (
        alt.Chart(_baseline_frame(baseline, lang))
        .mark_rule(color=MID_GREY, strokeWidth=1.5)
        .encode(
            y=alt.Y("_baseline:Q", scale=y_scale, title=y_title, axis=y_axis),
            strokeDash=alt.StrokeDash("_overall:N", scale=dash, legend=dash_legend),
            tooltip=[
                alt.Tooltip("_overall:N", title=overall),
                alt.Tooltip("_baseline:Q", title=y_title, format=y_format),
            ],
        )
    )
    x_enc = alt.X(f"{_field(x)}:Q", scale=x_scale, title=x_title, axis=x_axis)
    y_enc = alt.Y(f"{_field(y)}:Q", scale=y_scale, title=y_title, axis=y_axis)
    tooltip = [
        alt.Tooltip(f"{_field(label)}:N", title=column_title(label, lang)),
        alt.Tooltip(f"{_field(y)}:Q", title=y_title, format=y_format),
        alt.Tooltip(
            f"{_field(x)}:Q", title=x_title, format=",.0f" if kind == "proportion" else ",.1f"
        ),
        *([alt.Tooltip("_signal:N", title=t("charts.signal", lang))] if has_signal else []),
    ]
    dots = _points(has_signal).encode(
        x=x_enc,
        y=y_enc,
        tooltip=tooltip,
        **(_signal_encodings(lang, verdict) if has_signal else {}),
        **_focus_encodings(data),
    )
    layers: list[alt.Chart] = [
        limit_line("low998", "_limit998", INK),
        limit_line("high998", "_limit998", INK),
        limit_line("low95", "_limit95", MID_GREY),
        limit_line("high95", "_limit95", MID_GREY),
        base,
        dots,
    ]
    if has_signal:
        sides: tuple[tuple[str, Literal["left", "right"], int], ...] = (
            ("right", "left", 7),  # the name after its dot
            ("left", "right", -7),  # the name before its dot
        )
        for side, align, dx in sides:
            layers.append(
                alt.Chart()
                .mark_text(
                    align=align, baseline="bottom", dx=dx, dy=-4, fontSize=FONT_SIZE, color=INK
                )
                .encode(x=x_enc, y=y_enc, text=alt.Text(f"{_field(label)}:N"))
                .transform_filter(
                    alt.LogicalOrPredicate(**{"or": [_named(signal, verdict), "datum.focus"]})
                    if focus
                    else _named(signal, verdict)
                )
                .transform_filter(alt.FieldEqualPredicate(field="_label_side", equal=side))
            )
    chart = alt.LayerChart(data=data, layer=layers).properties(
        title=_title(title), width=WIDTH, height=HEIGHT, description=title
    )
    return finish(chart, lang)


# A group's name runs to the right of its dot, unless the dot lies in the last third of the
# (logarithmic) x axis: there a name such as "Socialcenter Nørrebro" was cut off at the edge.
LABEL_TO_THE_LEFT_FROM = 0.65


def _with_label_side(data: pl.DataFrame, x: str, x_domain: list[float]) -> pl.DataFrame:
    """``_label_side``: "left" for dots far enough right that a name after them is cut off."""
    low, high = (math.log(v) for v in x_domain)
    flip = math.exp(low + LABEL_TO_THE_LEFT_FROM * (high - low))
    return data.with_columns(
        _label_side=pl.when(pl.col(x) >= flip).then(pl.lit("left")).otherwise(pl.lit("right"))
    )


def _funnel_domains(
    data: pl.DataFrame,
    lines: pl.DataFrame,
    x: str,
    y: str,
    baseline: float,
    kind: Literal["proportion", "ratio"],
) -> tuple[list[float], list[float]]:
    """Axis ranges that fit the groups (not the whole funnel, which is 0–100 % at n = 1)."""
    xs = _finite(data[x].to_list())
    curve_x = _finite(lines["x"].to_list())
    if xs:
        x_lo = min(xs) / 1.5
        x_hi = max(max(xs) * 1.15, *(curve_x[-1:] or [0.0]))
    elif curve_x:
        x_lo, x_hi = min(curve_x), max(curve_x)
    else:
        x_lo, x_hi = (1.0, 100.0) if kind == "proportion" else (0.5, 100.0)
    x_lo = x_lo if x_lo > 0 else 0.5
    if x_hi <= x_lo:
        x_hi = x_lo * 10
    visible = lines.filter(pl.col("x") >= x_lo)
    ys = [
        *_finite(data[y].to_list()),
        baseline,
        *_finite(visible["low998"].to_list()),
        *_finite(visible["high998"].to_list()),
    ]
    y_lo, y_hi = min(ys), max(ys)
    pad = (y_hi - y_lo) * 0.05 or 0.05
    y_lo, y_hi = max(0.0, y_lo - pad), y_hi + pad
    if kind == "proportion":
        y_hi = min(1.0, y_hi)
    return [x_lo, x_hi], [y_lo, y_hi]


# --------------------------------------------------------------------------- 3. trend


def trend_chart(
    frame: pl.DataFrame,
    *,
    x: str = "month",
    series: list[str],
    lang: Lang,
    title: str,
) -> alt.LayerChart:
    """Monthly lines of several counts (``series`` columns, e.g. incidents, police_reports,
    warnings), folded to long format in the chart; series differ by colour, dash and point
    shape. ``x`` holds the first day of each month (a date)."""
    if not series:
        raise ValueError("trend_chart: give at least one series column")
    _check(frame, "trend_chart", [x, *series])
    if len(series) > len(DASHES):
        raise ValueError(f"trend_chart: at most {len(DASHES)} series, got {len(series)}")
    names = [column_title(s, lang) for s in series]
    if len(set(names)) != len(names) or x in names:
        raise ValueError(f"trend_chart: series titles must be distinct, got {names}")
    data = _clean(
        frame.select(x, *(pl.col(s).alias(n) for s, n in zip(series, names, strict=True)))
    )
    data = data.sort(x, nulls_last=True)
    integer = all(_is_integer(data, n) for n in names)
    k = len(names)
    legend = alt.Legend(title=None, symbolType="stroke")
    x_enc = alt.X(
        f"{_field(x)}:T",
        timeUnit="yearmonth",
        title=t("charts.month", lang),
        axis=alt.Axis(format="%b %Y", tickCount="month", labelOverlap=True, labelAngle=0),
    )
    y_enc = alt.Y(
        "_value:Q",
        title=t("common.count", lang),
        axis=alt.Axis(format=",~f", tickMinStep=1 if integer else alt.Undefined),
    )
    color = alt.Color("_series:N", scale=alt.Scale(domain=names, range=PALETTE[:k]), legend=legend)
    tooltip = [
        alt.Tooltip(
            f"{_field(x)}:T", timeUnit="yearmonth", format="%b %Y", title=t("charts.month", lang)
        ),
        alt.Tooltip("_series:N", title=t("charts.measure", lang)),
        alt.Tooltip("_value:Q", title=t("common.count", lang), format=",d" if integer else ",.1~f"),
    ]
    line = (
        alt.Chart()
        .mark_line(strokeWidth=2)
        .encode(
            x=x_enc,
            y=y_enc,
            color=color,
            strokeDash=alt.StrokeDash(
                "_series:N", scale=alt.Scale(domain=names, range=DASHES[:k]), legend=legend
            ),
        )
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=45)
        .encode(
            x=x_enc,
            y=y_enc,
            color=color,
            shape=alt.Shape(
                "_series:N", scale=alt.Scale(domain=names, range=SHAPES[:k]), legend=legend
            ),
            tooltip=tooltip,
        )
    )
    chart = (
        alt.LayerChart(data=data, layer=[line, dots])
        .transform_fold([_field(n) for n in names], as_=["_series", "_value"])
        .properties(title=_title(title), width=WIDTH, height=HEIGHT, description=title)
    )
    return finish(chart, lang)


# --------------------------------------------------------------------------- 4. Kaplan–Meier


def km_chart(
    frame: pl.DataFrame,
    *,
    group: str,
    lang: Lang,
    title: str,
    days: str = "days",
    unanswered: str = "unanswered",
) -> alt.LayerChart:
    """Kaplan–Meier step curves of the share of inquiries still unanswered after a number of
    days, one per ``group`` (frame of ``metrics.inquiries.kaplan_meier_curve``). Up to
    eight groups differ by dash as well as colour."""
    _check(frame, "km_chart", [group, days, unanswered])
    data = _display_values(_clean(frame.select(group, days, unanswered)), group, lang)
    present = set(data[group].to_list())
    groups = [g for g in _unique([*_vocabulary_order(group, lang), *data[group]]) if g in present]
    k = len(groups)
    legend = alt.Legend(title=column_title(group, lang), symbolType="stroke")
    if k <= len(PALETTE):
        color_scale = alt.Scale(domain=groups, range=PALETTE[: max(k, 1)])
    else:
        color_scale = alt.Scale(domain=groups, scheme="tableau20")
    x_enc = alt.X(f"{_field(days)}:Q", title=t("charts.days_since_received", lang))
    y_enc = alt.Y(
        f"{_field(unanswered)}:Q",
        title=t("charts.unanswered", lang),
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format=".0%"),
    )
    color = alt.Color(f"{_field(group)}:N", scale=color_scale, legend=legend)
    line_encoding: dict[str, Any] = {"x": x_enc, "y": y_enc, "color": color}
    if k <= MAX_DASHED_GROUPS:
        line_encoding["strokeDash"] = alt.StrokeDash(
            f"{_field(group)}:N",
            scale=alt.Scale(domain=groups, range=DASHES[: max(k, 1)]),
            legend=legend,
        )
    lines = alt.Chart().mark_line(interpolate="step-after", strokeWidth=2).encode(**line_encoding)
    hover = (
        alt.Chart()
        .mark_point(size=60, opacity=0)
        .encode(
            x=x_enc,
            y=y_enc,
            color=color,
            tooltip=[
                alt.Tooltip(f"{_field(group)}:N", title=column_title(group, lang)),
                alt.Tooltip(
                    f"{_field(days)}:Q", title=t("charts.days_since_received", lang), format=",.0f"
                ),
                alt.Tooltip(
                    f"{_field(unanswered)}:Q", title=t("charts.unanswered", lang), format=".1%"
                ),
            ],
        )
    )
    chart = alt.LayerChart(data=data, layer=[lines, hover]).properties(
        title=_title(title), width=WIDTH, height=HEIGHT, description=title
    )
    return finish(chart, lang)


# --------------------------------------------------------------------------- 5. bars


def bar_chart(
    frame: pl.DataFrame,
    *,
    category: str,
    value: str,
    lang: Lang,
    title: str,
    color: str | None = None,
    percent: bool = False,
    value_title: str | None = None,
    color_title: str | None = None,
    color_order: Sequence[str] | None = None,
    n: str | None = None,
    small_below: int | None = None,
) -> alt.LayerChart:
    """Horizontal bars of ``value`` per ``category``, largest first. With ``color`` the bars
    are stacked by that second category (dark-to-light blues, in ``color_order`` or else in
    vocabulary order where there is one; the legend titled ``color_title`` or the column's
    label); without it each bar has its value written at its end. ``percent`` shows values
    (fractions) as percentages, on an axis that ends at 100 %.

    With ``n`` (the denominator of a category's shares, the same in all its rows) and
    ``small_below`` (the disclosure threshold) every category's label carries its
    denominator and a category below the threshold is greyed out, as in
    :func:`rate_dot_plot`."""
    _check(frame, "bar_chart", [category, value, *([color] if color else [])])
    if color == category:
        raise ValueError("bar_chart: color must be another column than category")
    sizes = [n] if n is not None and n in frame.columns else []
    data = _clean(frame.select(_unique([category, value, *([color] if color else []), *sizes])))
    data = _display_values(data, category, lang)
    data, faded = _with_sizes(data, category, n, small_below, lang)
    if color:
        data = _display_values(data, color, lang)
    integer = _is_integer(data, value)
    texts = [
        format_percent(v, lang)
        if percent
        else format_number(v, lang, 0 if integer or v is None else 1)
        for v in data[value].to_list()
    ]
    data = data.with_columns(pl.Series("_text", texts, dtype=pl.String))
    stack_order: list[str] = []
    if color:
        present = set(data[color].to_list())
        wanted = list(color_order) if color_order is not None else _vocabulary_order(color, lang)
        stack_order = [c for c in wanted if c in present]
        totals = (
            data.group_by(color)
            .agg(pl.col(value).fill_null(0).sum())
            .sort([value, color], descending=[True, False])
        )
        stack_order += [c for c in totals[color].to_list() if c not in stack_order]
    # Largest total first; shares stacked to 100 % by the share of the first segment.
    ranked = (
        data.filter(pl.col(color) == stack_order[0]) if color and percent and stack_order else data
    )
    order = (
        ranked.group_by(category, maintain_order=True)
        .agg(pl.col(value).fill_null(0).sum().alias("_total"))
        .sort(["_total", category], descending=[True, False])[category]
        .to_list()
    )
    order += [c for c in _unique(data[category].to_list()) if c not in order]
    v_title = value_title or column_title(value, lang)
    value_format = ".1%" if percent else (",d" if integer else ",.1~f")
    y = alt.Y(f"{_field(category)}:N", sort=order, title=None)
    x = alt.X(
        f"{_field(value)}:Q",
        title=v_title,
        axis=alt.Axis(
            format=".0%" if percent else ",~f", tickMinStep=1 if integer else alt.Undefined
        ),
        # a share ends at 100 %: the labels of the longest bars go inside them (below)
        scale=alt.Scale(domain=[0, 1])
        if percent
        else (_label_room(data, value) if not color else alt.Undefined),
        stack="zero" if color else None,
    )
    tooltip = [
        alt.Tooltip(f"{_field(category)}:N", title=column_title(category, lang)),
        *([alt.Tooltip(f"{_field(color)}:N", title=column_title(color, lang))] if color else []),
        alt.Tooltip(f"{_field(value)}:Q", title=v_title, format=value_format),
    ]
    if color:
        k = len(stack_order)
        if k <= len(SEQUENTIAL):
            step = (len(SEQUENTIAL) - 1) / max(k - 1, 1)
            colors = [SEQUENTIAL[round(i * step)] for i in range(k)]
            scale = alt.Scale(domain=stack_order, range=colors or SEQUENTIAL[:1])
        else:
            scale = alt.Scale(domain=stack_order, scheme="tableau20")
        data = data.with_columns(
            pl.col(color)
            .replace_strict({c: i for i, c in enumerate(stack_order)}, return_dtype=pl.Int32)
            .alias("_stack")
        )
        bars = (
            alt.Chart()
            .mark_bar(stroke="white", strokeWidth=1)
            .encode(
                x=x,
                y=y,
                color=alt.Color(
                    f"{_field(color)}:N",
                    scale=scale,
                    legend=alt.Legend(title=color_title or column_title(color, lang)),
                ),
                order=alt.Order("_stack:Q", sort="ascending"),
                tooltip=tooltip,
                **faded,
            )
        )
        layers = [bars]
    else:
        bars = alt.Chart().mark_bar(color=PALETTE[0]).encode(x=x, y=y, tooltip=tooltip, **faded)
        # text takes INK: Vega's default black vanished on the dark theme
        text = alt.Chart().mark_text(baseline="middle", fontSize=FONT_SIZE, color=INK)
        labels = text.encode(x=x, y=y, text=alt.Text("_text:N"), tooltip=tooltip)
        if percent:  # beyond 85 % the label would run past 100 %: write it inside the bar
            inside = f"datum[{_field(value)!r}] > {INSIDE_FROM}"
            labels = labels.transform_filter(f"!({inside})").mark_text(
                align="left", baseline="middle", dx=4, fontSize=FONT_SIZE, color=INK
            )
            layers = [
                bars,
                labels,
                text.mark_text(
                    align="right", baseline="middle", dx=-4, fontSize=FONT_SIZE, color="white"
                )
                .encode(x=x, y=y, text=alt.Text("_text:N"), tooltip=tooltip)
                .transform_filter(inside),
            ]
        else:
            layers = [
                bars,
                labels.mark_text(
                    align="left", baseline="middle", dx=4, fontSize=FONT_SIZE, color=INK
                ),
            ]
    chart = alt.LayerChart(data=data, layer=layers).properties(
        title=_title(title), width=WIDTH, height=alt.Step(ROW_STEP), description=title
    )
    return finish(chart, lang)


# --------------------------------------------------------------------------- 6. delays


def delay_chart(
    frame: pl.DataFrame,
    *,
    label: str,
    median: str,
    p90: str,
    lang: Lang,
    title: str,
    n: str | None = "n",
) -> alt.LayerChart:
    """Per group a grey bar for the median number of days and a black tick at the 90th
    percentile, longest median first."""
    _check(frame, "delay_chart", [label, median, p90])
    extra = [n] if n and n in frame.columns else []
    data = _display_values(_clean(frame.select(_unique([label, median, p90, *extra]))), label, lang)
    data = data.sort(median, descending=True, nulls_last=True, maintain_order=True)
    median_title, p90_title = column_title(median, lang), column_title(p90, lang)
    data = data.with_columns(_median_key=pl.lit(median_title), _p90_key=pl.lit(p90_title))
    days = t("charts.days", lang)
    key = alt.Scale(domain=[median_title, p90_title], range=[LIGHT_GREY, INK])
    legend = alt.Legend(title=None)
    y = alt.Y(f"{_field(label)}:N", sort=_unique(data[label].to_list()), title=None)
    axis = alt.Axis(format=",~f")
    tooltip = [
        alt.Tooltip(f"{_field(label)}:N", title=column_title(label, lang)),
        alt.Tooltip(f"{_field(median)}:Q", title=median_title, format=",.1~f"),
        alt.Tooltip(f"{_field(p90)}:Q", title=p90_title, format=",.1~f"),
        *_n_tooltip(data, n, lang),
    ]
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X(f"{_field(median)}:Q", title=days, axis=axis),
            y=y,
            color=alt.Color("_median_key:N", scale=key, legend=legend),
            tooltip=tooltip,
        )
    )
    ticks = (
        alt.Chart()
        .mark_tick(thickness=3, size=ROW_STEP - 6)
        .encode(
            x=alt.X(f"{_field(p90)}:Q", title=days, axis=axis),
            y=y,
            color=alt.Color("_p90_key:N", scale=key, legend=legend),
            tooltip=tooltip,
        )
    )
    chart = alt.LayerChart(data=data, layer=[bars, ticks]).properties(
        title=_title(title), width=WIDTH, height=alt.Step(ROW_STEP), description=title
    )
    return finish(chart, lang)


# --------------------------------------------------------------------------- 7. timeline


def timeline_chart(
    events: pl.DataFrame,
    *,
    lang: Lang,
    title: str,
    event: str = "event",
    on: str = "on",
) -> alt.LayerChart:
    """One incident's course: a row per event (already translated ``event`` label, date
    ``on``) in date order, a point at its date with the date written beside it, and a line
    from the first event (the incident) to it. Ties keep the given order."""
    _check(events, "timeline_chart", [event, on])
    data = events.select(event, pl.col(on).cast(pl.Date)).with_columns(
        pl.col(event).cast(pl.String).fill_null(t("common.unknown", lang))
    )
    data = data.sort(on, nulls_last=True, maintain_order=True)
    start = data[on].drop_nulls().min()
    dates = data[on].to_list()
    data = data.with_columns(
        pl.Series("_date", [format_date(d, lang) for d in dates], dtype=pl.String),
        pl.lit(start, dtype=pl.Date).alias("_start"),
        (pl.col(on) - pl.lit(start, dtype=pl.Date)).dt.total_days().alias("_days"),
    )
    date_title = t("charts.date", lang)
    y = alt.Y(f"{_field(event)}:N", sort=_unique(data[event].to_list()), title=None)
    x_scale = alt.Scale(padding=70)
    # Every event's date is written beside its point; the axis's own date labels ran into
    # each other ("03-11-202404-11-2024") on events days apart, so it shows ticks only.
    axis = alt.Axis(labels=False, ticks=True, grid=True, title=None)
    tooltip = [
        alt.Tooltip(f"{_field(event)}:N", title=t("charts.event", lang)),
        alt.Tooltip("_date:N", title=date_title),
        alt.Tooltip("_days:Q", title=t("charts.days_after_incident", lang), format=",d"),
    ]
    span = (
        alt.Chart()
        .mark_rule(color=LIGHT_GREY, strokeWidth=2)
        .encode(
            x=alt.X("_start:T", title=date_title, scale=x_scale, axis=axis),
            x2=alt.X2(f"{_field(on)}"),
            y=y,
        )
    )
    x = alt.X(f"{_field(on)}:T", title=date_title, scale=x_scale, axis=axis)
    dots = alt.Chart().mark_point(filled=True, size=90, color=INK).encode(x=x, y=y, tooltip=tooltip)
    labels = (
        alt.Chart()
        .mark_text(align="left", baseline="middle", dx=9, fontSize=FONT_SIZE, color=INK)
        .encode(x=x, y=y, text=alt.Text("_date:N"), tooltip=tooltip)
    )
    chart = alt.LayerChart(data=data, layer=[span, dots, labels]).properties(
        title=_title(title), width=WIDTH, height=alt.Step(ROW_STEP + 4), description=title
    )
    return finish(chart, lang)
