-- 007: random tokens for record ids that hold a CPR number.
--
-- An id such as `0101901234` or `SAG-010190-1234` cannot be masked (two such ids would become
-- one record) and must not be shown as a keyed pseudonym of the number either: anyone who may
-- import could then find which CPR number gives the pseudonym shown. The importer keys each
-- CPR number in an id by its pseudonym (HMAC-SHA256 under the store's key); the store replaces
-- that key by a random token kept here, so the same number in a later export gets the same
-- token, and nothing shown is derived from the number. The `pseudonym` column never leaves
-- the store.
--
-- Ids written before this migration hold the pseudonym itself: `dashboard.store.tokens.
-- rekey_old_ids` runs in this migration's transaction and gives each its token (and the
-- rows their hashes over the new ids), so no id derived from a CPR number stays.

CREATE TABLE cpr_tokens (
    pseudonym   VARCHAR PRIMARY KEY,   -- p_ + 24 letters: HMAC of the ten digits
    token       VARCHAR NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL
);
