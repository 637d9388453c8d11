//! The JSON bodies of the HTTP API, declared once: the backend (todo-api)
//! serialises them and the web frontend (todo-web) deserialises the same types,
//! so the frontend accepts exactly the shapes the backend sends and a change to
//! a body is a compile error on both sides rather than a silent mismatch.
//!
//! With the `openapi` feature (todo-api turns it on) the types also describe
//! themselves for the OpenAPI document; the frontend builds without utoipa.

mod chat;
mod task;
pub(crate) mod timestamp;

use serde::{Deserialize, Serialize};

use crate::UserId;

pub use chat::{ChatResponse, ConversationDetail, ConversationView, MessageView};
pub use task::{ChangedTaskView, TaskView, WeekdayName};
#[cfg(feature = "openapi")]
pub use task::{PriorityName, RecurrenceRule};

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong and, where it helps, what to do instead.
    #[cfg_attr(feature = "openapi", schema(example = "title: must not be empty"))]
    pub error: String,
}

/// A bearer token and the user it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`; valid for 7 days.
    pub token: String,
    /// The `{user_id}` of `/api/{user_id}/...` paths.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, example = "0b9c2f57-4c1e-4a43-9d4e-3f8f2b6d9a10")
    )]
    pub user_id: UserId,
}
