"""Headline figures of a view and the same figures for the period just before it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import polars as pl

from dashboard.metrics.filters import Filters
from dashboard.metrics.report import MetricsReport


@dataclass(frozen=True)
class Headline:
    """Totals over the groups of a report."""

    incidents: int
    police_reports: int
    police_report_rate: float | None
    warnings: int
    warning_rate: float | None
    work_accidents: int
    work_accident_rate: float | None
    documented: int
    documentation_rate: float | None
    police_without_prior_warning: int
    police_prior_warning_unknown: int
    work_accident_missing: int
    work_accident_compliance_rate: float | None  # notified among the required (known)
    inquiries: int
    open: int
    open_overdue: int


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def headline(report: MetricsReport) -> Headline:
    """Sum the groups of a report into municipality-level (or filtered) totals."""
    inc, inq = report.incidents, report.inquiries

    def total(frame: pl.DataFrame, column: str) -> int:
        return int(frame[column].sum()) if frame.height else 0

    return Headline(
        incidents=total(inc, "incidents"),
        police_reports=total(inc, "police_reports"),
        police_report_rate=_rate(total(inc, "police_reports"), total(inc, "police_report_known")),
        warnings=total(inc, "warnings"),
        warning_rate=_rate(total(inc, "warnings"), total(inc, "warning_known")),
        work_accidents=total(inc, "work_accidents"),
        work_accident_rate=_rate(total(inc, "work_accidents"), total(inc, "work_accident_known")),
        documented=total(inc, "documented"),
        documentation_rate=_rate(total(inc, "documented"), total(inc, "documentation_known")),
        police_without_prior_warning=total(inc, "police_without_prior_warning"),
        police_prior_warning_unknown=total(inc, "police_prior_warning_unknown"),
        work_accident_missing=total(inc, "work_accident_missing"),
        work_accident_compliance_rate=_rate(
            total(inc, "work_accident_required_notified"),
            total(inc, "work_accident_required_notified") + total(inc, "work_accident_missing"),
        ),
        inquiries=total(inq, "inquiries"),
        open=total(inq, "open"),
        open_overdue=total(inq, "open_overdue"),
    )


def headline_from_totals(totals: pl.DataFrame) -> Headline:
    """A headline from the one row of ``dashboard/sql/period_totals.sql``."""
    row = {k: int(v or 0) for k, v in totals.row(0, named=True).items()}
    return Headline(
        incidents=row["incidents"],
        police_reports=row["police_reports"],
        police_report_rate=_rate(row["police_reports"], row["police_report_known"]),
        warnings=row["warnings"],
        warning_rate=_rate(row["warnings"], row["warning_known"]),
        work_accidents=row["work_accidents"],
        work_accident_rate=_rate(row["work_accidents"], row["work_accident_known"]),
        documented=row["documented"],
        documentation_rate=_rate(row["documented"], row["documentation_known"]),
        police_without_prior_warning=row["police_without_prior_warning"],
        police_prior_warning_unknown=row["police_prior_warning_unknown"],
        work_accident_missing=row["work_accident_missing"],
        work_accident_compliance_rate=_rate(
            row["work_accident_required_notified"],
            row["work_accident_required_notified"] + row["work_accident_missing"],
        ),
        inquiries=row["inquiries"],
        open=row["open"],
        open_overdue=row["open_overdue"],
    )


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
