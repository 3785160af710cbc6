-- Purpose: what the filters can offer: the departments and units present (within the viewer's
--   scope) and the range of incident dates, so the period picker starts at the data's range.
-- Parameters: $view (only its scope is used: the options do not depend on the filters).
-- Grain: one row per department × unit (unit may be null) with incidents or inquiries.
WITH rows AS (
    SELECT department, unit, occurred_on AS on_date FROM incidents
    UNION ALL
    SELECT department, unit, received_on AS on_date FROM inquiries
)
SELECT department, unit, min(on_date) AS first_date, max(on_date) AS last_date, count(*) AS records
FROM rows
WHERE in_scope($view, department, unit)
GROUP BY ALL
ORDER BY department, unit NULLS FIRST
