-- 002: the filtered views every query reads from, as table macros.
-- Filters and the viewer's scope are applied here, where the data is read, and only here:
-- a query that reads `filtered_incidents(...)` cannot forget the scope.
-- An empty list means "no restriction" for filters; the scope is either all (scope_all) or
-- the rows whose department is in scope_departments or whose unit is in scope_units.

CREATE OR REPLACE MACRO filtered_incidents(
    date_from, date_to, departments, units, types, channels, severities,
    scope_all, scope_departments, scope_units
) AS TABLE
SELECT *
FROM incidents
WHERE occurred_on BETWEEN date_from AND date_to
  AND (len(departments) = 0 OR list_contains(departments::VARCHAR[], department))
  AND (len(units) = 0 OR list_contains(units::VARCHAR[], unit))
  AND (len(types) = 0 OR list_contains(types::VARCHAR[], harassment_type))
  AND (len(channels) = 0 OR list_contains(channels::VARCHAR[], channel))
  AND (len(severities) = 0 OR list_contains(severities::VARCHAR[], severity))
  AND (scope_all
       OR list_contains(scope_departments::VARCHAR[], department)
       OR list_contains(scope_units::VARCHAR[], unit));

CREATE OR REPLACE MACRO filtered_inquiries(
    date_from, date_to, departments, units,
    scope_all, scope_departments, scope_units
) AS TABLE
SELECT *
FROM inquiries
WHERE received_on BETWEEN date_from AND date_to
  AND (len(departments) = 0 OR list_contains(departments::VARCHAR[], department))
  AND (len(units) = 0 OR list_contains(units::VARCHAR[], unit))
  AND (scope_all
       OR list_contains(scope_departments::VARCHAR[], department)
       OR list_contains(scope_units::VARCHAR[], unit));
