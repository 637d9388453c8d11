//! The read side of the SQLite store: rusqlite connections used on the caller's
//! thread.
//!
//! Why not sqlx here: its SQLite driver runs every connection on a thread of its
//! own and hands each statement and each row across a channel. For a page of 50
//! tasks those thread switches cost more than SQLite's own work (profiled: about
//! a third of the server's CPU went to the scheduler). A read here is a B-tree walk
//! over one user's rows, in pages the OS already caches, bounded by a page of at
//! most `TaskQuery::MAX_LIMIT` tasks: short CPU work, like serialising the answer,
//! so it runs where the request runs. WAL lets these readers go on beside the one
//! writer (see `mod.rs`) without waiting for it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, Row, Statement, ToSql};
use todo_core::{
    Conversation, ConversationId, Email, Message, StoreError, StoreResult, Task, TaskId, TaskPage,
    TaskQuery, User, UserId, UserRecord,
};

use super::BUSY_TIMEOUT;
use crate::list::{Bind, Dialect, listing_sql};
use crate::row::{self, MessageRow, TaskRow, UserRow, from_micros, task_columns};

/// Idle connections kept for reuse: one per thread that reads at once (the
/// runtime's workers), with room to spare. More readers at once each open their
/// own connection and close it afterwards.
const IDLE_READERS: usize = 8;
/// Room for the listing variants (see `list.rs`) and the fixed statements.
const STATEMENT_CACHE: usize = 128;

pub(crate) const TASK_BY_ID: &str = concat!(
    "SELECT ",
    task_columns!(),
    " FROM tasks WHERE number = $1 AND user_id = $2"
);

/// Read-only connections to one database file.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    closed: AtomicBool,
}

