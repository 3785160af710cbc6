-- Purpose: how long actions take: days from incident to police report and to work-accident
--   notification, and from warning to police report (median and 90th percentile, linear
--   interpolation between order statistics as R's type 7 / numpy's default).
-- Parameters: $date_from, $date_to, $departments, $units, $types, $channels, $severities,
--   $scope_all, $scope_departments, $scope_units, $group_by ('department' or 'unit').
-- Grain: one row per group (department, or department × unit).
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    count(police_reported_on - occurred_on) FILTER (WHERE police_reported) AS police_report_dated,
    quantile_cont(police_reported_on - occurred_on, 0.5) FILTER (WHERE police_reported)
        AS days_to_police_report_median,
    quantile_cont(police_reported_on - occurred_on, 0.9) FILTER (WHERE police_reported)
        AS days_to_police_report_p90,
    count(work_accident_reported_on - occurred_on) FILTER (WHERE work_accident_reported)
        AS work_accident_dated,
    quantile_cont(work_accident_reported_on - occurred_on, 0.5) FILTER (WHERE work_accident_reported)
        AS days_to_work_accident_median,
    quantile_cont(work_accident_reported_on - occurred_on, 0.9) FILTER (WHERE work_accident_reported)
        AS days_to_work_accident_p90,
    quantile_cont(police_reported_on - warning_on, 0.5)
        FILTER (WHERE police_reported AND warning_on <= police_reported_on)
        AS days_warning_to_police_median,
    count(*) FILTER (WHERE police_reported AND warning_on <= police_reported_on)
        AS police_with_prior_warning
FROM filtered_incidents(
    $date_from, $date_to, $departments, $units, $types, $channels, $severities,
    $scope_all, $scope_departments, $scope_units
)
GROUP BY ALL
ORDER BY ALL
