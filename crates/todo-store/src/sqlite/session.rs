//! Running the store's statements on a rusqlite connection: parameters bound by
//! their `$n` names, columns converted from SQLite's storage (times as
//! microseconds, tags as JSON text), constraint failures told apart.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Row, Statement, ToSql, ffi};
use todo_core::{StoreError, StoreResult};
use tokio::sync::OwnedMutexGuard;

use super::read::ReaderLease;
use crate::engine::{Columns, Decode, Failure, Session, Value};

/// A reader from the pool, or the one writer; with an open transaction or not.
pub struct SqliteSession {
    pub(super) conn: Held,
    pub(super) in_transaction: bool,
}

pub(super) enum Held {
    Reader(ReaderLease),
    Writer(OwnedMutexGuard<Option<Connection>>),
}

impl SqliteSession {
    fn conn(&self) -> Result<&Connection, Failure> {
        match &self.conn {
            Held::Reader(lease) => Ok(lease.conn()),
            Held::Writer(guard) => guard.as_ref().ok_or_else(|| Failure::Other(closed())),
        }
    }
}

pub(super) fn closed() -> StoreError {
    StoreError::Backend("the SQLite store is closed".into())
}

impl Drop for SqliteSession {
    fn drop(&mut self) {
        if self.in_transaction
            && let Ok(conn) = self.conn()
        {
            // Dropped before commit (an error, or a look-up that changes nothing):
            // nothing of it is kept. A failed rollback leaves SQLite to roll back
            // when the next BEGIN finds the transaction still open.
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

// Every method runs synchronously on the caller's thread (see `read.rs` for why)
// through the helpers below, which hold no statement across an await.
#[async_trait]
impl Session for SqliteSession {
    async fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, Failure> {
        execute(self.conn()?, sql, args)
    }

    async fn fetch<T: Send + 'static>(
        &mut self,
        sql: &str,
        args: &[Value],
        decode: Decode<'_, T>,
    ) -> Result<Vec<T>, Failure> {
        fetch(self.conn()?, sql, args, decode)
    }

    async fn commit(mut self) -> StoreResult<()> {
        if self.in_transaction {
            self.conn()
                .map_err(StoreError::from)?
                .execute_batch("COMMIT")
                .map_err(backend)?;
            self.in_transaction = false;
        }
        Ok(())
    }
}

fn execute(conn: &Connection, sql: &str, args: &[Value]) -> Result<u64, Failure> {
    let mut stmt = conn.prepare_cached(sql).map_err(failure)?;
    bind_named(&mut stmt, args)?;
    let changed = stmt.raw_execute().map_err(failure)?;
    Ok(changed as u64)
}

fn fetch<T>(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    decode: Decode<'_, T>,
) -> Result<Vec<T>, Failure> {
    let mut stmt = conn.prepare_cached(sql).map_err(failure)?;
    bind_named(&mut stmt, args)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(failure)? {
        out.push(decode(row)?);
    }
    Ok(out)
}

/// Binds the values by their `$n` names: SQLite numbers parameters in order of
/// first appearance, which a subquery can change.
fn bind_named(stmt: &mut Statement<'_>, args: &[Value]) -> Result<(), Failure> {
    const NAMES: [&str; 16] = [
        "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14",
        "$15", "$16",
    ];
    for (i, arg) in args.iter().enumerate() {
        let owned;
        let name = match NAMES.get(i) {
            Some(name) => *name,
            None => {
                owned = format!("${}", i + 1);
                &owned
            }
        };
        let index = stmt
            .parameter_index(name)
            .map_err(failure)?
            .ok_or_else(|| {
                Failure::Other(StoreError::Backend(format!(
                    "statement has no parameter {name}"
                )))
            })?;
        stmt.raw_bind_parameter(index, arg).map_err(failure)?;
    }
    Ok(())
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as Stored;
        Ok(match self {
            Value::Int(v) => ToSqlOutput::from(*v),
            Value::Bool(v) => ToSqlOutput::from(*v),
            Value::Text(v) | Value::OptText(Some(v)) => {
                ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes()))
            }
            Value::OptText(None) | Value::OptTime(None) => ToSqlOutput::Owned(Stored::Null),
            Value::Time(t) | Value::OptTime(Some(t)) => ToSqlOutput::from(t.timestamp_micros()),
            // A JSON array of plain strings cannot fail to encode.
            Value::Tags(tags) => ToSqlOutput::Owned(Stored::Text(
                serde_json::to_string(tags).unwrap_or_else(|_| "[]".into()),
            )),
        })
    }
}

impl Columns for Row<'_> {
    fn int(&self, i: usize) -> StoreResult<i64> {
        self.get(i).map_err(backend)
    }
    fn text(&self, i: usize) -> StoreResult<String> {
        self.get(i).map_err(backend)
    }
    fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        self.get(i).map_err(backend)
    }
    fn flag(&self, i: usize) -> StoreResult<bool> {
        self.get(i).map_err(backend)
    }
    fn time(&self, i: usize) -> StoreResult<DateTime<Utc>> {
        from_micros(self.get(i).map_err(backend)?)
    }
    fn opt_time(&self, i: usize) -> StoreResult<Option<DateTime<Utc>>> {
        self.get::<_, Option<i64>>(i)
            .map_err(backend)?
            .map(from_micros)
            .transpose()
    }
    fn tags(&self, i: usize) -> StoreResult<Vec<String>> {
        let text = self
            .get_ref(i)
            .map_err(backend)?
            .as_str()
            .map_err(|e| StoreError::Backend(format!("tags column: {e}")))?;
        serde_json::from_str(text)
            .map_err(|e| StoreError::Backend(format!("unreadable tag list: {e}")))
    }
}

fn from_micros(micros: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Backend(format!("timestamp {micros} µs is out of range")))
}

fn failure(e: rusqlite::Error) -> Failure {
    if let rusqlite::Error::SqliteFailure(code, _) = &e {
        match code.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                return Failure::Unique;
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return Failure::ForeignKey,
            _ => {}
        }
    }
    Failure::Other(backend(e))
}

/// Any other failure: the text goes to logs, never to HTTP clients.
pub(super) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}
