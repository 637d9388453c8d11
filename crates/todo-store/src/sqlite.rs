//! The embedded store: one SQLite file in WAL mode.
//!
//! Reads go through a pool of read-only connections, which WAL lets run beside a
//! writer. All writes go through ONE connection, so they queue in the process
//! instead of contending for SQLite's file lock: no SQLITE_BUSY under load, and no
//! retry loops. `busy_timeout` still covers other processes opening the same file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Arguments, AssertSqlSafe, Row};
use todo_core::{
    Conversation, ConversationId, Email, Message, NewMessage, NewTask, NewUser, Store, StoreError,
    StoreResult, Task, TaskId, TaskPage, TaskPatch, TaskQuery, User, UserId, UserRecord,
};
use tracing::instrument;

use crate::list::{Bind, Dialect, listing_sql};
use crate::row::{self, MessageRow, TaskRow, UserRow, backend, from_micros, task_columns};
use crate::{Error, Result, migrate, sqlite_page};

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Writes wait in line for the one writer connection; this bounds the wait.
const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);
/// Room for every listing variant (see `list.rs`) plus the fixed statements.
const STATEMENT_CACHE: usize = 512;

/// The SQLite implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) readers: SqlitePool,
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

        let readers_count = reader_count();
        let readers = SqlitePoolOptions::new()
            .max_connections(readers_count)
            .min_connections(readers_count)
            .idle_timeout(None)
            .max_lifetime(None)
            .test_before_acquire(false)
            .connect_with(options.pragma("query_only", "ON"))
            .await
            .map_err(open_error)?;
        tracing::debug!(readers = readers_count, "SQLite store open");
        Ok(Self {
            readers,
            writer,
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn fetch_task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        let row = sqlx::query(TASK_BY_ID)
            .bind(id.0)
            .bind(user.as_str())
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound("task"))?;
        task_row(&row)?.into_task(user)
    }
}

const TASK_BY_ID: &str = concat!(
    "SELECT ",
    task_columns!(),
    " FROM tasks WHERE id = $1 AND user_id = $2"
);

/// Enough readers to keep both cores busy while some wait on the disk.
fn reader_count() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(u32::MAX).clamp(2, 16)
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
            id: row.try_get("id")?,
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
            created_at: from_micros(row.try_get("created_at")?).map_err(to_decode)?,
            updated_at: from_micros(row.try_get("updated_at")?).map_err(to_decode)?,
        })
    };
    decode().map_err(backend)
}

fn to_decode(e: StoreError) -> sqlx::Error {
    sqlx::Error::Decode(e.to_string().into())
}

fn user_row(row: &SqliteRow) -> StoreResult<UserRow> {
    Ok(UserRow {
        id: row.try_get("id").map_err(backend)?,
        email: row.try_get("email").map_err(backend)?,
        name: row.try_get("name").map_err(backend)?,
        created_at: from_micros(row.try_get("created_at").map_err(backend)?)?,
    })
}

fn conversation_row(row: &SqliteRow) -> StoreResult<Conversation> {
    let user_id: String = row.try_get("user_id").map_err(backend)?;
    row::conversation(
        row.try_get("id").map_err(backend)?,
        &user_id,
        from_micros(row.try_get("created_at").map_err(backend)?)?,
        from_micros(row.try_get("updated_at").map_err(backend)?)?,
    )
}

fn message_row(row: &SqliteRow) -> StoreResult<Message> {
    MessageRow {
        id: row.try_get("id").map_err(backend)?,
        conversation_id: row.try_get("conversation_id").map_err(backend)?,
        user_id: row.try_get("user_id").map_err(backend)?,
        role: row.try_get("role").map_err(backend)?,
        content: row.try_get("content").map_err(backend)?,
        tool_calls: row.try_get("tool_calls").map_err(backend)?,
        created_at: from_micros(row.try_get("created_at").map_err(backend)?)?,
    }
    .into_message()
}

fn tags_json(task_tags: &todo_core::Tags) -> String {
    // A JSON array of plain tag strings cannot fail to encode.
    serde_json::to_string(&task_tags.to_strings()).unwrap_or_else(|_| "[]".into())
}

#[async_trait]
impl Store for SqliteStore {
    #[instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.readers)
            .await
            .map_err(backend)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn close(&self) {
        self.writer.close().await;
        self.readers.close().await;
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
        let Some(row) = sqlx::query(
            "SELECT id, email, name, password_hash, created_at FROM users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.readers)
        .await
        .map_err(backend)?
        else {
            return Ok(None);
        };
        let password_hash: String = row.try_get("password_hash").map_err(backend)?;
        Ok(Some(UserRecord {
            user: user_row(&row)?.into_user()?,
            password_hash,
        }))
    }

    #[instrument(skip_all)]
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT id, email, name, created_at FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?;
        row.map(|r| user_row(&r)?.into_user()).transpose()
    }

