"""Harassment-handling dashboard."""
