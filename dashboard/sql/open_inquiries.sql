-- Purpose: the inquiries still open at the extract date, as a work list: how long each has
--   been open and how far past its deadline it is, most overdue first.
-- Parameters: $view (period on the received date, departments, units, inquiry_types, scope;
--   dashboard/store/macros.sql), $view's extract_date (the "today" of the data: an
--   answer after it counts as still open, an inquiry received after it is left out),
--   $limit (the most rows returned).
-- Grain: one row per inquiry open at the extract date.
-- Notes: an inquiry is overdue when its deadline is before the extract date (as in
--   inquiry_metrics_by_group); days_overdue is null when it is not.
SELECT
    inquiry_id,
    department,
    unit,
    inquiry_type,
    received_on,
    deadline_on,
    $view['extract_date']::DATE - received_on AS days_open,
    CASE WHEN deadline_on < $view['extract_date']::DATE THEN $view['extract_date']::DATE - deadline_on END
        AS days_overdue
FROM filtered_inquiries($view)
WHERE received_on <= $view['extract_date']::DATE
  AND (answered_on IS NULL OR answered_on > $view['extract_date']::DATE)
ORDER BY days_overdue DESC NULLS LAST, days_open DESC, inquiry_id
LIMIT $limit