impl Readers {
    /// Opens the first connection now, so a file SQLite cannot read fails at start-up.
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Self> {
        let first = connect(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            idle: Mutex::new(vec![first]),
            closed: AtomicBool::new(false),
        })
    }

    /// Drops the idle connections; later reads fail instead of reopening the file.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.idle_list().clear();
    }

    fn idle_list(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A panic while the lock was held cannot leave the list half-changed
        // (push and pop are single steps), so a poisoned lock is still usable.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `read` on an idle connection, or on a new one when all are in use.
    fn with<T>(&self, read: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Backend("the SQLite store is closed".into()));
        }
        let taken = self.idle_list().pop();
        let conn = match taken {
            Some(conn) => conn,
            None => connect(&self.path).map_err(backend)?,
        };
        let result = read(&conn);
        let mut idle = self.idle_list();
        if idle.len() < IDLE_READERS && !self.closed.load(Ordering::Acquire) {
            idle.push(conn);
        }
        result
    }

    pub(crate) fn ping(&self) -> StoreResult<()> {
        self.with(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(backend))
    }

    pub(crate) fn user_by_email(&self, email: &Email) -> StoreResult<Option<UserRecord>> {
        self.with(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, email, name, created_at, password_hash FROM users WHERE email = $1",
                )
                .map_err(backend)?;
            let mut rows = stmt.query([email.as_str()]).map_err(backend)?;
            let Some(row) = rows.next().map_err(backend)? else {
                return Ok(None);
            };
            Ok(Some(UserRecord {
                user: user_row(row)?.into_user()?,
                password_hash: row.get(4).map_err(backend)?,
            }))
        })
    }

    pub(crate) fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        self.with(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT id, email, name, created_at FROM users WHERE id = $1")
                .map_err(backend)?;
            let mut rows = stmt.query([id.as_str()]).map_err(backend)?;
            match rows.next().map_err(backend)? {
                Some(row) => Ok(Some(user_row(row)?.into_user()?)),
                None => Ok(None),
            }
        })
    }

    pub(crate) fn task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(TASK_BY_ID).map_err(backend)?;
            let mut rows = stmt.query((id.0, user.as_str())).map_err(backend)?;
            let row = rows
                .next()
                .map_err(backend)?
                .ok_or(StoreError::NotFound("task"))?;
            task_row(row, 0)?.into_task(user)
        })
    }

    pub(crate) fn list_tasks(&self, user: &UserId, query: &TaskQuery) -> StoreResult<TaskPage> {
        let sql = listing_sql(Dialect::Sqlite, user, query)?;
        self.with(|conn| {
            // Column 0 is the total, the task's columns follow.
            let mut stmt = conn.prepare_cached(&sql.page).map_err(backend)?;
            bind_named(&mut stmt, &sql.filters)?;
            let mut rows = stmt.raw_query();
            let mut tasks = Vec::with_capacity(query.limit as usize);
            let mut total = None;
            while let Some(row) = rows.next().map_err(backend)? {
                if total.is_none() {
                    total = Some(row.get::<_, i64>(0).map_err(backend)?);
                }
                tasks.push(task_row(row, 1)?.into_task(user)?);
            }
            let total = match total {
                Some(total) => total,
                // A page past the end has no row to carry the total.
                None => {
                    let mut count = conn.prepare_cached(&sql.count).map_err(backend)?;
                    bind_named(&mut count, &sql.filters)?;
                    let mut rows = count.raw_query();
                    match rows.next().map_err(backend)? {
                        Some(row) => row.get(0).map_err(backend)?,
                        None => 0,
                    }
                }
            };
            Ok(TaskPage {
                tasks,
                total: u64::try_from(total).unwrap_or(0),
            })
        })
    }

    pub(crate) fn conversation(
        &self,
        user: &UserId,
        id: ConversationId,
    ) -> StoreResult<Conversation> {
        self.with(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, user_id, created_at, updated_at FROM conversations \
                     WHERE id = $1 AND user_id = $2",
                )
                .map_err(backend)?;
            let mut rows = stmt.query((id.0, user.as_str())).map_err(backend)?;
            let row = rows
                .next()
                .map_err(backend)?
                .ok_or(StoreError::NotFound("conversation"))?;
            conversation_row(row)
        })
    }

    pub(crate) fn list_conversations(
        &self,
        user: &UserId,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Conversation>> {
        self.with(|conn| {
            // LIMIT and OFFSET as literals: see `list.rs` on SQLite re-preparing bound LIMITs.
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT id, user_id, created_at, updated_at FROM conversations WHERE user_id = $1 \
                     ORDER BY updated_at DESC, id DESC LIMIT {limit} OFFSET {offset}"
                ))
                .map_err(backend)?;
            let mut rows = stmt.query([user.as_str()]).map_err(backend)?;
            let mut conversations = Vec::new();
            while let Some(row) = rows.next().map_err(backend)? {
                conversations.push(conversation_row(row)?);
            }
            Ok(conversations)
        })
    }

    pub(crate) fn messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        self.with(|conn| {
            // Both statements in one read transaction: one snapshot.
            let tx = conn.unchecked_transaction().map_err(backend)?;
            let exists = tx
                .prepare_cached("SELECT 1 FROM conversations WHERE id = $1 AND user_id = $2")
                .map_err(backend)?
                .exists((conversation.0, user.as_str()))
                .map_err(backend)?;
            if !exists {
                return Err(StoreError::NotFound("conversation"));
            }
            let mut stmt = tx
                .prepare_cached(&format!(
                    "SELECT * FROM (SELECT id, conversation_id, user_id, role, content, tool_calls, created_at \
                     FROM messages WHERE conversation_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT {limit}) \
                     AS recent ORDER BY id ASC"
                ))
                .map_err(backend)?;
            let mut rows = stmt
                .query((conversation.0, user.as_str()))
                .map_err(backend)?;
            let mut messages = Vec::new();
            while let Some(row) = rows.next().map_err(backend)? {
                messages.push(message_row(row)?);
            }
            Ok(messages)
        })
    }

    pub(crate) fn token_revoked(&self, token_id: &str) -> StoreResult<bool> {
        self.with(|conn| {
            conn.prepare_cached("SELECT 1 FROM revoked_tokens WHERE token_id = $1")
                .map_err(backend)?
                .exists([token_id])
                .map_err(backend)
        })
    }

    /// `EXPLAIN QUERY PLAN` of a listing, for the plan tests.
    #[cfg(test)]
    pub(crate) fn listing_plan(&self, user: &UserId, query: &TaskQuery) -> String {
        let sql = listing_sql(Dialect::Sqlite, user, query).unwrap();
        self.with(|conn| {
            let mut stmt = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.page))
                .map_err(backend)?;
            bind_named(&mut stmt, &sql.filters)?;
            let mut rows = stmt.raw_query();
            let mut plan = Vec::new();
            while let Some(row) = rows.next().map_err(backend)? {
                plan.push(row.get::<_, String>("detail").map_err(backend)?);
            }
            Ok(plan.join("\n"))
        })
        .unwrap()
    }
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    // NO_MUTEX: a connection is used by one thread at a time (it is taken out of
    // the idle list), so SQLite's own per-connection lock would be pure cost.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Read-write open but query-only: a read-only open could not create the WAL
    // index if this reader were the first to need it.
    conn.pragma_update(None, "query_only", true)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Binds the listing's values by their `$n` names: SQLite numbers parameters in
