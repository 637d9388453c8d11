use thiserror::Error;

/// Input that does not satisfy a domain rule. `field` names the offending input so
/// the caller can point at it; `message` says what is wrong and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// What can go wrong in a [`crate::Store`]. Not-found covers rows that exist but
/// belong to someone else: callers must never learn that another user's row exists.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The database failed (connection lost, disk full, ...). The text is for logs,
    /// never for HTTP clients.
    #[error("database error: {0}")]
    Backend(String),
    /// The database cannot be reached right now (connection refused or lost, no
    /// free connection in time): worth retrying in a moment. The text is for logs.
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
