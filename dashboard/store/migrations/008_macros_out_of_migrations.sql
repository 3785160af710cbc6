-- 008: the macros leave the migrations, and the summary gains the legal rules' counts.
--
-- Migrations 002-005 created the filter, rule and summary macros; 004 redefined 002's
-- `filtered_incidents`. Their definitions now live in one file, `dashboard/store/macros.sql`,
-- applied on every connect, and take the view as one STRUCT instead of ten parameters. This
-- migration drops every macro the earlier migrations created, so that no old definition
-- (with the old parameters) stays in a store written by the earlier code.
--
-- `incident_summary` is recreated with the columns of the rules (police reports with / without
-- / unknown prior warning, work accidents required / missing / undated, the deadline's proxy
-- and the days from the deadline's start); `dashboard.store.migrate` fills it from the
-- incidents once the macros are applied.

DROP MACRO TABLE IF EXISTS filtered_incidents;
DROP MACRO TABLE IF EXISTS filtered_inquiries;
DROP MACRO TABLE IF EXISTS incident_summary_rows;
DROP MACRO TABLE IF EXISTS all_incident_summary_rows;
DROP MACRO TABLE IF EXISTS filtered_incident_summary;
DROP MACRO TABLE IF EXISTS incident_summary_for_period;
DROP MACRO TABLE IF EXISTS searched_incidents;
DROP MACRO IF EXISTS incident_in_view;
DROP MACRO IF EXISTS without_prior_warning;
DROP MACRO IF EXISTS first_whole_month;
DROP MACRO IF EXISTS end_of_whole_months;

DROP TABLE incident_summary;
CREATE TABLE incident_summary (
    month                           DATE NOT NULL,
    department                      VARCHAR NOT NULL,
    unit                            VARCHAR,
    harassment_type                 VARCHAR NOT NULL,
    severity                        VARCHAR,
    channel                         VARCHAR,
    incidents                       BIGINT NOT NULL,
    police_report_known             BIGINT NOT NULL,
    police_reports                  BIGINT NOT NULL,
    warning_known                   BIGINT NOT NULL,
    warnings                        BIGINT NOT NULL,
    work_accident_known             BIGINT NOT NULL,
    work_accidents                  BIGINT NOT NULL,
    documentation_known             BIGINT NOT NULL,
    documented                      BIGINT NOT NULL,
    police_with_prior_warning       BIGINT NOT NULL,
    police_without_prior_warning    BIGINT NOT NULL,
    police_prior_warning_unknown    BIGINT NOT NULL,
    work_accident_required          BIGINT NOT NULL,
    work_accident_required_notified BIGINT NOT NULL,
    work_accident_missing           BIGINT NOT NULL,
    work_accidents_undated          BIGINT NOT NULL,
    deadline_from_absence_from      BIGINT NOT NULL,
    deadline_from_day_after         BIGINT NOT NULL,
    deadline_from_incident          BIGINT NOT NULL,
    work_accident_delays            INTEGER[] NOT NULL, -- incident to dated notification
    work_accident_deadline_days     INTEGER[] NOT NULL, -- deadline's start to dated notification
    police_report_delays            INTEGER[] NOT NULL, -- incident to dated police report
    warning_to_police_delays        INTEGER[] NOT NULL  -- warning to a report dated on or after it
);
