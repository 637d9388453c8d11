//! What the store's statements run on, the same for both backends: a [`Database`]
//! hands out [`Session`]s (a connection, or a transaction on one), a session runs
//! SQL with [`Value`] parameters and hands each result row to a decoder as
//! [`Columns`]. The writes and reads (`writes.rs`, `reads.rs`) are written once
//! over these; `sqlite/` and `postgres.rs` implement them, and `dialect.rs` holds
//! what differs in the SQL text.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use todo_core::{StoreError, StoreResult};

use crate::dialect::Dialect;

/// One bind parameter, in `$n` order. Each backend stores it in its own column
/// type: a time as microseconds (SQLite) or TIMESTAMPTZ, tags as JSON text
/// (SQLite) or TEXT[].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Bool(bool),
    Text(String),
    OptText(Option<String>),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
    Tags(Vec<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Self::OptText(v.map(str::to_string))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Self::OptText(v)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Self {
        Self::Time(v)
    }
}

impl From<Option<DateTime<Utc>>> for Value {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Self::OptTime(v)
    }
}

/// The columns of one result row, by position, in the store's own types; each
/// backend converts from its column types (see [`Value`]).
pub trait Columns {
    fn int(&self, i: usize) -> StoreResult<i64>;
    fn text(&self, i: usize) -> StoreResult<String>;
    fn opt_text(&self, i: usize) -> StoreResult<Option<String>>;
    fn flag(&self, i: usize) -> StoreResult<bool>;
    fn time(&self, i: usize) -> StoreResult<DateTime<Utc>>;
    fn opt_time(&self, i: usize) -> StoreResult<Option<DateTime<Utc>>>;
    fn tags(&self, i: usize) -> StoreResult<Vec<String>>;
}

/// Turns one row into a value; `&dyn` so a session's method stays one function.
pub type Decode<'a, T> = &'a (dyn Fn(&dyn Columns) -> StoreResult<T> + Sync);

/// Why a statement failed, as far as the writes need to tell.
#[derive(Debug)]
pub enum Failure {
    /// A UNIQUE or PRIMARY KEY constraint refused the row.
    Unique,
    /// A FOREIGN KEY constraint refused the row.
    ForeignKey,
    Other(StoreError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::Other(e)
    }
}

impl From<Failure> for StoreError {
    /// The one place a foreign-key violation becomes `NotFound("user")`: every
    /// foreign key of the schema names the owning user, except a message's
    /// conversation, which `append_message` checks (under the write lock) before
    /// inserting. A unique violation the caller did not expect is a conflict.
    fn from(f: Failure) -> Self {
        match f {
            Failure::ForeignKey => StoreError::NotFound("user"),
            Failure::Unique => StoreError::Conflict("the row exists already".into()),
            Failure::Other(e) => e,
        }
    }
}

/// What a session is for, so each backend picks the connection and the
/// transaction that fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Single reads, each statement on its own.
    Read,
    /// Several reads that must see one snapshot.
    Snapshot,
    /// One write statement, committed on its own.
    Write,
    /// Several statements committed together; rolled back when dropped uncommitted.
    Transaction,
}

/// A connection (or transaction) that runs SQL of [`Database::DIALECT`].
#[async_trait]
pub trait Session: Send {
    /// Runs a statement that returns no rows; the number of rows it changed.
    async fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, Failure>;
    /// Runs a statement and decodes every row it returns.
    async fn fetch<T: Send + 'static>(
        &mut self,
        sql: &str,
        args: &[Value],
        decode: Decode<'_, T>,
    ) -> Result<Vec<T>, Failure>;
    /// Ends the session: commits its transaction, if it has one.
    async fn commit(self) -> StoreResult<()>
    where
        Self: Sized;

    /// The first row, if any.
    async fn fetch_optional<T: Send + 'static>(
        &mut self,
        sql: &str,
        args: &[Value],
        decode: Decode<'_, T>,
    ) -> Result<Option<T>, Failure> {
        Ok(self.fetch(sql, args, decode).await?.into_iter().next())
    }
}

/// A database the store runs on.
#[async_trait]
pub trait Database: Send + Sync + 'static {
    type Session: Session;
    const DIALECT: Dialect;
    async fn session(&self, access: Access) -> StoreResult<Self::Session>;
    async fn close(&self);
}
