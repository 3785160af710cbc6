-- The macros every query reads through, in one file. `dashboard.store.connect` applies this
-- file on every connect (after the migrations), so the store always holds exactly these
-- definitions; the migrations keep only schema changes (migration 008 dropped the macros
-- the earlier migrations had created).
--
-- The view. Every query takes the view as ONE named parameter, `$view`, a STRUCT built by
-- `dashboard.metrics.filters.query_params`:
--   date_from, date_to (DATE)          the period (incident date / inquiry received date)
--   departments, units, types, channels, severities, inquiry_types (VARCHAR[])
--                                      the filters; an empty list means "no restriction"
--   scope_all (BOOLEAN), scope_departments, scope_units (VARCHAR[])
--                                      the viewer's scope: everything, or the rows whose
--                                      department or unit is listed
--   work_accident_days (INTEGER)       the statutory notification limit (a setting)
--   extract_date (DATE)                the data's "today" for open and overdue inquiries
--   reference (BOOLEAN)                read the reference population (`in_population`)
-- The scope is applied in exactly one place, `in_scope`; every macro that reads records
-- goes through it.

-- ---------------------------------------------------------------------------- the view

-- The viewer may see a record of this department and unit.
CREATE OR REPLACE MACRO in_scope(v, department, unit) AS
    v['scope_all']
    OR list_contains(v['scope_departments']::VARCHAR[], department)
    OR list_contains(v['scope_units']::VARCHAR[], unit);

-- The record passes a list filter (an empty list lets everything through).
CREATE OR REPLACE MACRO passes(allowed, value) AS
    len(allowed) = 0 OR list_contains(allowed::VARCHAR[], value);

-- An incident (or summary row) with these keys is in the view, whatever its date. The
-- filters and the scope are separate checks, so that a reference population (the whole
-- municipality within the period, type, channel and severity filters, for comparing a
-- department or unit in "focus") can be a macro of its own that keeps in_scope and leaves
-- out the department and unit filters.
CREATE OR REPLACE MACRO incident_in_view(v, department, unit, harassment_type, channel, severity) AS
    passes(v['departments'], department)
    AND passes(v['units'], unit)
    AND passes(v['types'], harassment_type)
    AND passes(v['channels'], channel)
    AND passes(v['severities'], severity)
    AND in_scope(v, department, unit);

-- A summary row (or incident) with these keys belongs to the population an aggregating
-- query counts: the view itself; or, when v['reference'] is true, the reference population
-- that O/E, the verdicts and the baselines are computed against: the whole municipality
-- within the type, channel and severity filters, whatever the department/unit filter and the
-- viewer's scope. Only the summary macros below read through it, and the queries on them
-- name only the groups in the viewer's scope (incident_outcomes_by_group_stratum.sql); the
-- record-level macros (filtered_incidents, filtered_inquiries, searched_incidents) never
-- read the reference.
CREATE OR REPLACE MACRO in_population(v, department, unit, harassment_type, channel, severity) AS
    CASE WHEN v['reference']
        THEN passes(v['types'], harassment_type)
             AND passes(v['channels'], channel)
             AND passes(v['severities'], severity)
        ELSE incident_in_view(v, department, unit, harassment_type, channel, severity)
    END;

-- The view of everything: no filters, every record, the default settings.
CREATE OR REPLACE MACRO view_everything() AS {
    'date_from': DATE '0001-01-01', 'date_to': DATE '9999-12-31',
    'departments': []::VARCHAR[], 'units': []::VARCHAR[], 'types': []::VARCHAR[],
    'channels': []::VARCHAR[], 'severities': []::VARCHAR[], 'inquiry_types': []::VARCHAR[],
    'scope_all': true, 'scope_departments': []::VARCHAR[], 'scope_units': []::VARCHAR[],
    'work_accident_days': 14, 'extract_date': NULL::DATE, 'reference': false
};

CREATE OR REPLACE MACRO filtered_incidents(v) AS TABLE
SELECT *
FROM incidents
WHERE occurred_on BETWEEN v['date_from'] AND v['date_to']
  AND incident_in_view(v, department, unit, harassment_type, channel, severity);

CREATE OR REPLACE MACRO filtered_inquiries(v) AS TABLE
SELECT *
FROM inquiries
WHERE received_on BETWEEN v['date_from'] AND v['date_to']
  AND passes(v['departments'], department)
  AND passes(v['units'], unit)
  AND passes(v['inquiry_types'], inquiry_type)
  AND in_scope(v, department, unit);

