-- Purpose: outcome counts per group and case-mix stratum; the input to rates, indirect
--   standardisation (O/E), chi-square and Cochran–Mantel–Haenszel tests.
-- Parameters: $date_from, $date_to, $departments, $units, $types, $channels, $severities
--   (filters; empty list = all), $scope_all, $scope_departments, $scope_units (viewer's scope),
--   $group_by ('department' or 'unit'), $work_accident_days (statutory notification limit).
-- Grain: one row per group (department, or department × unit) × harassment_type × severity.
-- Notes: an outcome's denominator is the incidents where it is known (yes or no), so an empty
--   cell (unknown) is never counted as "no". A police report has a prior warning when a warning
--   is dated on or before the report (or the report date is unknown and the warning is dated).
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    harassment_type,
    coalesce(severity, 'unknown') AS severity,
    count(*) AS incidents,
    count(police_reported) AS police_report_known,
    count(*) FILTER (WHERE police_reported) AS police_reports,
    count(warning_given) AS warning_known,
    count(*) FILTER (WHERE warning_given) AS warnings,
    count(work_accident_reported) AS work_accident_known,
    count(*) FILTER (WHERE work_accident_reported) AS work_accidents,
    count(documented) AS documentation_known,
    count(*) FILTER (WHERE documented) AS documented,
    count(*) FILTER (
        WHERE without_prior_warning(police_reported, warning_on, police_reported_on)
    ) AS police_without_prior_warning,
    count(*) FILTER (
        WHERE work_accident_reported
          AND work_accident_reported_on - occurred_on <= $work_accident_days
    ) AS work_accidents_within_deadline
FROM filtered_incidents(
    $date_from, $date_to, $departments, $units, $types, $channels, $severities,
    $scope_all, $scope_departments, $scope_units
)
GROUP BY ALL
ORDER BY ALL
