-- Purpose: the extract date: the latest date anything happened in the records the viewer may
--   see (deadlines are excluded: they lie in the future). Used as "today" for open and
--   overdue inquiries. Each column's maximum is taken on its own, so that for the whole
--   municipality DuckDB can answer from its statistics.
-- Parameters: $view (only its scope is used). A limited scope's extract date is the latest
--   date in that scope: the municipality's latest date would tell a department head that
--   something happened elsewhere on a day their own records do not show.
-- Grain: one row.
SELECT greatest(
    (SELECT greatest(max(occurred_on), max(registered_on), max(warning_on),
                     max(police_reported_on), max(work_accident_reported_on))
     FROM incidents WHERE in_scope($view, department, unit)),
    (SELECT greatest(max(received_on), max(answered_on))
     FROM inquiries WHERE in_scope($view, department, unit))
) AS extract_date
