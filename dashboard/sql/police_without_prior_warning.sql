-- Purpose: the police-reported incidents without a prior warning, newest first: the cases to
--   look at when asking whether a unit reports without warning first. The rule is the
--   prior_warning macro (macros.sql), as in incident_outcomes_by_group_stratum.sql: no
--   warning was given, or the warning is dated after the report. Reports whose warning
--   status or order cannot be told ('unknown') are not listed here.
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), $limit (the most
--   rows returned).
-- Grain: one row per incident. Besides the listed columns it carries the dates and answers the
--   drill-down's timeline needs (registration, documentation, work-accident notification).
-- Privacy: the citizen pseudonym stays in the store; each row carries citizen_no instead, the
--   citizen's number within this list (1 for the citizen of the newest listed report, and so
--   on; null when unknown), numbered by the numbered_people macro (macros.sql) as
--   incident_list.sql numbers them.
WITH listed AS (
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
    work_accident_reported_on,
    citizen_ref,
    NULL::VARCHAR AS employee_ref  -- not listed: numbered_people numbers both
FROM filtered_incidents($view)
WHERE prior_warning(police_reported, warning_given, warning_on, police_reported_on) = 'without'
ORDER BY occurred_on DESC, incident_id
LIMIT $limit
),
positioned AS (
    SELECT *, row_number() OVER (ORDER BY occurred_on DESC, incident_id) AS position
    FROM listed
)
SELECT * EXCLUDE (employee_no)
FROM numbered_people(positioned)
ORDER BY occurred_on DESC, incident_id
