//! The PostgreSQL store, for deployments with an external or in-cluster server.
//!
//! Same semantics as the SQLite store, statement for statement; the differences are
//! only in types (TIMESTAMPTZ, BOOLEAN, TEXT[]) and function names. TLS follows the
//! URL's `sslmode` (rustls with the WebPKI roots, so `sslmode=require` works against
//! hosted servers such as Neon).

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Arguments, AssertSqlSafe, Postgres, Row, Transaction};
use todo_core::{
    Conversation, ConversationId, CreatedOnce, Email, IdempotencyKey, Message, MessageId,
    NewMessage, NewTask, NewUser, Recurrence, Store, StoreError, StoreResult, Task, TaskChange,
    TaskId, TaskPage, TaskPatch, TaskQuery, User, UserId, UserRecord,
};
use tracing::instrument;

use crate::list::{Bind, Dialect, listing_sql};
use crate::row::{self, MessageRow, TaskInsert, TaskRow, UserRow, backend, task_columns};
use crate::url::DatabaseUrl;
use crate::{Error, Result, history, idempotency, migrate};

/// Small on purpose: hosted plans cap connections, and two replicas share them.
const MAX_CONNECTIONS: u32 = 10;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// Below the idle cut-off of hosted servers and poolers, so the pool closes first.
const IDLE_TIMEOUT: Duration = Duration::from_secs(240);
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);
const STATEMENT_CACHE: usize = 512;

const TASK_BY_ID: &str = concat!(
    "SELECT ",
    task_columns!(),
    " FROM tasks WHERE number = $1 AND user_id = $2"
);

/// The PostgreSQL implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects (failing fast when the server cannot be reached) and applies the
    /// embedded migrations; replicas starting together serialise on sqlx's advisory lock.
    #[instrument(skip_all)]
    pub async fn connect(url: &str) -> Result<Self> {
        let target = DatabaseUrl::Postgres(url.to_string()).redacted();
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| {
                Error::InvalidUrl(format!("{target} is not a valid PostgreSQL URL ({e})"))
            })?
            .application_name("todo")
            .statement_cache_capacity(STATEMENT_CACHE);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(IDLE_TIMEOUT)
            .max_lifetime(MAX_LIFETIME)
            .connect_with(options)
            .await
            .map_err(|e| Error::ConnectPostgres {
                target: target.clone(),
                reason: explain_connect_failure(&e),
            })?;
        migrate::postgres()
            .run(&pool)
            .await
            .map_err(|e| Error::Migrate {
                target: target.clone(),
                reason: e.to_string(),
            })?;
        renumber_legacy_history(&pool)
            .await
            .map_err(|e| Error::Migrate {
                target: target.clone(),
                reason: format!("rewriting task ids in stored conversations: {e}"),
            })?;
        tracing::debug!(database = %target, "PostgreSQL store connected");
        Ok(Self { pool })
    }

    async fn fetch_task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        let row = sqlx::query(TASK_BY_ID)
            .bind(id.0)
            .bind(user.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound("task"))?;
        task_row(&row)?.into_task(user)
    }
}

