//! The embedded store: one SQLite file in WAL mode.
//!
//! Reads run on the caller's thread through rusqlite connections (`read.rs`
//! says why), which WAL lets run beside the writer. All writes go through ONE
//! sqlx connection, so they queue in the process
//! instead of contending for SQLite's file lock: no SQLITE_BUSY under load, and no
//! retry loops. `busy_timeout` still covers other processes opening the same file.

mod read;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use todo_core::{
    Conversation, ConversationId, CreatedOnce, Email, IdempotencyKey, Message, MessageId,
    NewMessage, NewTask, NewUser, Recurrence, Store, StoreError, StoreResult, Task, TaskChange,
    TaskId, TaskPage, TaskPatch, TaskQuery, User, UserId, UserRecord,
};
use tracing::instrument;

use crate::row::{self, TaskInsert, TaskRow, backend, from_micros, task_columns};
use crate::{Error, Result, history, idempotency, migrate};
use read::{Readers, TASK_BY_ID};

pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Writes wait in line for the one writer connection; this bounds the wait.
const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);
/// Room for the writer's statements.
const STATEMENT_CACHE: usize = 64;

/// The SQLite implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) readers: Arc<Readers>,
    writer: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the database file, creating it and its parent directories when missing,
    /// and applies the embedded migrations.
    #[instrument(skip_all, fields(path = %path.as_ref().display()))]
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::CreateDirectory {
                path: parent.to_path_buf(),
                reason: io_reason(&e),
            })?;
        }
        // Opening the file ourselves first turns "permission denied", "is a directory"
        // and friends into plain messages instead of SQLite's generic CANTOPEN.
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::OpenSqlite {
                path: path.clone(),
                reason: io_reason(&e),
            })?;

        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .statement_cache_capacity(STATEMENT_CACHE);
        let open_error = |e: sqlx::Error| Error::OpenSqlite {
            path: path.clone(),
            reason: sqlite_reason(&e),
        };

        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(WRITE_QUEUE_TIMEOUT)
            .idle_timeout(None)
            .max_lifetime(None)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(open_error)?;
        migrate::sqlite()
            .run(&writer)
            .await
            .map_err(|e| Error::Migrate {
                target: path.display().to_string(),
                reason: e.to_string(),
            })?;

        renumber_legacy_history(&writer)
            .await
            .map_err(|e| Error::Migrate {
                target: path.display().to_string(),
                reason: format!("rewriting task ids in stored conversations: {e}"),
            })?;

        let readers = Readers::open(&path).map_err(|e| Error::OpenSqlite {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            readers: Arc::new(readers),
            writer,
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        std::io::ErrorKind::NotADirectory => "a parent of it is a file, not a directory".into(),
        std::io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        _ => e.to_string(),
    }
}

fn sqlite_reason(e: &sqlx::Error) -> String {
    match e.as_database_error().and_then(|d| d.code()).as_deref() {
        Some("26") => "the file is not a SQLite database".into(),
        Some("11") => "the database file is corrupt".into(),
        Some("8") => "the database is read-only".into(),
        Some("14") => "SQLite cannot open it".into(),
        _ => e.to_string(),
    }
}

fn task_row(row: &SqliteRow) -> StoreResult<TaskRow> {
    let decode = || -> std::result::Result<TaskRow, sqlx::Error> {
        let tags: String = row.try_get("tags")?;
        Ok(TaskRow {
            id: row.try_get("number")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            completed: row.try_get("completed")?,
            priority: row.try_get("priority")?,
            tags: serde_json::from_str(&tags).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            due_at: row
                .try_get::<Option<i64>, _>("due_at")?
                .map(from_micros)
                .transpose()
                .map_err(to_decode)?,
            recurrence: row.try_get("recurrence")?,
            created_at: from_micros(row.try_get("created_at")?).map_err(to_decode)?,
            updated_at: from_micros(row.try_get("updated_at")?).map_err(to_decode)?,
        })
    };
    decode().map_err(backend)
}

impl SqliteStore {
    /// A write transaction holding SQLite's write lock from its first statement.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)
    }
}

