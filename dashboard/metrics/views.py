"""Display-ready frames for the Response times, Equal treatment and Incidents pages.

Pure functions, no Streamlit: they take the aggregated frames of a
:class:`~dashboard.metrics.report.MetricsReport` or the rows of a page query and return
what a page shows — group labels, translated category labels, formatted statistics, counts
of 1 to ``suppress_below`` − 1 replaced by "<5" — so a page only lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import polars as pl

from dashboard.contract import VOCABULARIES, field_names
from dashboard.formatting import (
    format_count,
    format_date,
    format_interval,
    format_number,
    format_percent,
    format_ratio,
)
from dashboard.i18n import Lang, field_label, group_words, label, metric_label, t
from dashboard.metrics import peers as peer_groups
from dashboard.metrics.disclosure import Totals
from dashboard.metrics.filters import GroupBy
from dashboard.metrics.findings import format_p
from dashboard.metrics.funnel import funnel_curve, verdict_curve
from dashboard.metrics.incidents import Outcome, OutcomeScreening

# --------------------------------------------------------------------------- shared


def date_format(lang: Lang) -> str:
    """The momentJS date format of st.column_config.DateColumn matching ``format_date``."""
    return "DD-MM-YYYY" if lang == "da" else "YYYY-MM-DD"


def with_group_label(frame: pl.DataFrame, by: GroupBy) -> pl.DataFrame:
    """The ``by`` column as the group's display name (charts title it by the column name).

    By department: the department. By unit: the unit, or the department when the unit is
    missing; a unit name found in more than one department gets its department in brackets.
    """
    if by == "department" or frame.is_empty():
        return frame
    name = pl.coalesce(pl.col("unit"), pl.col("department"))
    departments_per_name = pl.col("department").n_unique().over(name)
    return frame.with_columns(
        pl.when(departments_per_name > 1)
        .then(pl.format("{} ({})", name, pl.col("department")))
        .otherwise(name)
        .alias("unit")
    )


def _count(value: Any, small: bool, lang: Lang, threshold: int) -> str:
    return format_count(
        None if value is None else int(value), lang, small=small, threshold=threshold
    )


def category_labels(column: str, lang: Lang) -> pl.Expr:
    """A category column (named after its vocabulary) as its labels in ``lang``; missing
    values as "Ukendt"/"Unknown", values outside the vocabulary as they are."""
    mapping = {c.value: label(column, c.value, lang) for c in VOCABULARIES[column]}
    return pl.col(column).replace(mapping).fill_null(t("common.unknown", lang)).alias(column)


def yes_no_words(column: str, lang: Lang) -> pl.Expr:
    """A yes/no column as "Ja"/"Nej"/"Ukendt" (en: "Yes"/"No"/"Unknown")."""
    return (
        pl.when(pl.col(column))
        .then(pl.lit(t("common.yes", lang)))
        .when(pl.col(column).not_())
        .then(pl.lit(t("common.no", lang)))
        .otherwise(pl.lit(t("common.unknown", lang)))
        .alias(column)
    )


def _yes_no(value: bool | None, lang: Lang) -> str:
    if value is None:
        return t("common.unknown", lang)
    return t("common.yes", lang) if value else t("common.no", lang)


# --------------------------------------------------------------------------- response times


@dataclass(frozen=True)
class InquiryTotals:
    """Inquiry figures summed over the groups of a report; None where the metrics layer
    hides a total (so that a hidden cell cannot be worked out), with the shares from it."""

    inquiries: int | None
    answered: int | None
    open: int | None
    open_overdue: int | None
    answered_within_deadline: int | None
    # the threshold of a suppressed report: no share of a total from 1 to it − 1
    small_below: int = 0

    def _usable(self, value: int | None) -> int | None:
        return None if value is not None and 0 < value < self.small_below else value

    @property
    def share_within_deadline(self) -> float | None:
        """Share answered within the deadline among the inquiries whose deadline is decided:
        the answered ones and the open ones past their deadline, which count as late (None
        if there are none)."""
        answered, overdue, within = (
            self._usable(v)
            for v in (self.answered, self.open_overdue, self.answered_within_deadline)
        )
        if answered is None or overdue is None or within is None:
            return None
        decided = answered + overdue
        return within / decided if decided else None

    @property
    def share_within_deadline_answered(self) -> float | None:
        """Share of the answered inquiries answered within the deadline (None if none)."""
        answered, within = self._usable(self.answered), self._usable(self.answered_within_deadline)
        if answered is None or within is None:
            return None
        return within / answered if answered else None


def inquiry_totals(inquiries: pl.DataFrame | Mapping[str, int | None]) -> InquiryTotals:
    """The inquiry totals: ``report.totals`` (summed before suppression, None where
    hidden), or an unsuppressed ``report.inquiries`` summed over its groups."""

    def total(column: str) -> int | None:
        if not isinstance(inquiries, pl.DataFrame):
            value = inquiries.get(column, 0)
            return None if value is None else int(value)
        return int(inquiries[column].sum()) if inquiries.height else 0

    return InquiryTotals(
        inquiries=total("inquiries"),
        answered=total("answered"),
        open=total("open"),
        open_overdue=total("open_overdue"),
        answered_within_deadline=total("answered_within_deadline"),
        small_below=inquiries.suppress_below if isinstance(inquiries, Totals) else 0,
    )


def inquiry_group_table(
    inquiries: pl.DataFrame,
    by: GroupBy | Literal["inquiry_type"],
    lang: Lang,
    *,
    suppress_below: int = 5,
) -> pl.DataFrame:
    """Per group (or per inquiry type, ``by="inquiry_type"``, from
    ``report.inquiries_by_type``), as text with translated headers: counts (small ones as
    "<5"), the shares within the deadline, and the plain and Kaplan–Meier medians side by side,
    the latter with its 95 % interval (:func:`km_interval`)."""
    if by == "inquiry_type":
        labelled = ombudsman_first(inquiries).with_columns(category_labels("inquiry_type", lang))
    else:
        labelled = with_group_label(inquiries, by).sort(by, nulls_last=True)
    counts = ["inquiries", "answered", "open", "open_overdue"]
    days = ["median_response_days", "km_median_response_days", "p90_response_days"]
    group = field_label(by, lang)
    rows: dict[str, list[str]] = {group: []}
    shares = ["share_within_deadline", "share_within_deadline_answered"]
    for column in [*counts, *shares, *days]:
        rows[metric_label(column, lang)] = []
    km_ci = t("strata_tests.km_ci", lang)
    rows[km_ci] = []
    for row in labelled.iter_rows(named=True):
        small = set(row.get("small_counts") or [])
        hidden = set(row.get("suppressed_counts") or []) - small
        rows[group].append(str(row[by]))
        for column in counts:
            rows[metric_label(column, lang)].append(
                t("disclosure.hidden", lang)
                if column in hidden
                else _count(row[column], column in small, lang, suppress_below)
            )
        for column in shares:
            rows[metric_label(column, lang)].append(format_percent(row[column], lang))
        for column in days:
            rows[metric_label(column, lang)].append(format_number(row[column], lang, 1))
        rows[km_ci].append(
            km_interval(
                row["km_median_response_days_ci_low"], row["km_median_response_days_ci_high"], lang
            )
        )
    return pl.DataFrame(rows, schema=dict.fromkeys(rows, pl.String))


def km_interval(low: float | None, high: float | None, lang: Lang) -> str:
    """A Kaplan–Meier median's interval as text, e.g. "9–23" or "9–not reached": a limit
    whose band never falls to one half is "not reached" (R prints NA), not missing."""
    if low is None:
        return format_number(None, lang)
    upper = (
        format_number(high, lang, 1) if high is not None else t("strata_tests.km_open_end", lang)
    )
    return f"{format_number(low, lang, 1)}–{upper}"


def ombudsman_first(by_type: pl.DataFrame) -> pl.DataFrame:
    """Rows per inquiry type with the ombudsman's requests first (what the ombudsman checks
    first), then the other types in the contract's order."""
    order = [c.value for c in VOCABULARIES["inquiry_type"]]
    rank = {v: (v != "ombudsman", order.index(v)) for v in order}
    return by_type.sort(
        pl.col("inquiry_type").replace_strict(
            {v: i for i, v in enumerate(sorted(order, key=rank.__getitem__))},
            default=len(order),
            return_dtype=pl.Int64,
        )
    )


