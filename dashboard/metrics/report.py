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
from dashboard.metrics.equal_treatment import (
    CMH_CONTINUITY_CORRECTION,
    GroupFinding,
    RuleFinding,
    cmh_for,
    equal_treatment,
    generalised_cmh_for,
    outliers,
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
    # the 0.5 continuity correction in each group's CMH test (see CMH_CONTINUITY_CORRECTION)
    cmh_correction: bool = CMH_CONTINUITY_CORRECTION
    _cmh: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    def tests_with_cmh(self, name: str) -> dict[str, Any]:
        """The equal-treatment results of one rate (e.g. ``"police_report_rate"``) with the
        Cochran–Mantel–Haenszel test of each group against the rest (``cmh``, each with its
        Breslow–Day test; ``cmh_correction`` says whether it is continuity-corrected) and the
        generalised CMH test over all groups (``generalised_cmh``), computed on first use:
        only the equal-treatment page, the export and the CLI need them."""
        if name not in self._cmh:
            outcome = cast(Outcome, name.removesuffix("_rate"))
            self._cmh[name] = {
                "cmh": cmh_for(
                    self.strata, outcome, adjust=self.adjust, correction=self.cmh_correction
                ).to_dicts(),
                "cmh_correction": self.cmh_correction,
                "generalised_cmh": generalised_cmh_for(self.strata, outcome),
            }
        return {**self.equal_treatment[name], **self._cmh[name]}


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
    cmh_correction: bool = CMH_CONTINUITY_CORRECTION,
) -> MetricsReport:
    """Run the queries of one view and compute every metric and test.

    ``cmh_correction`` applies the 0.5 continuity correction to each group's CMH test (R's
    ``mantelhaen.test`` default; off by default here, see ``CMH_CONTINUITY_CORRECTION``).

    ``delays=False`` leaves out the days-to-action quantiles (their columns are null) for
    pages that do not show them: the quantiles cost as much as all the counts together.
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
    findings = [f for outcome in OUTCOMES for f in outliers(incidents, outcome)]
    return MetricsReport(
        filters=filters,
        scope=scope,
        by=by,
        extract_date=extract,
        incidents=incidents,
        inquiries=inquiries,
        strata=strata,
        equal_treatment=equal_treatment(incidents, strata, adjust=adjust),
        findings=findings,
        inquiries_by_type=inquiries_by_type,
        rule_findings=rule_outliers(incidents),
        suppress_below=suppress_below,
        adjust=adjust,
        cmh_correction=cmh_correction,
    )


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
