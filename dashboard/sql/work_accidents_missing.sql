-- Purpose: the incidents that had to be notified as a work accident but were not, newest
--   first: the list the ombudsman asks about. "Had to be" is the work_accident_required
--   macro (macros.sql: absence of at least one day beyond the day of the incident); "not
--   notified" is a notification recorded as no (an unknown one is not listed).
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), $limit (the most
--   rows returned).
-- Grain: one row per incident.
SELECT
    incident_id,
    department,
    unit,
    occurred_on,
    harassment_type,
    severity,
    absence_days,
    absence_from,
    deadline_start(absence_days, absence_from, occurred_on) + $view['work_accident_days']
        AS deadline_on
FROM filtered_incidents($view)
WHERE work_accident_required(absence_days, absence_from, occurred_on)
  AND work_accident_reported = false
ORDER BY occurred_on DESC, incident_id
LIMIT $limit
