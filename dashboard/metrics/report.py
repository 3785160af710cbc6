"""Everything one view needs, computed once: incident and inquiry metrics per group, the
equal-treatment tests and the plain-language findings. Used by the CLI and by the pages."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, cast

import duckdb
import polars as pl

from dashboard import queries
from dashboard.metrics import disclosure, registry
from dashboard.metrics.equal_treatment import (
    GroupFinding,
    RuleFinding,
    cmh_for,
    equal_treatment,
    outliers,
    outside_99_8,
    rule_outliers,
)
from dashboard.metrics.filters import ALL, GROUP_BY, Filters, GroupBy, Scope, query_params
from dashboard.metrics.incidents import DELAY_SCHEMA, OUTCOMES, Outcome, incident_metrics
from dashboard.metrics.inquiries import INQUIRY_TYPE_KEYS, inquiry_metrics

Adjust = Literal["holm", "fdr_bh"]


def extract_date(con: duckdb.DuckDBPyConnection, override: date | None = None) -> date | None:
    """The given date, else the latest date in the data (None for an empty store)."""
    if override is not None:
        return override
    value = queries.run(con, "extract_date", {})["extract_date"][0]
    return value if isinstance(value, date) else None


@dataclass(frozen=True)
class MetricsReport:
    """Metrics of one view (filters × scope × grouping)."""

    filters: Filters
    scope: Scope
    by: GroupBy
    extract_date: date | None
    incidents: pl.DataFrame
    inquiries: pl.DataFrame
    strata: pl.DataFrame
    equal_treatment: dict[str, dict[str, Any]]
    findings: list[GroupFinding] = field(default_factory=list)
    # the inquiry metrics per inquiry type (one row per type) over every group shown
    inquiries_by_type: pl.DataFrame = field(default_factory=pl.DataFrame)
    # groups below the 99.8 % limits of a legal duty's share (registry Share.finding)
    rule_findings: list[RuleFinding] = field(default_factory=list)
    suppress_below: int = 5
    adjust: Adjust = "holm"
    # every count summed over the groups before suppression (the headline and page totals);
    # None for a total hidden so that a hidden cell cannot be worked out from it
    totals: disclosure.Totals = field(default_factory=lambda: disclosure.Totals({}))
    # False only for an analyst's explicit --unsuppressed / export option (audit-logged)
    suppressed: bool = True
    _cmh: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False, compare=False)

    def tests_with_cmh(self, name: str) -> dict[str, Any]:
        """The equal-treatment results of one rate (e.g. ``"police_report_rate"``) with the
        Cochran–Mantel–Haenszel test of each group against the rest, computed on first use:
        only the equal-treatment page, the export and the CLI need it."""
        if name not in self._cmh:
            outcome = cast(Outcome, name.removesuffix("_rate"))
            rows = cmh_for(self.strata, outcome, adjust=self.adjust).to_dicts()
            self._cmh[name] = [self._suppress_cmh(row, outcome) for row in rows]
        return {**self.equal_treatment[name], "cmh": self._cmh[name]}

    def shown_breakdown(self, frame: pl.DataFrame, count: str) -> pl.DataFrame:
        """A group × category table of ``count`` from a breakdown query (``documented_by``
        …) of this view, suppressed as the metrics frame is (unless the report is not)."""
        if not self.suppressed:
            return frame
        return disclosure.suppress_breakdown(frame, count, self.incidents, self.suppress_below)

    def _suppress_cmh(self, row: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
        """A group's CMH result with its figures null where its count or denominator is
        suppressed: the statistic and the odds ratio of one group would give them back."""
        if not self.suppressed:
            return row
        spec = registry.BY_NAME[outcome]
        hidden = self.incidents.filter(
            pl.col("department").eq_missing(row.get("department")),
            pl.col("unit").eq_missing(row.get("unit")),
        )["suppressed_counts"].to_list()
        if not any(spec.count in h or spec.known in h for h in hidden):
            return row
        keep = ("department", "unit")
        return {k: (v if k in keep else None) for k, v in row.items()}


def build_report(
    con: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    scope: Scope = ALL,
    by: GroupBy = "unit",
    *,
    extract_on: date | None = None,
    work_accident_days: int = 14,
    suppress_below: int = 5,
    adjust: Adjust = "holm",
    delays: bool = True,
    unsuppressed: bool = False,
) -> MetricsReport:
    """Run the queries of one view and compute every metric and test.

    ``delays=False`` leaves out the days-to-action quantiles (their columns are null) for
    pages that do not show them: the quantiles cost as much as all the counts together.

    The per-group frames are suppressed (:func:`dashboard.metrics.disclosure.suppress`)
    before they leave: small counts and whatever would give them back are null.
    ``unsuppressed=True`` leaves them in; only an analyst may ask, and the caller logs it.
    """
    if by not in GROUP_BY:
        raise ValueError(f"Group by one of {', '.join(GROUP_BY)}, not {by!r}.")
    filters = filters or Filters()
    extract = extract_date(con, extract_on)
    params = query_params(
        filters,
        scope,
        group_by=by,
        work_accident_days=work_accident_days,
        extract_date=extract or date.today(),
    )
    strata = queries.run(con, "incident_outcomes_by_group_stratum", params)
    delay_rows = (
        queries.run(con, "incident_delays_by_group", params)
        if delays
        else pl.DataFrame(schema=DELAY_SCHEMA)
    )
    incidents = incident_metrics(strata, delay_rows, adjust=adjust, suppress_below=suppress_below)
    durations = queries.run(con, "inquiry_durations_by_group", params)
    inquiries = inquiry_metrics(durations, suppress_below=suppress_below)
    inquiries_by_type = inquiry_metrics(
        durations, suppress_below=suppress_below, keys=INQUIRY_TYPE_KEYS
    )
    totals: dict[str, int | None] = {
        **{c: _total(incidents, c) for c in registry.SUMMED_COLUMNS},
        **{c: _total(inquiries, c) for c in disclosure.INQUIRIES.counts},
    }
    tests = equal_treatment(incidents, strata, adjust=adjust)
    if not unsuppressed:
        shown = disclosure.suppress(incidents, disclosure.INCIDENTS, suppress_below)
        shown_inquiries = disclosure.suppress(inquiries, disclosure.INQUIRIES, suppress_below)
        # the types' totals are the groups' totals: one hidden there is hidden here too
        by_type = disclosure.suppress(inquiries_by_type, disclosure.INQUIRIES, suppress_below)
        hidden = shown.hidden_totals | shown_inquiries.hidden_totals | by_type.hidden_totals
        totals |= dict.fromkeys(hidden)
        incidents, inquiries = shown.frame, shown_inquiries.frame
        inquiries_by_type = by_type.frame
    else:  # nothing is marked small in what an analyst asked to see in full
        incidents, inquiries, inquiries_by_type = (
            f.drop("small_counts", strict=False) for f in (incidents, inquiries, inquiries_by_type)
        )
    # from the frame shown: a group whose O/E is suppressed is not named with its figures
    findings = [f for outcome in OUTCOMES for f in outliers(incidents, outcome)]
    for outcome in OUTCOMES:
        tests[f"{outcome}_rate"]["outside_99_8"] = outside_99_8(incidents, outcome)
    return MetricsReport(
        filters=filters,
        scope=scope,
        by=by,
        extract_date=extract,
        incidents=incidents,
        inquiries=inquiries,
        strata=strata,
        equal_treatment=tests,
        findings=findings,
        inquiries_by_type=inquiries_by_type,
        rule_findings=rule_outliers(incidents),
        suppress_below=suppress_below,
        adjust=adjust,
        totals=disclosure.Totals(totals, 0 if unsuppressed else suppress_below),
        suppressed=not unsuppressed,
    )


def _total(frame: pl.DataFrame, column: str) -> int:
    return int(frame[column].sum()) if frame.height and column in frame.columns else 0


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def rows_json(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON objects; ``x_ci_low``/``x_ci_high`` pairs become ``x_ci: [low, high]``."""
    out = []
    for row in frame.iter_rows(named=True):
        item: dict[str, Any] = {}
        for key, value in row.items():
            if key.endswith("_ci_high"):
                continue
            if key.endswith("_ci_low"):
                base = key[: -len("_low")]
                item[base] = [_clean(value), _clean(row[base + "_high"])]
            else:
                item[key] = _clean(value)
        out.append(item)
    return out
