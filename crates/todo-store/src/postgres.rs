//! The PostgreSQL backend, for deployments with an external or in-cluster server,
//! through sqlx. The statements are those of `writes.rs` and `reads.rs`; this
//! file only connects, runs them and converts its column types (TIMESTAMPTZ,
//! BOOLEAN, SMALLINT, TEXT[]). TLS follows the URL's `sslmode` (rustls with the
//! WebPKI roots, so `sslmode=require` works against hosted servers such as Neon).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Arguments, AssertSqlSafe, Column, Postgres, Row, Transaction, TypeInfo};
use todo_core::{StoreError, StoreResult};
use tracing::instrument;

use crate::dialect::Dialect;
use crate::engine::{Access, Columns, Database, Decode, Failure, Session, Value};
use crate::store::SqlStore;
use crate::url::DatabaseUrl;
use crate::{Error, Result, history, migrate};

/// Small on purpose: hosted plans cap connections, and two replicas share them.
const MAX_CONNECTIONS: u32 = 10;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// Below the idle cut-off of hosted servers and poolers, so the pool closes first.
const IDLE_TIMEOUT: Duration = Duration::from_secs(240);
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);
const STATEMENT_CACHE: usize = 512;

/// The PostgreSQL implementation of [`todo_core::Store`].
pub type PgStore = SqlStore<PgDb>;

/// A pool of connections to one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgDb {
    pool: PgPool,
}

impl SqlStore<PgDb> {
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
        let db = PgDb { pool };
        history::renumber_legacy(&db)
            .await
            .map_err(|e| Error::Migrate {
                target: target.clone(),
                reason: format!("rewriting task ids in stored conversations: {e}"),
            })?;
        tracing::debug!(database = %target, "PostgreSQL store connected");
        Ok(Self { db })
    }
}

/// A PostgreSQL session: the pool, one statement at a time, or a transaction.
pub enum PgSession {
    Pool(PgPool),
    Transaction(Transaction<'static, Postgres>),
}

#[async_trait]
impl Database for PgDb {
    type Session = PgSession;
    const DIALECT: Dialect = Dialect::Postgres;

    async fn session(&self, access: Access) -> StoreResult<PgSession> {
        Ok(match access {
            Access::Read | Access::Write => PgSession::Pool(self.pool.clone()),
            Access::Snapshot => PgSession::Transaction(
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
                    .map_err(backend)?,
            ),
            Access::Transaction => {
                PgSession::Transaction(self.pool.begin().await.map_err(backend)?)
            }
        })
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Session for PgSession {
    async fn execute(&mut self, sql: &str, args: &[Value]) -> std::result::Result<u64, Failure> {
        let query = sqlx::query_with(AssertSqlSafe(sql.to_string()), arguments(args)?);
        let done = match self {
            PgSession::Pool(pool) => query.execute(&*pool).await,
            PgSession::Transaction(tx) => query.execute(&mut **tx).await,
        };
        Ok(done.map_err(failure)?.rows_affected())
    }

    async fn fetch<T: Send + 'static>(
        &mut self,
        sql: &str,
        args: &[Value],
        decode: Decode<'_, T>,
    ) -> std::result::Result<Vec<T>, Failure> {
        let query = sqlx::query_with(AssertSqlSafe(sql.to_string()), arguments(args)?);
        let rows = match self {
            PgSession::Pool(pool) => query.fetch_all(&*pool).await,
            PgSession::Transaction(tx) => query.fetch_all(&mut **tx).await,
        }
        .map_err(failure)?;
        Ok(rows
            .iter()
            .map(|row| decode(row))
            .collect::<StoreResult<Vec<T>>>()?)
    }

    async fn commit(self) -> StoreResult<()> {
        match self {
            PgSession::Pool(_) => Ok(()),
            PgSession::Transaction(tx) => tx.commit().await.map_err(backend),
        }
    }
}

fn arguments(args: &[Value]) -> StoreResult<PgArguments> {
    let mut out = PgArguments::default();
    for arg in args {
        match arg {
            Value::Int(v) => out.add(*v),
            Value::Bool(v) => out.add(*v),
            Value::Text(v) => out.add(v.clone()),
            Value::OptText(v) => out.add(v.clone()),
            Value::Time(v) => out.add(*v),
            Value::OptTime(v) => out.add(*v),
            Value::Tags(v) => out.add(v.clone()),
        }
        .map_err(|e| backend(sqlx::Error::Encode(e)))?;
    }
    Ok(out)
}

impl Columns for PgRow {
    fn int(&self, i: usize) -> StoreResult<i64> {
        // Priorities are SMALLINT, counts BIGINT: widen whatever integer it is.
        match self.column(i).type_info().name() {
            "INT2" => self.try_get::<i16, _>(i).map(i64::from),
            "INT4" => self.try_get::<i32, _>(i).map(i64::from),
            _ => self.try_get::<i64, _>(i),
        }
        .map_err(backend)
    }
    fn text(&self, i: usize) -> StoreResult<String> {
        self.try_get(i).map_err(backend)
    }
    fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        self.try_get(i).map_err(backend)
    }
    fn flag(&self, i: usize) -> StoreResult<bool> {
        self.try_get(i).map_err(backend)
    }
    fn time(&self, i: usize) -> StoreResult<DateTime<Utc>> {
        self.try_get(i).map_err(backend)
    }
    fn opt_time(&self, i: usize) -> StoreResult<Option<DateTime<Utc>>> {
        self.try_get(i).map_err(backend)
    }
    fn tags(&self, i: usize) -> StoreResult<Vec<String>> {
        self.try_get(i).map_err(backend)
    }
}

fn failure(e: sqlx::Error) -> Failure {
    match e.as_database_error() {
        Some(d) if d.is_unique_violation() => Failure::Unique,
        Some(d) if d.is_foreign_key_violation() => Failure::ForeignKey,
        _ => Failure::Other(backend(e)),
    }
}

/// A failed database call: `Unavailable` when the connection is the problem
/// (the server is down, restarting or unreachable), so clients get 503 and
/// retry; otherwise `Backend`, whose text goes to logs, never to HTTP clients.
fn backend(e: sqlx::Error) -> StoreError {
    if is_connection_failure(&e) {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Backend(e.to_string())
    }
}

fn is_connection_failure(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), 57P01-57P03 (the server is
        // shutting down, crashed or starting up).
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
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
