-- Purpose: outcome counts per group and case-mix stratum; the input to rates, indirect
--   standardisation (O/E), chi-square and Cochran–Mantel–Haenszel tests.
-- Parameters: $date_from, $date_to, $departments, $units, $types, $channels, $severities
--   (filters; empty list = all), $scope_all, $scope_departments, $scope_units (viewer's scope),
--   $group_by ('department' or 'unit'), $work_accident_days (statutory notification limit).
-- Grain: one row per group (department, or department × unit) × harassment_type × severity.
-- Notes: reads the monthly summary (migration 004) for the months wholly inside the period
--   and the incidents for the days of a partly covered month, so the counts equal those of a
--   scan of every incident. An outcome's denominator is the incidents where it is known (yes
--   or no), so an empty cell (unknown) is never counted as "no". A police report has a prior
--   warning when a warning is dated on or before the report (or the report date is unknown
--   and the warning is dated).
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    harassment_type,
    coalesce(severity, 'unknown') AS severity,
    sum(incidents)::BIGINT AS incidents,
    sum(police_report_known)::BIGINT AS police_report_known,
    sum(police_reports)::BIGINT AS police_reports,
    sum(warning_known)::BIGINT AS warning_known,
    sum(warnings)::BIGINT AS warnings,
    sum(work_accident_known)::BIGINT AS work_accident_known,
    sum(work_accidents)::BIGINT AS work_accidents,
    sum(documentation_known)::BIGINT AS documentation_known,
    sum(documented)::BIGINT AS documented,
    sum(police_without_prior_warning)::BIGINT AS police_without_prior_warning,
    sum(len(list_filter(work_accident_delays, lambda days: days <= $work_accident_days)))::BIGINT
        AS work_accidents_within_deadline
FROM incident_summary_for_period(
    $date_from, $date_to, $departments, $units, $types, $channels, $severities,
    $scope_all, $scope_departments, $scope_units
)
GROUP BY ALL
ORDER BY ALL
