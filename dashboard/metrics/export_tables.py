"""The current view's tables for export, with headers in the reader's language and counts
of 1–4 replaced by "<5" (the disclosure rule), plus a sheet describing filters and methods.

Every table is a :class:`~dashboard.excel_out.Sheet` that says what each column holds
(:func:`column_kind`, decided by the metric's name), so the workbook keeps exact values behind
readable number formats and the CSV rounds them the same way."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import polars as pl

from dashboard.excel_out import ColumnKind, Sheet
from dashboard.i18n import Lang, field_label, group_words, label, metric_label, t
from dashboard.metrics import registry
from dashboard.metrics.filters import Scope
from dashboard.metrics.findings import summary
from dashboard.metrics.incidents import COUNT_COLUMNS
from dashboard.metrics.inquiries import INQUIRY_COUNTS
from dashboard.metrics.methods import method_values
from dashboard.metrics.report import MetricsReport
from dashboard.metrics.views import category_labels, ombudsman_first
from dashboard.stats import VERDICTS


def _incident_columns() -> list[str]:
    """Every outcome's columns, derived from the registry: its count, rate with interval,
    O/E with interval, adjusted p and verdict, then its rule's counts and shares, then the delays."""
    columns = ["incidents"]
    for spec in registry.OUTCOMES:
        columns += [
            spec.count,
            spec.rate,
            f"{spec.rate}_ci_low",
            f"{spec.rate}_ci_high",
            f"{spec.name}_expected",
            f"{spec.name}_oe",
            f"{spec.name}_oe_ci_low",
            f"{spec.name}_oe_ci_high",
            f"{spec.name}_p_adjusted",
            f"{spec.name}_verdict",
        ]
    for spec in registry.OUTCOMES:
        columns += list(spec.rule_counts)
        for share in spec.shares:
            columns.append(share.name)
            if share.interval:
                columns += [f"{share.name}_ci_low", f"{share.name}_ci_high"]
    columns += [
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
    "km_median_response_days_ci_low",
    "km_median_response_days_ci_high",
    "answered_within_deadline",
    "share_within_deadline",
    "share_within_deadline_ci_low",
    "share_within_deadline_ci_high",
    "share_within_deadline_answered",
    "share_within_deadline_answered_ci_low",
    "share_within_deadline_answered_ci_high",
]


def _header(column: str, lang: Lang) -> str:
    """A column's heading: metric labels, with interval and p-value suffixes."""
    if column in ("department", "unit"):
        return t(f"filters.{column}", lang)
    if column == "inquiry_type":
        return field_label(column, lang)
    for suffix, key in (("_ci_low", "export.ci_low"), ("_ci_high", "export.ci_high")):
        if column.endswith(suffix):
            return t(key, lang, metric=metric_label(column[: -len(suffix)], lang))
    if column.endswith("_p_adjusted"):
        return t(
            "export.p_adjusted",
            lang,
            metric=metric_label(f"{column[: -len('_p_adjusted')]}_oe", lang),
        )
    if column.endswith("_verdict"):
        return t(
            "verdict.column", lang, metric=metric_label(f"{column[: -len('_verdict')]}_oe", lang)
        )
    if column.endswith("_expected"):
        return f"{metric_label(column[: -len('_expected')] + '_oe', lang)}: {metric_label('expected', lang)}"
    return metric_label(column, lang)


def suppress(
    frame: pl.DataFrame, counts: list[str], threshold: int, hidden_word: str = ""
) -> pl.DataFrame:
    """Replace the counts listed in each row's ``small_counts`` by "<threshold", and those
    listed only in ``suppressed_counts`` (hidden so that a small one cannot be worked out)
    by ``hidden_word`` (Object columns)."""
    out = {}

    def listed(name: str) -> list[Any]:
        return frame[name].to_list() if name in frame.columns else [[]] * frame.height

    small, hidden = listed("small_counts"), listed("suppressed_counts")
    for column in frame.columns:
        if column in counts:
            values: list[Any] = [
                f"<{threshold}"
                if column in (flagged or ())
                else hidden_word
                if column in (others or ())
                else value
                for value, flagged, others in zip(
                    frame[column].to_list(), small, hidden, strict=True
                )
            ]
            out[column] = pl.Series(column, values, dtype=pl.Object)
        elif column != "suppressed_counts":
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
    if column.endswith(("_rate", "_share")) or column.startswith("share_"):
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
    keys: tuple[str, ...] = ("department", "unit"),
) -> Sheet:
    marks = [c for c in ("small_counts", "suppressed_counts") if c in frame.columns]
    keep = [*keys, *[c for c in columns if c in frame.columns], *marks]
    words = {v: t(f"verdict.{v}", lang) for v in VERDICTS}
    selected = frame.select(keep).with_columns(
        pl.col(c).replace_strict(words) for c in keep if c.endswith("_verdict")
    )
    shown = suppress(selected, counts, threshold, t("disclosure.hidden", lang))
    shown = shown.drop("small_counts", strict=False)
    headers = {c: _header(c, lang) for c in shown.columns}
    kinds = {headers[c]: kind for c in shown.columns if (kind := column_kind(c))}
    return Sheet(name, shown.rename(headers), kinds)


