-- Purpose: the headline totals of a period (used for the period before the one shown, to
--   give the change): incident counts with their known-denominators, and open inquiries.
-- Parameters: $date_from, $date_to, $departments, $units, $types, $channels, $severities,
--   $scope_all, $scope_departments, $scope_units, $extract_date.
-- Grain: one row.
WITH inc AS (
    SELECT
        count(*) AS incidents,
        count(*) FILTER (WHERE police_reported) AS police_reports,
        count(police_reported) AS police_report_known,
        count(*) FILTER (WHERE warning_given) AS warnings,
        count(warning_given) AS warning_known,
        count(*) FILTER (WHERE work_accident_reported) AS work_accidents,
        count(work_accident_reported) AS work_accident_known,
        count(*) FILTER (WHERE documented) AS documented,
        count(documented) AS documentation_known,
        count(*) FILTER (
            WHERE without_prior_warning(police_reported, warning_on, police_reported_on)
        ) AS police_without_prior_warning
    FROM filtered_incidents(
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
