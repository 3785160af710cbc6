-- Purpose: the headline totals of a period (used for the period before the one shown, to
--   give the change): incident counts with their known-denominators, and open inquiries.
-- Parameters: $date_from, $date_to, $departments, $units, $types, $channels, $severities,
--   $scope_all, $scope_departments, $scope_units, $extract_date.
-- Grain: one row.
WITH inc AS (
    -- from the monthly summary and, for partly covered months, the incidents (migration 004)
    SELECT
        coalesce(sum(incidents), 0)::BIGINT AS incidents,
        coalesce(sum(police_reports), 0)::BIGINT AS police_reports,
        coalesce(sum(police_report_known), 0)::BIGINT AS police_report_known,
        coalesce(sum(warnings), 0)::BIGINT AS warnings,
        coalesce(sum(warning_known), 0)::BIGINT AS warning_known,
        coalesce(sum(work_accidents), 0)::BIGINT AS work_accidents,
        coalesce(sum(work_accident_known), 0)::BIGINT AS work_accident_known,
        coalesce(sum(documented), 0)::BIGINT AS documented,
        coalesce(sum(documentation_known), 0)::BIGINT AS documentation_known,
        coalesce(sum(police_without_prior_warning), 0)::BIGINT AS police_without_prior_warning
    FROM incident_summary_for_period(
        $date_from, $date_to, $departments, $units, $types, $channels, $severities,
        $scope_all, $scope_departments, $scope_units
    )
),
inq AS (
    SELECT
        count(*) AS inquiries,
        count(*) FILTER (WHERE answered_on IS NULL OR answered_on > $extract_date) AS open,
        count(*) FILTER (
            WHERE (answered_on IS NULL OR answered_on > $extract_date) AND deadline_on < $extract_date
        ) AS open_overdue
    FROM filtered_inquiries(
        $date_from, $date_to, $departments, $units, $scope_all, $scope_departments, $scope_units
    )
    WHERE received_on <= $extract_date
)
SELECT * FROM inc, inq
