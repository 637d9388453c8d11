//! The chat panel: the conversation picker, the messages and the tools they used.

use askama::Template;
use chrono::Utc;
use todo_core::api::{ChatResponse, ConversationView, MessageView as StoredMessage};
use todo_core::{ConversationId, Role, ToolCall};

use super::LocalClock;

#[derive(Template)]
#[template(path = "chat_reply.html", whitespace = "minimize")]
pub struct ChatReplyFragment {
    pub messages: Vec<MessageView>,
    /// The conversation the page continues; `None` when the turn did not reach one.
    pub conversation_id: Option<ConversationId>,
    /// The conversation picker again, when the reply started a new conversation.
    pub picker: Option<ChatView>,
}

pub struct ToolView {
    pub name: String,
    pub input: String,
    pub output: String,
}

impl From<&ToolCall> for ToolView {
    fn from(call: &ToolCall) -> Self {
        let pretty = |v: &serde_json::Value| {
            serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
        };
        Self {
            name: call.tool.clone(),
            input: pretty(&call.input),
            output: pretty(&call.output),
        }
    }
}

pub struct MessageView {
    pub from_user: bool,
    pub content: String,
    pub tools: Vec<ToolView>,
    pub failed: bool,
}

impl MessageView {
    pub fn user(content: &str) -> Self {
        Self {
            from_user: true,
            content: content.to_string(),
            tools: Vec::new(),
            failed: false,
        }
    }

    pub fn reply(reply: &ChatResponse) -> Self {
        Self {
            from_user: false,
            content: reply.response.clone(),
            tools: reply.tool_calls.iter().map(ToolView::from).collect(),
            failed: false,
        }
    }

    pub fn failure(content: impl Into<String>) -> Self {
        Self {
            from_user: false,
            content: content.into(),
            tools: Vec::new(),
            failed: true,
        }
    }
}

impl From<&StoredMessage> for MessageView {
    fn from(m: &StoredMessage) -> Self {
        Self {
            from_user: m.role == Role::User,
            content: m.content.clone(),
            tools: m.tool_calls.iter().map(ToolView::from).collect(),
            failed: false,
        }
    }
}

pub struct ConversationOption {
    pub id: ConversationId,
    pub label: String,
    pub selected: bool,
}

pub struct ChatView {
    pub conversation_id: Option<ConversationId>,
    pub conversations: Vec<ConversationOption>,
    pub messages: Vec<MessageView>,
    pub suggestions: &'static [&'static str],
}

impl ChatView {
    pub const SUGGESTIONS: &'static [&'static str] = &[
        "Add a task to buy groceries",
        "What's pending?",
        "What have I completed?",
    ];

    pub fn new(
        conversation_id: Option<ConversationId>,
        conversations: &[ConversationView],
        messages: &[StoredMessage],
        clock: LocalClock,
    ) -> Self {
        let now = Utc::now();
        let conversations = conversations
            .iter()
            .map(|c| {
                // Conversations have no titles: the number and when it was last active.
                let when = clock.label(c.updated_at, now);
                ConversationOption {
                    id: c.id,
                    label: format!("Chat #{} · {when}", c.id),
                    selected: Some(c.id) == conversation_id,
                }
            })
            .collect();
        Self {
            conversation_id,
            conversations,
            messages: messages.iter().map(MessageView::from).collect(),
            suggestions: Self::SUGGESTIONS,
        }
    }
}
