"""Metrics benchmark: one dashboard page's report on 1M and 10M incidents.

Target (from the issue): ``build_report(con, by="unit")`` under 150 ms for 1M incidents on
this 2-core machine. Reported for 1M and 10M, with the growth.

For each store (``bench/stores.py``: the demo at scale 170, and that replicated 10 times
inside DuckDB) the rebuild of the monthly incident summary (migration 004), which every
import and undo pays, is timed in a transaction that is rolled back; then the file is
opened read-only, and, each after one warm-up call and timed ``runs`` times:

- ``build_report(con, view, by="unit", delays=False)``: what a page needs, for the view a
  page opens with (the data's whole period, as the period picker starts; its first and last
  months are partly covered): all four outcomes by unit with O/E, chi-square, funnel limits
  and findings, plus the inquiries; and the same with the delay quantiles (``delays=True``),
  which only the police and work-accident pages compute;
- the SQL part alone: the same ``queries.run`` calls build_report makes (extract date, the
  outcome counts by unit x stratum from the summary, the delays, the inquiry frequency table), each
  timed, so what remains of build_report is the statistics in Python;
- the obvious alternative: the same aggregates computed by Polars on the data already in
  memory (from the incidents themselves: a summary kept up to date at import is part of
  what is compared). Only the aggregation is timed, not loading the tables into Polars
  (loading is reported apart). The Polars results are checked to equal the SQL results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from bench import (
    CACHE_DIR,
    fmt_seconds,
    fmt_spread,
    machine,
    now,
    record,
    summary,
    table,
    write_results,
)
from bench.stores import counts, ensure_replicated
from dashboard import queries, store
from dashboard.metrics.filters import ALL, Filters, query_params
from dashboard.metrics.report import build_report, extract_date

NAME = "metrics"
TARGET_SECONDS = 0.150  # build_report at 1M incidents
SCALE = 170  # 170 x 6,000 = 1.02M incidents
SQL_QUERIES = (
    "extract_date",
    "incident_outcomes_by_group_stratum",
    "incident_delays_by_group",
    "inquiry_durations_by_group",
)
INCIDENT_COLUMNS = (
    "department",
    "unit",
    "harassment_type",
    "severity",
    "channel",
    "occurred_on",
    "registered_on",
    "police_reported",
    "police_reported_on",
    "warning_given",
    "warning_on",
    "work_accident_reported",
    "work_accident_reported_on",
    "absence_days",
    "absence_from",
    "documented",
)
INQUIRY_COLUMNS = (
    "department",
    "unit",
    "inquiry_type",
    "received_on",
    "deadline_on",
    "answered_on",
)


def _times(fn: Callable[[], Any], runs: int) -> dict[str, Any]:
    fn()  # warm-up
    values = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        values.append(time.perf_counter() - start)
    return summary(values)


def page_filters(con: Any) -> Filters:
    """The filters a page opens with: the period from the first to the last date in the data
    (as the period picker starts), everything else unrestricted. The period's first and last
    months are partly covered, so the outcome query reads them from the incidents."""
    options = queries.run(con, "filter_options", query_params(Filters(), ALL))
    first, last = options["first_date"].min(), options["last_date"].max()
    assert isinstance(first, date) and isinstance(last, date), "the store holds incidents"
    return Filters(date_from=first, date_to=last)


def _params(con: Any) -> dict[str, Any]:
    extract = extract_date(con)
    return query_params(
        page_filters(con),
        ALL,
        group_by="unit",
        work_accident_days=14,
        extract_date=extract or date.today(),
    )


def run_sql(con: Any, params: dict[str, Any]) -> dict[str, pl.DataFrame]:
    """The queries build_report runs, with its parameters."""
    return {name: queries.run(con, name, params) for name in SQL_QUERIES}


# --------------------------------------------------------------------------- Polars


def _days(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_days()


def polars_aggregates(
    incidents: pl.DataFrame, inquiries: pl.DataFrame, params: dict[str, Any]
) -> dict[str, pl.DataFrame]:
    """The same aggregates as the SQL, in Polars (filters and rules as the macros apply them)."""
    view = params["view"]
    inc = incidents.filter(pl.col("occurred_on").is_between(view["date_from"], view["date_to"]))
    for key, column in (
        ("departments", "department"),
        ("units", "unit"),
        ("types", "harassment_type"),
        ("channels", "channel"),
        ("severities", "severity"),
    ):
        if view[key]:
            inc = inc.filter(pl.col(column).is_in(view[key]))
    groups = ["department", "unit"] if params["group_by"] == "unit" else ["department"]
    reported = pl.col("police_reported").fill_null(False)
    not_denied = pl.col("warning_given").fill_null(True)
    both_dated = pl.col("warning_on").is_not_null() & pl.col("police_reported_on").is_not_null()
    in_order = (pl.col("warning_on") <= pl.col("police_reported_on")).fill_null(False)
    with_prior = reported & not_denied & both_dated & in_order
    without_prior = reported & (
        pl.col("warning_given").not_().fill_null(False) | (not_denied & both_dated & ~in_order)
    )
    notified = pl.col("work_accident_reported").fill_null(False)
    absent = (pl.col("absence_days") >= 1).fill_null(False)
    required = absent | (pl.col("absence_from") > pl.col("occurred_on")).fill_null(False)
    proxy = (
        pl.when(pl.col("absence_from").is_not_null())
        .then(pl.lit("absence_from"))
        .when(absent)
        .then(pl.lit("day_after"))
        .otherwise(pl.lit("incident"))
    )
    start = (
        pl.when(pl.col("absence_from").is_not_null())
        .then(pl.col("absence_from"))
        .when(absent)
        .then(pl.col("occurred_on") + pl.duration(days=1))
        .otherwise(pl.col("occurred_on"))
    )
    dated = notified & pl.col("work_accident_reported_on").is_not_null()
    to_deadline = (pl.col("work_accident_reported_on") - start).dt.total_days()
    days = view["work_accident_days"]

    def n(condition: pl.Expr) -> pl.Expr:
        return condition.sum().cast(pl.Int64)

    strata = inc.group_by(*groups, "harassment_type", pl.col("severity").fill_null("unknown")).agg(
        incidents=pl.len().cast(pl.Int64),
        police_report_known=pl.col("police_reported").count().cast(pl.Int64),
        police_reports=pl.col("police_reported").sum().cast(pl.Int64),
        warning_known=pl.col("warning_given").count().cast(pl.Int64),
        warnings=pl.col("warning_given").sum().cast(pl.Int64),
        work_accident_known=pl.col("work_accident_reported").count().cast(pl.Int64),
        work_accidents=pl.col("work_accident_reported").sum().cast(pl.Int64),
        documentation_known=pl.col("documented").count().cast(pl.Int64),
        documented=pl.col("documented").sum().cast(pl.Int64),
        police_with_prior_warning=n(with_prior),
        police_without_prior_warning=n(without_prior),
        police_prior_warning_unknown=n(reported & ~with_prior & ~without_prior),
        work_accident_required=n(required),
        work_accident_required_notified=n(required & notified),
        work_accident_missing=n(
            required & pl.col("work_accident_reported").not_().fill_null(False)
        ),
        work_accidents_within_deadline=n(dated & (to_deadline <= days)),
        work_accidents_late=n(dated & (to_deadline > days)),
        work_accidents_undated=n(notified & pl.col("work_accident_reported_on").is_null()),
        deadline_from_absence_from=n(dated & (proxy == "absence_from")),
        deadline_from_day_after=n(dated & (proxy == "day_after")),
        deadline_from_incident=n(dated & (proxy == "incident")),
    )
    # The benchmark's viewer sees everything, so every group is named and has no peer number.
    strata = strata.with_columns(peer=pl.lit(None, dtype=pl.Int64))
    police = pl.col("police_reported").fill_null(False)
    accident = pl.col("work_accident_reported").fill_null(False)
    to_police = _days("police_reported_on", "occurred_on")
    to_accident = _days("work_accident_reported_on", "occurred_on")
    warned_first = with_prior
    warning_to_police = _days("police_reported_on", "warning_on")
    delays = inc.group_by(*groups).agg(
        police_report_dated=to_police.filter(police).count().cast(pl.Int64),
        days_to_police_report_median=to_police.filter(police).quantile(0.5, "linear"),
        days_to_police_report_p90=to_police.filter(police).quantile(0.9, "linear"),
        work_accident_dated=to_accident.filter(accident).count().cast(pl.Int64),
        days_to_work_accident_median=to_accident.filter(accident).quantile(0.5, "linear"),
        days_to_work_accident_p90=to_accident.filter(accident).quantile(0.9, "linear"),
        days_warning_to_police_median=warning_to_police.filter(warned_first).quantile(
            0.5, "linear"
        ),
        police_with_prior_warning_dated=warned_first.sum().cast(pl.Int64),
    )

    extract = view["extract_date"]
    inq = inquiries.filter(
        pl.col("received_on").is_between(view["date_from"], view["date_to"]),
        pl.col("received_on") <= extract,
    )
    for key, column in (
        ("departments", "department"),
        ("units", "unit"),
        ("inquiry_types", "inquiry_type"),
    ):
        if view[key]:
            inq = inq.filter(pl.col(column).is_in(view[key]))
    answered = (pl.col("answered_on").is_not_null() & (pl.col("answered_on") <= extract)).fill_null(
        False
    )
    response = _days("answered_on", "received_on")
    durations = inq.group_by(
        *groups,
        "inquiry_type",
        days=pl.when(answered)
        .then(response)
        .otherwise((pl.lit(extract) - pl.col("received_on")).dt.total_days()),
        answered=answered,
        past_deadline=pl.when(answered)
        .then(pl.col("answered_on") > pl.col("deadline_on"))
        .otherwise(pl.col("deadline_on") < extract),
    ).agg(inquiries=pl.len().cast(pl.Int64))
    incident_dates = (
        "occurred_on",
        "registered_on",
        "warning_on",
        "police_reported_on",
        "work_accident_reported_on",
    )
    latest = [
        incidents.select(pl.max_horizontal(pl.col(c).max() for c in incident_dates)).item(),
        inquiries.select(
            pl.max_horizontal(pl.col(c).max() for c in ("received_on", "answered_on"))
        ).item(),
    ]
    return {
        "extract_date": pl.DataFrame({"extract_date": [max(d for d in latest if d is not None)]}),
        "incident_outcomes_by_group_stratum": strata,
        "incident_delays_by_group": delays,
        "inquiry_durations_by_group": durations,
    }


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def check_same(sql: dict[str, pl.DataFrame], pol: dict[str, pl.DataFrame]) -> None:
    """Raise AssertionError unless Polars computed what the SQL computed."""
    for name in SQL_QUERIES:
        left, right = sql[name], pol[name]
        if name != "extract_date":
            right = right.select(left.columns)
        assert_frame_equal(_sorted(left), _sorted(right), check_dtypes=False, abs_tol=1e-9)


# --------------------------------------------------------------------------- the benchmark


def _refresh_then_roll_back(con: Any) -> None:
    con.begin()
    store.refresh_summaries(con)
    con.rollback()


def measure_store(path: Path, runs: int) -> dict[str, Any]:
    """build_report, its SQL, and the Polars alternative on one store."""
    n_incidents, n_inquiries = counts(path)
    print(f"[metrics] {n_incidents:,} incidents, {n_inquiries:,} inquiries", flush=True)
    # The price of the summary table: paid by every import and undo, not by a page.
    con = store.connect(path)
    try:
        refresh = _times(partial(_refresh_then_roll_back, con), max(3, runs // 2))
    finally:
        con.close()
    print(f"[metrics]   summary rebuild (per import) {fmt_spread(refresh)}", flush=True)
    con = store.connect(path, read_only=True)
    con.execute("SET enable_progress_bar = false")
    try:
        params = _params(con)
        view = page_filters(con)
        print(f"[metrics]   period {view.date_from} to {view.date_to}", flush=True)
        report = _times(lambda: build_report(con, view, by="unit"), runs)
        print(f"[metrics]   build_report {fmt_spread(report)}", flush=True)
        # What one page computes (the definition: four outcomes by unit with O/E, plus
        # inquiries); the delay quantiles are only computed by the pages that show them.
        page = _times(lambda: build_report(con, view, by="unit", delays=False), runs)
        # A period chosen by hand starts and ends mid-month: those days come from the rows.
        assert view.date_from is not None and view.date_to is not None
        mid_month = replace(
            view,
            date_from=view.date_from.replace(day=15),
            date_to=view.date_to - timedelta(days=17),
        )
        page_mid_month = _times(lambda: build_report(con, mid_month, by="unit", delays=False), runs)
        print(
            f"[metrics]   page metrics, mid-month period {fmt_spread(page_mid_month)}", flush=True
        )
        print(f"[metrics]   page metrics (no delay quantiles) {fmt_spread(page)}", flush=True)
        per_query = {
            name: _times(partial(queries.run, con, name, params), runs) for name in SQL_QUERIES
        }
        sql_total = _times(lambda: run_sql(con, params), runs)
        sql_result = run_sql(con, params)

        start = time.perf_counter()
        incidents = store.fetch_frame(con, f"SELECT {', '.join(INCIDENT_COLUMNS)} FROM incidents")  # noqa: S608
        inquiries = store.fetch_frame(con, f"SELECT {', '.join(INQUIRY_COLUMNS)} FROM inquiries")  # noqa: S608
        load_seconds = time.perf_counter() - start
    finally:
        con.close()
    pol = _times(lambda: polars_aggregates(incidents, inquiries, params), runs)
    check_same(sql_result, polars_aggregates(incidents, inquiries, params))
    print(f"[metrics]   SQL {fmt_spread(sql_total)}, Polars {fmt_spread(pol)}", flush=True)
    return {
        "incidents": n_incidents,
        "inquiries": n_inquiries,
        "period": [str(view.date_from), str(view.date_to)],
        "store_mib": path.stat().st_size / 2**20,
        "build_report": report,
        "page_metrics": page,
        "page_metrics_mid_month": page_mid_month,
        "sql_total": sql_total,
        "sql_per_query": per_query,
        "python_part_median": report["median"] - sql_total["median"],
        "summary_refresh": refresh,
        "polars_aggregation": pol,
        "polars_load_seconds": load_seconds,
        "polars_same_result": True,
        "ratio_polars_to_sql": pol["median"] / sql_total["median"],
    }


def _markdown(stores: list[dict[str, Any]]) -> str:
    rows = []
    for s in stores:
        rows.append(
            [
                f"{s['incidents']:,} / {s['inquiries']:,}",
                f"**{fmt_spread(s['page_metrics'])}**",
                fmt_spread(s["page_metrics_mid_month"]),
                fmt_spread(s["build_report"]),
                fmt_spread(s["sql_total"]),
                fmt_seconds(s["python_part_median"]),
                fmt_spread(s["polars_aggregation"]),
                f"**{s['ratio_polars_to_sql']:.1f}×**",
                fmt_seconds(s["polars_load_seconds"]),
                fmt_spread(s["summary_refresh"]),
            ]
        )
    main = table(
        [
            "incidents / inquiries",
            "page metrics: build_report(view, by=unit, delays=False), median (min–max)",
            "same, a period from mid-month to mid-month",
            "with delay quantiles (delays=True)",
            f"its SQL ({len(SQL_QUERIES)} queries)",
            "Python part (stats)",
            "same aggregates in Polars (in memory)",
            "Polars ÷ DuckDB SQL",
            "load into Polars (not timed above)",
            "summary rebuild, paid per import (not timed above)",
        ],
        rows,
    )
    query_rows = [
        [name] + [fmt_seconds(s["sql_per_query"][name]["median"]) for s in stores]
        for name in SQL_QUERIES
    ]
    per_query = table(["query (median)", *[f"{s['incidents']:,}" for s in stores]], query_rows)
    lines = ["### Metrics: one page's report", main, "Where the SQL time goes:", per_query]
    if len(stores) >= 2:
        a, b = stores[0], stores[-1]
        factor = b["incidents"] / a["incidents"]
        growth = b["build_report"]["median"] / a["build_report"]["median"]
        sql_growth = b["sql_total"]["median"] / a["sql_total"]["median"]
        lines.append(
            f"Growth for {factor:.0f}× the incidents: build_report {growth:.1f}×, "
            f"its SQL {sql_growth:.1f}×."
        )
    first = stores[0]
    if first["incidents"] >= 1_000_000:
        page, mid = first["page_metrics"]["median"], first["page_metrics_mid_month"]["median"]
        ok = max(page, mid) < TARGET_SECONDS
        lines.append(
            f"Target “one page's metrics under {TARGET_SECONDS * 1000:.0f} ms at 1M incidents”: "
            f"{'met' if ok else '**missed**'} (median {fmt_seconds(page)}, "
            f"{fmt_seconds(mid)} for a mid-month period; "
            f"with the delay quantiles {fmt_seconds(first['build_report']['median'])})."
        )
    lines.append(
        "Polars results were checked equal to the SQL results. Timed after one warm-up call; "
        "DuckDB and Polars both use all cores."
    )
    return "\n\n".join(lines)


def run(
    scale: float = SCALE,
    copies: tuple[int, ...] = (1, 10),
    *,
    runs: int = 7,
    cache_dir: Path = CACHE_DIR,
    out_dir: Path | None = None,
    argv: tuple[str, ...] = ("metrics",),
) -> dict[str, Any]:
    """Run the metrics benchmark and write its results."""
    started = now()
    info = machine()
    measured = []
    for n in copies:
        path = ensure_replicated(cache_dir, scale, n)
        measured.append({"copies": n, **measure_store(path, runs)})
    data = record(NAME, started, argv, info, scale=scale, stores=measured)
    write_results(NAME, data, _markdown(measured), out_dir)
    return data
