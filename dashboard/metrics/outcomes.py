"""Display-ready frames for the Police reports, Warnings, Work accidents and Documentation pages.

Pure functions, no Streamlit: they take ``report.incidents`` (one row per group, see
:func:`dashboard.metrics.incidents.incident_metrics`) or the rows of a page query and return
what a chart or a table shows. Shared helpers (group labels, category labels, the O/E funnel
points and curve, the incident timeline) live in :mod:`dashboard.metrics.views`.

Small counts: a count from 1 to ``suppress_below`` − 1 is shown as "<5" in every table
(:func:`count_cells`); shares and statistics always use the real numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from dashboard.formatting import (
    format_count,
    format_interval,
    format_number,
    format_percent,
    format_ratio,
)
from dashboard.i18n import Lang, field_label, metric_label, t
from dashboard.metrics import peers as peer_groups
from dashboard.metrics import registry
from dashboard.metrics.disclosure import Totals
from dashboard.metrics.filters import GroupBy
from dashboard.metrics.incidents import COLUMNS, Outcome
from dashboard.metrics.views import category_labels, with_group_label, yes_no_words

__all__ = [
    "OutcomeTotals",
    "category_shares",
    "count_cells",
    "delay_points",
    "missing_headers",
    "missing_rows",
    "outcome_table",
    "outcome_totals",
    "prior_warning_shares",
    "rate_points",
    "selected_incident",
    "share_points",
    "warning_to_police_points",
    "within_deadline_points",
    "without_warning_headers",
    "without_warning_rows",
]

# --------------------------------------------------------------------------- totals


@dataclass(frozen=True)
class OutcomeTotals:
    """The figures of one outcome summed over the groups of a report; a count is None where
    the metrics layer hides the total (so that a hidden cell cannot be worked out from it),
    and so is every figure computed from it."""

    incidents: int | None
    count: int | None  # incidents where the thing was done (police reports, warnings …)
    known: int | None  # incidents where it is known whether it was done
    counts: Mapping[str, int | None]  # every count of the metrics frame, summed
    # the threshold of a suppressed report: no rate or share of a total from 1 to it − 1
    small_below: int = 0

    def _usable(self, value: int | None) -> int | None:
        return None if value is not None and 0 < value < self.small_below else value

    @property
    def rate(self) -> float | None:
        """Share of the incidents where it is known that were done (None when none is known)."""
        return _ratio(self._usable(self.count), [self._usable(self.known)])

    @property
    def unknown(self) -> int | None:
        """Incidents where it is not known whether the thing was done."""
        if self.incidents is None or self.known is None:
            return None
        return self.incidents - self.known

    def share(self, name: str) -> float | None:
        """A share of the registry (``work_accident_compliance_rate`` …) over the totals."""
        spec = next(s for s in registry.SHARES if s.name == name)
        return _ratio(
            self._usable(self.counts[spec.part]), [self._usable(self.counts[c]) for c in spec.whole]
        )

    @property
    def prior_warning_share(self) -> float | None:
        """Share of police reports with a warning dated on or before the report."""
        return self.share("police_with_prior_warning_share")

    @property
    def within_deadline_share(self) -> float | None:
        """Share of the dated notifications made within the deadline (undated ones are
        unknown, neither on time nor late)."""
        return self.share("work_accidents_within_deadline_share")


def _ratio(part: int | None, whole: Sequence[int | None]) -> float | None:
    """``part / sum(whole)``; None when the whole is 0 or any of them is hidden (None)."""
    if part is None or any(w is None for w in whole):
        return None
    total = sum(w for w in whole if w is not None)
    return part / total if total else None


def outcome_totals(
    incidents: pl.DataFrame | Mapping[str, int | None], outcome: Outcome
) -> OutcomeTotals:
    """The totals of one outcome: ``report.totals`` (summed before suppression, None where
    hidden), or an unsuppressed metrics frame summed over its groups."""
    cols = COLUMNS[outcome]

    def total(column: str) -> int | None:
        if not isinstance(incidents, pl.DataFrame):
            value = incidents.get(column, 0)
            return None if value is None else int(value)
        return int(incidents[column].sum()) if incidents.height and column in incidents else 0

    return OutcomeTotals(
        incidents=total("incidents"),
        count=total(cols.count),
        known=total(cols.known),
        counts={c: total(c) for c in registry.COUNT_COLUMNS},
        small_below=incidents.suppress_below if isinstance(incidents, Totals) else 0,
    )


# --------------------------------------------------------------------------- chart frames


def rate_points(
    incidents: pl.DataFrame,
    outcome: Outcome,
    by: GroupBy,
    *,
    peers: pl.DataFrame | None = None,
    lang: Lang = "da",
    suppress_below: int = 5,
) -> pl.DataFrame:
    """Per group with any known answer: label (column ``by``), ``<outcome>_rate`` with its
    95 % interval, the group's verdict (after case mix, the same as in the O/E funnel),
    ``focus`` and ``n`` (incidents known); for :func:`dashboard.charts.rate_dot_plot`. With
    ``peers`` (``MetricsReport.peers``) the groups outside the scope follow, unnamed
    (:func:`dashboard.metrics.peers.dot_points`)."""
    cols = COLUMNS[outcome]
    known = cols.known
    own = (
        with_group_label(incidents, by)
        .filter(pl.col(known) > 0)
        .select(
            by,
            f"{outcome}_rate",
            f"{outcome}_rate_ci_low",
            f"{outcome}_rate_ci_high",
            f"{outcome}_verdict",
            "focus",
            pl.col(known).alias("n"),
        )
    )
    if peers is None or peers.is_empty():
        return own
    unnamed = peer_groups.dot_points(
        peers,
        value=f"{outcome}_rate",
        counts=["incidents", cols.count, cols.known],
        signal=f"{outcome}_verdict",
        by=by,
        lang=lang,
        suppress_below=suppress_below,
    )
    return pl.concat([own, unnamed.select(own.columns).cast(own.schema)])


def delay_points(incidents: pl.DataFrame, outcome: Outcome, by: GroupBy) -> pl.DataFrame:
    """Per group with a dated police report / work-accident notification: label, median and
    90th percentile of the days from the incident; for :func:`dashboard.charts.delay_chart`."""
    if outcome not in ("police_report", "work_accident"):
        raise ValueError(f"only police reports and work accidents have delays, not {outcome!r}")
    median, p90 = f"days_to_{outcome}_median", f"days_to_{outcome}_p90"
    return (
        with_group_label(incidents, by)
        .filter(pl.col(median).is_not_null())
        .select(by, median, p90, pl.col(f"{outcome}_dated").alias("n"))
    )


def warning_to_police_points(incidents: pl.DataFrame, by: GroupBy) -> pl.DataFrame:
    """Per group with a police report preceded by a dated warning: label and the median days
    from the warning to the report; for :func:`dashboard.charts.bar_chart`."""
    return (
        with_group_label(incidents, by)
        .filter(pl.col("days_warning_to_police_median").is_not_null())
        .select(
            by,
            "days_warning_to_police_median",
            pl.col("police_with_prior_warning_dated").alias("n"),
        )
    )


def within_deadline_points(incidents: pl.DataFrame, by: GroupBy) -> pl.DataFrame:
    """Per group with a dated notification: label and the share of its dated notifications
    made within the deadline (undated ones are unknown and left out), ``n`` the dated ones;
    for :func:`dashboard.charts.bar_chart` (``percent=True``)."""
    dated = pl.col("work_accidents_within_deadline") + pl.col("work_accidents_late")
    return (
        with_group_label(incidents, by)
        .filter(dated > 0)
        .select(by, "work_accidents_within_deadline_share", dated.alias("n"))
    )


def share_points(
    incidents: pl.DataFrame,
    share: str,
    by: GroupBy,
    *,
    peers: pl.DataFrame | None = None,
    lang: Lang = "da",
    suppress_below: int = 5,
) -> pl.DataFrame:
    """Per group with a non-zero whole: label, a registry share (e.g.
    ``work_accident_compliance_rate``) with its 95 % interval and funnel signal, and ``n``
    (its whole); for :func:`dashboard.charts.rate_dot_plot`. ``peers`` as in
    :func:`rate_points`."""
    spec = next(s for s in registry.SHARES if s.name == share)
    whole = pl.sum_horizontal(pl.col(c) for c in spec.whole)
    signal = f"{share}_signal"
    own = (
        with_group_label(incidents, by)
        .filter(whole > 0)
        .select(
            by,
            share,
            f"{share}_ci_low",
            f"{share}_ci_high",
            pl.col(signal) if signal in incidents.columns else pl.lit(0).alias(signal),
            whole.alias("n"),
        )
    )
    if peers is None or peers.is_empty() or signal not in peers.columns:
        return own
    unnamed = peer_groups.dot_points(
        peers.filter(pl.sum_horizontal(pl.col(c) for c in spec.whole) > 0),
        value=share,
        counts=["incidents", spec.part, *spec.whole],
        signal=signal,
        by=by,
        lang=lang,
        suppress_below=suppress_below,
    )
    return pl.concat([own, unnamed.select(own.columns).cast(own.schema)])


def prior_warning_shares(
    incidents: pl.DataFrame, by: GroupBy, labels: Mapping[str, str]
) -> pl.DataFrame:
    """Per group with police reports, one row per part of the prior-warning rule (the
    counts ``police_with_prior_warning``, ``police_without_prior_warning`` and
    ``police_prior_warning_unknown``, labelled by ``labels[count]`` in ``warning_given``)
    with its number of reports, its share and ``n``, the group's police reports (the
    denominator of its shares); for a stacked :func:`dashboard.charts.bar_chart` coloured by
    ``warning_given``. The shares of a group add up to 1, as every police report is in
    exactly one part."""
    groups = with_group_label(incidents, by).filter(pl.col("police_reports") > 0)
    parts = [
        groups.select(
            by,
            pl.lit(labels[count]).alias("warning_given"),
            pl.col(count).alias("police_reports"),
            (pl.col(count) / pl.col("police_reports")).alias("share"),
            pl.col("police_reports").alias("n"),
        )
        for count in registry.POLICE_REPORT.partition
    ]
    return _drawn(pl.concat(parts).sort(by, maintain_order=True), by)


def _drawn(shares: pl.DataFrame, by: GroupBy) -> pl.DataFrame:
    """The rows of the groups with at least one share shown: a group whose shares are all
    hidden (small counts) would be an empty bar, read as 0 %."""
    return shares.filter(pl.col("share").is_not_null().any().over(by))


def category_shares(frame: pl.DataFrame, by: GroupBy, *, category: str, count: str) -> pl.DataFrame:
    """Rows of ``police_decided_by`` / ``documentation_forms`` (group × category with a count,
    suppressed by :meth:`MetricsReport.shown_breakdown`, which gives the shares) with the
    group's display label and ``share``: the category's share of the group's count;
    for a stacked :func:`dashboard.charts.bar_chart` coloured by ``category``."""
    if frame.is_empty():
        return pl.DataFrame(
            schema={by: pl.String, category: pl.String, count: pl.Int64, "share": pl.Float64}
        )
    if "share" not in frame.columns:  # a suppressed breakdown has its shares already
        frame = frame.with_columns(
            (pl.col(count) / pl.col(count).sum().over("department", "unit")).alias("share")
        )
    return _drawn(with_group_label(frame, by).select(by, category, count, "share"), by)


# --------------------------------------------------------------------------- tables


def count_cells(
    frame: pl.DataFrame, columns: Sequence[str], lang: Lang, *, suppress_below: int = 5
) -> pl.DataFrame:
    """The count ``columns`` as text in ``lang``, counts from 1 to ``suppress_below`` − 1 as
    "<5". A count is small when its column is listed in the row's ``small_counts`` (when the
    frame has that column) or when its value is in that range; a count listed only in
    ``suppressed_counts`` (hidden so that a small one cannot be recovered) is "skjult"."""

    def listed(name: str) -> list[Any]:
        return frame[name].to_list() if name in frame.columns else [None] * frame.height

    hidden_word = t("disclosure.hidden", lang)
    cells = {}
    for column in columns:
        texts = []
        for value, small, hidden in zip(
            frame[column].to_list(),
            listed("small_counts"),
            listed("suppressed_counts"),
            strict=True,
        ):
            is_small = (value is not None and 0 < value < suppress_below) or column in (small or ())
            if not is_small and column in (hidden or ()):
                texts.append(hidden_word)
                continue
            texts.append(
                format_count(
                    None if value is None else int(value),
                    lang,
                    small=is_small,
                    threshold=suppress_below,
                )
            )
        cells[column] = pl.Series(column, texts, dtype=pl.String)
    return frame.with_columns(*cells.values())


def _texts(values: Sequence[Any], render: Any) -> list[str]:
    return [render(v) for v in values]


def outcome_table(
    incidents: pl.DataFrame,
    outcome: Outcome,
    by: GroupBy,
    lang: Lang,
    *,
    extra_counts: Sequence[str] = (),
    suppress_below: int = 5,
) -> pl.DataFrame:
    """The figures behind a page's charts, one row per group, as text with translated headers:
    incidents, the outcome's count (and ``extra_counts``) with small counts as "<5", the rate
    with its 95 % interval, and observed/expected with its interval."""
    cols = COLUMNS[outcome]
    counts = ["incidents", cols.count, *extra_counts]
    groups = with_group_label(incidents, by).sort(by, nulls_last=True)
    shown = count_cells(groups, counts, lang, suppress_below=suppress_below)
    rate, oe = f"{outcome}_rate", f"{outcome}_oe"
    table: dict[str, list[str]] = {field_label(by, lang): [str(v) for v in shown[by].to_list()]}
    for column in counts:
        table[metric_label(column, lang)] = shown[column].to_list()
    table[metric_label(rate, lang)] = _texts(
        groups[rate].to_list(), lambda v: format_percent(v, lang)
    )
    table[t("charts.ci95", lang)] = [
        format_interval(lo, hi, lang, percent=True)
        for lo, hi in zip(groups[f"{rate}_ci_low"], groups[f"{rate}_ci_high"], strict=True)
    ]
    table[metric_label("expected", lang)] = _texts(
        groups[f"{outcome}_expected"].to_list(), lambda v: format_number(v, lang, 1)
    )
    table[metric_label(oe, lang)] = _texts(groups[oe].to_list(), lambda v: format_ratio(v, lang))
    table[f"{metric_label(oe, lang)}, {t('charts.ci95', lang)}"] = [
        format_interval(lo, hi, lang, percent=False)
        for lo, hi in zip(groups[f"{oe}_ci_low"], groups[f"{oe}_ci_high"], strict=True)
    ]
    return pl.DataFrame(table, schema=dict.fromkeys(table, pl.String))


# --------------------------------------------------------------------------- police reports without a prior warning

WITHOUT_WARNING_COLUMNS = [
    "incident_id",
    "occurred_on",
    "department",
    "unit",
    "harassment_type",
    "severity",
    "channel",
    "warning_given",
    "warning_on",
    "police_reported_on",
    "decided_by",
]


def without_warning_rows(frame: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """Rows of ``police_without_prior_warning`` for the table: the listed columns only,
    categories by their labels in ``lang``, the warning flag as a word; dates stay dates
    (the table formats them, so they sort as dates)."""
    return frame.select(WITHOUT_WARNING_COLUMNS).with_columns(
        *(
            category_labels(c, lang)
            for c in ("harassment_type", "severity", "channel", "decided_by")
        ),
        yes_no_words("warning_given", lang),
    )


def without_warning_headers(lang: Lang) -> dict[str, str]:
    """Column headers of :func:`without_warning_rows` in ``lang`` (the contract's labels)."""
    return {c: field_label(c, lang) for c in WITHOUT_WARNING_COLUMNS}


MISSING_COLUMNS = [
    "incident_id",
    "department",
    "unit",
    "occurred_on",
    "harassment_type",
    "severity",
    "absence_days",
    "absence_from",
    "deadline_on",
]


def missing_rows(frame: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """Rows of ``work_accidents_missing`` for the table: categories by their labels in
    ``lang``, days of absence as text; dates stay dates (the table formats them)."""
    return frame.select(MISSING_COLUMNS).with_columns(
        *(category_labels(c, lang) for c in ("harassment_type", "severity")),
        pl.col("absence_days").map_elements(
            lambda v: format_number(v, lang), return_dtype=pl.String
        ),
    )


def missing_headers(lang: Lang) -> dict[str, str]:
    """Column headers of :func:`missing_rows` in ``lang``."""
    return {
        c: t("rules.missing_deadline", lang) if c == "deadline_on" else field_label(c, lang)
        for c in MISSING_COLUMNS
    }


def selected_incident(rows: pl.DataFrame, selected: Sequence[int]) -> Mapping[str, Any] | None:
    """The row picked in a single-row table selection (positions into ``rows``), or None when
    nothing is selected or the position is stale (the rows changed since the click)."""
    if not selected:
        return None
    position = int(selected[0])
    if not 0 <= position < rows.height:
        return None
    return rows.row(position, named=True)
