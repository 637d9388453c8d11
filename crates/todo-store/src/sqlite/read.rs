//! The SQLite readers: a pool of rusqlite connections used on the caller's thread.
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
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, OpenFlags};
use todo_core::StoreResult;

use super::BUSY_TIMEOUT;
use super::session::{backend, closed};

/// Idle connections kept for reuse: one per thread that reads at once (the
/// runtime's workers), with room to spare. More readers at once each open their
/// own connection and close it afterwards.
pub(super) const IDLE_READERS: usize = 8;
/// Room for the listing variants (see `list.rs`) and the fixed statements.
const STATEMENT_CACHE: usize = 128;

/// Read-only connections to one database file.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    closed: AtomicBool,
}

/// A reader taken from the pool; it goes back when the lease is dropped.
pub struct ReaderLease {
    readers: Arc<Readers>,
    conn: Option<Connection>,
}

impl ReaderLease {
    pub(super) fn conn(&self) -> &Connection {
        // Only `drop` takes it out.
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for ReaderLease {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let mut idle = self.readers.idle_list();
        if idle.len() < IDLE_READERS && !self.readers.closed.load(Ordering::Acquire) {
            idle.push(conn);
        }
    }
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

    /// An idle connection, or a new one when all are in use.
    pub(super) fn lease(self: &Arc<Self>) -> StoreResult<ReaderLease> {
        if self.closed.load(Ordering::Acquire) {
            return Err(closed());
        }
        let taken = self.idle_list().pop();
        let conn = match taken {
            Some(conn) => conn,
            None => connect(&self.path).map_err(backend)?,
        };
        Ok(ReaderLease {
            readers: Arc::clone(self),
            conn: Some(conn),
        })
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

#[cfg(test)]
mod tests {
    use todo_core::{NewTask, NewUser, PersonName, StatusFilter, Store, Title};

    use todo_core::{Email, StoreError, TaskId, TaskQuery, UserId};

    use super::*;
    use crate::SqliteStore;

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
        let (_dir, store, user, id) = store_with_task().await;
        let readers = Arc::clone(&store.db.readers);
        // All held at once: the pool opens more than it keeps.
        let leases: Vec<_> = (0..IDLE_READERS * 2)
            .map(|_| readers.lease().unwrap())
            .collect();
        for lease in &leases {
            let title: String = lease
                .conn()
                .query_row("SELECT title FROM tasks WHERE number = ?1", [id.0], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(title, "Read me");
        }
        drop(leases);
        assert_eq!(readers.idle_list().len(), IDLE_READERS);
        assert_eq!(
            store
                .list_tasks(&user, &TaskQuery::default())
                .await
                .unwrap()
                .total,
            1
        );
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
        assert!(store.db.readers.idle_list().is_empty());
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
