-- Purpose: inquiry handling per group at the extract date: answered, open, open past the
--   deadline, response days (median, 90th percentile, type 7) and answers within the deadline.
-- Parameters: $date_from, $date_to (on the received date), $departments, $units,
--   $scope_all, $scope_departments, $scope_units, $group_by, $extract_date (the "today" of the
--   data: inquiries received after it are left out, answers after it count as still open).
-- Grain: one row per group (department, or department × unit).
WITH at_extract AS (
    SELECT *,
        answered_on IS NOT NULL AND answered_on <= $extract_date AS is_answered
    FROM filtered_inquiries(
        $date_from, $date_to, $departments, $units, $scope_all, $scope_departments, $scope_units
    )
    WHERE received_on <= $extract_date
)
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    count(*) AS inquiries,
    count(*) FILTER (WHERE is_answered) AS answered,
    count(*) FILTER (WHERE NOT is_answered) AS open,
    count(*) FILTER (WHERE NOT is_answered AND deadline_on < $extract_date) AS open_overdue,
    quantile_cont(answered_on - received_on, 0.5) FILTER (WHERE is_answered) AS median_response_days,
    quantile_cont(answered_on - received_on, 0.9) FILTER (WHERE is_answered) AS p90_response_days,
    count(*) FILTER (WHERE is_answered AND answered_on <= deadline_on) AS answered_within_deadline
FROM at_extract
GROUP BY ALL
ORDER BY ALL