-- The free-text search of the Incidents page (its list and its count both read it):
-- search '' = no search; matched case-insensitively as a substring of the incident id,
-- case id, department, unit and notes, with \, % and _ taken literally.
CREATE OR REPLACE MACRO searched_incidents(v, search) AS TABLE
WITH pattern AS (
    SELECT '%' || replace(replace(replace(search, '\', '\\'), '%', '\%'), '_', '\_') || '%' AS text
)
SELECT i.*
FROM filtered_incidents(v) i, pattern
WHERE search = ''
   OR i.incident_id ILIKE pattern.text ESCAPE '\'
   OR i.case_id ILIKE pattern.text ESCAPE '\'
   OR i.department ILIKE pattern.text ESCAPE '\'
   OR i.unit ILIKE pattern.text ESCAPE '\'
   OR i.notes ILIKE pattern.text ESCAPE '\';

-- The people of a list, numbered within it: the pseudonyms stay in the store. `listed`
-- names a table (a CTE of the calling query) with a `position` column (1 for the first row
-- as the list is ordered) and `citizen_ref` and `employee_ref`. Its rows come back without
-- `position` and the refs, with citizen_no / employee_no: 1 for the person of the first
-- listed row, 2 for the next person not yet numbered, and so on (null when the person is
-- unknown), so a repeat case shows as "Borger 2" on several rows and the numbers mean
-- nothing outside the list. incident_list.sql, incident_detail.sql and
-- police_without_prior_warning.sql number through it; the caller orders the rows.
CREATE OR REPLACE MACRO numbered_people(listed) AS TABLE
WITH placed AS (
    SELECT
        *,
        min(position) OVER (PARTITION BY citizen_ref) AS citizen_first,
        min(position) OVER (PARTITION BY employee_ref) AS employee_first
    FROM query_table(listed)
)
SELECT
    * EXCLUDE (position, citizen_ref, employee_ref, citizen_first, employee_first),
    CASE WHEN citizen_ref IS NOT NULL
        THEN dense_rank() OVER (ORDER BY citizen_ref IS NULL, citizen_first) END AS citizen_no,
    CASE WHEN employee_ref IS NOT NULL
        THEN dense_rank() OVER (ORDER BY employee_ref IS NULL, employee_first) END AS employee_no
FROM placed;

-- ---------------------------------------------------------------------------- the rules
-- Each rule is written once, here, per incident; the summary and the page queries use it.

-- Police report and prior warning: every police report is exactly one of 'with', 'without'
-- and 'unknown' (NULL when the incident was not reported to the police).
--   with:    a warning was given (or dated) and dated on or before the day of the report;
--   without: no warning was given, or the warning is dated after the report;
--   unknown: it is not known whether a warning was given, or the warning or the report has
--            no date, so their order cannot be told.
CREATE OR REPLACE MACRO prior_warning(police_reported, warning_given, warning_on, police_reported_on) AS
    CASE
        WHEN police_reported IS DISTINCT FROM true THEN NULL
        WHEN warning_given IS DISTINCT FROM false
             AND warning_on IS NOT NULL AND police_reported_on IS NOT NULL
            THEN CASE WHEN warning_on <= police_reported_on THEN 'with' ELSE 'without' END
        WHEN warning_given = false THEN 'without'
        ELSE 'unknown'
    END;

-- Work accident notification required (bekendtgørelse om anmeldelse af arbejdsulykker § 1):
-- the incident caused absence of at least one day beyond the day of the incident. TRUE when
-- the days of absence are at least 1 or the first day of absence is after the incident
-- date; FALSE when the absence is known to be none; NULL when nothing is known.
CREATE OR REPLACE MACRO work_accident_required(absence_days, absence_from, occurred_on) AS
    CASE
        WHEN absence_days >= 1 OR absence_from > occurred_on THEN true
        WHEN absence_days = 0 OR absence_from IS NOT NULL THEN false
    END;

-- Which day the notification deadline runs from, as the proxy used:
--   'absence_from'  the first day of absence, when the file gives it;
--   'day_after'     the day after the incident, when only the days of absence (≥ 1) are known;
--   'incident'      the incident date otherwise (no absence: an expected compensation claim
--                   must be notified 14 days after the day of the injury).
CREATE OR REPLACE MACRO deadline_proxy(absence_days, absence_from) AS
    CASE
        WHEN absence_from IS NOT NULL THEN 'absence_from'
        WHEN absence_days >= 1 THEN 'day_after'
        ELSE 'incident'
    END;

CREATE OR REPLACE MACRO deadline_start(absence_days, absence_from, occurred_on) AS
    CASE deadline_proxy(absence_days, absence_from)
        WHEN 'absence_from' THEN absence_from
        WHEN 'day_after' THEN occurred_on + 1
        ELSE occurred_on
    END;

-- ---------------------------------------------------------------------------- the summary

-- The summary rows (one per month × department × unit × harassment type × severity ×
-- channel) of the incidents in the view that occurred from date_from to date_to. Table
-- `incident_summary` (migration 008) holds these rows for every incident; the deadline in
-- days is a setting, so the days from the deadline's start to each notification are kept as a
-- list and compared with it when the summary is read.
CREATE OR REPLACE MACRO incident_summary_rows(v, date_from, date_to) AS TABLE
WITH rows AS (
    SELECT *,
        prior_warning(police_reported, warning_given, warning_on, police_reported_on) AS prior,
        work_accident_required(absence_days, absence_from, occurred_on) AS required,
        work_accident_reported AND work_accident_reported_on IS NOT NULL AS notified_dated,
        deadline_proxy(absence_days, absence_from) AS proxy
    FROM incidents
    WHERE occurred_on BETWEEN date_from AND date_to
      AND in_population(v, department, unit, harassment_type, channel, severity)
)
SELECT
    date_trunc('month', occurred_on)::DATE AS month,
    department,
    unit,
    harassment_type,
    severity,
    channel,
    count(*) AS incidents,
    count(police_reported) AS police_report_known,
    count(*) FILTER (WHERE police_reported) AS police_reports,
    count(warning_given) AS warning_known,
    count(*) FILTER (WHERE warning_given) AS warnings,
    count(work_accident_reported) AS work_accident_known,
    count(*) FILTER (WHERE work_accident_reported) AS work_accidents,
    count(documented) AS documentation_known,
    count(*) FILTER (WHERE documented) AS documented,
    count(*) FILTER (WHERE prior = 'with') AS police_with_prior_warning,
    count(*) FILTER (WHERE prior = 'without') AS police_without_prior_warning,
    count(*) FILTER (WHERE prior = 'unknown') AS police_prior_warning_unknown,
    count(*) FILTER (WHERE required) AS work_accident_required,
    count(*) FILTER (WHERE required AND work_accident_reported) AS work_accident_required_notified,
    count(*) FILTER (WHERE required AND work_accident_reported = false) AS work_accident_missing,
    count(*) FILTER (WHERE work_accident_reported AND work_accident_reported_on IS NULL)
        AS work_accidents_undated,
    count(*) FILTER (WHERE notified_dated AND proxy = 'absence_from') AS deadline_from_absence_from,
    count(*) FILTER (WHERE notified_dated AND proxy = 'day_after') AS deadline_from_day_after,
    count(*) FILTER (WHERE notified_dated AND proxy = 'incident') AS deadline_from_incident,
    coalesce(
        list(work_accident_reported_on - occurred_on) FILTER (WHERE notified_dated), []
    )::INTEGER[] AS work_accident_delays,
    coalesce(
        list(work_accident_reported_on - deadline_start(absence_days, absence_from, occurred_on))
            FILTER (WHERE notified_dated),
        []
    )::INTEGER[] AS work_accident_deadline_days,
    coalesce(
        list(police_reported_on - occurred_on) FILTER (
            WHERE police_reported AND police_reported_on IS NOT NULL
        ),
        []
    )::INTEGER[] AS police_report_delays,
    coalesce(
        list(police_reported_on - warning_on) FILTER (WHERE prior = 'with'), []
    )::INTEGER[] AS warning_to_police_delays
FROM rows
GROUP BY ALL;

-- Every incident, whatever its date.
CREATE OR REPLACE MACRO all_incident_summary_rows() AS TABLE
SELECT * FROM incident_summary_rows(view_everything(), DATE '0001-01-01', DATE '9999-12-31');

-- The whole months of a period: the first is the month of date_from if that is the 1st,
-- else the next month; they end (exclusive) at the month of the day after date_to.
CREATE OR REPLACE MACRO first_whole_month(date_from) AS
    CASE WHEN day(date_from::DATE) = 1 THEN date_from::DATE
         ELSE (date_trunc('month', date_from::DATE) + INTERVAL 1 MONTH)::DATE END;
CREATE OR REPLACE MACRO end_of_whole_months(date_to) AS
    date_trunc('month', date_to::DATE + 1)::DATE;

-- The summary rows of the view's period, exactly: whole months from the summary, the days of
-- a partly covered first or last month from the incidents themselves. The three parts cover
-- the period without overlap (also when it lies within one month).
CREATE OR REPLACE MACRO incident_summary_for_period(v) AS TABLE
SELECT *
FROM incident_summary
WHERE month >= first_whole_month(v['date_from']) AND month < end_of_whole_months(v['date_to'])
  AND in_population(v, department, unit, harassment_type, channel, severity)
UNION ALL
SELECT * FROM incident_summary_rows(
    v, v['date_from'], least(first_whole_month(v['date_from']) - 1, v['date_to']::DATE)
)
UNION ALL
SELECT * FROM incident_summary_rows(
    v, greatest(end_of_whole_months(v['date_to']), first_whole_month(v['date_from'])), v['date_to']
);
