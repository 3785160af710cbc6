-- Purpose: how many incidents the Incidents page's list matches (for "showing N of M").
-- Parameters: $date_from, $date_to, $departments, $units, $types, $channels, $severities,
--   $scope_all, $scope_departments, $scope_units, $search (as in incident_list.sql).
-- Grain: one row.
-- Notes: reads the searched_incidents macro (migration 005), as incident_list.sql does.
SELECT count(*) AS incidents
FROM searched_incidents(
    $date_from, $date_to, $departments, $units, $types, $channels, $severities,
    $scope_all, $scope_departments, $scope_units, $search
)