/// order of first appearance, which a subquery can change.
fn bind_named(stmt: &mut Statement<'_>, binds: &[Bind]) -> StoreResult<()> {
    for (i, bind) in binds.iter().enumerate() {
        let name = format!("${}", i + 1);
        let index = stmt
            .parameter_index(&name)
            .map_err(backend)?
            .ok_or_else(|| StoreError::Backend(format!("listing has no parameter {name}")))?;
        stmt.raw_bind_parameter(index, bind).map_err(backend)?;
    }
    Ok(())
}

impl ToSql for Bind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Bind::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Bind::Int(i) => ToSqlOutput::from(*i),
            Bind::Time(t) => ToSqlOutput::from(t.timestamp_micros()),
        })
    }
}

/// The task columns of `task_columns!`, starting at column `first`.
fn task_row(row: &Row<'_>, first: usize) -> StoreResult<TaskRow> {
    let col = |n: usize| first + n;
    let tags = row.get_ref(col(5)).map_err(backend)?;
    let tags = tags
        .as_str()
        .map_err(|e| StoreError::Backend(format!("tags column: {e}")))?;
    Ok(TaskRow {
        id: row.get(col(0)).map_err(backend)?,
        title: row.get(col(1)).map_err(backend)?,
        description: row.get(col(2)).map_err(backend)?,
        completed: row.get(col(3)).map_err(backend)?,
        priority: row.get(col(4)).map_err(backend)?,
        tags: serde_json::from_str(tags)
            .map_err(|e| StoreError::Backend(format!("unreadable tag list: {e}")))?,
        due_at: row
            .get::<_, Option<i64>>(col(6))
            .map_err(backend)?
            .map(from_micros)
            .transpose()?,
        recurrence: row.get(col(7)).map_err(backend)?,
        created_at: from_micros(row.get(col(8)).map_err(backend)?)?,
        updated_at: from_micros(row.get(col(9)).map_err(backend)?)?,
    })
}

/// `id, email, name, created_at` in that order.
fn user_row(row: &Row<'_>) -> StoreResult<UserRow> {
    Ok(UserRow {
        id: row.get(0).map_err(backend)?,
        email: row.get(1).map_err(backend)?,
        name: row.get(2).map_err(backend)?,
        created_at: from_micros(row.get(3).map_err(backend)?)?,
    })
}

/// `id, user_id, created_at, updated_at` in that order.
fn conversation_row(row: &Row<'_>) -> StoreResult<Conversation> {
    let user_id: String = row.get(1).map_err(backend)?;
    row::conversation(
        row.get(0).map_err(backend)?,
        &user_id,
        from_micros(row.get(2).map_err(backend)?)?,
        from_micros(row.get(3).map_err(backend)?)?,
    )
}

fn message_row(row: &Row<'_>) -> StoreResult<Message> {
    MessageRow {
        id: row.get(0).map_err(backend)?,
        conversation_id: row.get(1).map_err(backend)?,
        user_id: row.get(2).map_err(backend)?,
        role: row.get(3).map_err(backend)?,
        content: row.get(4).map_err(backend)?,
        tool_calls: row.get(5).map_err(backend)?,
        created_at: from_micros(row.get(6).map_err(backend)?)?,
    }
    .into_message()
}

