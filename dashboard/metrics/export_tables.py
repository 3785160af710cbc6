"""The current view's tables for export, with headers in the reader's language and counts
of 1–4 replaced by "<5" (the disclosure rule), plus a sheet describing filters and methods.

Every table is a :class:`~dashboard.excel_out.Sheet` that says what each column holds
(:func:`column_kind`, decided by the metric's name), so the workbook keeps exact values behind
readable number formats and the CSV rounds them the same way."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from dashboard.excel_out import ColumnKind, Sheet
from dashboard.i18n import Lang, label, metric_label, t
from dashboard.metrics.filters import Scope
from dashboard.metrics.findings import summary
from dashboard.metrics.incidents import COUNT_COLUMNS, OUTCOMES
from dashboard.metrics.inquiries import INQUIRY_COUNTS
from dashboard.metrics.report import MetricsReport


def _incident_columns() -> list[str]:
    columns = ["incidents"]
    counts = {
        "police_report": "police_reports",
        "warning": "warnings",
        "work_accident": "work_accidents",
        "documentation": "documented",
    }
    for outcome in OUTCOMES:
        columns += [
            counts[outcome],
            f"{outcome}_rate",
            f"{outcome}_rate_ci_low",
            f"{outcome}_rate_ci_high",
            f"{outcome}_expected",
            f"{outcome}_oe",
            f"{outcome}_oe_ci_low",
            f"{outcome}_oe_ci_high",
            f"{outcome}_p_adjusted",
        ]
    columns += [
        "police_without_prior_warning",
        "work_accidents_within_deadline",
        "days_to_police_report_median",
        "days_to_police_report_p90",
        "days_to_work_accident_median",
        "days_to_work_accident_p90",
    ]
    return columns


INQUIRY_COLUMNS = [
    "inquiries",
    "answered",
    "open",
    "open_overdue",
    "median_response_days",
    "p90_response_days",
    "km_median_response_days",
    "share_within_deadline",
    "share_within_deadline_ci_low",
    "share_within_deadline_ci_high",
]


def _header(column: str, lang: Lang) -> str:
    """A column's heading: metric labels, with interval and p-value suffixes."""
    if column in ("department", "unit"):
        return t(f"filters.{column}", lang)
    for suffix, key in (("_ci_low", "export.ci_low"), ("_ci_high", "export.ci_high")):
        if column.endswith(suffix):
            return t(key, lang, metric=metric_label(column[: -len(suffix)], lang))
    if column.endswith("_p_adjusted"):
        return t(
            "export.p_adjusted",
            lang,
            metric=metric_label(f"{column[: -len('_p_adjusted')]}_oe", lang),
        )
    if column.endswith("_expected"):
        return f"{metric_label(column[: -len('_expected')] + '_oe', lang)}: {metric_label('expected', lang)}"
    return metric_label(column, lang)


def suppress(frame: pl.DataFrame, counts: list[str], threshold: int) -> pl.DataFrame:
    """Replace the counts listed in each row's ``small_counts`` by "<threshold" (Object columns)."""
    out = {}
    small = (
        frame["small_counts"].to_list() if "small_counts" in frame.columns else [[]] * frame.height
    )
    for column in frame.columns:
        if column in counts:
            values: list[Any] = [
                f"<{threshold}" if column in flagged else value
                for value, flagged in zip(frame[column].to_list(), small, strict=True)
            ]
            out[column] = pl.Series(column, values, dtype=pl.Object)
        else:
            out[column] = frame[column]
    return pl.DataFrame(out)


def column_kind(column: str) -> ColumnKind | None:
    """What a metrics column holds, from its name (so a new metric needs no entry here when
    it follows the naming of the others)."""
    if column in COUNT_COLUMNS or column in INQUIRY_COUNTS:
        return "count"
    if column.endswith("_p_adjusted") or column.endswith("_p_value"):
        return "p"
    for suffix in ("_ci_low", "_ci_high"):
        column = column.removesuffix(suffix)
    if column.endswith("_rate") or column.startswith("share_"):
        return "percent"
    if column.endswith("_oe"):
        return "ratio"
    if column.endswith("_expected"):
        return "decimal"
    if column.startswith("days_") or column.endswith("_days"):
        return "days"
    return None


def _group_table(
    name: str,
    frame: pl.DataFrame,
    columns: list[str],
    counts: list[str],
    lang: Lang,
    threshold: int,
) -> Sheet:
    keep = ["department", "unit", *[c for c in columns if c in frame.columns], "small_counts"]
    shown = suppress(frame.select(keep), counts, threshold).drop("small_counts")
    headers = {c: _header(c, lang) for c in shown.columns}
    kinds = {headers[c]: kind for c in shown.columns if (kind := column_kind(c))}
    return Sheet(name, shown.rename(headers), kinds)


def method_label(method: str, lang: Lang) -> str:
    """A test's method name (``pearson_chi2``) as the reader's words."""
    return t(f"equal_treatment.method_{method}", lang)


