-- Purpose: inquiry handling per group at the extract date, as a frequency table from which
--   every inquiry metric is computed (counts, response-day quantiles, Kaplan–Meier): answered
--   inquiries are events at their response time; inquiries still open at the extract date are
--   censored at their age then.
-- Parameters: $view (period on the received date, departments, units, inquiry_types, scope;
--   dashboard/store/macros.sql), $group_by, $view's extract_date (the "today" of the
--   data: inquiries received after it are left out, answers after it count as still open).
-- Grain: one row per group (department, or department × unit) × inquiry_type × days ×
--   answered × past_deadline, with the number of inquiries.
-- Notes: past_deadline is "answered after the deadline" for an answered inquiry and "the
--   deadline has passed at the extract date" (overdue) for an open one.
WITH at_extract AS (
    SELECT *,
        answered_on IS NOT NULL AND answered_on <= $view['extract_date'] AS is_answered
    FROM filtered_inquiries($view)
    WHERE received_on <= $view['extract_date']
)
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    inquiry_type,
    CASE WHEN is_answered THEN answered_on - received_on
         ELSE $view['extract_date']::DATE - received_on END AS days,
    is_answered AS answered,
    CASE WHEN is_answered THEN answered_on > deadline_on
         ELSE deadline_on < $view['extract_date'] END AS past_deadline,
    count(*) AS inquiries
FROM at_extract
GROUP BY ALL
ORDER BY ALL
