"""The incident outcomes, each declared once.

An :class:`OutcomeSpec` says what an outcome is in the data (its yes/no column and date
column), what the stratum query (``dashboard/sql/incident_outcomes_by_group_stratum.sql``)
returns for it (the count of incidents where it was done, the incidents where that is
known, and the counts of its legal rule), which shares are taken of those counts, and
where its texts live in the catalogues. Everything else is derived from :data:`OUTCOMES`:
the metrics frame's columns and their names, the summed and suppressed counts, the headline
figures, the export's and the command line's columns and the findings. A test
(``tests/metrics/test_registry.py``) fails when a spec names a column the query does not
return or a text missing in either catalogue.

The rules themselves (which police report had a prior warning, when a work accident must be
notified and from which day the deadline runs) are SQL macros in ``dashboard/store/macros.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["police_report", "warning", "work_accident", "documentation"]


@dataclass(frozen=True)
class Share:
    """A share of one count among the sum of others, per group: ``part / sum(whole)``
    (null when the whole is 0), with a Wilson 95 % interval when ``interval``.

    With ``finding``, a group whose share lies below the 99.8 % limits of the funnel around
    the share over all groups shown is named in the findings (``rules.finding_<name>_low``):
    the shares that are a legal duty, where only too low is a finding.
    """

    name: str
    part: str
    whole: tuple[str, ...]
    interval: bool = False
    finding: bool = False


@dataclass(frozen=True)
class OutcomeSpec:
    """One incident outcome.

    ``count`` and ``known`` name the stratum query's columns (incidents where it was done /
    where it is known whether it was); ``rule_counts`` its legal rule's counts, which the
    metrics carry per group; ``partition`` lists rule counts that add up to ``count`` (each
    counted incident falls in exactly one); ``shares`` the shares shown of them.
    ``page`` is the catalogue section of its page (``<page>.rate_title`` …) and ``nav`` its
    navigation key; the findings are ``stats.finding_<name>_high`` / ``_low``. ``headline``
    lists the figures of it the Overview shows, in order.
    """

    name: Outcome
    flag: str  # the contract's yes/no field
    date: str | None  # the contract's date field of the action, if any
    count: str
    known: str
    page: str
    delays: bool = False  # days from the incident to the dated action (median, 90th percentile)
    rule_counts: tuple[str, ...] = ()
    partition: tuple[str, ...] = ()
    shares: tuple[Share, ...] = field(default_factory=tuple)
    headline: tuple[str, ...] = ()  # the figures the Overview shows (counts, rate, shares)

    @property
    def rate(self) -> str:
        """The rate's column: ``count / known``."""
        return f"{self.name}_rate"

    @property
    def counts(self) -> tuple[str, ...]:
        """Every count column of this outcome."""
        return (self.count, *self.rule_counts)


