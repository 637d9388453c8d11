use thiserror::Error;
use todo_core::{StoreError, ValidationError};

/// What can go wrong in a chat turn. Problems with a single tool call (a missing
/// task, a bad argument) are not errors: they become polite replies and tool
/// outputs. These are the failures the caller must map to a status code.
#[derive(Debug, Error)]
pub enum AgentError {
    /// The conversation does not exist or belongs to someone else.
    #[error("conversation not found")]
    ConversationNotFound,
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The database failed; the text is for logs only.
    #[error("storage failed: {0}")]
    Storage(String),
}

impl From<StoreError> for AgentError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AgentError::ConversationNotFound,
            StoreError::Invalid(v) => AgentError::Invalid(v),
            StoreError::Conflict(c) => AgentError::Storage(c),
            StoreError::Backend(b) | StoreError::Unavailable(b) => AgentError::Storage(b),
        }
    }
}

pub type Result<T, E = AgentError> = std::result::Result<T, E>;
