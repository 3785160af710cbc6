-- 009: two optional incident fields of the data contract: `absence_from` (the first day of
-- absence, from which the work-accident notification deadline runs) and `documented_by`
-- (who documented the incident). Added as NULL to the current records and their history;
-- the row hash covers them as its version 2 (`dashboard.store.records.ROW_HASH_VERSIONS`),
-- which hashes a later column only when it is set, so no stored hash changes.

ALTER TABLE incidents ADD COLUMN absence_from DATE;
ALTER TABLE incidents ADD COLUMN documented_by VARCHAR;
ALTER TABLE incidents_history ADD COLUMN absence_from DATE;
ALTER TABLE incidents_history ADD COLUMN documented_by VARCHAR;
