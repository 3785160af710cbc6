"""Headline figures of a view and the same figures for the period just before it.

The figures are derived from the outcome registry: every count of the metrics frame, each
outcome's rate (count over known), and each registry share, plus the inquiry counts. The
Overview shows the ones each spec lists in ``OutcomeSpec.headline``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import polars as pl

from dashboard.metrics import registry
from dashboard.metrics.filters import Filters
from dashboard.metrics.report import MetricsReport

INQUIRY_TOTALS = ("inquiries", "open", "open_overdue")
# Every headline count: the registry's counts and known-denominators, and the inquiry totals.
HEADLINE_COUNTS = (*registry.SUMMED_COLUMNS, *INQUIRY_TOTALS)


@dataclass(frozen=True)
class Headline:
    """Totals over the groups of a report: ``counts`` by column name, and the rates and
    shares computed from them (``value(name)``; attribute access works too:
    ``h.police_report_rate``)."""

    counts: Mapping[str, int | None] = field(default_factory=dict)
    # the threshold of a suppressed report: no rate or share of a total from 1 to it − 1
    small_below: int = 0

    def value(self, name: str) -> int | float | None:
        """A count, an outcome's rate or a registry share by its metric name; None for a
        count whose total the metrics layer hides, and for the rates computed from it."""
        if name in self.counts:
            return self.counts[name]
        for spec in registry.OUTCOMES:
            if name == spec.rate:
                return _rate(self.usable(spec.count), self.usable(spec.known))
        for share in registry.SHARES:
            if name == share.name:
                whole = [self.usable(c) for c in share.whole]
                total = None if None in whole else sum(w for w in whole if w is not None)
                return _rate(self.usable(share.part), total)
        raise KeyError(f"no headline figure {name!r}")

    def usable(self, name: str) -> int | None:
        """A count to compute from or compare: None when hidden or from 1 to the threshold − 1."""
        value = self.counts[name]
        return None if value is not None and 0 < value < self.small_below else value

    def __getattr__(self, name: str) -> int | float | None:
        if name.startswith("_") or name in ("counts", "small_below"):
            raise AttributeError(name)
        try:
            return self.value(name)
        except KeyError:
            raise AttributeError(name) from None


def _rate(part: int | None, whole: int | None) -> float | None:
    if part is None or whole is None:
        return None
    return part / whole if whole else None


def headline(report: MetricsReport) -> Headline:
    """The municipality-level (or filtered) totals of a report, summed over its focus
    groups (``focus_incidents``) before suppression (``report.totals``)."""
    counts = {c: report.totals[c] for c in (*registry.SUMMED_COLUMNS, *INQUIRY_TOTALS)}
    return Headline(counts, small_below=report.totals.suppress_below)


def headline_from_totals(totals: pl.DataFrame, *, small_below: int = 0) -> Headline:
    """A headline from the one row of ``dashboard/sql/period_totals.sql``; ``small_below``
    as in :class:`Headline` (the threshold of the report it is compared with)."""
    row = totals.row(0, named=True)
    return Headline({c: int(row[c] or 0) for c in HEADLINE_COUNTS}, small_below=small_below)


def change(now: Headline, before: Headline | None, name: str) -> int | float | None:
    """The change of figure ``name`` from ``before`` to ``now``; None without a previous
    period, and where either side is hidden or a count from 1 to the threshold − 1: "+48"
    next to 50 gives a previous 2 back, and so does "−1" next to "<5" once either is known.
    Rates and shares of such counts are None already (:meth:`Headline.value`)."""
    if before is None:
        return None
    current: int | float | None
    previous: int | float | None
    if name in now.counts:
        current, previous = now.usable(name), before.usable(name)
    else:
        current, previous = now.value(name), before.value(name)
    if current is None or previous is None:
        return None
    return current - previous


def previous_period(filters: Filters, bounds: tuple[date, date] | None) -> Filters | None:
    """The same filters over the equally long period just before; None without a period."""
    start = filters.date_from or (bounds[0] if bounds else None)
    end = filters.date_to or (bounds[1] if bounds else None)
    if start is None or end is None:
        return None
    length = (end - start).days + 1
    return replace(
        filters, date_from=start - timedelta(days=length), date_to=start - timedelta(days=1)
    )
