-- Per-user task counters, kept exact by triggers, so that a listing filtered by
-- status alone (the common page) reads its total instead of counting every task
-- of the user on every request.

CREATE TABLE task_counts (
    user_id   TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    total     INTEGER NOT NULL,
    completed INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO task_counts (user_id, total, completed)
    SELECT user_id, count(*), sum(completed) FROM tasks GROUP BY user_id;

CREATE TRIGGER task_counts_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_counts (user_id, total, completed) VALUES (NEW.user_id, 1, NEW.completed)
        ON CONFLICT (user_id) DO UPDATE SET total = total + 1, completed = completed + NEW.completed;
END;

CREATE TRIGGER task_counts_delete AFTER DELETE ON tasks BEGIN
    UPDATE task_counts SET total = total - 1, completed = completed - OLD.completed
        WHERE user_id = OLD.user_id;
END;

CREATE TRIGGER task_counts_completed AFTER UPDATE OF completed ON tasks
    WHEN OLD.completed <> NEW.completed
BEGIN
    UPDATE task_counts SET completed = completed + NEW.completed - OLD.completed
        WHERE user_id = NEW.user_id;
END;
