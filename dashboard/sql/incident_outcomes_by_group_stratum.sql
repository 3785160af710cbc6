-- Purpose: outcome counts per group and case-mix stratum; the input to rates, indirect
--   standardisation (O/E), chi-square and Cochran–Mantel–Haenszel tests, and to the counts of
--   the legal rules (prior warning, work accidents required / missing / within the deadline).
-- Parameters: $view (filters, viewer's scope and settings, see dashboard/store/macros.sql;
--   its work_accident_days is the statutory notification limit), $group_by ('department' or
--   'unit').
-- Grain: one row per group (department, or department × unit) × harassment_type × severity.
-- Scope: a group is named (department, unit) when any of its rows is in the viewer's scope;
--   every row of the view is, but a reference view ($view.reference, see in_population in
--   macros.sql) counts the whole municipality, and there a group wholly outside the scope
--   comes with department and unit NULL and `peer` set: a number that keeps the unnamed
--   groups apart within this one result (their rank by a hash of the names, so no order of
--   the names), never shown. `peer` is NULL for a named group.
-- Notes: reads the monthly summary (migration 008) for the months wholly inside the period
--   and the incidents for the days of a partly covered month, so the counts equal those of a
--   scan of every incident. An outcome's denominator is the incidents where it is known (yes
--   or no), so an empty cell (unknown) is never counted as "no". The rules themselves
--   (prior_warning, work_accident_required, deadline_start) are macros in macros.sql. A
--   dated notification is within the deadline when it came at most work_accident_days after
--   the deadline's start, late otherwise; an undated one is neither (work_accidents_undated).
WITH counts AS (
SELECT
    department,
    CASE WHEN $group_by = 'unit' THEN s.unit END AS unit,
    harassment_type,
    coalesce(severity, 'unknown') AS severity,
    bool_or(in_scope($view, s.department, s.unit)) AS rows_in_scope,
    sum(incidents)::BIGINT AS incidents,
    sum(police_report_known)::BIGINT AS police_report_known,
    sum(police_reports)::BIGINT AS police_reports,
    sum(warning_known)::BIGINT AS warning_known,
    sum(warnings)::BIGINT AS warnings,
    sum(work_accident_known)::BIGINT AS work_accident_known,
    sum(work_accidents)::BIGINT AS work_accidents,
    sum(documentation_known)::BIGINT AS documentation_known,
    sum(documented)::BIGINT AS documented,
    sum(police_with_prior_warning)::BIGINT AS police_with_prior_warning,
    sum(police_without_prior_warning)::BIGINT AS police_without_prior_warning,
    sum(police_prior_warning_unknown)::BIGINT AS police_prior_warning_unknown,
    sum(work_accident_required)::BIGINT AS work_accident_required,
    sum(work_accident_required_notified)::BIGINT AS work_accident_required_notified,
    sum(work_accident_missing)::BIGINT AS work_accident_missing,
    sum(len(list_filter(
        work_accident_deadline_days, lambda days: days <= $view['work_accident_days']
    )))::BIGINT AS work_accidents_within_deadline,
    sum(len(list_filter(
        work_accident_deadline_days, lambda days: days > $view['work_accident_days']
    )))::BIGINT AS work_accidents_late,
    sum(work_accidents_undated)::BIGINT AS work_accidents_undated,
    sum(deadline_from_absence_from)::BIGINT AS deadline_from_absence_from,
    sum(deadline_from_day_after)::BIGINT AS deadline_from_day_after,
    sum(deadline_from_incident)::BIGINT AS deadline_from_incident
FROM incident_summary_for_period($view) AS s
GROUP BY ALL
),
grouped AS (
    SELECT *, bool_or(rows_in_scope) OVER (PARTITION BY department, unit) AS named FROM counts
)
SELECT
    * EXCLUDE (rows_in_scope, named) REPLACE (
        CASE WHEN named THEN department END AS department,
        CASE WHEN named THEN unit END AS unit
    ),
    CASE WHEN NOT named THEN dense_rank() OVER (
        PARTITION BY named ORDER BY hash(department, unit), department, unit
    ) END AS peer
FROM grouped
ORDER BY ALL
