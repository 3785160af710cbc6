-- Purpose: the incident table of the Incidents page: one row per incident matching the
--   filters (and the viewer's scope), with the columns an analyst needs, newest first.
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), $search (free text; '' = no search; matched
--   case-insensitively as a substring of the incident id, case id, department, unit and
--   notes, with % and _ taken literally), $limit (the most rows returned).
-- Grain: one row per incident.
-- Privacy: the citizen and employee pseudonyms stay in the store; each row carries
--   citizen_no / employee_no instead, the person's number within this list (1 for the person
--   of the newest listed incident, and so on; null when unknown): the numbered_people macro
--   (macros.sql), so repeat cases show as "Borger 2" on several rows and the numbers mean
--   nothing outside this list.
-- Notes: the search is the searched_incidents macro (macros.sql), which incident_count.sql
--   reads too, so the count is of exactly the rows this query lists before $limit.
WITH listed AS (
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
        notes,
        citizen_ref,
        employee_ref
    FROM searched_incidents($view, $search)
    ORDER BY occurred_on DESC, incident_id DESC
    LIMIT $limit
),
positioned AS (
    SELECT *, row_number() OVER (ORDER BY occurred_on DESC, incident_id DESC) AS position
    FROM listed
)
SELECT *
FROM numbered_people(positioned)
ORDER BY occurred_on DESC, incident_id DESC
