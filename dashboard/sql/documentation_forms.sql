-- Purpose: how incidents were documented, per group: the number of documented incidents by
--   form of documentation (an empty cell is its own row, documentation_form null = unknown).
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), $group_by ('department' or 'unit').
-- Grain: one row per group (department, or department × unit) × documentation_form.
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    documentation_form,
    count(*) AS documented
FROM filtered_incidents($view)
WHERE documented
GROUP BY ALL
ORDER BY department, unit NULLS FIRST, documentation_form NULLS LAST
