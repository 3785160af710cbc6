"""Excel import: read safely, detect sheet and header, validate, pseudonymise, store."""
