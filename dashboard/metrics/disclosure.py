"""Small-count suppression of every per-group frame that leaves the metrics layer.

One function, :func:`suppress`, applied by :func:`dashboard.metrics.report.build_report` to
the incident and inquiry frames before pages, charts, exports and the CLI see them:

* **Primary.** A count from 1 to ``threshold`` − 1 is set to null and listed in the row's
  ``small_counts``; every statistic computed from it (its rate and interval, O/E with its
  interval, the expected count, p-values, funnel signals, shares, medians) is set to null
  too, so that no rate × denominator, O/E × expected or interval inversion gives it back.
* **Secondary.** A suppressed cell must not be recoverable as a total minus the cells shown.
  Along each column (the groups of a view add up to the total the headline shows) and along
  each declared row relation (a count equals the sum of its partition, e.g. police reports =
  with + without + unknown prior warning), the suppressed cells must be at least two and sum
  to at least ``threshold``; otherwise the next-smallest cell shown is suppressed as well
  (as Danmarks Statistik does), and when no cell is left the relation's total is. Those
  cells are listed in ``suppressed_counts`` (with the primary ones) and shown as hidden, not
  as "<5", since they may be large.

Zeros are shown: a zero is not a person, and suppressing it would not protect a neighbour.
The real totals are computed before suppression (``MetricsReport.totals``) so the headline
stays exact; a column's total from 1 to ``threshold`` − 1 is shown as "<5" wherever it is.

Written here, not taken from a library: sdcMicro/tau-Argus (R/Java) have no Python API, and
the frames are a few hundred rows, so the greedy Danmarks Statistik rule is enough.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from dashboard.metrics import registry


@dataclass(frozen=True)
class SuppressionSpec:
    """What to protect in one kind of frame.

    ``counts``: the count columns; ``relations``: (total, parts) where total = sum(parts) in
    every row; ``dependents``: for each statistic column, the counts it is computed from.
    """

    counts: tuple[str, ...]
    relations: tuple[tuple[str, tuple[str, ...]], ...]
    dependents: Mapping[str, tuple[str, ...]]


def _incident_spec() -> SuppressionSpec:
    counts = [*registry.SUMMED_COLUMNS]
    dependents: dict[str, tuple[str, ...]] = {}
    for spec in registry.OUTCOMES:
        on = (spec.count, spec.known)
        o = spec.name
        for col in (
            f"{o}_rate",
            f"{o}_rate_ci_low",
            f"{o}_rate_ci_high",
            f"{o}_rate_signal",
            f"{o}_oe",
            f"{o}_oe_ci_low",
            f"{o}_oe_ci_high",
            f"{o}_oe_signal",
            f"{o}_expected",
            f"{o}_variance",
            f"{o}_p",
            f"{o}_p_adjusted",
            f"{o}_oe_lower",
            f"{o}_oe_upper",
            f"{o}_oe_lower_unadjusted",
            f"{o}_oe_upper_unadjusted",
            f"{o}_verdict",
        ):
            dependents[col] = on
        for share in spec.shares:
            needs = (share.part, *share.whole)
            for col in (share.name, f"{share.name}_ci_low", f"{share.name}_ci_high"):
                dependents[col] = needs
            dependents[f"{share.name}_signal"] = needs
    # the delays: a median of one to four dated actions is close to a list of them
    delays = {
        "police_report_dated": (
            "days_to_police_report_median",
            "days_to_police_report_p90",
        ),
        "work_accident_dated": ("days_to_work_accident_median", "days_to_work_accident_p90"),
        "police_with_prior_warning_dated": ("days_warning_to_police_median",),
    }
    for dated, columns in delays.items():
        counts.append(dated)
        for col in columns:
            dependents[col] = (dated,)
    relations = tuple((spec.count, spec.partition) for spec in registry.OUTCOMES if spec.partition)
    return SuppressionSpec(tuple(counts), relations, dependents)


INCIDENTS = _incident_spec()
INQUIRIES = SuppressionSpec(
    counts=("inquiries", "answered", "open", "open_overdue", "answered_within_deadline"),
    relations=(("inquiries", ("answered", "open")),),
    dependents={
        "share_within_deadline": ("answered_within_deadline", "answered", "open_overdue"),
        "share_within_deadline_ci_low": ("answered_within_deadline", "answered", "open_overdue"),
        "share_within_deadline_ci_high": ("answered_within_deadline", "answered", "open_overdue"),
        "share_within_deadline_answered": ("answered_within_deadline", "answered"),
        "share_within_deadline_answered_ci_low": ("answered_within_deadline", "answered"),
        "share_within_deadline_answered_ci_high": ("answered_within_deadline", "answered"),
        "median_response_days": ("answered",),
        "p90_response_days": ("answered",),
        "km_median_response_days": ("inquiries", "answered"),
        "km_median_response_days_ci_low": ("inquiries", "answered"),
        "km_median_response_days_ci_high": ("inquiries", "answered"),
    },
)


# a verdict computed from a hidden count says neither higher nor lower: too few to tell
HIDDEN_VERDICT = "too_few"

Cell = tuple[int, str]  # (row, count column); row == frame.height is the row of totals


def _lines(height: int, spec: SuppressionSpec, counts: list[str]) -> list[tuple[Cell, list[Cell]]]:
    """Every (total, parts) relation a reader can use: each column adds up to its total
    (the row of totals), and each declared relation holds in every row, the totals' too."""
    lines = [((height, c), [(r, c) for r in range(height)]) for c in counts]
    for total, parts in spec.relations:
        if total in counts and all(p in counts for p in parts):
            lines += [((r, total), [(r, p) for p in parts]) for r in range(height + 1)]
    return lines


