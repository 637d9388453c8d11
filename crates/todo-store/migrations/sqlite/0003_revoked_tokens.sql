-- Access tokens revoked at log-out, kept until they would have expired anyway, so
-- that a copy of a logged-out session stops working on every replica.
CREATE TABLE revoked_tokens (
    token_id   TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
