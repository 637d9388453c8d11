-- Timestamps are INTEGER microseconds since the Unix epoch (UTC): exact, compact,
-- and ordered like the PostgreSQL TIMESTAMPTZ columns of the other dialect.
-- title_key and search_key are lower-cased in Rust (Unicode-aware, the same on both
-- dialects): title_key orders by title without regard to case; search_key is
-- "title\ndescription" for substring search, a newline never occurs in a query.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

-- AUTOINCREMENT: ids of deleted tasks are never handed out again.
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    title_key   TEXT NOT NULL,
    description TEXT,
    search_key  TEXT NOT NULL,
    completed   INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    priority    INTEGER NOT NULL DEFAULT 1 CHECK (priority IN (0, 1, 2)),
    tags        TEXT NOT NULL DEFAULT '[]',
    due_at      INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- One index per sort key, each led by user_id: a page of one user's tasks is an
-- index range scan that stops after LIMIT rows.
CREATE INDEX tasks_user_created  ON tasks (user_id, created_at);
CREATE INDEX tasks_user_title    ON tasks (user_id, title_key);
CREATE INDEX tasks_user_due      ON tasks (user_id, due_at);
CREATE INDEX tasks_user_priority ON tasks (user_id, priority);
CREATE INDEX tasks_user_status   ON tasks (user_id, completed, created_at);

CREATE TABLE conversations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX conversations_user_updated ON conversations (user_id, updated_at);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content         TEXT NOT NULL,
    tool_calls      TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX messages_conversation ON messages (conversation_id, id);
