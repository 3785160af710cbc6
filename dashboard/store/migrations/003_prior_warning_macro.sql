-- 003: the rule for "reported to the police without a prior warning", in one place.
-- A police report has a prior warning when a warning is dated on or before the report, or
-- the report date is unknown and the warning is dated; an undated warning never counts.

CREATE OR REPLACE MACRO without_prior_warning(police_reported, warning_on, police_reported_on) AS
    police_reported AND NOT coalesce(warning_on <= coalesce(police_reported_on, warning_on), false);
