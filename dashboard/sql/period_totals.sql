-- Purpose: the headline totals of a period (used for the period before the one shown, to
--   give the change): incident counts with their known-denominators, and open inquiries.
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), the view's extract_date.
-- Grain: one row.
WITH inc AS (
    -- from the monthly summary and, for partly covered months, the incidents (migration 007)
    SELECT
        coalesce(sum(incidents), 0)::BIGINT AS incidents,
        coalesce(sum(police_reports), 0)::BIGINT AS police_reports,
        coalesce(sum(police_report_known), 0)::BIGINT AS police_report_known,
        coalesce(sum(warnings), 0)::BIGINT AS warnings,
        coalesce(sum(warning_known), 0)::BIGINT AS warning_known,
        coalesce(sum(work_accidents), 0)::BIGINT AS work_accidents,
        coalesce(sum(work_accident_known), 0)::BIGINT AS work_accident_known,
        coalesce(sum(documented), 0)::BIGINT AS documented,
        coalesce(sum(documentation_known), 0)::BIGINT AS documentation_known,
        coalesce(sum(police_with_prior_warning), 0)::BIGINT AS police_with_prior_warning,
        coalesce(sum(police_without_prior_warning), 0)::BIGINT AS police_without_prior_warning,
        coalesce(sum(police_prior_warning_unknown), 0)::BIGINT AS police_prior_warning_unknown,
        coalesce(sum(work_accident_required), 0)::BIGINT AS work_accident_required,
        coalesce(sum(work_accident_required_notified), 0)::BIGINT
            AS work_accident_required_notified,
        coalesce(sum(work_accident_missing), 0)::BIGINT AS work_accident_missing
    FROM incident_summary_for_period($view)
),
inq AS (
    SELECT
        count(*) AS inquiries,
        count(*) FILTER (WHERE answered_on IS NULL OR answered_on > $view['extract_date']) AS open,
        count(*) FILTER (
            WHERE (answered_on IS NULL OR answered_on > $view['extract_date']) AND deadline_on < $view['extract_date']
        ) AS open_overdue
    FROM filtered_inquiries($view)
    WHERE received_on <= $view['extract_date']
)
SELECT * FROM inc, inq
