-- Purpose: time to answer for a Kaplan–Meier estimate: answered inquiries are events at their
--   response time; inquiries still open at the extract date are censored at their age then.
-- Parameters: $date_from, $date_to, $departments, $units, $scope_all, $scope_departments,
--   $scope_units, $group_by, $extract_date.
-- Grain: one row per group × days × answered (with the number of inquiries).
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    CASE WHEN answered_on IS NOT NULL AND answered_on <= $extract_date
         THEN answered_on - received_on
         ELSE $extract_date::DATE - received_on END AS days,
    answered_on IS NOT NULL AND answered_on <= $extract_date AS answered,
    count(*) AS inquiries
FROM filtered_inquiries(
    $date_from, $date_to, $departments, $units, $scope_all, $scope_departments, $scope_units
)
WHERE received_on <= $extract_date
GROUP BY ALL
ORDER BY ALL
