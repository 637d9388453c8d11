-- Per-user task numbers and recurrence.
--
-- `number` is the id people and clients see: each user's tasks are 1, 2, 3 … in
-- creation order, never reused (users.last_task_number only grows, also past
-- deletes). `id` stays as the row's internal key and is never shown. Existing
-- tasks are renumbered per user in creation order.
--
-- Stored conversations name tasks by their old global ids inside tool calls; the
-- messages holding any are queued in legacy_tool_calls, and the store rewrites
-- them to the new numbers when it opens (crates/todo-store/src/history.rs),
-- because that needs JSON surgery SQL cannot do portably.

ALTER TABLE tasks ADD COLUMN number INTEGER NOT NULL DEFAULT 0;

UPDATE tasks SET number = ranked.n
    FROM (SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY created_at, id) AS n FROM tasks) AS ranked
    WHERE tasks.id = ranked.id;

-- The rule as JSON text ({"kind":"weekly","days":["mon"]}), checked in Rust on read.
ALTER TABLE tasks ADD COLUMN recurrence TEXT;

ALTER TABLE users ADD COLUMN last_task_number INTEGER NOT NULL DEFAULT 0;

UPDATE users SET last_task_number = coalesce((SELECT max(number) FROM tasks WHERE tasks.user_id = users.id), 0);

CREATE UNIQUE INDEX tasks_user_number ON tasks (user_id, number);

-- Listings break ties by number now (see list.rs), so each sort index ends with it.
DROP INDEX tasks_user_created;
DROP INDEX tasks_user_title;
DROP INDEX tasks_user_due;
DROP INDEX tasks_user_priority;
DROP INDEX tasks_user_status;
CREATE INDEX tasks_user_created  ON tasks (user_id, created_at, number);
CREATE INDEX tasks_user_title    ON tasks (user_id, title_key, number);
CREATE INDEX tasks_user_due      ON tasks (user_id, due_at, number);
CREATE INDEX tasks_user_priority ON tasks (user_id, priority, number);
CREATE INDEX tasks_user_status   ON tasks (user_id, completed, created_at, number);

CREATE TABLE legacy_tool_calls (
    message_id INTEGER PRIMARY KEY NOT NULL REFERENCES messages(id) ON DELETE CASCADE
) STRICT;

INSERT INTO legacy_tool_calls (message_id) SELECT id FROM messages WHERE tool_calls <> '[]';
