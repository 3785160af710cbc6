"""What the report says, as plain blocks: the one adapter between the metrics layer and the
PDF. New metric names change this module only.

Every figure comes from a :class:`~dashboard.metrics.report.MetricsReport` (the same view and
scope as the pages and ``dashboard metrics``) or from a page query run with the same filters
and scope; tables are the pages' own display frames, so small counts are suppressed exactly
as on the pages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import polars as pl

from dashboard import charts, queries, stats
from dashboard.contract import DEFAULT_DEADLINES
from dashboard.formatting import (
    format_count,
    format_date,
    format_interval,
    format_number,
    format_percent,
)
from dashboard.i18n import LANGS, Lang, field_label, group_words, label, metric_label, t
from dashboard.metrics import disclosure, methods, outcomes, registry, views
from dashboard.metrics.export_tables import method_label, scope_text
from dashboard.metrics.filters import query_params
from dashboard.metrics.findings import (
    chi2_sentence,
    finding_sentence,
    format_p,
    rule_finding_sentence,
)
from dashboard.metrics.incidents import COLUMNS, FUNNEL_CONFIDENCES, Outcome
from dashboard.metrics.report import MetricsReport

# The questions the data cannot answer: one Markdown file each in the answers folder.
ANSWER_KEYS = ("guidelines", "police_procedure", "decision_participants", "documentation_practice")
WITHOUT_WARNING_LIMIT = 40  # rows of the table of police reports without a prior warning
CHART_WIDTH = 620  # pixels; the chart is scaled to the text width
_SMALL = re.compile(r"<\s?\d")  # a suppressed count as format_count writes it
# The works the method appendix cites, in its order (report_method.source_<key>).
SOURCES = ("work_accidents", "spiegelhalter", "dersimonian", "bh", "cmh", "wilson", "km")


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Subheading:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A numbered table; ``numeric`` marks the columns set right-aligned."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A numbered figure: a Vega-Lite specification, rendered to SVG when the PDF is made."""

    caption: str
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class Answer:
    """A text the administration supplies (``text`` None: not supplied)."""

    heading: str
    text: str | None
    missing: str  # what the report says when the text was not supplied


Block = Paragraph | Subheading | Bullets | Table | Chart | Answer


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    lang: Lang
    title: str
    subtitle: str
    addressee: str
    cover: tuple[tuple[str, str], ...]
    notice: str | None
    sections: tuple[Section, ...]
    appendix: Section
    texts: Mapping[str, str] = field(default_factory=dict)  # words the layout needs


def read_answers(folder: Path | None) -> dict[str, str]:
    """The administration's answers: ``<key>.md`` in ``folder`` for each of :data:`ANSWER_KEYS`
    that exists and is not blank."""
    if folder is None:
        return {}
    found = {}
    for key in ANSWER_KEYS:
        path = folder / f"{key}.md"
        if path.is_file():
            text = path.read_text(encoding="utf-8-sig").strip()
            if text:
                found[key] = text
    return found


def _answer(key: str, answers: Mapping[str, str], lang: Lang) -> Answer:
    text = answers.get(key, "").strip() or None
    missing = t("report.answer_missing", lang, file=f"{key}.md")
    return Answer(t(f"report.answer_{key}", lang), text, missing)


def _count(value: int | None, lang: Lang, threshold: int) -> str:
    """A count as text: "<5" when small, "skjult" when None (a total the metrics layer hides)."""
    if value is None:
        return t("disclosure.hidden", lang)
    return format_count(value, lang, small=0 < value < threshold, threshold=threshold)


def _frame_table(
    frame: pl.DataFrame, caption: str, *, first_text: int = 1, note: str = ""
) -> Table:
    """A display frame of the pages (all text) as a table; columns after the first
    ``first_text`` are numbers."""
    rows = tuple(tuple("" if v is None else str(v) for v in row) for row in frame.iter_rows())
    numeric = tuple(i >= first_text for i in range(frame.width))
    return Table(caption, tuple(frame.columns), rows, numeric, note if _suppressed(rows) else "")


def _suppressed(rows: Sequence[Sequence[str]]) -> bool:
    """Whether a table shows a suppressed count ("<5") or a hidden one ("skjult"): its note
    then says what that means."""
    hidden = {t("disclosure.hidden", lang) for lang in LANGS}
    return any(_SMALL.match(cell) or cell in hidden for row in rows for cell in row)