/// Any failure of a read: the text goes to logs, never to HTTP clients.
fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    use todo_core::{NewTask, NewUser, PersonName, StatusFilter, Store, Title};

    use super::*;
    use crate::SqliteStore;
    use std::sync::Arc;

    async fn store_with_task() -> (tempfile::TempDir, SqliteStore, UserId, TaskId) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("read.db")).await.unwrap();
        let user = store
            .create_user(NewUser {
                email: Email::parse("reader@example.com").unwrap(),
                name: PersonName::parse("Reader").unwrap(),
                password_hash: "not-a-real-hash".into(),
            })
            .await
            .unwrap();
        let task = store
            .create_task(&user.id, NewTask::titled(Title::parse("Read me").unwrap()))
            .await
            .unwrap();
        (dir, store, user.id, task.id)
    }

    #[tokio::test]
    async fn more_readers_than_idle_connections_all_get_answers() {
        let (_dir, store, user, _) = store_with_task().await;
        let readers = Arc::clone(&store.readers);
        let threads: Vec<_> = (0..IDLE_READERS * 2)
            .map(|_| {
                let (readers, user) = (Arc::clone(&readers), user.clone());
                std::thread::spawn(move || {
                    (0..50)
                        .map(|_| {
                            readers
                                .list_tasks(&user, &TaskQuery::default())
                                .unwrap()
                                .total
                        })
                        .sum::<u64>()
                })
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), 50);
        }
        assert!(readers.idle_list().len() <= IDLE_READERS);
    }

    #[tokio::test]
    async fn a_closed_store_refuses_reads_without_reopening() {
        let (_dir, store, user, id) = store_with_task().await;
        store.close().await;
        let err = store.task(&user, id).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Backend(ref m) if m.contains("closed")),
            "{err}"
        );
        assert!(store.readers.idle_list().is_empty());
    }

    #[tokio::test]
    async fn a_damaged_row_is_an_error_not_a_panic() {
        let (dir, store, user, id) = store_with_task().await;
        let raw = Connection::open(dir.path().join("read.db")).unwrap();
        for damage in [
            "UPDATE tasks SET tags = '{' WHERE number = ?1",
            "UPDATE tasks SET tags = '[\"not a tag!\"]' WHERE number = ?1",
            "UPDATE tasks SET title = '' WHERE number = ?1",
            "UPDATE tasks SET recurrence = '{\"kind\":\"hourly\"}' WHERE number = ?1",
        ] {
            raw.execute(damage, [id.0]).unwrap();
            let listed = store.list_tasks(&user, &TaskQuery::default()).await;
            assert!(
                matches!(listed, Err(StoreError::Backend(_))),
                "{damage}: {listed:?}"
            );
            let fetched = store.task(&user, id).await;
            assert!(
                matches!(fetched, Err(StoreError::Backend(_))),
                "{damage}: {fetched:?}"
            );
            raw.execute(
                "UPDATE tasks SET tags = '[]', title = 'Read me', recurrence = NULL WHERE number = ?1",
                [id.0],
            )
            .unwrap();
        }
        assert_eq!(
            store.task(&user, id).await.unwrap().title.as_str(),
            "Read me"
        );
    }

    #[tokio::test]
    async fn a_page_past_the_end_still_counts_the_matching_tasks() {
        let (_dir, store, user, _) = store_with_task().await;
        for status in [
            StatusFilter::All,
            StatusFilter::Pending,
            StatusFilter::Completed,
        ] {
            let page = store
                .list_tasks(
                    &user,
                    &TaskQuery {
                        status,
                        offset: 10,
                        ..TaskQuery::default()
                    },
                )
                .await
                .unwrap();
            let expected = u64::from(status != StatusFilter::Completed);
            assert!(page.tasks.is_empty());
            assert_eq!(page.total, expected, "{status:?}");
        }
    }
}
