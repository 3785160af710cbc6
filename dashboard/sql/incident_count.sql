-- Purpose: how many incidents the Incidents page's list matches (for "showing N of M").
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), $search (as in incident_list.sql).
-- Grain: one row.
-- Notes: reads the searched_incidents macro (macros.sql), as incident_list.sql does.
SELECT count(*) AS incidents
FROM searched_incidents($view, $search)