def export_tables(report: MetricsReport, lang: Lang, *, threshold: int = 5) -> list[Sheet]:
    """Every table of the view, in reading order."""
    outcome, statistic, dof = (
        t("export.outcome", lang),
        t("export.statistic", lang),
        t("export.dof", lang),
    )
    p_value, method = t("equal_treatment.p_value", lang), t("export.method", lang)
    tests = pl.DataFrame(
        [
            {
                outcome: metric_label(name, lang),
                statistic: result["chi2"],
                dof: result["dof"],
                p_value: result["reported_p_value"],
                method: method_label(str(result["method"]), lang),
            }
            for name, result in report.equal_treatment.items()
        ],
        schema={
            outcome: pl.String,
            statistic: pl.Float64,
            dof: pl.Int64,
            p_value: pl.Float64,
            method: pl.String,
        },
    )
    department, unit = t("filters.department", lang), t("filters.unit", lang)
    odds_ratio = t("export.odds_ratio", lang)
    p_adjusted = t("export.p_adjusted", lang, metric="CMH")
    cmh = pl.DataFrame(
        [
            {
                outcome: metric_label(name, lang),
                department: row["department"],
                unit: row["unit"],
                odds_ratio: row["pooled_odds_ratio"],
                p_value: row["p_value"],
                p_adjusted: row["p_adjusted"],
            }
            for name in report.equal_treatment
            for row in report.tests_with_cmh(name)["cmh"]
        ],
        schema={
            outcome: pl.String,
            department: pl.String,
            unit: pl.String,
            odds_ratio: pl.Float64,
            p_value: pl.Float64,
            p_adjusted: pl.Float64,
        },
    )
    findings = pl.DataFrame(
        {t("export.finding", lang): summary(report, lang)},
        schema={t("export.finding", lang): pl.String},
    )
    return [
        _group_table(
            t("export.table_incidents", lang),
            report.incidents,
            _incident_columns(),
            COUNT_COLUMNS,
            lang,
            threshold,
        ),
        _group_table(
            t("export.table_inquiries", lang),
            report.inquiries,
            INQUIRY_COLUMNS,
            INQUIRY_COUNTS,
            lang,
            threshold,
        ),
        Sheet(
            t("export.table_tests", lang),
            tests,
            {statistic: "statistic", dof: "integer", p_value: "p"},
        ),
        Sheet(
            t("export.table_cmh", lang),
            cmh,
            {odds_ratio: "ratio", p_value: "p", p_adjusted: "p"},
        ),
        Sheet(t("export.table_findings", lang), findings),
    ]


def scope_text(scope: Scope, lang: Lang) -> str:
    """The viewer's scope in words: the whole municipality, or the departments and units."""
    if scope.everything:
        return t("exports.scope_all", lang)
    named = [*scope.departments, *scope.units]
    return ", ".join(named) if named else t("exports.scope_nothing", lang)


def about_table(
    report: MetricsReport, lang: Lang, *, threshold: int, generated: datetime
) -> pl.DataFrame:
    """The sheet that says what was exported: filters, scope, grouping, extract date, methods.

    Dates are dates (the workbook shows them as dates); the value column mixes dates and text.
    """
    f = report.filters
    everything = t("filters.all", lang)

    def listed(values: tuple[str, ...], vocabulary: str | None = None) -> str:
        if not values:
            return everything
        return ", ".join(label(vocabulary, v, lang) if vocabulary else v for v in values)

    items: list[tuple[str, str | date | datetime]] = [
        (t("filters.from", lang), f.date_from or everything),
        (t("filters.to", lang), f.date_to or everything),
        (t("exports.scope", lang), scope_text(report.scope, lang)),
        (t("filters.department", lang), listed(f.departments)),
        (t("filters.unit", lang), listed(f.units)),
        (t("filters.harassment_type", lang), listed(f.types, "harassment_type")),
        (t("filters.channel", lang), listed(f.channels, "channel")),
        (t("filters.severity", lang), listed(f.severities, "severity")),
        (t("export.about_grouping", lang), t(f"filters.by_{report.by}", lang)),
        (t("export.about_extract_date", lang), report.extract_date or "–"),
        (t("export.about_generated", lang), generated.replace(second=0, microsecond=0)),
        (t("export.about_methods", lang), t("export.methods_text", lang)),
        (
            "",
            t(
                "export.about_small_counts",
                lang,
                max_small=str(threshold - 1),
                threshold=str(threshold),
            ),
        ),
    ]
    return pl.DataFrame(
        {
            t("export.about_item", lang): [i[0] for i in items],
            t("export.about_value", lang): pl.Series([i[1] for i in items], dtype=pl.Object),
        }
    )


def workbook_sheets(
    report: MetricsReport, lang: Lang, *, threshold: int, generated: datetime
) -> list[Sheet]:
    """The export workbook: the sheet describing the view first, then every table."""
    about = Sheet(
        t("export.sheet_about", lang),
        about_table(report, lang, threshold=threshold, generated=generated),
    )
    return [about, *export_tables(report, lang, threshold=threshold)]


def for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """The table with suppressed (mixed) count columns as text, for on-screen tables."""
    return frame.with_columns(
        pl.Series(c, [None if v is None else str(v) for v in frame[c].to_list()], dtype=pl.String)
        for c in frame.columns
        if frame[c].dtype == pl.Object
    )
