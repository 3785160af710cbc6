-- Purpose: the extract date: the latest date anything happened in the store (deadlines are
--   excluded: they lie in the future). Used as "today" for open and overdue inquiries.
--   Each column's maximum is taken on its own, so DuckDB can answer from its statistics.
-- Parameters: none.
-- Grain: one row.
SELECT greatest(
    (SELECT greatest(max(occurred_on), max(registered_on), max(warning_on),
                     max(police_reported_on), max(work_accident_reported_on)) FROM incidents),
    (SELECT greatest(max(received_on), max(answered_on)) FROM inquiries)
) AS extract_date
