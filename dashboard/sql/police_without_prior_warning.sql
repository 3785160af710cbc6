-- Purpose: the police-reported incidents with no warning dated on or before the report, newest
--   first: the cases to look at when asking whether a unit reports without warning first.
--   Same definition as police_without_prior_warning in incident_outcomes_by_group_stratum.sql:
--   a report has a prior warning when a warning is dated on or before the report date (or the
--   report date is unknown and the warning is dated); an undated warning is not a prior one.
-- Parameters: $date_from, $date_to, $departments, $units, $types, $channels, $severities,
--   $scope_all, $scope_departments, $scope_units, $limit (the most rows returned).
-- Grain: one row per incident. Besides the listed columns it carries the dates and answers the
--   drill-down's timeline needs (registration, documentation, work-accident notification).
SELECT
    incident_id,
    department,
    unit,
    occurred_on,
    harassment_type,
    severity,
    channel,
    warning_given,
    warning_on,
    police_reported_on,
    decided_by,
    registered_on,
    documented,
    documentation_form,
    work_accident_reported,
    work_accident_reported_on
FROM filtered_incidents(
    $date_from, $date_to, $departments, $units, $types, $channels, $severities,
    $scope_all, $scope_departments, $scope_units
)
WHERE without_prior_warning(police_reported, warning_on, police_reported_on)
ORDER BY occurred_on DESC, incident_id
LIMIT $limit