fn task_row(row: &PgRow) -> StoreResult<TaskRow> {
    let decode = || -> std::result::Result<TaskRow, sqlx::Error> {
        Ok(TaskRow {
            id: row.try_get("number")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            completed: row.try_get("completed")?,
            priority: i64::from(row.try_get::<i16, _>("priority")?),
            tags: row.try_get("tags")?,
            due_at: row.try_get("due_at")?,
            recurrence: row.try_get("recurrence")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    };
    decode().map_err(backend)
}

fn user_row(row: &PgRow) -> StoreResult<UserRow> {
    let decode = || -> std::result::Result<UserRow, sqlx::Error> {
        Ok(UserRow {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            created_at: row.try_get("created_at")?,
        })
    };
    decode().map_err(backend)
}

fn conversation_row(row: &PgRow) -> StoreResult<Conversation> {
    let user_id: String = row.try_get("user_id").map_err(backend)?;
    row::conversation(
        row.try_get("id").map_err(backend)?,
        &user_id,
        row.try_get("created_at").map_err(backend)?,
        row.try_get("updated_at").map_err(backend)?,
    )
}

fn message_row(row: &PgRow) -> StoreResult<Message> {
    let decode = || -> std::result::Result<MessageRow, sqlx::Error> {
        Ok(MessageRow {
            id: row.try_get("id")?,
            conversation_id: row.try_get("conversation_id")?,
            user_id: row.try_get("user_id")?,
            role: row.try_get("role")?,
            content: row.try_get("content")?,
            tool_calls: row.try_get("tool_calls")?,
            created_at: row.try_get("created_at")?,
        })
    };
    decode().map_err(backend)?.into_message()
}

fn rank(priority: todo_core::Priority) -> i16 {
    // Ranks are 0..=2.
    i16::try_from(priority.rank()).unwrap_or(1)
}

#[async_trait]
impl Store for PgStore {
    #[instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn close(&self) {
        self.pool.close().await;
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
            .bind(created_at)
            .execute(&self.pool)
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
        .fetch_optional(&self.pool)
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
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| user_row(&r)?.into_user()).transpose()
    }

    #[instrument(skip_all)]
    async fn create_task(&self, user: &UserId, task: NewTask) -> StoreResult<Task> {
        let insert = TaskInsert::new(user, task, row::now())?;
        insert_task(&self.pool, user, insert).await
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
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND created_at < $2")
            .bind(user.as_str())
            .bind(idempotency::expired_before(now))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        // Claim the key first: a concurrent request with the same key waits here for
        // this transaction, then finds the key taken.
        let claimed = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, task_number, created_at) \
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user.as_str())
        .bind(key.as_str())
        .bind(fingerprint)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await.map_err(backend)?;
            let (stored, number): (String, i64) = sqlx::query_as(
                "SELECT fingerprint, task_number FROM idempotency_keys WHERE user_id = $1 AND key = $2",
            )
            .bind(user.as_str())
            .bind(key.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
            idempotency::check_repeat(&stored, fingerprint)?;
            let task = self
                .fetch_task(user, TaskId(number))
                .await
                .map_err(idempotency::deleted_since)?;
            return Ok(CreatedOnce {
                task,
                replayed: true,
            });
        }
        let task = insert_task(&mut *tx, user, insert).await?;
        sqlx::query("UPDATE idempotency_keys SET task_number = $3 WHERE user_id = $1 AND key = $2")
            .bind(user.as_str())
            .bind(key.as_str())
            .bind(task.id.0)
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
        self.fetch_task(user, id).await
    }

    #[instrument(skip_all)]
    async fn list_tasks(&self, user: &UserId, query: &TaskQuery) -> StoreResult<TaskPage> {
        let sql = listing_sql(Dialect::Postgres, user, query)?;
        let mut args = bind_all(&sql.filters)?;
        if let Some((limit, offset)) = sql.paging {
            args.add(limit)
                .map_err(|e| backend(sqlx::Error::Encode(e)))?;
            args.add(offset)
                .map_err(|e| backend(sqlx::Error::Encode(e)))?;
        }
        let rows = sqlx::query_with(AssertSqlSafe(sql.page), args)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let total: i64 = match rows.first() {
            Some(first) => first.try_get("total").map_err(backend)?,
            None => sqlx::query_scalar_with(AssertSqlSafe(sql.count), bind_all(&sql.filters)?)
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?,
        };
        let tasks = rows
            .iter()
            .map(|r| task_row(r)?.into_task(user))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(TaskPage {
            tasks,
            total: u64::try_from(total).unwrap_or(0),
        })
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
                task: self.fetch_task(user, id).await?,
                next_occurrence: None,
            });
        }
        let due_patch = patch.due_at.map(row::due_at).transpose()?;
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let current = sqlx::query(AssertSqlSafe(format!("{TASK_BY_ID} FOR UPDATE")))
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
        .bind(rank(task.priority))
        .bind(task.tags.to_strings())
        .bind(task.due_at)
        .bind(task.recurrence.as_ref().map(Recurrence::to_json))
        .bind(task.updated_at)
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
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let row = sqlx::query(concat!(
            "UPDATE tasks SET completed = NOT completed, \
             updated_at = GREATEST($1, updated_at + interval '1 microsecond') \
             WHERE number = $2 AND user_id = $3 \
             RETURNING ",
            task_columns!()
        ))
        .bind(row::now())
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
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .ok_or(StoreError::NotFound("task"))?;
        task_row(&row)?.into_task(user)
    }

    #[instrument(skip_all, fields(task = task.id.0))]
    async fn restore_task(&self, user: &UserId, task: Task) -> StoreResult<Task> {
        let insert = TaskInsert::restored(user, task)?;
        insert_task(&self.pool, user, insert).await
    }

    #[instrument(skip_all)]
    async fn create_conversation(&self, user: &UserId) -> StoreResult<Conversation> {
        let now = row::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conversations (user_id, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
        )
        .bind(user.as_str())
        .bind(now)
        .fetch_one(&self.pool)
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
            .fetch_optional(&self.pool)
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
        let rows = sqlx::query(
            "SELECT id, user_id, created_at, updated_at FROM conversations WHERE user_id = $1 \
             ORDER BY updated_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(user.as_str())
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let touched = sqlx::query(
            "UPDATE conversations SET updated_at = GREATEST($1, updated_at + interval '1 microsecond') \
             WHERE id = $2 AND user_id = $3",
        )
        .bind(now)
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
             VALUES ($1, $2, $3, $4, $5::json, $6) RETURNING id",
        )
        .bind(conversation.0)
        .bind(user.as_str())
        .bind(message.role.as_str())
        .bind(&message.content)
        .bind(&tool_calls)
        .bind(now)
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
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(backend)?;
        let exists = sqlx::query("SELECT 1 FROM conversations WHERE id = $1 AND user_id = $2")
            .bind(conversation.0)
            .bind(user.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if exists.is_none() {
            return Err(StoreError::NotFound("conversation"));
        }
        let rows = sqlx::query(
            "SELECT * FROM (SELECT id, conversation_id, user_id, role, content, tool_calls::text AS tool_calls, created_at \
             FROM messages WHERE conversation_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3) AS recent ORDER BY id ASC",
        )
        .bind(conversation.0)
        .bind(user.as_str())
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        rows.iter().map(message_row).collect()
    }
    #[instrument(skip_all)]
    async fn revoke_token(
        &self,
        user: &UserId,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(row::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT INTO revoked_tokens (token_id, user_id, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (token_id) DO NOTHING",
        )
        .bind(token_id)
        .bind(user.as_str())
        .bind(expires_at)
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
        let found = sqlx::query("SELECT 1 FROM revoked_tokens WHERE token_id = $1")
            .bind(token_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(found.is_some())
    }
}

/// Rewrites the conversations migration 4 queued (see `history.rs`), a batch per
/// transaction. Replicas starting together each lock the rows they take and skip
/// those locked by another, so every message is rewritten exactly once.
async fn renumber_legacy_history(pool: &PgPool) -> std::result::Result<(), sqlx::Error> {
    loop {
        let mut tx = pool.begin().await?;
        let batch: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT m.id, m.user_id, m.tool_calls::text FROM legacy_tool_calls AS l \
             JOIN messages AS m ON m.id = l.message_id ORDER BY l.message_id LIMIT $1 \
             FOR UPDATE OF l SKIP LOCKED",
        )
        .bind(history::BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if batch.is_empty() {
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
                sqlx::query("UPDATE messages SET tool_calls = $1::json WHERE id = $2")
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

/// Inserts a task row: with the user's next number, or with the number given (a
/// restore; the counter then covers it). One statement, so it is atomic on its
/// own: bumping the counter locks the user's row until the statement's
/// transaction ends, so concurrent creates by one user queue there and never
/// share a number, and a refused insert leaves the counter as it was.
async fn insert_task<'c>(
    db: impl sqlx::PgExecutor<'c>,
    user: &UserId,
    insert: TaskInsert,
) -> StoreResult<Task> {
    let recurrence = insert.recurrence_json();
    let wanted = insert.number;
    let mut task = insert.task;
    let number: Option<i64> = sqlx::query_scalar(
        "WITH counter AS ( \
             UPDATE users SET last_task_number = CASE WHEN $2::BIGINT IS NULL THEN last_task_number + 1 \
                                                      ELSE GREATEST(last_task_number, $2::BIGINT) END \
             WHERE id = $1 RETURNING COALESCE($2::BIGINT, last_task_number) AS number) \
         INSERT INTO tasks (user_id, number, title, title_key, description, search_key, completed, priority, tags, \
             due_at, recurrence, created_at, updated_at) \
         SELECT $1, counter.number, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM counter \
         RETURNING number",
    )
    .bind(user.as_str())
    .bind(wanted)
    .bind(task.title.as_str())
    .bind(row::title_key(&task.title))
    .bind(task.description.as_ref().map(|d| d.as_str()))
    .bind(row::search_key(&task.title, task.description.as_ref()))
    .bind(task.completed)
    .bind(rank(task.priority))
    .bind(task.tags.to_strings())
    .bind(task.due_at)
    .bind(recurrence)
    .bind(task.created_at)
    .bind(task.updated_at)
    .fetch_optional(db)
    .await
    .map_err(|e| {
        if row::is_unique_violation(&e) {
            row::number_taken(wanted.unwrap_or_default())
        } else {
            backend(e)
        }
    })?;
    task.id = TaskId(number.ok_or(StoreError::NotFound("user"))?);
    Ok(task)
}

/// When `task` was just completed (it was not before) and recurs, creates its next
/// occurrence in the same transaction.
async fn next_occurrence(
    tx: &mut Transaction<'static, Postgres>,
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
    insert_task(&mut **tx, user, insert).await.map(Some)
}

fn bind_all(binds: &[Bind]) -> StoreResult<PgArguments> {
    let mut args = PgArguments::default();
    for bind in binds {
        match bind {
            Bind::Text(s) => args.add(s.clone()),
            Bind::Int(i) => args.add(*i),
            Bind::Time(t) => args.add(*t),
        }
        .map_err(|e| backend(sqlx::Error::Encode(e)))?;
    }
    Ok(args)
}

/// The driver's reason, with what to check when TLS verification failed (the
/// driver only says which check failed).
fn explain_connect_failure(e: &sqlx::Error) -> String {
    let reason = e.to_string();
    let tls = matches!(e, sqlx::Error::Tls(_)) || reason.to_lowercase().contains("certificate");
    if tls {
        format!(
            "{reason} (TLS: the server's certificate was not accepted; sslrootcert must name the CA file that signed it, \
             and with sslmode=verify-full the host in DATABASE_URL must be one the certificate names)"
        )
    } else {
        reason
    }
}
