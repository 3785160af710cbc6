-- Purpose: monthly trend of incidents and what was done about them.
-- Parameters: $date_from, $date_to, $departments, $units, $types, $channels, $severities,
--   $scope_all, $scope_departments, $scope_units.
-- Grain: one row per calendar month (first day of the month) with at least one incident.
SELECT
    date_trunc('month', occurred_on)::DATE AS month,
    count(*) AS incidents,
    count(*) FILTER (WHERE police_reported) AS police_reports,
    count(*) FILTER (WHERE warning_given) AS warnings,
    count(*) FILTER (WHERE work_accident_reported) AS work_accidents,
    count(*) FILTER (WHERE documented) AS documented
FROM filtered_incidents(
    $date_from, $date_to, $departments, $units, $types, $channels, $severities,
    $scope_all, $scope_departments, $scope_units
)
GROUP BY ALL
ORDER BY month
