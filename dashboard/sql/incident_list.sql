-- Purpose: the incident table of the Incidents page: one row per incident matching the
--   filters (and the viewer's scope), with the columns an analyst needs, newest first.
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), $search (free text; '' = no search; matched
--   case-insensitively as a substring of the incident id, case id, department, unit and
--   notes, with % and _ taken literally), $limit (the most rows returned).
-- Grain: one row per incident.
-- Notes: the search is the searched_incidents macro (macros.sql), which incident_count.sql
--   reads too, so the count is of exactly the rows this query lists before $limit.
SELECT
    incident_id,
    case_id,
    occurred_on,
    department,
    unit,
    harassment_type,
    severity,
    channel,
    documented,
    warning_given,
    warning_on,
    police_reported,
    police_reported_on,
    decided_by,
    work_accident_reported,
    work_accident_reported_on,
    absence_days,
    absence_from,
    notes
FROM searched_incidents($view, $search)
ORDER BY occurred_on DESC, incident_id DESC
LIMIT $limit