/// Inserts a task row: with the user's next number (bumping the counter), or with
/// the number given (a restore; the counter then covers it, so it is never handed
/// out again).
async fn insert_task(
    tx: &mut Transaction<'static, Sqlite>,
    user: &UserId,
    insert: TaskInsert,
) -> StoreResult<Task> {
    let counter = match insert.number {
        None => sqlx::query_scalar::<_, i64>(
            "UPDATE users SET last_task_number = last_task_number + 1 WHERE id = $1 RETURNING last_task_number",
        )
        .bind(user.as_str())
        .fetch_optional(&mut **tx)
        .await,
        Some(n) => sqlx::query_scalar::<_, i64>(
            "UPDATE users SET last_task_number = max(last_task_number, $2) WHERE id = $1 RETURNING $2",
        )
        .bind(user.as_str())
        .bind(n)
        .fetch_optional(&mut **tx)
        .await,
    };
    let number = counter
        .map_err(backend)?
        .ok_or(StoreError::NotFound("user"))?;
    let recurrence = insert.recurrence_json();
    let mut task = insert.task;
    sqlx::query(
        "INSERT INTO tasks (user_id, number, title, title_key, description, search_key, completed, priority, tags, \
         due_at, recurrence, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(user.as_str())
    .bind(number)
    .bind(task.title.as_str())
    .bind(row::title_key(&task.title))
    .bind(task.description.as_ref().map(|d| d.as_str()))
    .bind(row::search_key(&task.title, task.description.as_ref()))
    .bind(task.completed)
    .bind(task.priority.rank())
    .bind(tags_json(&task.tags))
    .bind(task.due_at.map(|d| d.timestamp_micros()))
    .bind(recurrence)
    .bind(task.created_at.timestamp_micros())
    .bind(task.updated_at.timestamp_micros())
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if row::is_unique_violation(&e) {
            row::number_taken(number)
        } else {
            backend(e)
        }
    })?;
    task.id = TaskId(number);
    Ok(task)
}

/// When `task` was just completed (it was not before) and recurs, creates its next
/// occurrence in the same transaction.
async fn next_occurrence(
    tx: &mut Transaction<'static, Sqlite>,
    user: &UserId,
    task: &Task,
    was_completed: bool,
) -> StoreResult<Option<Task>> {
    if was_completed || !task.completed {
        return Ok(None);
    }
    // One instant for the rule and the new row, so its due date is exactly the
    // rule's answer for the moment it was created.
    let now = row::now();
    let Some(next) = task.next_occurrence(now) else {
        return Ok(None);
    };
    let insert = TaskInsert::new(user, next, now)?;
    insert_task(tx, user, insert).await.map(Some)
}

