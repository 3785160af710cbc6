"""The metrics layer: aggregates from dashboard/sql/, statistics from dashboard.stats."""
