//! What a tool call answers: its output on success, or why it did not do what
//! was asked, and how store errors become those answers.

use serde_json::{Value, json};
use todo_core::{StoreError, Task};

use super::ToolName;

/// Why a tool call did not do what was asked. These are answers, not crashes:
/// the chat replies politely and MCP returns a tool result with `isError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolFailure {
    UnknownTool(String),
    /// Arguments that do not fit the schema or a domain rule.
    InvalidArguments(String),
    /// No such task for this user.
    TaskNotFound(i64),
    /// A `user_id` argument naming someone other than the caller.
    WrongUser,
    /// The database failed; details went to the log.
    Unavailable,
}

impl ToolFailure {
    pub fn message(&self) -> String {
        match self {
            ToolFailure::UnknownTool(name) => format!(
                "unknown tool {name:?}; available: {}",
                ToolName::ALL.map(|t| t.as_str()).join(", ")
            ),
            ToolFailure::InvalidArguments(m) => format!("invalid arguments: {m}"),
            ToolFailure::TaskNotFound(id) => format!("task {id} not found"),
            ToolFailure::WrongUser => {
                "user_id does not match the authenticated user; omit it".to_string()
            }
            ToolFailure::Unavailable => {
                "the task database is unavailable; try again shortly".to_string()
            }
        }
    }

    /// The tool output recorded for a failed call.
    pub fn to_output(&self) -> Value {
        json!({ "error": self.message() })
    }
}

impl std::fmt::Display for ToolFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// A successful call: the JSON output in the documented shape, plus the full
/// task records involved, in output order, for reply wording.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSuccess {
    pub output: Value,
    pub tasks: Vec<Task>,
    /// The tasks as they were before a write (one snapshot, or an array for
    /// bulk writes): a chat session records it beside the output so undo can
    /// put them back. Not part of the output MCP clients or models see.
    pub before: Option<Value>,
}

pub(super) fn invalid(e: todo_core::ValidationError) -> ToolFailure {
    ToolFailure::InvalidArguments(e.to_string())
}

pub(super) fn not_found_or(e: StoreError, id: i64) -> ToolFailure {
    match e {
        StoreError::NotFound(_) => ToolFailure::TaskNotFound(id),
        other => store_failure(other),
    }
}

pub(super) fn store_failure(e: StoreError) -> ToolFailure {
    match e {
        StoreError::Invalid(v) => invalid(v),
        StoreError::NotFound(what) => ToolFailure::InvalidArguments(format!("{what} not found")),
        StoreError::Conflict(c) => ToolFailure::InvalidArguments(c),
        StoreError::Backend(detail) | StoreError::Unavailable(detail) => {
            tracing::error!(error = %detail, "task store failed in a tool call");
            ToolFailure::Unavailable
        }
    }
}