def _rate_chart(report: MetricsReport, outcome: Outcome, lang: Lang) -> alt.TopLevelMixin | None:
    points = outcomes.rate_points(report.incidents, outcome, report.by)
    if points.is_empty():
        return None
    return charts.rate_dot_plot(
        points,
        rate=f"{outcome}_rate",
        ci_low=f"{outcome}_rate_ci_low",
        ci_high=f"{outcome}_rate_ci_high",
        label=report.by,
        baseline=report.baseline(outcome),
        lang=lang,
        title="",
        signal=f"{outcome}_verdict",
        n=None,
    )


def _funnel_chart(report: MetricsReport, outcome: Outcome, lang: Lang) -> alt.TopLevelMixin | None:
    screening = report.screenings.get(outcome)
    curve = views.oe_curve(report.incidents, outcome, screening)
    if curve is None or screening is None:
        return None
    return charts.funnel_plot(
        views.oe_points(report.incidents, outcome, report.by),
        curve,
        x=f"{outcome}_expected",
        y=f"{outcome}_oe",
        label=report.by,
        kind="ratio",
        lang=lang,
        title="",
        signal=f"{outcome}_verdict",
        limit_labels=views.verdict_limit_labels(screening, lang),
    )


def _chart(chart: alt.TopLevelMixin | None, caption: str) -> list[Block]:
    if chart is None:
        return []
    spec = chart.to_dict(validate=False)  # the schema check costs more than the rendering
    spec["width"] = CHART_WIDTH
    return [Chart(caption, spec)]


