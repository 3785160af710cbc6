-- 005: the days to action in the monthly incident summary too, so that the delay quantiles
-- (police and work-accident pages) need not scan every incident either. Per summary row, as
-- lists (one value per incident): days from incident to a dated police report, and from a
-- warning to a police report dated on or after it. The days to work-accident notification
-- are already there (004). The summary is rebuilt here from the incidents.

ALTER TABLE incident_summary ADD COLUMN police_report_delays INTEGER[];
ALTER TABLE incident_summary ADD COLUMN warning_to_police_delays INTEGER[];

-- 004's macro with the two new lists at the end (the table's column order).
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

DELETE FROM incident_summary;
INSERT INTO incident_summary SELECT * FROM all_incident_summary_rows();
