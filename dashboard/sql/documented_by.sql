-- Purpose: who documented the incidents, per group: the number of documented incidents by
--   who documented them (an empty cell is its own row, documented_by null = unknown).
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), $group_by
--   ('department' or 'unit').
-- Grain: one row per group (department, or department × unit) × documented_by.
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN unit END AS unit,
    documented_by,
    count(*) AS documented
FROM filtered_incidents($view)
WHERE documented
GROUP BY ALL
ORDER BY department, unit NULLS FIRST, documented_by NULLS LAST
