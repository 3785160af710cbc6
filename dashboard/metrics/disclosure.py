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

from collections.abc import Mapping, Sequence
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
            f"{o}_p",
            f"{o}_p_adjusted",
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
    },
)


def _protect(values: np.ndarray, hidden: np.ndarray, threshold: int) -> bool:
    """Make one line (a column, or a row relation's parts) safe: the hidden cells at least
    two and summing to at least ``threshold``. Hides the next-smallest positive cell shown
    in place (``hidden``); returns False when no cell is left to hide, so that the line's
    total must be hidden. A line with no hidden cell is safe."""
    if not hidden.any():
        return True
    while hidden.sum() < 2 or values[hidden].sum() < threshold:
        candidates = np.flatnonzero(~hidden & (values > 0))
        if not candidates.size:
            return False
        hidden[candidates[np.argmin(values[candidates])]] = True
    return True


def suppression_mask(
    frame: pl.DataFrame, spec: SuppressionSpec, threshold: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """For each count column of ``spec`` in ``frame``: (primary, all) boolean masks of the
    rows where it is suppressed; ``all`` includes the secondary cells."""
    counts = [c for c in spec.counts if c in frame.columns]
    values = {c: frame[c].fill_null(0).to_numpy().astype(np.int64) for c in counts}
    primary = {c: (values[c] >= 1) & (values[c] < threshold) for c in counts}
    hidden = {c: primary[c].copy() for c in counts}
    changed = True
    while changed:
        before = sum(int(m.sum()) for m in hidden.values())
        for c in counts:
            # the column's total is shown (the headline); when it is itself small it shows
            # as "<5", so a column whose hidden cells cannot reach the threshold is safe
            _protect(values[c], hidden[c], threshold)
        for total, parts in spec.relations:
            if total not in values or any(p not in values for p in parts):
                continue
            for row in range(frame.height):
                line = np.array([values[p][row] for p in parts])
                line_hidden = np.array([hidden[p][row] for p in parts])
                if hidden[total][row]:
                    # a hidden total is the sum of its parts when they are all shown
                    shown = np.flatnonzero(~line_hidden & (line > 0))
                    if not line_hidden.any() and shown.size:
                        line_hidden[shown[np.argmin(line[shown])]] = True
                elif not _protect(line, line_hidden, threshold):
                    hidden[total][row] = True
                for p, h in zip(parts, line_hidden, strict=True):
                    hidden[p][row] = h
        changed = sum(int(m.sum()) for m in hidden.values()) != before
    return primary, hidden


def suppress(frame: pl.DataFrame, spec: SuppressionSpec, threshold: int) -> pl.DataFrame:
    """``frame`` with the suppressed counts and everything computed from them set to null,
    ``small_counts`` (primary) and ``suppressed_counts`` (primary and secondary) listing
    the hidden count columns of each row. See the module's docstring for the rule."""
    if frame.is_empty():
        return frame.with_columns(
            small_counts=pl.lit([], dtype=pl.List(pl.String)),
            suppressed_counts=pl.lit([], dtype=pl.List(pl.String)),
        )
    primary, hidden = suppression_mask(frame, spec, threshold)
    counts = list(hidden)

    def listed(masks: dict[str, np.ndarray]) -> pl.Series:
        return pl.Series(
            [[c for c in counts if masks[c][row]] for row in range(frame.height)],
            dtype=pl.List(pl.String),
        )

    nulls = {c: hidden[c] for c in counts}
    for column, needs in spec.dependents.items():
        if column in frame.columns:
            mask = np.zeros(frame.height, dtype=bool)
            for need in needs:
                if need in hidden:
                    mask |= hidden[need]
            nulls[column] = mask
    return frame.with_columns(
        *(
            pl.when(pl.Series(mask)).then(None).otherwise(pl.col(column)).alias(column)
            for column, mask in nulls.items()
        ),
        small_counts=listed(primary),
        suppressed_counts=listed(hidden),
    )


def recoverable(
    shown: pl.DataFrame,
    truth: pl.DataFrame,
    spec: SuppressionSpec,
    totals: Mapping[str, int],
    threshold: int,
    *,
    outcomes: Sequence[str] = registry.OUTCOME_NAMES,
) -> list[str]:
    """The counts of 1 to ``threshold`` − 1 in ``truth`` that ``shown`` (the same rows, after
    suppression) gives back, each as a sentence naming the recovery: rate × denominator,
    O/E × expected, interval inversion (a Wilson interval fixes count and denominator),
    and a column or row total minus the other cells. Empty when nothing is recoverable.
    ``totals`` are the column totals a reader sees (the headline)."""
    found: list[str] = []
    small = {
        c: [(r, v) for r, v in enumerate(truth[c].to_list()) if v is not None and 0 < v < threshold]
        for c in spec.counts
        if c in truth.columns
    }
    for c, cells in small.items():
        for row, value in cells:
            if shown[c][row] is not None:
                found.append(f"{c}[{row}] = {value} is shown")
    # rate × denominator and interval inversion: the rate or its interval of a small count
    for o in outcomes:
        spec_o = registry.BY_NAME[o]  # type: ignore[index]
        for row, value in small.get(spec_o.count, []):
            for col in (f"{o}_rate", f"{o}_rate_ci_low", f"{o}_rate_ci_high"):
                if col in shown.columns and shown[col][row] is not None:
                    found.append(f"{spec_o.count}[{row}] = {value} from {col}")
            for col in (f"{o}_oe", f"{o}_expected", f"{o}_oe_ci_low", f"{o}_p"):
                if col in shown.columns and shown[col][row] is not None:
                    found.append(f"{spec_o.count}[{row}] = {value} from {col} (O/E × expected)")
    for share in registry.SHARES:
        for row, value in small.get(share.part, []):
            if share.name in shown.columns and shown[share.name][row] is not None:
                found.append(f"{share.part}[{row}] = {value} from {share.name}")
    # totals minus the other cells: a column with one hidden cell, or hidden cells whose
    # sum is small, gives back that sum
    for c in small:
        hidden = [r for r, v in enumerate(shown[c].to_list()) if v is None]
        true_values = truth[c].fill_null(0).to_list()
        total = totals.get(c)
        if total is None or not hidden or 0 < total < threshold:
            continue
        hidden_sum = sum(true_values[r] for r in hidden)
        if len(hidden) == 1 or 0 < hidden_sum < threshold:
            found.append(f"{c}: total {total} minus the cells shown gives {hidden_sum}")
    for total_col, parts in spec.relations:
        for row in range(shown.height):
            cells = [total_col, *parts]
            hidden = [c for c in cells if shown[c][row] is None and truth[c][row]]
            if not hidden:
                continue
            if len(hidden) == 1:
                found.append(f"row {row}: {hidden[0]} from {total_col} = sum of {parts}")
            elif total_col not in hidden:
                hidden_sum = sum(truth[c][row] for c in hidden)
                if hidden_sum < threshold:
                    found.append(f"row {row}: {hidden} sum to {hidden_sum}, from {total_col}")
    return found