def _protect_line(
    total: Cell, parts: list[Cell], values: dict[Cell, int], hidden: set[Cell], threshold: int
) -> None:
    """Make one line safe, adding to ``hidden``: when its total is shown, the hidden parts
    must be at least two and sum to at least ``threshold`` (the next-smallest positive part
    is hidden until they do, and the total when no part is left); when its total is hidden,
    at least one positive part must be hidden too, or the parts would add up to it."""
    hidden_parts = [p for p in parts if p in hidden]
    if total in hidden:
        if not hidden_parts:
            shown = sorted((values[p], p) for p in parts if values[p] > 0)
            if shown:
                hidden.add(shown[0][1])
        return
    if not hidden_parts:
        return
    while len(hidden_parts) < 2 or sum(values[p] for p in hidden_parts) < threshold:
        shown = sorted((values[p], p) for p in parts if p not in hidden and values[p] > 0)
        if not shown:
            hidden.add(total)
            return
        hidden.add(shown[0][1])
        hidden_parts.append(shown[0][1])


@dataclass(frozen=True)
class Totals(Mapping[str, "int | None"]):
    """The counts summed over a report's groups before suppression: None where the total is
    hidden (so that a hidden cell cannot be worked out from it). ``suppress_below`` is the
    threshold of a suppressed report (0 for an unsuppressed one): a total from 1 to it − 1 is
    shown as "<5", and :meth:`for_ratio` withholds it, as a rate or share of it would give
    it back."""

    counts: Mapping[str, int | None]
    suppress_below: int = 0

    def __getitem__(self, key: str) -> int | None:
        return self.counts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.counts)

    def __len__(self) -> int:
        return len(self.counts)

    def for_ratio(self, key: str) -> int | None:
        """The total to compute a rate or share from: None when hidden or small."""
        value = self.counts.get(key, 0)
        if value is None or 0 < value < self.suppress_below:
            return None
        return value


@dataclass(frozen=True)
class Suppressed:
    """A suppressed frame and the count columns whose total over its rows must be hidden
    too (the headline shows them as hidden)."""

    frame: pl.DataFrame
    hidden_totals: frozenset[str]


def suppression_mask(
    frame: pl.DataFrame, spec: SuppressionSpec, threshold: int
) -> tuple[set[Cell], set[Cell]]:
    """The (primary, all) suppressed cells of ``frame``'s count columns; ``all`` includes
    the secondary cells, and row ``frame.height`` stands for the totals over the rows."""
    counts = [c for c in spec.counts if c in frame.columns]
    n = frame.height
    values: dict[Cell, int] = {}
    for c in counts:
        column = [int(v) for v in frame[c].fill_null(0).to_list()]
        values |= {(r, c): v for r, v in enumerate(column)}
        values[(n, c)] = sum(column)
    primary = {cell for cell, v in values.items() if 1 <= v < threshold}
    hidden = set(primary)
    _protect_lines(_lines(n, spec, counts), values, hidden, threshold)
    return primary, hidden


