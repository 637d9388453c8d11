//! Errors of the `todo` binary. Each message says what was wrong and what to do.

use std::path::PathBuf;

use thiserror::Error;

pub type Result<T, E = CliError> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum CliError {
    #[error(
        "BETTER_AUTH_SECRET is not set. With DATABASE_URL set (production mode) the token-signing secret \
         must be given explicitly, so that every replica signs alike: set BETTER_AUTH_SECRET to at least \
         32 random bytes, e.g. `openssl rand -hex 32`"
    )]
    SecretRequired,
    #[error("BETTER_AUTH_SECRET: {0}")]
    BadSecret(#[from] todo_api::auth::token::SecretError),
    #[error(
        "the secret file {path} {problem}; delete it to have a new one generated, or set BETTER_AUTH_SECRET"
    )]
    BadSecretFile { path: PathBuf, problem: String },
    #[error(
        "no data directory: neither --data-dir/TODO_DATA_DIR, XDG_DATA_HOME nor HOME is set; \
         set TODO_DATA_DIR to a writable directory"
    )]
    NoDataDir,
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("DATABASE_URL: {0}")]
    BadDatabaseUrl(String),
    #[error("cannot open the database: {0}")]
    Store(String),
    #[error("cannot listen on {addr}: {source}; pick another --port/PORT or stop what uses it")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot install the signal handlers: {0}")]
    Signals(std::io::Error),
    #[error("the server failed: {0}")]
    Server(String),
    #[error("todo mcp: {0}")]
    Mcp(String),
    #[error("setting up the API failed: {0}")]
    Api(#[from] todo_api::ApiError),
    #[error("web frontend: {0}")]
    Web(#[from] todo_web::WebError),
}
