-- Purpose: one incident with every stored field, for the Incidents page's detail view and
--   its timeline. Read through the filter macro, so the viewer's scope (and the filters)
--   apply: a viewer cannot open an incident outside what they may see, whatever id they ask.
-- Parameters: $incident_id, $date_from, $date_to, $departments, $units, $types, $channels,
--   $severities, $scope_all, $scope_departments, $scope_units.
-- Grain: one row, or none when the incident does not exist or is outside the scope/filters.
-- Privacy: the pseudonyms stay in the store: citizen_no / employee_no are 1 when the person
--   is known (null otherwise); the page numbers them as the incident list does when the
--   incident is listed there.
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
    CASE WHEN citizen_ref IS NOT NULL THEN 1 END AS citizen_no,
    CASE WHEN employee_ref IS NOT NULL THEN 1 END AS employee_no,
    documented,
    documentation_form,
    warning_given,
    warning_on,
    police_reported,
    police_reported_on,
    decided_by,
    work_accident_reported,
    work_accident_reported_on,
    absence_days,
    notes
FROM filtered_incidents(
    $date_from, $date_to, $departments, $units, $types, $channels, $severities,
    $scope_all, $scope_departments, $scope_units
)
WHERE incident_id = $incident_id