def _protect_lines(
    lines: list[tuple[Cell, list[Cell]]], values: dict[Cell, int], hidden: set[Cell], threshold: int
) -> None:
    """Protect every line (:func:`_protect_line`) until nothing more is hidden: a cell hidden
    for one line may leave another line with a single hidden cell."""
    while True:
        before = len(hidden)
        for total, parts in lines:
            _protect_line(total, parts, values, hidden, threshold)
        if len(hidden) == before:
            return


def suppress(frame: pl.DataFrame, spec: SuppressionSpec, threshold: int) -> Suppressed:
    """``frame`` with the suppressed counts and everything computed from them set to null,
    ``small_counts`` (primary) and ``suppressed_counts`` (primary and secondary) listing
    the hidden count columns of each row, and the columns whose total must be hidden. See
    the module's docstring for the rule."""
    if frame.is_empty():
        return Suppressed(
            frame.with_columns(
                small_counts=pl.lit([], dtype=pl.List(pl.String)),
                suppressed_counts=pl.lit([], dtype=pl.List(pl.String)),
            ),
            frozenset(),
        )
    primary, hidden = suppression_mask(frame, spec, threshold)
    n = frame.height
    counts = [c for c in spec.counts if c in frame.columns]

    def mask(column: str) -> np.ndarray:
        return np.array([(r, column) in hidden for r in range(n)], dtype=bool)

    def listed(cells: set[Cell]) -> pl.Series:
        return pl.Series(
            [[c for c in counts if (r, c) in cells] for r in range(n)], dtype=pl.List(pl.String)
        )

    nulls = {c: mask(c) for c in counts}
    for column, needs in spec.dependents.items():
        if column in frame.columns:
            nulls[column] = np.logical_or.reduce(
                [mask(need) for need in needs if need in counts] or [np.zeros(n, dtype=bool)]
            )
    shown = frame.with_columns(
        *(
            pl.when(pl.Series(m))
            .then(pl.lit(HIDDEN_VERDICT) if column.endswith("_verdict") else None)
            .otherwise(pl.col(column))
            .alias(column)
            for column, m in nulls.items()
        ),
        small_counts=listed(primary),
        suppressed_counts=listed(hidden),
    )
    # a total of 1 to threshold − 1 is shown as "<5" wherever it is, so it is not listed
    totals = frozenset(c for c in counts if (n, c) in hidden and (n, c) not in primary)
    return Suppressed(shown, totals)


def category_totals(frame: pl.DataFrame, category: str, count: str, threshold: int) -> pl.DataFrame:
    """The totals of ``count`` per ``category`` over the groups of a breakdown (one line whose
    total, the view's, is shown), largest first, with ``hidden``: the line's rule
    (:func:`hidden_in_line`). The report's category tables show these; the breakdown by
    group (:func:`suppress_breakdown`) treats them as the margin they are."""
    totals = (
        frame.group_by(category)
        .agg(pl.col(count).fill_null(0).sum())
        .sort(count, category, descending=[True, False], nulls_last=True)
    )
    hidden = hidden_in_line([int(n) for n in totals[count].to_list()], threshold)
    return totals.with_columns(hidden=pl.Series(hidden, dtype=pl.Boolean))