def method_label(method: str, lang: Lang) -> str:
    """A test's method name (``pearson_chi2``) as the reader's words."""
    return t(f"equal_treatment.method_{method}", lang)


# The breakdowns of documented incidents a caller may add: query name -> (category, count).
BREAKDOWNS = {
    "documentation_forms": ("documentation_form", "documented"),
    "documented_by": ("documented_by", "documented"),
}


def _breakdown(frame: pl.DataFrame, category: str, count: str, lang: Lang, threshold: int) -> Sheet:
    """A group × category count table (suppressed by :meth:`MetricsReport.shown_breakdown`)
    with the category's label and hidden counts as "<5" or hidden."""
    labelled = frame.drop("share", strict=False).with_columns(category_labels(category, lang))
    shown = suppress(labelled, [count], threshold, t("disclosure.hidden", lang))
    shown = shown.drop("small_counts", strict=False)
    frame = shown.rename(
        {
            "department": t("filters.department", lang),
            "unit": t("filters.unit", lang),
            category: field_label(category, lang),
            count: metric_label(count, lang),
        }
    )
    return Sheet(field_label(category, lang), frame, {metric_label(count, lang): "count"})


def export_tables(
    report: MetricsReport,
    lang: Lang,
    *,
    threshold: int = 5,
    breakdowns: Mapping[str, pl.DataFrame] | None = None,
) -> list[Sheet]:
    """Every table of the view, in reading order; ``breakdowns`` adds the results of the
    :data:`BREAKDOWNS` queries (forms and who documented, by group) as sheets of their own."""
    outcome, statistic, dof = (
        t("export.outcome", lang),
        t("export.statistic", lang),
        t("export.dof", lang),
    )
    p_value, method = t("equal_treatment.p_value", lang), t("export.method", lang)
    words = group_words(report.by, lang)
    adjusted_statistic, adjusted_dof, adjusted_p = (
        t("strata_tests.export_adjusted_statistic", lang),
        t("strata_tests.export_adjusted_dof", lang),
        t("strata_tests.export_adjusted_p", lang),
    )
    tests = pl.DataFrame(
        [
            {
                outcome: metric_label(name, lang),
                statistic: result["chi2"],
                dof: result["dof"],
                p_value: result["reported_p_value"],
                method: method_label(str(result["method"]), lang),
                **_screening_cells(result, lang),
                adjusted_statistic: adjusted["statistic"],
                adjusted_dof: adjusted["dof"],
                adjusted_p: adjusted["p_value"],
            }
            for name, result in report.equal_treatment.items()
            for adjusted in [report.tests_with_cmh(name)["generalised_cmh"]]
        ],
        schema={
            outcome: pl.String,
            statistic: pl.Float64,
            dof: pl.Int64,
            p_value: pl.Float64,
            method: pl.String,
            **_screening_schema(lang),
            adjusted_statistic: pl.Float64,
            adjusted_dof: pl.Int64,
            adjusted_p: pl.Float64,
        },
    )
    department, unit = t("filters.department", lang), t("filters.unit", lang)
    odds_ratio = t("export.odds_ratio", lang)
    p_adjusted = t("export.p_adjusted", lang, metric="CMH")
    breslow_day = t("strata_tests.breslow_day_p", lang)
    correction = t("strata_tests.export_correction", lang)
    corrected = t("common.yes" if report.cmh_correction else "common.no", lang)
    cmh = pl.DataFrame(
        [
            {
                outcome: metric_label(name, lang),
                department: row["department"],
                unit: row["unit"],
                odds_ratio: row["pooled_odds_ratio"],
                p_value: row["p_value"],
                p_adjusted: row["p_adjusted"],
                breslow_day: row["breslow_day_p_value"],
                correction: corrected,
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
            breslow_day: pl.Float64,
            correction: pl.String,
        },
    )
    findings = pl.DataFrame(
        {t("export.finding", lang): summary(report, lang)},
        schema={t("export.finding", lang): pl.String},
    )
    return [
        _group_table(
            t("export.table_incidents", lang, **words),
            report.incidents,
            _incident_columns(),
            COUNT_COLUMNS,
            lang,
            threshold,
        ),
        _group_table(
            t("export.table_inquiries", lang, **words),
            report.inquiries,
            INQUIRY_COLUMNS,
            INQUIRY_COUNTS,
            lang,
            threshold,
        ),
        _by_type(report, lang, threshold),
        *(
            _breakdown(
                report.shown_breakdown(frame, BREAKDOWNS[name][1]),
                *BREAKDOWNS[name],
                lang,
                threshold,
            )
            for name, frame in (breakdowns or {}).items()
        ),
        Sheet(
            t("export.table_tests", lang),
            tests,
            {
                statistic: "statistic",
                dof: "integer",
                p_value: "p",
                t("verdict.phi", lang): "statistic",
                t("verdict.phi_p", lang): "p",
                t("verdict.tau2", lang): "variance",
                adjusted_statistic: "statistic",
                adjusted_dof: "integer",
                adjusted_p: "p",
            },
        ),
        Sheet(
            t("export.table_cmh", lang, **words),
            cmh,
            {odds_ratio: "ratio", p_value: "p", p_adjusted: "p", breslow_day: "p"},
        ),
        Sheet(t("export.table_findings", lang), findings),
    ]


def _screening_cells(result: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """How an outcome's verdicts were reached, as cells of the tests sheet: the null and
    ``overdispersion: {phi, p_value, tau2, method}`` (empty when there were no groups)."""
    od = result.get("overdispersion") or {}
    null = result.get("null")
    method = od.get("method")
    return {
        t("verdict.null", lang): t(f"verdict.null_{null}", lang) if null else None,
        t("verdict.phi", lang): od.get("phi"),
        t("verdict.phi_p", lang): od.get("p_value"),
        t("verdict.tau2", lang): od.get("tau2"),
        t("verdict.method", lang): t(f"verdict.method_{method}", lang) if method else None,
    }


def _screening_schema(lang: Lang) -> dict[str, type[pl.DataType]]:
    """The column types of :func:`_screening_cells`."""
    return {
        t("verdict.null", lang): pl.String,
        t("verdict.phi", lang): pl.Float64,
        t("verdict.phi_p", lang): pl.Float64,
        t("verdict.tau2", lang): pl.Float64,
        t("verdict.method", lang): pl.String,
    }


def _by_type(report: MetricsReport, lang: Lang, threshold: int) -> Sheet:
    """The inquiry figures per inquiry type, the type by its label in ``lang``."""
    frame = report.inquiries_by_type
    if frame.is_empty() or "inquiry_type" not in frame.columns:
        return Sheet(t("rules.by_type_title", lang), pl.DataFrame())
    labelled = ombudsman_first(frame).with_columns(
        pl.col("inquiry_type").map_elements(
            lambda v: label("inquiry_type", v, lang), return_dtype=pl.String
        )
    )
    return _group_table(
        t("rules.by_type_title", lang),
        labelled,
        INQUIRY_COLUMNS,
        INQUIRY_COUNTS,
        lang,
        threshold,
        keys=("inquiry_type",),
    )


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
        (t("rules.inquiry_type_filter", lang), listed(f.inquiry_types, "inquiry_type")),
        (t("export.about_grouping", lang), t(f"filters.by_{report.by}", lang)),
        (t("export.about_extract_date", lang), report.extract_date or "–"),
        (t("export.about_generated", lang), generated.replace(second=0, microsecond=0)),
        (
            t("export.about_methods", lang),
            t(
                "export_method.summary",
                lang,
                **method_values(lang, report.by, adjust=report.adjust),
            ),
        ),
        ("", t("strata_tests.methods_text", lang, **group_words(report.by, lang))),
        (
            "",
            t(
                "strata_tests.correction_on"
                if report.cmh_correction
                else "strata_tests.correction_off",
                lang,
                **group_words(report.by, lang),
            ),
        ),
        (
            "",
            t(
                "export.about_small_counts",
                lang,
                max_small=str(threshold - 1),
                threshold=str(threshold),
            )
            if report.suppressed
            else t("disclosure.unsuppressed", lang),
        ),
    ]
    return pl.DataFrame(
        {
            t("export.about_item", lang): [i[0] for i in items],
            t("export.about_value", lang): pl.Series([i[1] for i in items], dtype=pl.Object),
        }
    )


def workbook_sheets(
    report: MetricsReport,
    lang: Lang,
    *,
    threshold: int,
    generated: datetime,
    breakdowns: Mapping[str, pl.DataFrame] | None = None,
) -> list[Sheet]:
    """The export workbook: the sheet describing the view first, then every table."""
    about = Sheet(
        t("export.sheet_about", lang),
        about_table(report, lang, threshold=threshold, generated=generated),
    )
    return [about, *export_tables(report, lang, threshold=threshold, breakdowns=breakdowns)]


def for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """The table with suppressed (mixed) count columns as text, for on-screen tables."""
    return frame.with_columns(
        pl.Series(c, [None if v is None else str(v) for v in frame[c].to_list()], dtype=pl.String)
        for c in frame.columns
        if frame[c].dtype == pl.Object
    )
