-- Purpose: one incident with every stored field, for the Incidents page's detail view and
--   its timeline. Read through the filter macro, so the viewer's scope (and the filters)
--   apply: a viewer cannot open an incident outside what they may see, whatever id they ask.
-- Parameters: $incident_id, $view (filters, scope: dashboard/store/macros.sql).
-- Grain: one row, or none when the incident does not exist or is outside the scope/filters.
-- Privacy: the pseudonyms stay in the store: citizen_no / employee_no are 1 when the person
--   is known (null otherwise), the numbered_people macro (macros.sql) on a list of one; the
--   page numbers them as the incident list does when the incident is listed there.
WITH listed AS (
    SELECT
        incident_id,
        case_id,
        department,
        unit,
        occurred_on,
        registered_on,
        channel,
        harassment_type,
        severity,
        documented,
        documentation_form,
        documented_by,
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
        employee_ref,
        1 AS position
    FROM filtered_incidents($view)
    WHERE incident_id = $incident_id
)
SELECT *
FROM numbered_people(listed)
