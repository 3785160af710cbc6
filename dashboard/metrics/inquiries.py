"""Inquiry metrics per group: answered, open and overdue at the extract date, response days,
share answered within the deadline (Wilson interval), and a Kaplan–Meier median that counts
the still-open inquiries as censored (leaving them out would flatter slow units)."""

from __future__ import annotations

import numpy as np
import polars as pl

from dashboard import stats
from dashboard.metrics.incidents import GROUP_KEYS, small_counts

INQUIRY_COUNTS = ["inquiries", "answered", "open", "open_overdue", "answered_within_deadline"]


def kaplan_meier_medians(durations: pl.DataFrame) -> pl.DataFrame:
    """Per group: the Kaplan–Meier median days to answer (null when never reaching 50 %)."""
    rows = []
    for key, part in durations.group_by(GROUP_KEYS, maintain_order=True):
        days = np.repeat(part["days"].to_numpy(), part["inquiries"].to_numpy())
        answered = np.repeat(part["answered"].to_numpy(), part["inquiries"].to_numpy())
        median = (
            stats.kaplan_meier_median(days, answered.astype(int)) if len(days) else float("nan")
        )
        rows.append({"department": key[0], "unit": key[1], "km_median_response_days": median})
    schema = {"department": pl.String, "unit": pl.String, "km_median_response_days": pl.Float64}
    return pl.DataFrame(rows, schema=schema).fill_nan(None)


def kaplan_meier_curve(durations: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Step curve per group of ``by`` columns: days, share still unanswered."""
    frames = []
    for key, part in durations.group_by(by, maintain_order=True):
        days = np.repeat(part["days"].to_numpy(), part["inquiries"].to_numpy())
        answered = np.repeat(part["answered"].to_numpy(), part["inquiries"].to_numpy()).astype(int)
        if not len(days):
            continue
        km = stats.kaplan_meier(days, answered)
        frame = pl.DataFrame(
            {
                "days": np.concatenate([[0.0], km.times]),
                "unanswered": np.concatenate([[1.0], km.survival]),
            }
        )
        frames.append(
            frame.with_columns(*(pl.lit(v).alias(c) for c, v in zip(by, key, strict=True)))
        )
    if not frames:
        return pl.DataFrame(
            schema={"days": pl.Float64, "unanswered": pl.Float64, **dict.fromkeys(by, pl.String)}
        )
    return pl.concat(frames)


def inquiry_metrics(
    rows: pl.DataFrame, durations: pl.DataFrame, *, suppress_below: int = 5
) -> pl.DataFrame:
    """One row per group with every inquiry metric.

    ``rows`` is ``inquiry_metrics_by_group``, ``durations`` is ``inquiry_durations_by_group``.
    """
    ci_low, ci_high = stats.wilson_intervals(
        rows["answered_within_deadline"].to_numpy(), rows["answered"].to_numpy()
    )
    result = rows.with_columns(
        share_within_deadline=pl.when(pl.col("answered") > 0).then(
            pl.col("answered_within_deadline") / pl.col("answered")
        ),
        share_within_deadline_ci_low=pl.Series(ci_low, dtype=pl.Float64),
        share_within_deadline_ci_high=pl.Series(ci_high, dtype=pl.Float64),
    ).fill_nan(None)
    result = result.join(
        kaplan_meier_medians(durations), on=GROUP_KEYS, how="left", nulls_equal=True
    )
    return result.with_columns(small_counts=small_counts(INQUIRY_COUNTS, suppress_below))
