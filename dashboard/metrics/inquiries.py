"""Inquiry metrics per group (or per inquiry type): answered, open and overdue at the extract
date, response days, the share within the deadline (Wilson interval), and a Kaplan–Meier
median that counts the still-open inquiries as censored (leaving them out would flatter slow
units), by R's ``survfit`` rule, with its 95 % Brookmeyer–Crowley interval (log-log band).

``share_within_deadline`` is of the inquiries whose deadline is decided at the extract date:
answered ones, and open ones whose deadline has passed, which count as late (leaving them out
would flatter slow units as a median over the answered would). Open inquiries still within
their deadline are undecided and left out. ``share_within_deadline_answered`` is the share
among the answered only, kept and named as such.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from dashboard import stats
from dashboard.metrics import disclosure
from dashboard.metrics.incidents import GROUP_KEYS, small_counts

INQUIRY_COUNTS = ["inquiries", "answered", "open", "open_overdue", "answered_within_deadline"]
INQUIRY_TYPE_KEYS = ["inquiry_type"]


def _per_group(durations: pl.DataFrame, keys: list[str] = GROUP_KEYS) -> pl.DataFrame:
    """Per group, from its frequency table: the counts, the response-day quantiles among the
    answered and the Kaplan–Meier median days to answer with its 95 % interval
    (:func:`dashboard.stats.kaplan_meier_median_ci_from_counts`; null where Ŝ, or the band
    giving a limit, never reaches 0.5).

    Computed on numpy slices of the sorted table: a Polars operation per group (or a
    group-by and a join for the counts) costs more than the statistics themselves.
    """
    frame = (
        durations.group_by([*keys, "days", "answered", "past_deadline"])
        .agg(pl.col("inquiries").sum())
        .sort([*keys, "days", "answered", "past_deadline"], nulls_last=True)
    )
    new_group = frame.select(
        pl.any_horizontal(pl.col(k).ne_missing(pl.col(k).shift()) for k in keys)
    ).to_series()
    starts = np.flatnonzero(new_group.to_numpy())
    days = frame["days"].to_numpy()
    answered = frame["answered"].to_numpy()
    late = frame["past_deadline"].to_numpy()
    counts = frame["inquiries"].to_numpy()
    answered_counts = np.where(answered, counts, 0)

    def per_group_sum(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, starts) if starts.size else np.zeros(0, np.int64)

    quantiles: dict[str, list[float]] = {
        "median": [],
        "p90": [],
        "km": [],
        "km_low": [],
        "km_high": [],
    }
    ends = [*starts[1:], frame.height] if starts.size else []
    for start, end in zip(starts, ends, strict=True):
        part = slice(start, end)
        quantiles["median"].append(
            stats.quantile_from_counts(days[part], answered_counts[part], 0.5)
        )
        quantiles["p90"].append(stats.quantile_from_counts(days[part], answered_counts[part], 0.9))
        km = stats.kaplan_meier_median_ci_from_counts(days[part], answered[part], counts[part])
        quantiles["km"].append(km.median)
        quantiles["km_low"].append(km.lower)
        quantiles["km_high"].append(km.upper)
    return (
        frame.select(keys)
        .gather(starts)
        .with_columns(
            inquiries=pl.Series(per_group_sum(counts), dtype=pl.Int64),
            answered=pl.Series(per_group_sum(answered_counts), dtype=pl.Int64),
            open=pl.Series(per_group_sum(np.where(answered, 0, counts)), dtype=pl.Int64),
            open_overdue=pl.Series(
                per_group_sum(np.where(~answered & late, counts, 0)), dtype=pl.Int64
            ),
            median_response_days=pl.Series(quantiles["median"], dtype=pl.Float64),
            p90_response_days=pl.Series(quantiles["p90"], dtype=pl.Float64),
            answered_within_deadline=pl.Series(
                per_group_sum(np.where(answered & ~late, counts, 0)), dtype=pl.Int64
            ),
            km_median_response_days=pl.Series(quantiles["km"], dtype=pl.Float64),
            km_median_response_days_ci_low=pl.Series(quantiles["km_low"], dtype=pl.Float64),
            km_median_response_days_ci_high=pl.Series(quantiles["km_high"], dtype=pl.Float64),
        )
    )


def kaplan_meier_curve(
    durations: pl.DataFrame, by: list[str], *, suppress_below: int = 0
) -> pl.DataFrame:
    """Step curve per group of ``by`` columns: days, share still unanswered. A group of 1 to
    ``suppress_below`` − 1 inquiries is left out: its steps (1/n) would give n back. The
    groups' sizes add up to the total the page shows, and each drawn curve's size can be
    read from its steps, so the next-smallest group is left out with it, until those left
    out are at least two and hold at least ``suppress_below`` inquiries
    (:func:`dashboard.metrics.disclosure.hidden_in_line`)."""
    parts = [(key, part) for key, part in durations.group_by(by, maintain_order=True)]
    sizes = [int(part["inquiries"].sum()) for _, part in parts]
    left_out = disclosure.hidden_in_line(sizes, suppress_below)
    frames = []
    for (key, part), size, hide in zip(parts, sizes, left_out, strict=True):
        if hide or size == 0:
            continue
        days = np.repeat(part["days"].to_numpy(), part["inquiries"].to_numpy())
        answered = np.repeat(part["answered"].to_numpy(), part["inquiries"].to_numpy()).astype(int)
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
    durations: pl.DataFrame, *, suppress_below: int = 5, keys: list[str] = GROUP_KEYS
) -> pl.DataFrame:
    """One row per group (``keys``: department and unit, or :data:`INQUIRY_TYPE_KEYS`) with
    every inquiry metric, from the frequency table of ``inquiry_durations_by_group`` (group ×
    inquiry type × days × answered × past_deadline)."""
    rows = _per_group(durations, keys)
    within = rows["answered_within_deadline"].to_numpy()
    decided = rows["answered"].to_numpy() + rows["open_overdue"].to_numpy()
    ci_low, ci_high = stats.wilson_intervals(within, decided)
    answered_low, answered_high = stats.wilson_intervals(within, rows["answered"].to_numpy())
    return rows.with_columns(
        share_within_deadline=pl.when((pl.col("answered") + pl.col("open_overdue")) > 0).then(
            pl.col("answered_within_deadline") / (pl.col("answered") + pl.col("open_overdue"))
        ),
        share_within_deadline_ci_low=pl.Series(ci_low, dtype=pl.Float64),
        share_within_deadline_ci_high=pl.Series(ci_high, dtype=pl.Float64),
        share_within_deadline_answered=pl.when(pl.col("answered") > 0).then(
            pl.col("answered_within_deadline") / pl.col("answered")
        ),
        share_within_deadline_answered_ci_low=pl.Series(answered_low, dtype=pl.Float64),
        share_within_deadline_answered_ci_high=pl.Series(answered_high, dtype=pl.Float64),
        small_counts=small_counts(INQUIRY_COUNTS, suppress_below),
    ).fill_nan(None)
