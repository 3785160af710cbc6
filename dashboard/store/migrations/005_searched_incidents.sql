-- 005: the free-text search of the Incidents page, in one place: its list and its count
-- (queries/incident_list.sql, incident_count.sql) both read from this macro, so they always
-- match the same incidents.
-- search: free text; '' = no search; matched case-insensitively as a substring of the
-- incident id, case id, department, unit and notes, with \, % and _ taken literally.

CREATE OR REPLACE MACRO searched_incidents(
    date_from, date_to, departments, units, types, channels, severities,
    scope_all, scope_departments, scope_units, search
) AS TABLE
WITH pattern AS (
    SELECT '%' || replace(replace(replace(search, '\', '\\'), '%', '\%'), '_', '\_') || '%' AS text
)
SELECT i.*
FROM filtered_incidents(
    date_from, date_to, departments, units, types, channels, severities,
    scope_all, scope_departments, scope_units
) i, pattern
WHERE search = ''
   OR i.incident_id ILIKE pattern.text ESCAPE '\'
   OR i.case_id ILIKE pattern.text ESCAPE '\'
   OR i.department ILIKE pattern.text ESCAPE '\'
   OR i.unit ILIKE pattern.text ESCAPE '\'
   OR i.notes ILIKE pattern.text ESCAPE '\';
