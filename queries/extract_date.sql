-- Purpose: the extract date: the latest date anything happened in the store (deadlines are
--   excluded: they lie in the future). Used as "today" for open and overdue inquiries.
-- Parameters: none.
-- Grain: one row.
SELECT greatest(
    (SELECT max(greatest(occurred_on, registered_on, warning_on, police_reported_on,
                         work_accident_reported_on)) FROM incidents),
    (SELECT max(greatest(received_on, answered_on)) FROM inquiries)
) AS extract_date
