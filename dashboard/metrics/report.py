"""Everything one view needs, computed once: incident and inquiry metrics per group, the
equal-treatment tests and the plain-language findings. Used by the CLI and by the pages."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, cast

import duckdb
import polars as pl

from dashboard import queries
from dashboard.config import Peers
from dashboard.metrics import disclosure, registry
from dashboard.metrics import peers as peer_groups
from dashboard.metrics.equal_treatment import (
    CMH_CONTINUITY_CORRECTION,
    GroupFinding,
    RuleFinding,
    cmh_for,
    equal_treatment,
    generalised_cmh_for,
    outliers,
    rule_outliers,
    verdicts_json,
)
from dashboard.metrics.filters import ALL, GROUP_BY, Filters, GroupBy, Scope, query_params
from dashboard.metrics.incidents import (
    DELAY_SCHEMA,
    OUTCOMES,
    Outcome,
    OutcomeScreening,
    incident_metrics,
)
from dashboard.metrics.incidents import totals as summed
from dashboard.metrics.inquiries import INQUIRY_TYPE_KEYS, inquiry_metrics

Adjust = Literal["holm", "fdr_bh"]


def extract_date(
    con: duckdb.DuckDBPyConnection, override: date | None = None, scope: Scope = ALL
) -> date | None:
    """The given date, else the latest date in the data within ``scope`` (None when there is
    none)."""
    if override is not None:
        return override
    value = queries.run(con, "extract_date", query_params(Filters(), scope))["extract_date"][0]
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
    # per outcome: the null, over-dispersion and level behind the verdicts
    screenings: dict[Outcome, OutcomeScreening] = field(default_factory=dict)
    # the 0.5 continuity correction in each group's CMH test (see CMH_CONTINUITY_CORRECTION)
    cmh_correction: bool = CMH_CONTINUITY_CORRECTION
    # every count summed over the reference population (the municipality within the
    # period, type, channel and severity filters): the baselines of the rates and shares
    reference_totals: dict[str, int] = field(default_factory=dict)
    # the groups outside a limited scope, unnamed (dashboard.metrics.peers), for funnels and
    # dot plots only; empty for the whole municipality and with DASHBOARD_PEERS=hidden
    peers: pl.DataFrame = field(default_factory=pl.DataFrame)
    _cmh: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    def baseline(self, outcome: Outcome) -> float | None:
        """The outcome's rate over the reference population (None when none is known, or
        when its count or denominator is small and the report suppressed)."""
        spec = registry.BY_NAME[outcome]
        return self._reference_share(self.reference_totals.get(spec.count, 0), [spec.known])

    def share_baseline(self, name: str) -> float | None:
        """A registry share (``work_accident_compliance_rate`` …) over the reference, as
        :meth:`baseline`."""
        share = next(s for s in registry.SHARES if s.name == name)
        return self._reference_share(self.reference_totals.get(share.part, 0), share.whole)

    def _reference_share(self, part: int, whole_columns: Sequence[str]) -> float | None:
        whole = sum(self.reference_totals.get(c, 0) for c in whole_columns)
        small = self.suppressed and any(0 < v < self.suppress_below for v in (part, whole))
        return part / whole if whole and not small else None

    @property
    def focus_incidents(self) -> pl.DataFrame:
        """The rows of ``incidents`` that the department/unit filter is about (every row
        without such a filter): what headline totals add up. ``incidents`` itself holds every
        group in the viewer's scope, the focus rows first."""
        if not (self.filters.departments or self.filters.units):
            return self.incidents
        return self.incidents.filter(pl.col("focus"))

    def tests_with_cmh(self, name: str) -> dict[str, Any]:
        """The equal-treatment results of one rate (e.g. ``"police_report_rate"``) with the
        Cochran–Mantel–Haenszel test of each group against the rest (``cmh``, each with its
        Breslow–Day test; ``cmh_correction`` says whether it is continuity-corrected) and the
        generalised CMH test over all groups (``generalised_cmh``), computed on first use:
        only the equal-treatment page, the export and the CLI need them."""
        if name not in self._cmh:
            outcome = cast(Outcome, name.removesuffix("_rate"))
            self._cmh[name] = {
                "cmh": [
                    self._suppress_cmh(row, outcome)
                    for row in cmh_for(
                        self.strata, outcome, adjust=self.adjust, correction=self.cmh_correction
                    ).to_dicts()
                ],
                "cmh_correction": self.cmh_correction,
                "generalised_cmh": generalised_cmh_for(self.strata, outcome),
            }
        return {**self.equal_treatment[name], **self._cmh[name]}

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
    cmh_correction: bool = CMH_CONTINUITY_CORRECTION,
    peers: Peers = "hidden",
) -> MetricsReport:
    """Run the queries of one view and compute every metric and test.

    ``cmh_correction`` applies the 0.5 continuity correction to each group's CMH test (R's
    ``mantelhaen.test`` default; off by default here, see ``CMH_CONTINUITY_CORRECTION``).

    ``delays=False`` leaves out the days-to-action quantiles (their columns are null) for
    pages that do not show them: the quantiles cost as much as all the counts together.

    ``peers="anonymous"`` adds the groups outside a limited ``scope`` as unnamed rows
    (``MetricsReport.peers``, :mod:`dashboard.metrics.peers`); the pages ask for them as
    ``DASHBOARD_PEERS`` says, everything else (exports, the report, the CLI) never does.

    The per-group frames are suppressed (:func:`dashboard.metrics.disclosure.suppress`)
    before they leave: small counts and whatever would give them back are null.
    ``unsuppressed=True`` leaves them in; only an analyst may ask, and the caller logs it.
    The unnamed rows are always suppressed.
    """
    if by not in GROUP_BY:
        raise ValueError(f"Group by one of {', '.join(GROUP_BY)}, not {by!r}.")
    filters = filters or Filters()
    extract = extract_date(con, extract_on, scope)
    # The groups shown: every group in the viewer's scope, the department/unit filter being
    # the focus; the reference: the whole municipality (no focus, whatever the scope) within
    # the other filters, its groups outside the scope unnamed (the view still carries the
    # scope: see in_population in macros.sql). Both from the same query, so their counts are
    # those of the same incidents.
    # Grouped by department, a unit filter narrows the departments' counts to those units:
    # there the filtered departments are the rows shown (still against the municipality).
    narrowed = by == "department" and bool(filters.units)
    unfocused = replace(filters, departments=(), units=())

    def params_for(view_filters: Filters, *, reference: bool = False) -> dict[str, Any]:
        return query_params(
            view_filters,
            scope,
            group_by=by,
            work_accident_days=work_accident_days,
            extract_date=extract or date.today(),
            reference=reference,
        )

    params = params_for(filters)
    shown_params = params if narrowed else params_for(unfocused)
    with_peers = peers == "anonymous" and not scope.everything
    # The reference's named groups are the groups shown, with the same counts, unless a unit
    # filter narrows the departments or a unit grant splits a department: then the metrics of
    # everyone are computed once and the groups shown are the named rows of them.
    from_everyone = with_peers and not narrowed and (by == "unit" or not scope.units)

    def outcome_rows(view_params: dict[str, Any]) -> pl.DataFrame:
        return peer_groups.keyed(
            queries.run(con, "incident_outcomes_by_group_stratum", view_params)
        )

    if scope.everything and not narrowed:
        strata = reference = outcome_rows(shown_params)
    elif from_everyone:
        reference = outcome_rows(params_for(unfocused, reference=True))
        strata = reference.filter(~peer_groups.is_peer())
    else:
        strata = outcome_rows(shown_params)
        reference = outcome_rows(params_for(unfocused, reference=True))
    delay_rows = (
        queries.run(con, "incident_delays_by_group", shown_params)
        if delays
        else pl.DataFrame(schema=DELAY_SCHEMA)
    )
    # narrowed: every department shown is the focus (each holds the filtered units)
    focus = (
        (tuple(strata["department"].unique().drop_nulls()), ())
        if narrowed
        else (filters.departments, filters.units)
    )
    peer_rows = pl.DataFrame()
    if from_everyone:
        everyone, screenings = incident_metrics(
            reference, delay_rows, reference=reference, focus=focus, suppress_below=suppress_below
        )
        incidents = everyone.filter(~peer_groups.is_peer())
        peer_rows = peer_groups.peer_rows(everyone)
    else:
        incidents, screenings = incident_metrics(
            strata, delay_rows, reference=reference, focus=focus, suppress_below=suppress_below
        )
        if with_peers:
            everyone, _ = incident_metrics(
                reference,
                pl.DataFrame(schema=DELAY_SCHEMA),
                reference=reference,
                suppress_below=suppress_below,
            )
            peer_rows = peer_groups.peer_rows(everyone)
    durations = queries.run(con, "inquiry_durations_by_group", params)
    inquiries = inquiry_metrics(durations, suppress_below=suppress_below)
    inquiries_by_type = inquiry_metrics(
        durations, suppress_below=suppress_below, keys=INQUIRY_TYPE_KEYS
    )
    focus_rows = (
        incidents.filter(pl.col("focus"))
        if (filters.departments or filters.units) and "focus" in incidents.columns
        else incidents
    )
    # the headline adds up the focus rows (MetricsReport.focus_incidents)
    totals: dict[str, int | None] = {
        **{c: _total(focus_rows, c) for c in registry.SUMMED_COLUMNS},
        **{c: _total(inquiries, c) for c in disclosure.INQUIRIES.counts},
    }
    tests = equal_treatment(incidents, strata, screenings)
    if not unsuppressed:
        shown = _suppress_by_focus(incidents, suppress_below, focused=focus_rows is not incidents)
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
    # an unnamed group is suppressed as a named one is, whoever asks: its hidden counts and
    # everything computed from them are null, and it is not drawn
    peer_rows = disclosure.suppress(peer_rows, disclosure.INCIDENTS, suppress_below).frame
    # from the frame shown: a group whose O/E is suppressed is not named with its figures
    findings = [
        f for outcome in OUTCOMES for f in outliers(incidents, outcome, screenings[outcome])
    ]
    for outcome in OUTCOMES:
        tests[f"{outcome}_rate"]["verdicts"] = verdicts_json(
            incidents, outcome, screenings[outcome]
        )
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
        screenings=screenings,
        cmh_correction=cmh_correction,
        reference_totals=summed(reference),
        peers=peer_rows,
    )


def _suppress_by_focus(
    incidents: pl.DataFrame, threshold: int, *, focused: bool
) -> disclosure.Suppressed:
    """Suppress the incident groups; with a department/unit filter the focus rows (whose
    sums are the headline) and the other groups in scope are each a line of their own, so
    neither the focus total nor the scope's total minus the cells shown gives a hidden one."""
    if not focused:
        return disclosure.suppress(incidents, disclosure.INCIDENTS, threshold)
    focus = disclosure.suppress(incidents.filter(pl.col("focus")), disclosure.INCIDENTS, threshold)
    rest = disclosure.suppress(incidents.filter(~pl.col("focus")), disclosure.INCIDENTS, threshold)
    return disclosure.Suppressed(
        pl.concat([focus.frame, rest.frame], how="vertical_relaxed"), focus.hidden_totals
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
