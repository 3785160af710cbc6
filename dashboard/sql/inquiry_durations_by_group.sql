-- Purpose: inquiry handling per group at the extract date, as a frequency table from which
--   every inquiry metric is computed (counts, response-day quantiles, Kaplan–Meier): answered
--   inquiries are events at their response time; inquiries still open at the extract date are
--   censored at their age then.
-- Parameters: $date_from, $date_to (on the received date), $departments, $units,
--   $scope_all, $scope_departments, $scope_units, $group_by, $extract_date (the "today" of the
--   data: inquiries received after it are left out, answers after it count as still open).
-- Grain: one row per group (department, or department × unit) × days × answered ×
--   past_deadline, with the number of inquiries.
-- Notes: past_deadline is "answered after the deadline" for an answered inquiry and "the
--   deadline has passed at the extract date" (overdue) for an open one.
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
    CASE WHEN is_answered THEN answered_on - received_on
         ELSE $extract_date::DATE - received_on END AS days,
    is_answered AS answered,
    CASE WHEN is_answered THEN answered_on > deadline_on
         ELSE deadline_on < $extract_date END AS past_deadline,
    count(*) AS inquiries
FROM at_extract
GROUP BY ALL
ORDER BY ALL
