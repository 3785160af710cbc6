-- Purpose: who decided to report incidents to the police, per group: the number of police
--   reports by decision maker (an empty cell is its own row, decided_by null = unknown).
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), $group_by ('department' or 'unit').
-- Grain: one row per group (department, or department × unit) × decided_by.
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    decided_by,
    count(*) AS police_reports
FROM filtered_incidents($view)
WHERE police_reported
GROUP BY ALL
ORDER BY department, unit NULLS FIRST, decided_by NULLS LAST
