-- Same model as the SQLite dialect. title_key and search_key are lower-cased in
-- Rust so both dialects agree on Unicode case; title_key uses the "C" collation so
-- titles order bytewise, exactly like SQLite's BINARY collation, whatever the
-- database's locale. tool_calls is JSON (not JSONB) so it round-trips verbatim.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE tasks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    title_key   TEXT COLLATE "C" NOT NULL,
    description TEXT,
    search_key  TEXT NOT NULL,
    completed   BOOLEAN NOT NULL DEFAULT FALSE,
    priority    SMALLINT NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 2),
    tags        TEXT[] NOT NULL DEFAULT '{}',
    due_at      TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX tasks_user_created  ON tasks (user_id, created_at, id);
CREATE INDEX tasks_user_title    ON tasks (user_id, title_key, id);
CREATE INDEX tasks_user_due      ON tasks (user_id, due_at, id);
CREATE INDEX tasks_user_priority ON tasks (user_id, priority, id);
CREATE INDEX tasks_user_status   ON tasks (user_id, completed, created_at, id);

CREATE TABLE conversations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX conversations_user_updated ON conversations (user_id, updated_at, id);

CREATE TABLE messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content         TEXT NOT NULL,
    tool_calls      JSON NOT NULL DEFAULT '[]',
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX messages_conversation ON messages (conversation_id, id);
