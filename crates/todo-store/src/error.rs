use std::path::PathBuf;

/// Why a store could not be opened, connected or migrated. Every message names the
/// database (never a password) and says what to do about it. Failures of single
/// operations on an open store are `todo_core::StoreError` instead.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid DATABASE_URL: {0}")]
    InvalidUrl(String),
    #[error(
        "cannot create the directory {path} for the database: {reason}; set DATABASE_URL to a writable path"
    )]
    CreateDirectory { path: PathBuf, reason: String },
    #[error("cannot open database file {path}: {reason}; set DATABASE_URL to a writable path")]
    OpenSqlite { path: PathBuf, reason: String },
    #[error(
        "cannot connect to PostgreSQL at {target}: {reason}; check DATABASE_URL (host, port, user, password, sslmode) and that the server is up"
    )]
    ConnectPostgres { target: String, reason: String },
    #[error(
        "cannot migrate the database {target}: {reason}; if a newer version of this program migrated it, run that version, \
         otherwise check the database user may create tables"
    )]
    Migrate { target: String, reason: String },
}

pub type Result<T> = std::result::Result<T, Error>;