class _Builder:
    """Builds the blocks of one report (one view, one language)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        report: MetricsReport,
        lang: Lang,
        *,
        work_accident_days: int,
        deadline_days: Mapping[str, int] | None = None,
    ) -> None:
        self.con, self.report, self.lang = con, report, lang
        self.threshold = report.suppress_below
        self.days = work_accident_days
        # without settings, the contract's defaults (what Settings holds when none is set)
        self.deadlines = dict(deadline_days or {k: v.days for k, v in DEFAULT_DEADLINES.items()})
        self.words = group_words(report.by, lang)
        self.params = query_params(report.filters, report.scope, group_by=report.by)

    # ------------------------------------------------------------------ helpers

    def count(self, value: int | None) -> str:
        return _count(value, self.lang, self.threshold)

    def share(self, part: int | None, whole: int | None) -> tuple[str, str]:
        """A share and its Wilson 95 % interval, as text; none when either total is hidden
        or, in a suppressed report, from 1 to the threshold − 1 (it would give it back)."""
        small = self.threshold if self.report.suppressed else 0
        if part is None or whole is None or any(0 < v < small for v in (part, whole)) or whole <= 0:
            return format_percent(None, self.lang), format_interval(
                None, None, self.lang, percent=True
            )
        low, high = stats.wilson_interval(part, whole)
        return (
            format_percent(part / whole, self.lang),
            format_interval(low, high, self.lang, percent=True),
        )

    def outcome_figures(self, outcome: Outcome) -> dict[str, str]:
        totals = outcomes.outcome_totals(self.report.totals, outcome)
        rate, ci = self.share(totals.count, totals.known)
        return {
            "count": self.count(totals.count),
            "known": self.count(totals.known),
            "rate": rate,
            "ci": ci,
        }

    def outcome_table(self, outcome: Outcome, extra: Sequence[str] = ()) -> Table:
        frame = outcomes.outcome_table(
            self.report.incidents,
            outcome,
            self.report.by,
            self.lang,
            extra_counts=extra,
            suppress_below=self.threshold,
        )
        caption = t(
            "report.table_outcome",
            self.lang,
            outcome=metric_label(COLUMNS[outcome].count, self.lang),
            group=self.words["group"],
        )
        # The verdict of each row (the pages show it as the charts' shapes), and the rows of
        # the department/unit filter first: the same order as the pages' table.
        groups = views.with_group_label(self.report.incidents, self.report.by).sort(
            self.report.by, nulls_last=True
        )
        verdict = t("verdict.legend", self.lang)
        frame = (
            frame.with_columns(
                pl.Series(
                    verdict,
                    [
                        t(f"verdict.{v}", self.lang) if v else "–"
                        for v in groups[f"{outcome}_verdict"]
                    ],
                    dtype=pl.String,
                ),
                _focus=groups["focus"],
            )
            .sort("_focus", descending=True, maintain_order=True)
            .drop("_focus")
        )
        table = _frame_table(frame, caption, note=self.small_note())
        focused = int(groups["focus"].sum())
        note = table.note
        if focused:
            focus = t("report_figures.focus_rows", self.lang, n=format_number(focused, self.lang))
            note = f"{focus} {note}".strip()
        numeric = (*table.numeric[:-1], False)  # the verdict is a word
        return Table(table.caption, table.headers, table.rows, numeric, note)

    def rate_caption(self, outcome: Outcome) -> str:
        caption = t(
            "report.fig_rate",
            self.lang,
            outcome=metric_label(f"{outcome}_rate", self.lang),
            group=self.words["group"],
        )
        if self.report.filters.departments or self.report.filters.units:
            caption += " " + t("report_figures.focus_points", self.lang, **self.words)
        return caption

    def small_note(self) -> str:
        return t(
            "stats.small_numbers_explained",
            self.lang,
            max_small=format_number(self.threshold - 1, self.lang),
            threshold=format_number(self.threshold, self.lang),
        )

    def verdicts(self, outcome: Outcome) -> list[Block]:
        """The verdicts of one outcome: groups below the 99.8 % limits of its legal rule's
        shares, groups outside the 99.8 % limits of its O/E, and the chi-square result."""
        shares = {
            share.name
            for spec in registry.OUTCOMES
            if spec.name == outcome
            for share in spec.shares
        }
        lines = [
            rule_finding_sentence(f, self.lang, suppress_below=self.threshold)
            for f in self.report.rule_findings
            if f.share in shares
        ]
        lines += [
            finding_sentence(f, self.lang, suppress_below=self.threshold)
            for f in self.report.findings
            if f.outcome == outcome
        ]
        result = self.report.equal_treatment.get(f"{outcome}_rate")
        if result:
            lines.append(chi2_sentence(result, self.lang, self.report.by))
        if not lines:
            return []
        return [Subheading(t("report.verdict_heading", self.lang)), Bullets(tuple(lines))]

    def category_table(self, query: str, category: str, count: str, caption: str) -> list[Block]:
        rows = queries.run(self.con, query, self.params)
        if rows.is_empty():
            return []
        # the categories add up to the total shown: the metrics layer's rule for one line
        totals = disclosure.category_totals(rows, category, count, self.threshold)
        whole = int(totals[count].sum())
        counts = [int(n) for n in totals[count].to_list()]
        hidden = totals["hidden"].to_list() if self.report.suppressed else [False] * len(counts)
        body = tuple(
            (
                label(category, value, self.lang),
                t("disclosure.hidden", self.lang)
                if hide and n >= self.threshold
                else self.count(n),
                "–" if hide or not whole else format_percent(n / whole, self.lang),
            )
            for value, n, hide in zip(totals[category].to_list(), counts, hidden, strict=True)
        )
        headers = (
            t("report.category", self.lang),
            t("report.count", self.lang),
            t("report.share", self.lang),
        )
        note = self.small_note() if _suppressed(body) else ""
        return [Table(caption, headers, body, (False, True, True), note)]

    # ------------------------------------------------------------------ sections

    def guidelines(self, answers: Mapping[str, str]) -> Section:
        return Section(
            t("report.q1_title", self.lang), (_answer("guidelines", answers, self.lang),)
        )

    def police(self, answers: Mapping[str, str]) -> Section:
        lang = self.lang
        blocks: list[Block] = [
            _answer("police_procedure", answers, lang),
            _answer("decision_participants", answers, lang),
            Subheading(t("report.data_heading", lang)),
        ]
        if self.report.incidents.is_empty():
            blocks.append(Paragraph(t("report.no_incidents", lang)))
            return Section(t("report.q2_title", lang), tuple(blocks))
        blocks.append(
            Paragraph(t("report.police_paragraph", lang, **self.outcome_figures("police_report")))
        )
        rate_caption = self.rate_caption("police_report")
        blocks += _chart(_rate_chart(self.report, "police_report", lang), rate_caption)
        blocks.append(self.outcome_table("police_report", ["police_without_prior_warning"]))
        blocks += self.category_table(
            "police_decided_by", "decided_by", "police_reports", t("report.decided_title", lang)
        )
        blocks.append(Subheading(t("report.uniform_heading", lang)))
        screening = self.report.screenings.get("police_report")
        level = methods.level_text(screening.confidence, lang) if screening else ""
        blocks.append(Paragraph(t("report_figures.uniform_intro", lang, level=level, **self.words)))
        blocks += _chart(
            _funnel_chart(self.report, "police_report", lang),
            t(
                "report_figures.fig_funnel",
                lang,
                group=self.words["group"],
                inner=methods.level_text(FUNNEL_CONFIDENCES[0], lang),
                level=level,
            ),
        )
        blocks += self.verdicts("police_report")
        blocks.append(self.tests_table())
        return Section(t("report.q2_title", lang), tuple(blocks))

    def tests_table(self) -> Table:
        """The crude chi-square per outcome, and beside it the generalised CMH test (the same
        question within harassment type × severity)."""
        lang = self.lang
        rows = []
        for name, result in self.report.equal_treatment.items():
            chi2 = result.get("chi2")
            adjusted = self.report.tests_with_cmh(name)["generalised_cmh"]
            rows.append(
                (
                    metric_label(name, lang),
                    format_number(chi2, lang, 2) if chi2 is not None else "–",
                    format_number(result.get("dof"), lang),
                    format_p(result.get("reported_p_value"), lang),
                    method_label(str(result["method"]), lang),
                    format_number(adjusted["statistic"], lang, 2),
                    format_p(adjusted["p_value"], lang),
                )
            )
        headers = (
            t("export.outcome", lang),
            t("export.statistic", lang),
            t("export.dof", lang),
            t("equal_treatment.p_value", lang),
            t("export.method", lang),
            t("strata_tests.export_adjusted_statistic", lang),
            t("strata_tests.export_adjusted_p", lang),
        )
        return Table(
            t("report.table_tests", lang),
            headers,
            tuple(rows),
            (False, True, True, True, False, True, True),
        )

    def warnings(self) -> Section:
        lang = self.lang
        title = t("report.q3_title", lang)
        if self.report.incidents.is_empty():
            return Section(title, (Paragraph(t("report.no_incidents", lang)),))
        totals = outcomes.outcome_totals(self.report.totals, "warning")
        share, _ = self.share(
            totals.counts["police_without_prior_warning"], totals.counts["police_reports"]
        )
        blocks: list[Block] = [
            Paragraph(
                t(
                    "report.warning_paragraph",
                    lang,
                    **self.outcome_figures("warning"),
                    police=self.count(totals.counts["police_reports"]),
                    without=self.count(totals.counts["police_without_prior_warning"]),
                    share=share,
                )
            ),
            self.outcome_table("warning"),
        ]
        blocks += self.verdicts("warning")
        blocks.append(Subheading(t("report.without_title", lang)))
        blocks += self.without_warning(totals.counts["police_without_prior_warning"])
        return Section(title, tuple(blocks))

    def without_warning(self, total: int | None) -> list[Block]:
        lang = self.lang
        if total == 0:
            return [Paragraph(t("report.without_none", lang))]
        # listing them would show the suppressed count (None: a total hidden as well)
        if total is None or total < self.threshold:
            return [Paragraph(t("report.without_suppressed", lang, threshold=str(self.threshold)))]
        rows = queries.run(
            self.con,
            "police_without_prior_warning",
            {**self.params, "limit": WITHOUT_WARNING_LIMIT},
        )
        # The citizen as "Borger 1" (numbered within this table, as the Incidents page
        # numbers its list): the stable pseudonym never leaves the store. A no-break space
        # keeps the alias on one line in the narrow column.
        aliases = [
            (views.person_alias("citizen_no", n, lang) or "–").replace(" ", "\u00a0")
            for n in rows["citizen_no"]
        ]
        shown = (
            outcomes.without_warning_rows(rows, lang)
            .with_columns(citizen_no=pl.Series(aliases, dtype=pl.String))
            .select(
                "incident_id",
                "citizen_no",
                "occurred_on",
                "unit",
                "police_reported_on",
                "decided_by",
            )
        )
        body = tuple(
            tuple(
                format_date(v, lang) if isinstance(v, date) else ("" if v is None else str(v))
                for v in row
            )
            for row in shown.iter_rows()
        )
        note = (
            t(
                "report.without_shown",
                lang,
                shown=format_number(len(body), lang),
                total=format_number(total, lang),
            )
            if total > len(body)
            else ""
        )
        headers = tuple(
            t("person_alias.citizen_header", lang) if c == "citizen_no" else field_label(c, lang)
            for c in shown.columns
        )
        return [
            Table(t("report.without_title", lang), headers, body, (False,) * len(headers), note)
        ]

    def documentation(self, answers: Mapping[str, str]) -> Section:
        lang = self.lang
        blocks: list[Block] = [
            _answer("documentation_practice", answers, lang),
            Subheading(t("report.data_heading", lang)),
        ]
        if self.report.incidents.is_empty():
            blocks.append(Paragraph(t("report.no_incidents", lang)))
        else:
            blocks.append(
                Paragraph(
                    t(
                        "report.documentation_paragraph",
                        lang,
                        **self.outcome_figures("documentation"),
                    )
                )
            )
            blocks += _chart(
                _rate_chart(self.report, "documentation", lang),
                self.rate_caption("documentation"),
            )
            blocks.append(self.outcome_table("documentation"))
            blocks += self.category_table(
                "documentation_forms",
                "documentation_form",
                "documented",
                t("report.forms_title", lang),
            )
            blocks += self.category_table(
                "documented_by",
                "documented_by",
                "documented",
                t("report_content.documented_by_title", lang),
            )
            blocks += self.verdicts("documentation")
        return Section(t("report.q4_title", lang), tuple(blocks))

    def work_accidents(self) -> Section:
        """Notified as work accidents; had to be notified, notified and not (the legal duty);
        within the deadline, late and undated."""
        lang = self.lang
        title = t("report.q5_title", lang)
        if self.report.incidents.is_empty():
            return Section(title, (Paragraph(t("report.no_incidents", lang)),))
        totals = self.report.totals

        def total(column: str) -> int | None:
            return totals[column]  # None: hidden, so that a suppressed count is not given back

        interval = methods.level_text(stats.INTERVAL_CONFIDENCE, lang)
        figures = self.outcome_figures("work_accident")
        paragraphs = [
            t("report_figures.work_accident_paragraph", lang, **figures, interval=interval)
        ]
        required = total("work_accident_required")
        notified, missing = total("work_accident_required_notified"), total("work_accident_missing")
        if required == 0:
            paragraphs.append(t("report_figures.work_accident_required_none", lang))
        else:
            # the share would reveal a suppressed (or hidden) count of notified or missing
            hidden = any(n is None or 0 < n < self.threshold for n in (notified, missing))
            whole = None if notified is None or missing is None else notified + missing
            compliance, compliance_ci = self.share(notified, whole)
            paragraphs.append(
                t(
                    "report_figures.work_accident_required_hidden"
                    if hidden
                    else "report_figures.work_accident_required",
                    lang,
                    required=self.count(required),
                    notified=self.count(notified),
                    missing=self.count(missing),
                    compliance=compliance,
                    compliance_ci=compliance_ci,
                    interval=interval,
                )
            )
        paragraphs.append(
            t(
                "report_figures.work_accident_deadline",
                lang,
                within=self.count(total("work_accidents_within_deadline")),
                late=self.count(total("work_accidents_late")),
                undated=self.count(total("work_accidents_undated")),
                days=format_number(self.days, lang),
            )
        )
        blocks: list[Block] = [
            *(Paragraph(p) for p in paragraphs),
            self.outcome_table(
                "work_accident", ["work_accident_missing", "work_accidents_within_deadline"]
            ),
        ]
        blocks += self.verdicts("work_accident")
        return Section(title, tuple(blocks))

    def inquiries(self) -> Section:
        lang = self.lang
        title = t("report.q6_title", lang)
        inquiries = self.report.inquiries
        if inquiries.is_empty():
            return Section(title, (Paragraph(t("report.no_inquiries", lang)),))
        totals = views.inquiry_totals(self.report.totals)
        share, ci = self.share(totals.answered_within_deadline, totals.answered)
        paragraph = t(
            "report.inquiry_paragraph",
            lang,
            inquiries=self.count(totals.inquiries),
            answered=self.count(totals.answered),
            within=self.count(totals.answered_within_deadline),
            share=share,
            ci=ci,
            open=self.count(totals.open),
            overdue=self.count(totals.open_overdue),
            extract=format_date(self.report.extract_date, lang),
        )
        table = views.inquiry_group_table(
            inquiries, self.report.by, lang, suppress_below=self.threshold
        )
        caption = t("report.table_inquiries", lang, group=self.words["group"])
        blocks: list[Block] = [
            Paragraph(paragraph),
            _frame_table(table, caption, note=self.small_note()),
            *self.ombudsman_inquiries(),
        ]
        return Section(title, tuple(blocks))

    def ombudsman_inquiries(self) -> list[Block]:
        """The ombudsman's own inquiries (inquiry type ``ombudsman``): answered within the
        deadline, counting the open ones past it as late, and among the answered only; open;
        open past the deadline on the extract date."""
        lang = self.lang
        by_type = self.report.inquiries_by_type
        heading = Subheading(t("report_content.ombudsman_heading", lang))
        mine = by_type.filter(pl.col("inquiry_type") == "ombudsman") if by_type.height else by_type
        # one row (the type): its counts as shown, None where suppressed (a sum of the
        # frame would count a hidden one as 0)
        row = mine.row(0, named=True) if mine.height else {}
        small = set(row.get("small_counts") or ())

        def shown(column: str) -> int | None:
            if column in small:
                return 1  # some count from 1 to threshold − 1: written "<5", never used raw
            value = row.get(column, 0)
            return None if value is None else int(value)

        counts = {c: shown(c) for c in disclosure.INQUIRIES.counts}
        totals = views.inquiry_totals(counts)
        if totals.inquiries == 0:
            return [heading, Paragraph(t("report_content.ombudsman_none", lang))]
        decided = (
            None
            if totals.answered is None or totals.open_overdue is None
            else totals.answered + totals.open_overdue
        )
        share, ci = self.share(totals.answered_within_deadline, decided)
        answered_share, answered_ci = self.share(totals.answered_within_deadline, totals.answered)
        # The share that counts the open-past-deadline inquiries as late would reveal their
        # number when it is suppressed, so the paragraph then gives the answered-only share.
        hidden = totals.open_overdue is None or 0 < totals.open_overdue < self.threshold
        text = t(
            "report_content.ombudsman_paragraph_hidden"
            if hidden
            else "report_content.ombudsman_paragraph",
            lang,
            inquiries=self.count(totals.inquiries),
            answered=self.count(totals.answered),
            within=self.count(totals.answered_within_deadline),
            share=share,
            ci=ci,
            answered_share=answered_share,
            answered_ci=answered_ci,
            open=self.count(totals.open),
            overdue=self.count(totals.open_overdue),
            extract=format_date(self.report.extract_date, lang),
        )
        return [heading, Paragraph(text)]

    def method_values(self) -> dict[str, str]:
        """Every level and threshold the appendix names (:func:`methods.method_values`) and
        the settings it states: the work-accident deadline and the inquiry deadlines."""
        lang = self.lang
        deadlines = ", ".join(
            t(
                "report_method.deadline_item",
                lang,
                type=label("inquiry_type", kind, lang),
                days=format_number(days, lang),
            )
            for kind, days in self.deadlines.items()
        )
        return {
            **methods.method_values(lang, self.report.by, adjust=self.report.adjust),
            "days": format_number(self.days, lang),
            "deadlines": deadlines,
        }

    def screening_table(self) -> Table:
        """Per outcome: the null, φ, its p-value, τ², whether the limits were widened, the
        level of the verdict's limits and how many groups were named higher or lower."""
        lang = self.lang
        rows = []
        for outcome, screening in self.report.screenings.items():
            od = screening.overdispersion
            verdicts = self.report.incidents[f"{outcome}_verdict"]
            named = int(verdicts.is_in(["higher", "lower"]).sum())
            rows.append(
                (
                    metric_label(f"{outcome}_rate", lang),
                    t(f"verdict.null_{screening.null}", lang),
                    format_number(od.phi, lang, 2),
                    format_p(od.p_value, lang),
                    format_number(od.tau2, lang, 4),
                    t(f"verdict.method_{od.method}", lang),
                    format_percent(screening.confidence, lang),
                    format_number(named, lang),
                )
            )
        headers = (
            t("report_method.screening_outcome", lang),
            t("verdict.null", lang),
            t("verdict.phi", lang),
            t("verdict.phi_p", lang),
            t("verdict.tau2", lang),
            t("verdict.method", lang),
            t("report_method.screening_level", lang),
            t("report_method.screening_named", lang),
        )
        return Table(
            t("report_method.screening_caption", lang),
            headers,
            tuple(rows),
            (False, False, True, True, True, False, True, True),
        )

    def appendix(self) -> Section:
        """What the figures in the report are: data and denominators, case mix, the null,
        over-dispersion, the verdict and multiplicity, the tests, small numbers, the legal
        rules and their sources."""
        lang = self.lang
        values = self.method_values()

        def text(key: str) -> Paragraph:
            return Paragraph(t(f"report_method.{key}", lang, **values))

        def heading(key: str) -> Subheading:
            return Subheading(t(f"report_method.{key}_heading", lang, **values))

        blocks: list[Block] = [
            heading("data"),
            Paragraph(t("report.method_data", lang)),
            text("intervals"),
            heading("case_mix"),
            text("case_mix"),
            heading("null"),
            text("null"),
            heading("overdispersion"),
            text("overdispersion"),
        ]
        if self.report.screenings and not self.report.incidents.is_empty():
            blocks.append(self.screening_table())
        blocks += [
            heading("verdict"),
            text("verdict"),
            text("funnel"),
            text("duties"),
            heading("tests"),
            text("tests"),
            text("strata_tests"),
            Paragraph(
                t(
                    "strata_tests.correction_on"
                    if self.report.cmh_correction
                    else "strata_tests.correction_off",
                    lang,
                    **self.words,
                )
            ),
            heading("small"),
            Paragraph(self.small_note()),
            heading("rules"),
            text("work_accidents"),
            text("prior_warning"),
            text("inquiries"),
            text("km"),
            text("documentation"),
            heading("sources"),
            Bullets(tuple(t(f"report_method.source_{key}", lang) for key in SOURCES)),
        ]
        return Section(t("report.appendix_title", lang), tuple(blocks))


