-- Purpose: how long actions take: days from incident to police report and to work-accident
--   notification, and from warning to police report (median and 90th percentile, linear
--   interpolation between order statistics as R's type 7 / numpy's default).
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), $group_by ('department' or 'unit').
-- Grain: one row per group (department, or department × unit).
-- Notes: the days come as lists from the monthly summary (migration 008) and, for a
--   partly covered first or last month, from the incidents; the quantiles are taken over all
--   of a group's days, so they equal those of a scan of every incident.
WITH per_group AS (
    SELECT
        department,
        CASE WHEN $group_by = 'unit' THEN unit END AS unit,
        flatten(list(police_report_delays)) AS to_police,
        flatten(list(work_accident_delays)) AS to_work_accident,
        flatten(list(warning_to_police_delays)) AS warning_to_police
    FROM incident_summary_for_period($view)
    WHERE in_scope($view, department, unit)  -- also for a reference view: scoped groups only
    GROUP BY ALL
)
SELECT
    department,
    unit,
    len(to_police)::BIGINT AS police_report_dated,
    list_aggregate(to_police, 'quantile_cont', 0.5) AS days_to_police_report_median,
    list_aggregate(to_police, 'quantile_cont', 0.9) AS days_to_police_report_p90,
    len(to_work_accident)::BIGINT AS work_accident_dated,
    list_aggregate(to_work_accident, 'quantile_cont', 0.5) AS days_to_work_accident_median,
    list_aggregate(to_work_accident, 'quantile_cont', 0.9) AS days_to_work_accident_p90,
    list_aggregate(warning_to_police, 'quantile_cont', 0.5) AS days_warning_to_police_median,
    len(warning_to_police)::BIGINT AS police_with_prior_warning_dated
FROM per_group
ORDER BY ALL
