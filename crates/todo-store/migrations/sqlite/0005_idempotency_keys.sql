-- The Idempotency-Key of each keyed create with the task it made, so that a repeat
-- of the request (a retry after a broken connection, on any replica) answers with
-- that task instead of making a second one. `fingerprint` tells a retry from a key
-- reused for another request. Kept for a day (pruned per user on the next keyed
-- create); deleted with the user.
CREATE TABLE idempotency_keys (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    task_number INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) STRICT, WITHOUT ROWID;