/// Rewrites the conversations migration 4 queued (see `history.rs`), a batch per
/// transaction, so a crash halfway leaves every message either done or queued.
async fn renumber_legacy_history(writer: &SqlitePool) -> std::result::Result<(), sqlx::Error> {
    loop {
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let batch: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT m.id, m.user_id, m.tool_calls FROM legacy_tool_calls AS l \
             JOIN messages AS m ON m.id = l.message_id ORDER BY l.message_id LIMIT $1",
        )
        .bind(history::BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if batch.is_empty() {
            sqlx::query("DELETE FROM legacy_tool_calls")
                .execute(&mut *tx)
                .await?;
            return tx.commit().await;
        }
        let mut numbers: HashMap<String, HashMap<i64, i64>> = HashMap::new();
        for (message, user, calls) in batch {
            if !numbers.contains_key(&user) {
                let rows: Vec<(i64, i64)> =
                    sqlx::query_as("SELECT id, number FROM tasks WHERE user_id = $1")
                        .bind(&user)
                        .fetch_all(&mut *tx)
                        .await?;
                numbers.insert(user.clone(), rows.into_iter().collect());
            }
            if let Some(calls) = history::rewritten(message, &calls, &numbers[&user]) {
                sqlx::query("UPDATE messages SET tool_calls = $1 WHERE id = $2")
                    .bind(calls)
                    .bind(message)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM legacy_tool_calls WHERE message_id = $1")
                .bind(message)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
}

fn to_decode(e: StoreError) -> sqlx::Error {
    sqlx::Error::Decode(e.to_string().into())
}

fn tags_json(task_tags: &todo_core::Tags) -> String {
    // A JSON array of plain tag strings cannot fail to encode.
    serde_json::to_string(&task_tags.to_strings()).unwrap_or_else(|_| "[]".into())
}

#[async_trait]
impl Store for SqliteStore {
    #[instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        self.readers.ping()
    }

    #[instrument(skip_all)]
    async fn close(&self) {
        self.writer.close().await;
        self.readers.close();
    }

    #[instrument(skip_all)]
    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let id = UserId::random();
        let created_at = row::now();
        sqlx::query("INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.as_str())
            .bind(user.email.as_str())
            .bind(user.name.as_str())
            .bind(&user.password_hash)
            .bind(created_at.timestamp_micros())
            .execute(&self.writer)
            .await
            .map_err(|e| if row::is_unique_violation(&e) { row::email_taken(&user.email) } else { backend(e) })?;
        Ok(User {
            id,
            email: user.email,
            name: user.name,
            created_at,
        })
    }

    #[instrument(skip_all)]
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<UserRecord>> {
        self.readers.user_by_email(email)
    }

    #[instrument(skip_all)]
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        self.readers.user(id)
    }

    #[instrument(skip_all)]
    async fn create_task(&self, user: &UserId, task: NewTask) -> StoreResult<Task> {
        let insert = TaskInsert::new(user, task, row::now())?;
        let mut tx = self.begin_write().await?;
        let task = insert_task(&mut tx, user, insert).await?;
        tx.commit().await.map_err(backend)?;
        Ok(task)
    }

    #[instrument(skip_all)]
    async fn create_task_once(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
        fingerprint: &str,
        task: NewTask,
    ) -> StoreResult<CreatedOnce> {
        let now = row::now();
        let insert = TaskInsert::new(user, task, now)?;
        // IMMEDIATE: the look-up and the insert below are one step for every writer.
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND created_at < $2")
            .bind(user.as_str())
            .bind(idempotency::expired_before(now).timestamp_micros())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let seen: Option<(String, i64)> = sqlx::query_as(
            "SELECT fingerprint, task_number FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        )
        .bind(user.as_str())
        .bind(key.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        if let Some((stored, number)) = seen {
            tx.rollback().await.map_err(backend)?;
            idempotency::check_repeat(&stored, fingerprint)?;
            let task = self
                .readers
                .task(user, TaskId(number))
                .map_err(idempotency::deleted_since)?;
            return Ok(CreatedOnce {
                task,
                replayed: true,
            });
        }
        let task = insert_task(&mut tx, user, insert).await?;
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, task_number, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user.as_str())
        .bind(key.as_str())
        .bind(fingerprint)
        .bind(task.id.0)
        .bind(now.timestamp_micros())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(CreatedOnce {
            task,
            replayed: false,
        })
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        self.readers.task(user, id)
    }

    #[instrument(skip_all)]
    async fn list_tasks(&self, user: &UserId, query: &TaskQuery) -> StoreResult<TaskPage> {
        self.readers.list_tasks(user, query)
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn update_task(
        &self,
        user: &UserId,
        id: TaskId,
        patch: &TaskPatch,
    ) -> StoreResult<TaskChange> {
        if patch.is_empty() {
            return Ok(TaskChange {
                task: self.readers.task(user, id)?,
                next_occurrence: None,
            });
        }
        let due_patch = patch.due_at.map(row::due_at).transpose()?;
        // IMMEDIATE takes the write lock up front, so the read below cannot go stale.
        let mut tx = self.begin_write().await?;
        let current = sqlx::query(TASK_BY_ID)
            .bind(id.0)
            .bind(user.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound("task"))?;
        let mut task = task_row(&current)?.into_task(user)?;
        let was_completed = task.completed;
        patch.apply_to(&mut task);
        if let Some(due) = due_patch {
            task.due_at = due;
        }
        task.updated_at = row::bumped(task.updated_at);
        sqlx::query(
            "UPDATE tasks SET title = $1, title_key = $2, description = $3, search_key = $4, completed = $5, \
             priority = $6, tags = $7, due_at = $8, recurrence = $9, updated_at = $10 WHERE number = $11 AND user_id = $12",
        )
        .bind(task.title.as_str())
        .bind(row::title_key(&task.title))
        .bind(task.description.as_ref().map(|d| d.as_str()))
        .bind(row::search_key(&task.title, task.description.as_ref()))
        .bind(task.completed)
        .bind(task.priority.rank())
        .bind(tags_json(&task.tags))
        .bind(task.due_at.map(|d| d.timestamp_micros()))
        .bind(task.recurrence.as_ref().map(Recurrence::to_json))
        .bind(task.updated_at.timestamp_micros())
        .bind(id.0)
        .bind(user.as_str())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        let next_occurrence = next_occurrence(&mut tx, user, &task, was_completed).await?;
        tx.commit().await.map_err(backend)?;
        Ok(TaskChange {
            task,
            next_occurrence,
        })
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn toggle_task(&self, user: &UserId, id: TaskId) -> StoreResult<TaskChange> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(concat!(
            "UPDATE tasks SET completed = NOT completed, updated_at = max($1, updated_at + 1) \
             WHERE number = $2 AND user_id = $3 \
             RETURNING ",
            task_columns!()
        ))
        .bind(row::now().timestamp_micros())
        .bind(id.0)
        .bind(user.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?
        .ok_or(StoreError::NotFound("task"))?;
        let task = task_row(&row)?.into_task(user)?;
        let next_occurrence = next_occurrence(&mut tx, user, &task, !task.completed).await?;
        tx.commit().await.map_err(backend)?;
        Ok(TaskChange {
            task,
            next_occurrence,
        })
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn delete_task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        let row = sqlx::query(concat!(
            "DELETE FROM tasks WHERE number = $1 AND user_id = $2 \
             RETURNING ",
            task_columns!()
        ))
        .bind(id.0)
        .bind(user.as_str())
        .fetch_optional(&self.writer)
        .await
        .map_err(backend)?
        .ok_or(StoreError::NotFound("task"))?;
        task_row(&row)?.into_task(user)
    }

    #[instrument(skip_all, fields(task = task.id.0))]
    async fn restore_task(&self, user: &UserId, task: Task) -> StoreResult<Task> {
        let insert = TaskInsert::restored(user, task)?;
        let mut tx = self.begin_write().await?;
        let task = insert_task(&mut tx, user, insert).await?;
        tx.commit().await.map_err(backend)?;
        Ok(task)
    }

    #[instrument(skip_all)]
    async fn create_conversation(&self, user: &UserId) -> StoreResult<Conversation> {
        let now = row::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conversations (user_id, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
        )
        .bind(user.as_str())
        .bind(now.timestamp_micros())
        .fetch_one(&self.writer)
        .await
        .map_err(|e| if row::is_foreign_key_violation(&e) { StoreError::NotFound("user") } else { backend(e) })?;
        Ok(Conversation {
            id: ConversationId(id),
            user_id: user.clone(),
            created_at: now,
            updated_at: now,
        })
    }

    #[instrument(skip_all, fields(conversation = id.0))]
    async fn conversation(&self, user: &UserId, id: ConversationId) -> StoreResult<Conversation> {
        self.readers.conversation(user, id)
    }

    #[instrument(skip_all)]
    async fn list_conversations(
        &self,
        user: &UserId,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Conversation>> {
        self.readers.list_conversations(user, limit, offset)
    }

    #[instrument(skip_all, fields(conversation = conversation.0))]
    async fn append_message(
        &self,
        user: &UserId,
        conversation: ConversationId,
        message: NewMessage,
    ) -> StoreResult<Message> {
        row::check_message_content(&message.content)?;
        let tool_calls = row::tool_calls_json(&message.tool_calls)?;
        let now = row::now();
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)?;
        let touched = sqlx::query(
            "UPDATE conversations SET updated_at = max($1, updated_at + 1) WHERE id = $2 AND user_id = $3",
        )
        .bind(now.timestamp_micros())
        .bind(conversation.0)
        .bind(user.as_str())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if touched.rows_affected() == 0 {
            return Err(StoreError::NotFound("conversation"));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (conversation_id, user_id, role, content, tool_calls, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(conversation.0)
        .bind(user.as_str())
        .bind(message.role.as_str())
        .bind(&message.content)
        .bind(&tool_calls)
        .bind(now.timestamp_micros())
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(Message {
            id: MessageId(id),
            user_id: user.clone(),
            conversation_id: conversation,
            role: message.role,
            content: message.content,
            tool_calls: message.tool_calls,
            created_at: now,
        })
    }

    #[instrument(skip_all, fields(conversation = conversation.0))]
    async fn messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        self.readers.messages(user, conversation, limit)
    }
    #[instrument(skip_all)]
    async fn revoke_token(
        &self,
        user: &UserId,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(row::now().timestamp_micros())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT INTO revoked_tokens (token_id, user_id, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (token_id) DO NOTHING",
        )
        .bind(token_id)
        .bind(user.as_str())
        .bind(expires_at.timestamp_micros())
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if row::is_foreign_key_violation(&e) {
                StoreError::NotFound("user")
            } else {
                backend(e)
            }
        })?;
        tx.commit().await.map_err(backend)
    }

    #[instrument(skip_all)]
    async fn token_revoked(&self, token_id: &str) -> StoreResult<bool> {
        self.readers.token_revoked(token_id)
    }
}