    #[instrument(skip_all)]
    async fn create_task(&self, user: &UserId, task: NewTask) -> StoreResult<Task> {
        let now = row::now();
        let due_at = row::due_at(task.due_at)?;
        let description = row::normalise_description(task.description.as_ref()).cloned();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tasks (user_id, title, title_key, description, search_key, completed, priority, tags, due_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(user.as_str())
        .bind(task.title.as_str())
        .bind(row::title_key(&task.title))
        .bind(description.as_ref().map(|d| d.as_str()))
        .bind(row::search_key(&task.title, description.as_ref()))
        .bind(task.priority.rank())
        .bind(tags_json(&task.tags))
        .bind(due_at.map(|d| d.timestamp_micros()))
        .bind(now.timestamp_micros())
        .fetch_one(&self.writer)
        .await
        .map_err(|e| if row::is_foreign_key_violation(&e) { StoreError::NotFound("user") } else { backend(e) })?;
        Ok(Task {
            id: TaskId(id),
            user_id: user.clone(),
            title: task.title,
            description,
            completed: false,
            priority: task.priority,
            tags: task.tags,
            due_at,
            created_at: now,
            updated_at: now,
        })
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        self.fetch_task(user, id).await
    }

    #[instrument(skip_all)]
    async fn list_tasks(&self, user: &UserId, query: &TaskQuery) -> StoreResult<TaskPage> {
        let sql = listing_sql(Dialect::Sqlite, user, query)?;
        let mut args = bind_all(&sql.filters)?;
        if let Some((limit, offset)) = sql.paging {
            args.add(limit)
                .map_err(|e| backend(sqlx::Error::Encode(e)))?;
            args.add(offset)
                .map_err(|e| backend(sqlx::Error::Encode(e)))?;
        }
        let row = sqlx::query_with(AssertSqlSafe(sql.page), args)
            .fetch_one(&self.readers)
            .await
            .map_err(backend)?;
        let total: i64 = row.try_get("total").map_err(backend)?;
        let page: Option<String> = row.try_get("page").map_err(backend)?;
        let tasks = sqlite_page::sort_page(sqlite_page::unpack(page.as_deref())?, query)
            .into_iter()
            .map(|t| t.into_task(user))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(TaskPage {
            tasks,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn update_task(&self, user: &UserId, id: TaskId, patch: &TaskPatch) -> StoreResult<Task> {
        if patch.is_empty() {
            return self.fetch_task(user, id).await;
        }
        let due_patch = patch.due_at.map(row::due_at).transpose()?;
        // IMMEDIATE takes the write lock up front, so the read below cannot go stale.
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)?;
        let current = sqlx::query(TASK_BY_ID)
            .bind(id.0)
            .bind(user.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound("task"))?;
        let mut task = task_row(&current)?.into_task(user)?;
        patch.apply_to(&mut task);
        if let Some(due) = due_patch {
            task.due_at = due;
        }
        task.updated_at = row::bumped(task.updated_at);
        sqlx::query(
            "UPDATE tasks SET title = $1, title_key = $2, description = $3, search_key = $4, completed = $5, \
             priority = $6, tags = $7, due_at = $8, updated_at = $9 WHERE id = $10 AND user_id = $11",
        )
        .bind(task.title.as_str())
        .bind(row::title_key(&task.title))
        .bind(task.description.as_ref().map(|d| d.as_str()))
        .bind(row::search_key(&task.title, task.description.as_ref()))
        .bind(task.completed)
        .bind(task.priority.rank())
        .bind(tags_json(&task.tags))
        .bind(task.due_at.map(|d| d.timestamp_micros()))
        .bind(task.updated_at.timestamp_micros())
        .bind(id.0)
        .bind(user.as_str())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(task)
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn toggle_task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        let row = sqlx::query(concat!(
            "UPDATE tasks SET completed = NOT completed, updated_at = max($1, updated_at + 1) \
             WHERE id = $2 AND user_id = $3 \
             RETURNING ",
            task_columns!()
        ))
        .bind(row::now().timestamp_micros())
        .bind(id.0)
        .bind(user.as_str())
        .fetch_optional(&self.writer)
        .await
        .map_err(backend)?
        .ok_or(StoreError::NotFound("task"))?;
        task_row(&row)?.into_task(user)
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn delete_task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        let row = sqlx::query(concat!(
            "DELETE FROM tasks WHERE id = $1 AND user_id = $2 \
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
        let row = sqlx::query("SELECT id, user_id, created_at, updated_at FROM conversations WHERE id = $1 AND user_id = $2")
            .bind(id.0)
            .bind(user.as_str())
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound("conversation"))?;
        conversation_row(&row)
    }

    #[instrument(skip_all)]
    async fn list_conversations(
        &self,
        user: &UserId,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Conversation>> {
        // LIMIT and OFFSET as literals: see `list.rs` on SQLite re-preparing bound LIMITs.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, user_id, created_at, updated_at FROM conversations WHERE user_id = $1 \
             ORDER BY updated_at DESC, id DESC LIMIT {limit} OFFSET {offset}"
        )))
        .bind(user.as_str())
        .fetch_all(&self.readers)
        .await
        .map_err(backend)?;
        rows.iter().map(conversation_row).collect()
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
            id,
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
        // Both statements on one connection in one read transaction: one snapshot.
        let mut tx = self.readers.begin().await.map_err(backend)?;
        let exists = sqlx::query("SELECT 1 FROM conversations WHERE id = $1 AND user_id = $2")
            .bind(conversation.0)
            .bind(user.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if exists.is_none() {
            return Err(StoreError::NotFound("conversation"));
        }
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT * FROM (SELECT id, conversation_id, user_id, role, content, tool_calls, created_at FROM messages \
             WHERE conversation_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT {limit}) AS recent ORDER BY id ASC"
        )))
        .bind(conversation.0)
        .bind(user.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        rows.iter().map(message_row).collect()
    }
}

fn bind_all(binds: &[Bind]) -> StoreResult<SqliteArguments> {
    let mut args = SqliteArguments::default();
    for bind in binds {
        match bind {
            Bind::Text(s) => args.add(s.clone()),
            Bind::Int(i) => args.add(*i),
        }
        .map_err(|e| backend(sqlx::Error::Encode(e)))?;
    }
    Ok(args)
}