POLICE_REPORT = OutcomeSpec(
    name="police_report",
    flag="police_reported",
    date="police_reported_on",
    count="police_reports",
    known="police_report_known",
    page="police",
    delays=True,
    headline=(
        "police_reports",
        "police_without_prior_warning",
        "police_prior_warning_unknown",
        "police_report_rate",
    ),
    rule_counts=(
        "police_with_prior_warning",
        "police_without_prior_warning",
        "police_prior_warning_unknown",
    ),
    partition=(
        "police_with_prior_warning",
        "police_without_prior_warning",
        "police_prior_warning_unknown",
    ),
    shares=(
        Share("police_with_prior_warning_share", "police_with_prior_warning", ("police_reports",)),
        Share(
            "police_without_prior_warning_share",
            "police_without_prior_warning",
            ("police_reports",),
        ),
        Share(
            "police_prior_warning_unknown_share",
            "police_prior_warning_unknown",
            ("police_reports",),
        ),
    ),
)
WARNING = OutcomeSpec(
    name="warning",
    flag="warning_given",
    date="warning_on",
    count="warnings",
    known="warning_known",
    page="warnings",
    headline=("warning_rate",),
)
WORK_ACCIDENT = OutcomeSpec(
    name="work_accident",
    flag="work_accident_reported",
    date="work_accident_reported_on",
    count="work_accidents",
    known="work_accident_known",
    page="work_accidents",
    delays=True,
    headline=("work_accident_missing", "work_accident_compliance_rate", "work_accident_rate"),
    rule_counts=(
        "work_accident_required",
        "work_accident_required_notified",
        "work_accident_missing",
        "work_accidents_within_deadline",
        "work_accidents_late",
        "work_accidents_undated",
        "deadline_from_absence_from",
        "deadline_from_day_after",
        "deadline_from_incident",
    ),
    partition=("work_accidents_within_deadline", "work_accidents_late", "work_accidents_undated"),
    shares=(
        Share(
            "work_accident_compliance_rate",
            "work_accident_required_notified",
            ("work_accident_required_notified", "work_accident_missing"),
            interval=True,
            finding=True,
        ),
        Share(
            "work_accidents_within_deadline_share",
            "work_accidents_within_deadline",
            ("work_accidents_within_deadline", "work_accidents_late"),
            interval=True,
        ),
    ),
)
DOCUMENTATION = OutcomeSpec(
    name="documentation",
    flag="documented",
    date=None,
    count="documented",
    known="documentation_known",
    page="documentation",
    headline=("documentation_rate",),
)

OUTCOMES: tuple[OutcomeSpec, ...] = (POLICE_REPORT, WARNING, WORK_ACCIDENT, DOCUMENTATION)
BY_NAME: dict[Outcome, OutcomeSpec] = {spec.name: spec for spec in OUTCOMES}
OUTCOME_NAMES: tuple[Outcome, ...] = tuple(spec.name for spec in OUTCOMES)

# Every count of the metrics frame: the incidents, then each outcome's counts.
COUNT_COLUMNS: list[str] = ["incidents", *(c for spec in OUTCOMES for c in spec.counts)]
# Every column summed over strata into a group's figures.
SUMMED_COLUMNS: list[str] = [*COUNT_COLUMNS, *(spec.known for spec in OUTCOMES)]
SHARES: tuple[Share, ...] = tuple(s for spec in OUTCOMES for s in spec.shares)


def spec_problems(spec: OutcomeSpec, sql_columns: set[str], keys: set[str]) -> list[str]:
    """What an outcome spec lacks: columns the stratum query does not return (``sql_columns``)
    and texts missing from a catalogue (``keys``, its dotted keys). Empty when complete."""
    problems = [
        f"{spec.name}: the stratum query has no column {c!r}"
        for c in (spec.count, spec.known, *spec.rule_counts)
        if c not in sql_columns
    ]
    counts = set(spec.counts)
    problems += [
        f"{spec.name}: {s.name} takes {c!r}, which is not one of its counts"
        for s in spec.shares
        for c in (s.part, *s.whole)
        if c not in counts
    ]
    known_figures = {*counts, spec.rate, *(s.name for s in spec.shares)}
    problems += [
        f"{spec.name}: its headline shows {h!r}, which is none of its figures"
        for h in spec.headline
        if h not in known_figures
    ]
    problems += [
        f"{spec.name}: its partition names {c!r}, which is not one of its rule counts"
        for c in spec.partition
        if c not in spec.rule_counts
    ]
    wanted = [
        *(f"metrics.{c}" for c in spec.counts),
        f"metrics.{spec.rate}",
        f"metrics.{spec.name}_oe",
        *(f"metrics.{s.name}" for s in spec.shares),
        *(f"metrics.{h}" for h in spec.headline),
        *(f"rules.finding_{s.name}_low" for s in spec.shares if s.finding),
        *(f"stats.finding_{spec.name}_{d}" for d in ("high", "low")),
        *(f"{spec.page}.{k}" for k in ("rate_title", "rate_help")),
        f"{spec.page}.group_table",
        f"nav.{spec.page}",
        f"fields.{spec.flag}",
        *([f"fields.{spec.date}"] if spec.date else []),
    ]
    problems += [f"{spec.name}: no text {k!r}" for k in wanted if k not in keys]
    return problems
