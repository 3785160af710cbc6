-- Purpose: how many incidents the Incidents page's list matches (for "showing N of M").
-- Parameters: $date_from, $date_to, $departments, $units, $types, $channels, $severities,
--   $scope_all, $scope_departments, $scope_units, $search (as in incident_list.sql).
-- Grain: one row.
-- Notes: the WHERE clause is incident_list.sql's; keep them the same.
WITH pattern AS (
    -- the search text as an ILIKE pattern: a substring, with \, % and _ escaped
    SELECT '%' || replace(replace(replace($search, '\', '\\'), '%', '\%'), '_', '\_') || '%' AS text
)
SELECT count(*) AS incidents
FROM filtered_incidents(
    $date_from, $date_to, $departments, $units, $types, $channels, $severities,
    $scope_all, $scope_departments, $scope_units
), pattern
WHERE $search = ''
   OR incident_id ILIKE pattern.text ESCAPE '\'
   OR case_id ILIKE pattern.text ESCAPE '\'
   OR department ILIKE pattern.text ESCAPE '\'
   OR unit ILIKE pattern.text ESCAPE '\'
   OR notes ILIKE pattern.text ESCAPE '\'
