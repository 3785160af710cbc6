-- Purpose: what the filters can offer: the departments and units present (within the viewer's
--   scope) and the range of incident dates, so the period picker starts at the data's range.
-- Parameters: $scope_all, $scope_departments, $scope_units.
-- Grain: one row per department × unit (unit may be null) with incidents or inquiries.
WITH rows AS (
    SELECT department, unit, occurred_on AS on_date FROM incidents
    UNION ALL
    SELECT department, unit, received_on AS on_date FROM inquiries
)
SELECT department, unit, min(on_date) AS first_date, max(on_date) AS last_date, count(*) AS records
FROM rows
WHERE $scope_all
   OR list_contains($scope_departments::VARCHAR[], department)
   OR list_contains($scope_units::VARCHAR[], unit)
GROUP BY ALL
ORDER BY department, unit NULLS FIRST
