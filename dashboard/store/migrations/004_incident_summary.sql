-- 004: a monthly summary of the incidents, so that the outcome counts of a page need not
-- scan every incident (at a million incidents the scan was most of a page's time).
--
-- `incident_summary` holds, per month of occurrence × department × unit × harassment type ×
-- severity × channel, the counts every outcome metric is made of. It is a pure function of
-- `incidents`: `incident_summary_rows` computes it, and the store rebuilds it inside the
-- transaction of every import and undo (`dashboard.store.refresh_summaries`), so it is never
-- out of date. Queries read the months lying wholly inside the period from it and the days
-- of a partly covered month at either end from `incidents` through the same macro, so the
-- result is exactly what a scan of `incidents` gives.
--
-- The days to action are kept as lists per row (one value per incident): to a work-accident
-- notification (the statutory limit, `work_accident_days`, is a setting applied when the
-- summary is read), to a dated police report, and from a warning to a police report dated on
-- or after it; the delay quantiles are taken over them.

-- True when an incident (or summary row) with these keys passes the filters and the scope.
-- An empty filter list means "no restriction".
CREATE OR REPLACE MACRO incident_in_view(
    department, unit, harassment_type, channel, severity,
    departments, units, types, channels, severities,
    scope_all, scope_departments, scope_units
) AS
    (len(departments) = 0 OR list_contains(departments::VARCHAR[], department))
    AND (len(units) = 0 OR list_contains(units::VARCHAR[], unit))
    AND (len(types) = 0 OR list_contains(types::VARCHAR[], harassment_type))
    AND (len(channels) = 0 OR list_contains(channels::VARCHAR[], channel))
    AND (len(severities) = 0 OR list_contains(severities::VARCHAR[], severity))
    AND (scope_all
         OR list_contains(scope_departments::VARCHAR[], department)
         OR list_contains(scope_units::VARCHAR[], unit));

-- 002's macro, now through incident_in_view (same rows as before).
CREATE OR REPLACE MACRO filtered_incidents(
    date_from, date_to, departments, units, types, channels, severities,
    scope_all, scope_departments, scope_units
) AS TABLE
SELECT *
FROM incidents
WHERE occurred_on BETWEEN date_from AND date_to
  AND incident_in_view(
      department, unit, harassment_type, channel, severity,
      departments, units, types, channels, severities,
      scope_all, scope_departments, scope_units
  );

-- The summary rows of the incidents that occurred from date_from to date_to and pass the
-- filters: one row per month × department × unit × harassment_type × severity × channel.
-- Whether a police report had a prior warning is decided per incident (003's macro).
CREATE OR REPLACE MACRO incident_summary_rows(
    date_from, date_to, departments, units, types, channels, severities,
    scope_all, scope_departments, scope_units
) AS TABLE
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
    count(*) FILTER (
        WHERE without_prior_warning(police_reported, warning_on, police_reported_on)
    ) AS police_without_prior_warning,
    coalesce(
        list(work_accident_reported_on - occurred_on) FILTER (
            WHERE work_accident_reported AND work_accident_reported_on IS NOT NULL
        ),
        []
    )::INTEGER[] AS work_accident_delays,
    coalesce(
        list(police_reported_on - occurred_on) FILTER (
            WHERE police_reported AND police_reported_on IS NOT NULL
        ),
        []
    )::INTEGER[] AS police_report_delays,
    coalesce(
        list(police_reported_on - warning_on) FILTER (
            WHERE police_reported AND warning_on <= police_reported_on
        ),
        []
    )::INTEGER[] AS warning_to_police_delays
FROM filtered_incidents(
    date_from, date_to, departments, units, types, channels, severities,
    scope_all, scope_departments, scope_units
)
GROUP BY ALL;

CREATE TABLE incident_summary (
    month                        DATE NOT NULL,
    department                   VARCHAR NOT NULL,
    unit                         VARCHAR,
    harassment_type              VARCHAR NOT NULL,
    severity                     VARCHAR,
    channel                      VARCHAR,
    incidents                    BIGINT NOT NULL,
    police_report_known          BIGINT NOT NULL,
    police_reports               BIGINT NOT NULL,
    warning_known                BIGINT NOT NULL,
    warnings                     BIGINT NOT NULL,
    work_accident_known          BIGINT NOT NULL,
    work_accidents               BIGINT NOT NULL,
    documentation_known          BIGINT NOT NULL,
    documented                   BIGINT NOT NULL,
    police_without_prior_warning BIGINT NOT NULL,
    work_accident_delays         INTEGER[] NOT NULL, -- days to notification, one per dated work accident
    police_report_delays         INTEGER[] NOT NULL, -- days to a dated police report
    warning_to_police_delays     INTEGER[] NOT NULL  -- days from a warning to a report dated on or after it
);

-- Every incident, whatever its date.
CREATE OR REPLACE MACRO all_incident_summary_rows() AS TABLE
SELECT * FROM incident_summary_rows(
    DATE '0001-01-01', DATE '9999-12-31', [], [], [], [], [], true, [], []
);

-- The summary rows of the whole months from month_from (inclusive) to month_to (exclusive)
-- that pass the filters and the scope.
CREATE OR REPLACE MACRO filtered_incident_summary(
    month_from, month_to, departments, units, types, channels, severities,
    scope_all, scope_departments, scope_units
) AS TABLE
SELECT *
FROM incident_summary
WHERE month >= month_from AND month < month_to
  AND incident_in_view(
      department, unit, harassment_type, channel, severity,
      departments, units, types, channels, severities,
      scope_all, scope_departments, scope_units
  );

-- The whole months of a period: the first is the month of date_from if that is the 1st,
-- else the next month; they end (exclusive) at the month of the day after date_to.
CREATE OR REPLACE MACRO first_whole_month(date_from) AS
    CASE WHEN day(date_from::DATE) = 1 THEN date_from::DATE
         ELSE (date_trunc('month', date_from::DATE) + INTERVAL 1 MONTH)::DATE END;
CREATE OR REPLACE MACRO end_of_whole_months(date_to) AS
    date_trunc('month', date_to::DATE + 1)::DATE;

-- The summary rows of the period from date_from to date_to, exactly: whole months from the
-- summary, the days of a partly covered first or last month from the incidents themselves.
-- The three parts cover the period without overlap (also when it lies within one month).
CREATE OR REPLACE MACRO incident_summary_for_period(
    date_from, date_to, departments, units, types, channels, severities,
    scope_all, scope_departments, scope_units
) AS TABLE
SELECT * FROM filtered_incident_summary(
    first_whole_month(date_from), end_of_whole_months(date_to),
    departments, units, types, channels, severities, scope_all, scope_departments, scope_units
)
UNION ALL
SELECT * FROM incident_summary_rows(
    date_from, least(first_whole_month(date_from) - 1, date_to::DATE),
    departments, units, types, channels, severities, scope_all, scope_departments, scope_units
)
UNION ALL
SELECT * FROM incident_summary_rows(
    greatest(end_of_whole_months(date_to), first_whole_month(date_from)), date_to,
    departments, units, types, channels, severities, scope_all, scope_departments, scope_units
);

INSERT INTO incident_summary SELECT * FROM all_incident_summary_rows();
