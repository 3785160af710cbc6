"""The groups outside a viewer's scope ("peers"), for the funnels and dot plots of a
department head: computed over the municipality's reference population like every other
group, shown only as unnamed points ("en anden enhed" / "another unit"), or not at all
(``DASHBOARD_PEERS``, :data:`dashboard.config.PEERS`).

Where the names stay: the reference query (``incident_outcomes_by_group_stratum`` with
``reference`` in ``$view``) returns a group wholly outside the scope with no department or
unit, only a number (``peer``) that keeps it apart from the other unnamed groups within that
one result. :func:`keyed` turns the number into a group key no imported name can equal, so
the metrics layer handles them as groups; :func:`peer_rows` keeps their figures with the
keys removed. Only the display frames of :mod:`dashboard.metrics.views` and
:mod:`dashboard.metrics.outcomes` draw them, and tables, exports, the report and the command
line read ``MetricsReport.incidents``, which never holds them.

What a point must not give away (the unit behind it), and how:

* no id: every point of a chart has the same label, and a row is told apart from the others
  (a dot plot needs distinct rows) by its rank in that chart's own order (by the value
  drawn), which says nothing the position does not;
* no order: the rows sent to the browser are sorted by the values drawn, never by name or key;
* no size: the tooltip names the point "en anden enhed" and its verdict, nothing else (no
  incidents, no n); the values that place it are rounded (the expected count to two
  significant digits, ratios and shares to two decimals), so that its observed count
  (O/E × E) cannot be read off exactly; the position on a funnel's axis still shows roughly
  how large the group is, which is what a funnel plot is for;
* suppressed as the named groups are (``MetricsReport.peers`` goes through
  :func:`dashboard.metrics.disclosure.suppress` too, whoever asks): a group whose counts
  behind the chart include a hidden one is not drawn at all.
"""

from __future__ import annotations

import polars as pl

from dashboard.i18n import Lang, t
from dashboard.metrics.filters import GroupBy
from dashboard.metrics.incidents import COLUMNS, GROUP_KEYS, Outcome

# XML 1.0, and so an .xlsx sheet, cannot hold U+0000: no imported department name starts with it.
PEER_KEY = "\x00peer {}"


def keyed(rows: pl.DataFrame) -> pl.DataFrame:
    """Stratum rows of the reference query with each unnamed group's key in ``department``
    and without the ``peer`` column (the rows of a plain view have no unnamed groups)."""
    if "peer" not in rows.columns:
        return rows
    return rows.with_columns(
        department=pl.when(pl.col("peer").is_not_null())
        .then(pl.format(PEER_KEY, pl.col("peer")))
        .otherwise(pl.col("department"))
    ).drop("peer")


def is_peer() -> pl.Expr:
    """The rows of :func:`keyed` groups that are outside the scope."""
    return pl.col("department").str.starts_with(PEER_KEY[:1]).fill_null(False)


def peer_rows(everyone: pl.DataFrame) -> pl.DataFrame:
    """The metrics rows of the unnamed groups among ``everyone`` (incident metrics over the
    keyed reference), without their keys: department and unit are null."""
    return (
        everyone.filter(is_peer())
        .with_columns(pl.lit(None, pl.String).alias(k) for k in GROUP_KEYS)
        .sort("incidents", maintain_order=True)
    )


def label(by: GroupBy, lang: Lang) -> str:
    """What an unnamed group is called: "En anden enhed" / "Another unit" (by department:
    "En anden forvaltning" / "Another department")."""
    return t(f"peers.other_{by}", lang)


def _shown(peers: pl.DataFrame, counts: list[str], suppress_below: int) -> pl.DataFrame:
    """The peers none of whose ``counts`` is suppressed (listed in ``suppressed_counts`` or
    ``small_counts`` by :func:`dashboard.metrics.disclosure.suppress`, hidden, or from 1 to
    ``suppress_below`` − 1)."""
    if peers.is_empty():
        return peers
    hidden = pl.lit(False)
    for listed in ("small_counts", "suppressed_counts"):
        if listed in peers.columns:
            overlap = pl.col(listed).list.set_intersection(pl.lit(counts)).list.len() > 0
            hidden = hidden | overlap.fill_null(False)
    for c in counts:
        hidden = hidden | pl.col(c).is_null() | pl.col(c).is_between(1, suppress_below - 1)
    return peers.filter(~hidden)


def oe_points(
    peers: pl.DataFrame, outcome: Outcome, by: GroupBy, lang: Lang, *, suppress_below: int
) -> pl.DataFrame:
    """The unnamed groups' funnel points in the columns of ``views.oe_points``: the label,
    E to two significant digits, O/E to two decimals, the verdict, not in focus; sorted by
    the values drawn."""
    cols = COLUMNS[outcome]
    expected, ratio, verdict = f"{outcome}_expected", f"{outcome}_oe", f"{outcome}_verdict"
    shown = _shown(peers, ["incidents", cols.count, cols.known], suppress_below)
    if shown.is_empty():
        return pl.DataFrame(
            schema={by: pl.String, expected: pl.Float64, ratio: pl.Float64,
                    verdict: pl.String, "focus": pl.Boolean}
        )  # fmt: skip
    return shown.select(
        pl.lit(label(by, lang)).alias(by),
        pl.col(expected).round_sig_figs(2),
        pl.col(ratio).round(2),
        pl.col(verdict),
        pl.lit(False).alias("focus"),
    ).sort(expected, ratio, verdict, nulls_last=True)


def dot_points(
    peers: pl.DataFrame,
    *,
    value: str,
    counts: list[str],
    signal: str,
    by: GroupBy,
    lang: Lang,
    suppress_below: int,
) -> pl.DataFrame:
    """The unnamed groups' rows of a dot plot of ``value`` (a rate or share with
    ``_ci_low``/``_ci_high``), in the columns of ``outcomes.rate_points``: ``n`` is null (no
    size), the value and interval rounded to two decimals, the ``signal`` column as it is;
    sorted by the value, highest first, and each label made distinct (a dot plot has a row
    per label) by as many zero-width spaces as its rank in that order."""
    low, high = f"{value}_ci_low", f"{value}_ci_high"
    shown = _shown(peers, counts, suppress_below).filter(pl.col(value).is_not_null())
    rows = shown.select(
        pl.col(value).round(2),
        pl.col(low).round(2),
        pl.col(high).round(2),
        pl.col(signal),
    ).sort(value, low, high, signal, descending=[True, False, False, False], nulls_last=True)
    name = label(by, lang)
    return rows.select(
        pl.Series(by, [name + "\u200b" * i for i in range(rows.height)], dtype=pl.String),
        value,
        low,
        high,
        signal,
        pl.lit(False).alias("focus"),
        pl.lit(None, pl.Int64).alias("n"),
    )
