//! The embedded backend: one SQLite file in WAL mode, through rusqlite alone.
//!
//! Every statement runs on the caller's thread (`read.rs` says why): reads on a
//! pool of reader connections, which WAL lets run beside the writer, and all
//! writes on ONE writer connection behind an async lock, so they queue in the
//! process instead of contending for SQLite's file lock: no SQLITE_BUSY under
//! load, and no retry loops. A write holds that lock only while its statements
//! run, which never wait for anything else (a transaction has no await inside),
//! and `busy_timeout` covers other processes opening the same file.
//!
//! One library for both sides, chosen by measurement (README, Benchmarks): sqlx's
//! SQLite driver hands every statement to a thread of its own, which cost reads a
//! third of the server's CPU and was most of a chat turn's p50 on the write side.

mod migrate;
mod read;
mod session;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use todo_core::{StoreError, StoreResult};
use tokio::sync::Mutex;
use tracing::instrument;

use crate::dialect::Dialect;
use crate::engine::{Access, Database};
use crate::store::SqlStore;
use crate::{Error, Result, history};
use read::Readers;
pub use session::SqliteSession;
use session::{Held, backend};

pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Writes wait in line for the one writer connection; this bounds the wait.
const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);
/// Room for the writer's statements.
const STATEMENT_CACHE: usize = 64;

/// The SQLite implementation of [`todo_core::Store`].
pub type SqliteStore = SqlStore<SqliteDb>;

/// One SQLite database file: its readers and its writer.
#[derive(Debug, Clone)]
pub struct SqliteDb {
    pub(crate) readers: Arc<Readers>,
    /// `None` once closed.
    writer: Arc<Mutex<Option<Connection>>>,
    path: PathBuf,
}

impl SqlStore<SqliteDb> {
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
        let open_error = |e: rusqlite::Error| Error::OpenSqlite {
            path: path.clone(),
            reason: sqlite_reason(&e),
        };
        let mut writer = open_writer(&path).map_err(open_error)?;
        migrate::apply(&mut writer, None).map_err(|reason| Error::Migrate {
            target: path.display().to_string(),
            reason,
        })?;
        let readers = Readers::open(&path).map_err(open_error)?;
        let db = SqliteDb {
            readers: Arc::new(readers),
            writer: Arc::new(Mutex::new(Some(writer))),
            path: path.clone(),
        };
        history::renumber_legacy(&db)
            .await
            .map_err(|e| Error::Migrate {
                target: path.display().to_string(),
                reason: format!("rewriting task ids in stored conversations: {e}"),
            })?;
        Ok(Self { db })
    }

    pub fn path(&self) -> &Path {
        &self.db.path
    }
}

fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    // NO_MUTEX: the async lock around it already lets one task at a time use it.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The first statement that reads the file: a file that is not a database fails here.
    conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
        row.get::<_, String>(0)
    })?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
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

fn sqlite_reason(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => "the file is not a SQLite database".into(),
        Some(ErrorCode::DatabaseCorrupt) => "the database file is corrupt".into(),
        Some(ErrorCode::ReadOnly) => "the database is read-only".into(),
        Some(ErrorCode::CannotOpen) => "SQLite cannot open it".into(),
        _ => e.to_string(),
    }
}

#[async_trait]
impl Database for SqliteDb {
    type Session = SqliteSession;
    const DIALECT: Dialect = Dialect::Sqlite;

    async fn session(&self, access: Access) -> StoreResult<SqliteSession> {
        let (conn, begin) = match access {
            Access::Read => (Held::Reader(self.readers.lease()?), None),
            Access::Snapshot => (Held::Reader(self.readers.lease()?), Some("BEGIN")),
            Access::Write | Access::Transaction => {
                let guard = tokio::time::timeout(
                    WRITE_QUEUE_TIMEOUT,
                    Arc::clone(&self.writer).lock_owned(),
                )
                .await
                .map_err(|_| {
                    StoreError::Unavailable(format!(
                        "no turn at the SQLite writer within {} s; the server is overloaded with writes",
                        WRITE_QUEUE_TIMEOUT.as_secs()
                    ))
                })?;
                if guard.is_none() {
                    return Err(session::closed());
                }
                // IMMEDIATE takes the write lock up front, so reads inside the
                // transaction cannot go stale before its writes.
                let begin = (access == Access::Transaction).then_some("BEGIN IMMEDIATE");
                (Held::Writer(guard), begin)
            }
        };
        let mut session = SqliteSession {
            conn,
            in_transaction: false,
        };
        if let Some(begin) = begin {
            session.begin(begin)?;
        }
        Ok(session)
    }

    async fn close(&self) {
        self.readers.close();
        // Dropping the connection closes it; later writes find `None`.
        self.writer.lock().await.take();
    }
}

impl SqliteSession {
    fn begin(&mut self, statement: &str) -> StoreResult<()> {
        let conn = match &self.conn {
            Held::Reader(lease) => lease.conn(),
            Held::Writer(guard) => guard.as_ref().ok_or_else(session::closed)?,
        };
        conn.execute_batch(statement).map_err(backend)?;
        self.in_transaction = true;
        Ok(())
    }
}

#[cfg(test)]
impl SqliteDb {
    /// `EXPLAIN QUERY PLAN` of a listing, for the plan tests.
    pub(crate) fn listing_plan(
        &self,
        user: &todo_core::UserId,
        query: &todo_core::TaskQuery,
    ) -> String {
        let sql = crate::list::listing_sql(Dialect::Sqlite, user, query).unwrap();
        let lease = self.readers.lease().unwrap();
        let mut stmt = lease
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.page))
            .unwrap();
        for (i, arg) in sql.filters.iter().enumerate() {
            let index = stmt
                .parameter_index(&format!("${}", i + 1))
                .unwrap()
                .unwrap();
            stmt.raw_bind_parameter(index, arg).unwrap();
        }
        let mut rows = stmt.raw_query();
        let mut plan = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            plan.push(row.get::<_, String>("detail").unwrap());
        }
        plan.join("\n")
    }

    /// Builds the schema up to migration `version` only, as an old release left it.
    pub(crate) fn migrate_to(path: &Path, version: i64) -> Connection {
        let mut conn = open_writer(path).unwrap();
        migrate::apply(&mut conn, Some(version)).unwrap();
        conn
    }
}
