//! The JSON shapes of the chat endpoints' answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Conversation, ConversationId, Message, MessageId, Role, ToolCall, UserId};

/// The agent's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatResponse {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub conversation_id: ConversationId,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Added 'Buy groceries' (task 7), due tomorrow 17:00.")
    )]
    pub response: String,
    pub tool_calls: Vec<ToolCall>,
}

/// A conversation without its messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationView {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: ConversationId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Conversation> for ConversationView {
    fn from(c: Conversation) -> Self {
        Self {
            id: c.id,
            user_id: c.user_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// One stored message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: MessageId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub user_id: UserId,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub conversation_id: ConversationId,
    /// `user` or `assistant`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub role: Role,
    pub content: String,
    pub tool_calls: Vec<ToolCall>,
    pub created_at: DateTime<Utc>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            conversation_id: m.conversation_id,
            role: m.role,
            content: m.content,
            tool_calls: m.tool_calls,
            created_at: m.created_at,
        }
    }
}

/// A conversation with its messages, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub conversation: ConversationView,
    pub messages: Vec<MessageView>,
}