def _filters_text(report: MetricsReport, lang: Lang) -> str:
    f = report.filters
    parts = []
    for name, values, vocabulary in (
        ("department", f.departments, None),
        ("unit", f.units, None),
        ("harassment_type", f.types, "harassment_type"),
        ("channel", f.channels, "channel"),
        ("severity", f.severities, "severity"),
    ):
        if values:
            shown = ", ".join(label(vocabulary, v, lang) if vocabulary else v for v in values)
            parts.append(f"{t(f'filters.{name}', lang)}: {shown}")
    return "; ".join(parts) if parts else t("report.filters_none", lang)


def _period_text(report: MetricsReport, lang: Lang) -> str:
    f = report.filters
    if f.date_from is None and f.date_to is None:
        return t("report.period_all", lang)
    return f"{format_date(f.date_from, lang) if f.date_from else '…'} – {format_date(f.date_to, lang) if f.date_to else '…'}"


def build_document(
    con: duckdb.DuckDBPyConnection,
    report: MetricsReport,
    lang: Lang,
    *,
    answers: Mapping[str, str] | None = None,
    case_number: str = "",
    generated: datetime,
    work_accident_days: int = 9,
    deadline_days: Mapping[str, int] | None = None,
    demo: bool = False,
) -> Document:
    """The report of one view: cover, the ombudsman's questions in order, method appendix.

    ``con`` runs the page queries (who decided, documentation forms, police reports without a
    prior warning) with the report's filters and scope."""
    answers = answers or {}
    b = _Builder(
        con, report, lang, work_accident_days=work_accident_days, deadline_days=deadline_days
    )
    cover = (
        (
            t("report.case_number", lang),
            case_number.strip() or t("report.case_number_missing", lang),
        ),
        (t("report.period", lang), _period_text(report, lang)),
        (t("report.extract_date", lang), format_date(report.extract_date, lang)),
        (t("report.scope", lang), scope_text(report.scope, lang)),
        (t("report.filters", lang), _filters_text(report, lang)),
        (t("report.grouping", lang), t(f"filters.by_{report.by}", lang)),
        (t("report.generated", lang), f"{format_date(generated, lang)} {generated:%H:%M}"),
    )
    return Document(
        lang=lang,
        title=t("report.title", lang),
        subtitle=t("report.subtitle", lang),
        addressee=t("report.addressee", lang),
        cover=cover,
        notice=t("report.demo_notice", lang) if demo else None,
        sections=(
            b.guidelines(answers),
            b.police(answers),
            b.warnings(),
            b.documentation(answers),
            b.work_accidents(),
            b.inquiries(),
        ),
        appendix=b.appendix(),
        texts={
            "contents": t("report.contents", lang),
            "answer_by_administration": t("report.answer_by_administration", lang),
        },
    )
