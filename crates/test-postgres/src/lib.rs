//! A real PostgreSQL 15 server for tests, started once per test process on loopback.
//!
//! ```no_run
//! let db = test_postgres::TestPostgres::start().expect("PostgreSQL for tests");
//! // db.url() is a fresh, empty database: postgres://postgres@127.0.0.1:PORT/test_N
//! ```
//!
//! The first call runs `initdb` into a temporary directory and starts `postgres` on a
//! free loopback port (fsync off: test data is throwaway); every call then creates a
//! new database, so tests never see each other's rows. The server runs as an
//! unprivileged user when the tests run as root (initdb refuses root), and it stops
//! when the test process exits, also when the process is killed: see [`server`].
//!
//! Fault and TLS tests get a server of their own, [`DedicatedPostgres`]: durable
//! commits, optionally TLS with the test's certificate, and it can be killed
//! (SIGKILL to every process of it) and started again on the same port and data.

mod server;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use server::{Server, Settings};

/// Where the PostgreSQL 15 binaries live unless `TEST_POSTGRES_BIN_DIR` says otherwise.
pub const DEFAULT_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// Why no test database could be had. Every message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "the PostgreSQL server binary {0} is missing; run `bash scripts/install.d/postgres.sh` \
         (installs postgresql-15) or set TEST_POSTGRES_BIN_DIR to a directory holding initdb, postgres and psql"
    )]
    MissingBinary(PathBuf),
    #[error(
        "cannot prepare the test server's directory {path}: {source}; check that TMPDIR is writable"
    )]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no unprivileged user to run PostgreSQL as (initdb refuses root); create the user `postgres` or `nobody`"
    )]
    NoUnprivilegedUser,
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{step} failed: {output}")]
    Command { step: String, output: String },
    #[error("the test PostgreSQL server did not come up: {0}")]
    Startup(String),
    /// The first start failed; later calls repeat its reason instead of retrying.
    #[error("the test PostgreSQL server failed to start earlier in this process: {0}")]
    Unavailable(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A fresh, empty database on this process's test server.
#[derive(Debug, Clone)]
pub struct TestPostgres {
    url: String,
    database: String,
}

static SERVER: OnceLock<std::result::Result<Server, String>> = OnceLock::new();
static NEXT_DATABASE: AtomicU64 = AtomicU64::new(1);

impl TestPostgres {
    /// Starts the server on first use, then creates a new database and returns it.
    pub fn start() -> Result<Self> {
        let server = SERVER
            .get_or_init(|| Server::launch(Settings::default()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|reason| Error::Unavailable(reason.clone()))?;
        let database = format!("test_{}", NEXT_DATABASE.fetch_add(1, Ordering::Relaxed));
        server.create_database(&database)?;
        Ok(Self {
            url: server.url(&database),
            database,
        })
    }

    /// `postgres://postgres@127.0.0.1:PORT/NAME?sslmode=disable`; no password (trust
    /// authentication, loopback only).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn database(&self) -> &str {
        &self.database
    }
}

/// A certificate (PEM, with its chain) and its unencrypted private key (PEM).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

/// What a [`DedicatedPostgres`] is started with.
#[derive(Debug, Clone, Default)]
pub struct DedicatedOptions {
    /// Serve TLS (`ssl=on`) with these files; plain connections still work.
    pub tls: Option<TlsFiles>,
}

/// A PostgreSQL server of one test's own: commits are acknowledged only once
/// written, so a [`kill`](Self::kill) loses no acknowledged write. Stopped and
/// removed on drop.
pub struct DedicatedPostgres {
    server: Server,
}

impl DedicatedPostgres {
    pub fn start(options: DedicatedOptions) -> Result<Self> {
        let server = Server::launch(Settings {
            durable: true,
            tls: options.tls,
        })?;
        Ok(Self { server })
    }

    /// Creates database `name` and returns its URL (`sslmode=disable`).
    pub fn create_database(&self, name: &str) -> Result<String> {
        self.server.create_database(name)?;
        Ok(self.server.url(name))
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The server's directory (its log is `postgres.log` there).
    pub fn directory(&self) -> &Path {
        self.server.root()
    }

    /// SIGKILL to the postmaster and every backend, as a crash would.
    pub fn kill(&self) {
        self.server.kill();
    }

    /// Starts the killed server again on the same port and data; PostgreSQL runs
    /// crash recovery first. Returns once it accepts queries.
    pub fn start_again(&self) -> Result<()> {
        self.server.start_again()
    }
}

impl Drop for DedicatedPostgres {
    fn drop(&mut self) {
        self.server.stop_and_remove();
    }
}