def suppress_breakdown(
    frame: pl.DataFrame, count: str, groups: pl.DataFrame, threshold: int
) -> pl.DataFrame:
    """A group × category table of ``count`` (``documented_by`` …) suppressed by the same
    rule, along both of its margins: its small cells hidden, then, until nothing changes, a
    second one in each group's line (the group's total being its ``count`` in ``groups``,
    the suppressed metrics frame, known unless hidden there) and in each category's line
    (the category's total over the view, shown as :func:`category_totals` says). The hidden
    cells are null and listed in ``small_counts`` / ``suppressed_counts``; ``share`` is each
    category's share of its group's ``count`` (null where hidden)."""
    keys = ["department", "unit"]
    empty: list[str] = []
    if frame.is_empty():
        return frame.with_columns(
            share=pl.lit(None, dtype=pl.Float64),
            small_counts=pl.lit(empty, dtype=pl.List(pl.String)),
            suppressed_counts=pl.lit(empty, dtype=pl.List(pl.String)),
        )
    (category,) = [c for c in frame.columns if c not in (*keys, count)]
    hidden_totals = {
        (row["department"], row["unit"])
        for row in groups.select(*keys, "suppressed_counts").iter_rows(named=True)
        if count in (row["suppressed_counts"] or [])
    }
    values = [int(v or 0) for v in frame[count].to_list()]
    group_of = list(zip(frame["department"].to_list(), frame["unit"].to_list(), strict=True))
    category_of = frame[category].to_list()
    cells: dict[Cell, int] = {(r, count): v for r, v in enumerate(values)}
    primary = {cell for cell, v in cells.items() if 1 <= v < threshold}
    hidden = set(primary)
    by_group: dict[object, list[Cell]] = {}
    by_category: dict[object, list[Cell]] = {}
    for r, (group, value) in enumerate(zip(group_of, category_of, strict=True)):
        by_group.setdefault(group, []).append((r, count))
        by_category.setdefault(value, []).append((r, count))
    margin = category_totals(frame, category, count, threshold)
    category_hidden = dict(zip(margin[category].to_list(), margin["hidden"].to_list(), strict=True))
    # every margin: its lines, and whether its total is hidden where it is shown
    margins = [
        *((parts, group in hidden_totals) for group, parts in by_group.items()),
        *((parts, category_hidden[value]) for value, parts in by_category.items()),
    ]
    lines: list[tuple[Cell, list[Cell]]] = []
    for number, (parts, total_hidden) in enumerate(margins):
        total: Cell = (-1 - number, count)  # a margin's total, on a row of its own below 0
        cells[total] = sum(cells[p] for p in parts)
        if total_hidden:
            hidden.add(total)
        lines.append((total, parts))
    _protect_lines(lines, cells, hidden, threshold)
    mask = [(r, count) in hidden for r in range(frame.height)]
    hide = pl.Series(mask)
    return frame.with_columns(
        pl.when(hide).then(None).otherwise(pl.col(count)).alias(count),
        # the category's share of its group, from the real counts, hidden with its count
        pl.when(hide)
        .then(None)
        .otherwise(pl.col(count) / pl.col(count).sum().over(keys))
        .alias("share"),
        small_counts=pl.Series(
            [[count] if (r, count) in primary else empty for r in range(frame.height)],
            dtype=pl.List(pl.String),
        ),
        suppressed_counts=pl.Series(
            [[count] if m else empty for m in mask], dtype=pl.List(pl.String)
        ),
    )


def suppress_series(frame: pl.DataFrame, series: list[str], threshold: int) -> pl.DataFrame:
    """A table of counts over time (one row a month, one column a series) for a chart, which
    can leave a point out but not write "<5": small counts null, and in each series the
    next-smallest month too, so that the total (the headline's) minus the months drawn does
    not give a small one back."""
    spec = SuppressionSpec(counts=tuple(series), relations=(), dependents={})
    return suppress(frame, spec, threshold).frame.drop("small_counts", "suppressed_counts")


def hidden_in_line(values: list[int], threshold: int) -> list[bool]:
    """Which of the cells of one line whose total is shown (e.g. the categories of a count
    over the whole view) must be hidden: the small ones, and the next-smallest until the
    hidden ones are at least two and sum to at least ``threshold``."""
    cells: dict[Cell, int] = {(r, "n"): v for r, v in enumerate(values)}
    total: Cell = (len(values), "n")
    cells[total] = sum(values)
    hidden = {cell for cell, v in cells.items() if 1 <= v < threshold and cell != total}
    _protect_line(total, [(r, "n") for r in range(len(values))], cells, hidden, threshold)
    return [(r, "n") in hidden for r in range(len(values))]
