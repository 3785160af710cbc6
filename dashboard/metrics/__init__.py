"""The metrics layer: aggregates from queries/, statistics from dashboard.stats."""