def with_chart_n(frame: pl.DataFrame, count: str) -> pl.DataFrame:
    """Adds ``n`` (the chart tooltips' number of cases): ``count``, or null where it is one
    of the group's small counts, so a tooltip never shows what a table shows as "<5"."""
    return frame.with_columns(
        n=pl.when(pl.col("small_counts").list.contains(count)).then(None).otherwise(pl.col(count))
    )


OPEN_INQUIRY_COLUMNS = [
    "inquiry_id",
    "department",
    "unit",
    "inquiry_type",
    "received_on",
    "deadline_on",
    "days_open",
    "days_overdue",
]


def open_inquiry_rows(frame: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """``open_inquiries`` rows with the inquiry type's label in ``lang`` (dates stay dates)."""
    return frame.select(OPEN_INQUIRY_COLUMNS).with_columns(category_labels("inquiry_type", lang))


def open_inquiry_headers(lang: Lang) -> dict[str, str]:
    """Column headers of :func:`open_inquiry_rows` in ``lang``."""
    return {
        c: t(f"response_times.{c}", lang) if c.startswith("days_") else field_label(c, lang)
        for c in OPEN_INQUIRY_COLUMNS
    }


# --------------------------------------------------------------------------- equal treatment


def oe_points(
    incidents: pl.DataFrame,
    outcome: Outcome,
    by: GroupBy,
    *,
    peers: pl.DataFrame | None = None,
    lang: Lang = "da",
    suppress_below: int = 5,
) -> pl.DataFrame:
    """Per group: display label (column ``by``), expected count, O/E, its verdict and whether
    it is in focus; with ``peers`` (``MetricsReport.peers``) the groups outside the scope
    follow, unnamed (:func:`dashboard.metrics.peers.oe_points`)."""
    own = with_group_label(incidents, by).select(
        by, f"{outcome}_expected", f"{outcome}_oe", f"{outcome}_verdict", "focus"
    )
    if peers is None or peers.is_empty():
        return own
    unnamed = peer_groups.oe_points(peers, outcome, by, lang, suppress_below=suppress_below)
    return pl.concat([own, unnamed.select(own.columns).cast(own.schema)])


def oe_curve(
    incidents: pl.DataFrame,
    outcome: Outcome,
    screening: OutcomeScreening | None = None,
    *,
    adjusted: bool = True,
    peers: pl.DataFrame | None = None,
) -> pl.DataFrame | None:
    """The O/E funnel limits up to the largest expected count, ``peers``' included (None if
    none): with the
    outcome's ``screening``, the verdict's limits at its level and 95 % (widened for
    over-dispersion unless ``adjusted`` is False); without, the 95 % and 99.8 % Poisson ones."""
    if incidents.is_empty():
        return None
    largest = incidents[f"{outcome}_expected"].max()
    if peers is not None and not peers.is_empty():
        largest = max(largest or 0.0, peers[f"{outcome}_expected"].max() or 0.0)
    if largest is None or not float(largest) > 0:  # type: ignore[arg-type]
        return None
    if screening is None:
        return funnel_curve(1.0, float(largest), kind="ratio")  # type: ignore[arg-type]
    return verdict_curve(
        float(largest),  # type: ignore[arg-type]
        confidence=screening.confidence,
        null=screening.null,
        variance_ratio=screening.variance_ratio,
        overdispersion=screening.overdispersion if adjusted else None,
    )


def verdict_limit_labels(screening: OutcomeScreening, lang: Lang) -> tuple[str, str]:
    """The legend's names of :func:`oe_curve`'s inner (95 %) and outer (verdict) limits."""
    level = format_number(100 * screening.confidence, lang, 1)
    return t("stats.funnel_limit_95", lang), f"{t('verdict.limit', lang)} ({level} %)"


def screening_table(screening: OutcomeScreening, lang: Lang) -> pl.DataFrame:
    """How an outcome's verdicts were reached (null, φ, its p-value, τ², the limits used),
    as a two-column table (measure, value)."""
    od = screening.overdispersion
    rows = [
        (t("verdict.null", lang), t(f"verdict.null_{screening.null}", lang)),
        (t("verdict.phi", lang), format_number(od.phi, lang, 2)),
        (t("verdict.phi_p", lang), format_p(od.p_value, lang)),
        (t("verdict.tau2", lang), format_number(od.tau2, lang, 4)),
        (t("verdict.method", lang), t(f"verdict.method_{od.method}", lang)),
    ]
    return pl.DataFrame(
        {
            t("equal_treatment.measure", lang): [r[0] for r in rows],
            t("equal_treatment.value", lang): [r[1] for r in rows],
        }
    )


def chi2_table(result: Mapping[str, Any], by: GroupBy, lang: Lang) -> pl.DataFrame:
    """The chi-square result of one outcome over the groups ``by`` as a table (measure,
    value); with the result of
    :meth:`MetricsReport.tests_with_cmh`, the generalised CMH test (the adjusted global test)
    in a third column beside it, with the number of strata it used."""

    def number(value: Any, decimals: int = 0) -> str:
        return format_number(float(value), lang, decimals) if value is not None else "–"

    measures = [
        t("equal_treatment.groups_compared", lang, **group_words(by, lang)),
        t("equal_treatment.chi2_statistic", lang),
        t("equal_treatment.dof", lang),
        t("equal_treatment.p_value", lang),
        t("equal_treatment.method", lang),
    ]
    groups = format_number(int(result["groups"]), lang)
    crude = [
        groups,
        number(result.get("chi2"), 2),
        number(result.get("dof")),
        format_p(result.get("reported_p_value"), lang),
        t(f"equal_treatment.method_{result['method']}", lang),
    ]
    measure = t("equal_treatment.measure", lang)
    adjusted = result.get("generalised_cmh")
    if adjusted is None:
        return pl.DataFrame({measure: measures, t("equal_treatment.value", lang): crude})
    return pl.DataFrame(
        {
            measure: [*measures, t("strata_tests.strata", lang)],
            t("strata_tests.crude", lang): [*crude, ""],
            t("strata_tests.adjusted", lang): [
                groups,
                number(adjusted["statistic"], 2),
                number(adjusted["dof"]),
                format_p(adjusted["p_value"], lang),
                t("strata_tests.method_generalised_cmh", lang),
                format_number(int(adjusted["strata"]), lang),
            ],
        }
    )


def cmh_table(result: Mapping[str, Any], by: GroupBy, lang: Lang) -> pl.DataFrame:
    """Each group against the rest within strata: pooled odds ratio with its interval, p,
    adjusted p and the Breslow–Day p of a common odds ratio, as text with translated headers
    (the unit, then its department, when grouped by unit), sorted by the adjusted p (smallest first; groups that could not be tested last)."""
    rows = sorted(
        result.get("cmh", []),
        key=lambda r: (r["p_adjusted"] is None, r["p_adjusted"] or 0.0, r["p_value"] or 0.0),
    )
    names = ["unit", "department"] if by == "unit" else ["department"]
    headers = [
        *(field_label(n, lang) for n in names),
        t("equal_treatment.odds_ratio", lang),
        t("equal_treatment.odds_ratio_ci", lang),
        t("equal_treatment.p_value", lang),
        t("equal_treatment.p_adjusted", lang),
        t("strata_tests.breslow_day_p", lang),
    ]
    values: list[list[str]] = [[] for _ in headers]
    for r in rows:
        cells = [
            *(r[n] if r[n] is not None else t("common.unknown", lang) for n in names),
            format_ratio(r["pooled_odds_ratio"], lang),
            format_interval(r["odds_ratio_ci_low"], r["odds_ratio_ci_high"], lang, percent=False),
            format_p(r["p_value"], lang),
            format_p(r["p_adjusted"], lang),
            format_p(r["breslow_day_p_value"], lang),
        ]
        for column, cell in zip(values, cells, strict=True):
            column.append(cell)
    return pl.DataFrame(
        dict(zip(headers, values, strict=True)), schema=dict.fromkeys(headers, pl.String)
    )


# --------------------------------------------------------------------------- incidents

INCIDENT_LIST_COLUMNS = [
    "incident_id",
    "case_id",
    "occurred_on",
    "department",
    "unit",
    "harassment_type",
    "severity",
    "channel",
    "citizen_no",
    "employee_no",
    "documented",
    "warning_given",
    "police_reported",
    "decided_by",
    "work_accident_reported",
    "absence_days",
    "notes",
]
# A person's number within one view (the queries' citizen_no, employee_no) -> the catalogue
# keys of its header and of its alias ("Borger 2"): pseudonyms are never shown.
PERSON_ALIASES = {
    "citizen_no": ("person_alias.citizen_header", "person_alias.citizen"),
    "employee_no": ("person_alias.employee_header", "person_alias.employee"),
}


def _header(column: str, lang: Lang) -> str:
    if column in PERSON_ALIASES:
        return t(PERSON_ALIASES[column][0], lang)
    return field_label(column, lang)


def person_alias(column: str, number: int | None, lang: Lang) -> str | None:
    """ "Borger 2" / "Citizen 2" for a person's number within a view; None when unknown."""
    if number is None:
        return None
    return t(PERSON_ALIASES[column][1], lang, n=format_number(number, lang))


def _alias_column(rows: pl.DataFrame, column: str, lang: Lang) -> pl.Series:
    aliases = [person_alias(column, n, lang) for n in rows[column].to_list()]
    return pl.Series(column, aliases, dtype=pl.String)


def numbered_as_listed(incident: Mapping[str, Any], listed: pl.DataFrame) -> dict[str, Any]:
    """One incident (``incident_detail``) with its people numbered as in the incident list
    ``listed`` shows them, when it is listed there: one view, one number per person."""
    numbered = dict(incident)
    if listed.is_empty() or "incident_id" not in listed.columns:
        return numbered
    row = listed.filter(pl.col("incident_id") == incident.get("incident_id"))
    if row.height:
        for column in PERSON_ALIASES:
            if column in row.columns and column in numbered:
                numbered[column] = row[column][0]
    return numbered


_CATEGORIES = (
    "harassment_type",
    "severity",
    "channel",
    "decided_by",
    "documentation_form",
    "documented_by",
)
_FLAGS = ("documented", "warning_given", "police_reported", "work_accident_reported")


def incident_rows(frame: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """``incident_list`` rows for the table: categories by their labels in ``lang``, yes/no
    flags as words ("Ukendt" when unknown); dates stay dates so the table sorts them."""
    rows = frame.select([c for c in INCIDENT_LIST_COLUMNS if c in frame.columns])
    return rows.with_columns(
        *(category_labels(c, lang) for c in _CATEGORIES if c in rows.columns),
        *(yes_no_words(c, lang) for c in _FLAGS if c in rows.columns),
        *(_alias_column(rows, c, lang) for c in PERSON_ALIASES if c in rows.columns),
    )


def incident_headers(columns: list[str], lang: Lang) -> dict[str, str]:
    """Translated headers of incident columns (the contract's field labels)."""
    return {c: _header(c, lang) for c in columns}


TimelineStep = Literal["incident", "warning", "police_report", "work_accident"]
_STEPS: tuple[tuple[TimelineStep, str | None, str], ...] = (
    ("incident", None, "occurred_on"),
    ("warning", "warning_given", "warning_on"),
    ("police_report", "police_reported", "police_reported_on"),
    ("work_accident", "work_accident_reported", "work_accident_reported_on"),
)


def timeline_events(incident: Mapping[str, Any], lang: Lang) -> pl.DataFrame:
    """One incident's dated steps (incident → warning → police report → work-accident
    notification) as ``event`` (label in ``lang``) and ``on`` (date), for
    ``charts.timeline_chart``. A step whose flag says no is left out even if dated."""
    events: list[tuple[str, date]] = []
    for step, flag, on in _STEPS:
        when = incident.get(on)
        if when is None or (flag is not None and incident.get(flag) is False):
            continue
        events.append((t(f"incidents.step_{step}", lang), when))
    return pl.DataFrame(
        {"event": [e[0] for e in events], "on": [e[1] for e in events]},
        schema={"event": pl.String, "on": pl.Date},
    )


def undated_steps(incident: Mapping[str, Any], lang: Lang) -> list[str]:
    """Sentences for the steps that were taken but have no date (not on the timeline)."""
    return [
        t("incidents.undated", lang, step=t(f"incidents.step_{step}", lang))
        for step, flag, on in _STEPS
        if flag is not None and incident.get(flag) is True and incident.get(on) is None
    ]


# Every stored field of one incident in the contract's order, each person by their number
# within the view (the pseudonyms never leave the store): what incident_detail.sql returns.
_PERSON_NUMBERS = {"citizen_ref": "citizen_no", "employee_ref": "employee_no"}
_DETAIL_FIELDS = [_PERSON_NUMBERS.get(name, name) for name in field_names("incidents")]


def incident_facts(incident: Mapping[str, Any], lang: Lang) -> pl.DataFrame:
    """Every field of one incident as (field label, value as text in ``lang``)."""
    names, values = [], []
    for name in _DETAIL_FIELDS:
        if name not in incident:
            continue
        value = incident[name]
        if name in PERSON_ALIASES:
            text = person_alias(name, value, lang) or "–"
        elif name in _CATEGORIES:
            text = label(name, value, lang)
        elif name in _FLAGS:
            text = _yes_no(value, lang)
        elif isinstance(value, date):
            text = format_date(value, lang)
        elif isinstance(value, int) and not isinstance(value, bool):
            text = format_number(value, lang)
        else:
            text = "–" if value is None or value == "" else str(value)
        names.append(_header(name, lang))
        values.append(text)
    headers = (t("incidents.field", lang), t("incidents.value", lang))
    return pl.DataFrame(
        {headers[0]: names, headers[1]: values}, schema=dict.fromkeys(headers, pl.String)
    )
