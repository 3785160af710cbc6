-- Purpose: the headline totals of a period (used for the period before the one shown, to
--   give the change): every incident count of the summary with the known-denominators and
--   the rules' counts, and the inquiries, open and open past the deadline.
-- Parameters: $view (filters, scope, settings: dashboard/store/macros.sql), the view's extract_date.
-- Grain: one row.
WITH inc AS (
    -- every count column of the monthly summary, summed (so a count added to the summary is
    -- a headline total without editing this file), and the dated notifications within and
    -- after the deadline, which the summary keeps as lists of days (migration 008)
    SELECT
        coalesce(sum(COLUMNS(lambda c: c NOT IN (
            'month', 'department', 'unit', 'harassment_type', 'severity', 'channel',
            'work_accident_delays', 'work_accident_deadline_days', 'police_report_delays',
            'warning_to_police_delays'
        ))), 0)::BIGINT,
        coalesce(sum(len(list_filter(
            work_accident_deadline_days, lambda days: days <= $view['work_accident_days']
        ))), 0)::BIGINT AS work_accidents_within_deadline,
        coalesce(sum(len(list_filter(
            work_accident_deadline_days, lambda days: days > $view['work_accident_days']
        ))), 0)::BIGINT AS work_accidents_late
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
