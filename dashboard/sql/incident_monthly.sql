-- Purpose: monthly trend of incidents and what was done about them.
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql).
-- Grain: one row per calendar month (first day of the month) with at least one incident.
SELECT
    date_trunc('month', occurred_on)::DATE AS month,
    count(*) AS incidents,
    count(*) FILTER (WHERE police_reported) AS police_reports,
    count(*) FILTER (WHERE warning_given) AS warnings,
    count(*) FILTER (WHERE work_accident_reported) AS work_accidents,
    count(*) FILTER (WHERE documented) AS documented
FROM filtered_incidents($view)
GROUP BY ALL
ORDER BY month
