//! Storage of the Todo Chatbot: [`todo_core::Store`] on SQLite (the embedded
//! default, one file) and on PostgreSQL, with the schema migrations of each dialect
//! compiled in and applied on open.
//!
//! ```no_run
//! # async fn demo() -> todo_store::Result<()> {
//! let url: todo_store::DatabaseUrl = "sqlite://data/todo.db".parse()?;
//! let store = todo_store::connect(&url).await?; // Arc<dyn todo_core::Store>
//! # Ok(()) }
//! ```
//!
//! Both stores behave identically, proven by one test suite run against both
//! (`tests/`): per-user isolation (another user's row is `NotFound`), per-user
//! task numbers (1, 2, 3 … in creation order, never reused), timestamps in UTC at microsecond precision, case-insensitive
//! substring search with literal `%`/`_`, exact tag filters, total ordering with
//! ties broken by id, and atomic toggles.

mod decode;
mod derived;
mod dialect;
mod engine;
mod error;
mod history;
mod idempotency;
mod list;
mod migrate;
mod postgres;
#[cfg(test)]
mod query_plans;
mod reads;
mod sqlite;
mod store;
mod url;
mod writes;

use std::sync::Arc;

use todo_core::Store;

pub use error::{Error, Result};
pub use postgres::{PgDb, PgSession, PgStore};
pub use sqlite::{SqliteDb, SqliteSession, SqliteStore};
pub use store::SqlStore;
pub use url::DatabaseUrl;

/// Opens (SQLite: creating the file when missing) or connects, applies the
/// migrations, and returns the store behind the trait the rest of the system uses.
#[tracing::instrument(skip_all, fields(database = %url.redacted()))]
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Arc::new(SqliteStore::open(path).await?),
        DatabaseUrl::Postgres(raw) => Arc::new(PgStore::connect(raw).await?),
    })
}
