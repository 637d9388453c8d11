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
    /// Something else the turn needs is missing: the store names what (`user`
    /// when the account was deleted while its token still worked).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The database failed; the text is for logs only.
    #[error("storage failed: {0}")]
    Storage(String),
}

impl From<StoreError> for AgentError {
    fn from(e: StoreError) -> Self {
        match e {
            // Only a missing conversation is one; the store says which row it missed.
            StoreError::NotFound("conversation") => AgentError::ConversationNotFound,
            StoreError::NotFound(what) => AgentError::NotFound(what),
            StoreError::Invalid(v) => AgentError::Invalid(v),
            StoreError::Conflict(c) => AgentError::Storage(c),
            StoreError::Backend(b) | StoreError::Unavailable(b) => AgentError::Storage(b),
        }
    }
}

pub type Result<T, E = AgentError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_missing_row_keeps_its_name() {
        let conversation = AgentError::from(StoreError::NotFound("conversation"));
        assert!(matches!(conversation, AgentError::ConversationNotFound));
        assert_eq!(conversation.to_string(), "conversation not found");
        for what in ["user", "task"] {
            let err = AgentError::from(StoreError::NotFound(what));
            assert!(
                matches!(err, AgentError::NotFound(w) if w == what),
                "{err:?}"
            );
            assert_eq!(err.to_string(), format!("{what} not found"));
        }
    }
}
