use thiserror::Error;

/// What can go wrong talking to a chat-completions endpoint. No variant ever
/// carries the API key: provider messages are redacted before they get here.
#[derive(Debug, Error)]
pub enum LlmError {
    /// The environment or config asks for something that cannot work.
    #[error("LLM configuration: {0}")]
    Config(String),
    /// The provider answered with an error status.
    #[error("LLM provider answered HTTP {status}: {message}")]
    Status { status: u16, message: String },
    /// No answer within the per-request timeout.
    #[error("LLM request timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// The endpoint could not be reached (refused, DNS, TLS).
    #[error("LLM endpoint unreachable: {0}")]
    Connect(String),
    /// The provider answered 2xx but not with a chat completion.
    #[error("LLM response not understood: {0}")]
    Decode(String),
    /// Every attempt failed with a retryable error.
    #[error("LLM request failed after {attempts} attempts: {last}")]
    RetriesExhausted { attempts: u32, last: Box<LlmError> },
}

impl LlmError {
    /// Whether the client sends the request again: after rate limits, server errors
    /// and connection failures, yes; after bad requests and auth failures, no. After a
    /// timeout, no: the server may well have been generating all along (a slow local
    /// model), so a resend doubles its work and times out the same way; the caller's
    /// turn budget decides what happens next.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Status { status, .. } => {
                *status == 429 || *status == 408 || (500..600).contains(status)
            }
            LlmError::Connect(_) => true,
            LlmError::Timeout(_)
            | LlmError::Config(_)
            | LlmError::Decode(_)
            | LlmError::RetriesExhausted { .. } => false,
        }
    }
}

pub type Result<T, E = LlmError> = std::result::Result<T, E>;
