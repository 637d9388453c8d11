//! The stateless chat flow of DESIGN.md: load the history, store the user's
//! message, run the planner, store the reply, return. Nothing lives in memory
//! between turns, so a restarted server resumes any conversation.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use todo_core::{ChatText, ConversationId, NewMessage, Role, Store, ToolCall, UserId};
use tracing::{info, instrument};

use crate::clock::{TurnClock, UserTz};
use crate::planner::{Planner, ToolSession, Turn};
use crate::tools::TaskTools;
use crate::{OfflinePlanner, Result};

/// Settings of the chat flow.
#[derive(Debug, Clone, Copy)]
pub struct AgentConfig {
    /// How many earlier messages a planner sees.
    pub history_limit: u32,
    /// Time zone for turns that do not name one.
    pub default_tz: UserTz,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            history_limit: 20,
            default_tz: UserTz::default(),
        }
    }
}

/// Per-turn options: the clock (tests pin it) and the user's time zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct TurnOptions {
    pub now: Option<DateTime<Utc>>,
    pub tz: Option<UserTz>,
}

/// The answer to one chat message, as the chat endpoint returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatReply {
    pub conversation_id: ConversationId,
    pub response: String,
    pub tool_calls: Vec<ToolCall>,
}

/// The chat agent over a store and a planner.
#[derive(Clone)]
pub struct Agent {
    store: Arc<dyn Store>,
    tools: TaskTools,
    planner: Arc<dyn Planner>,
    config: AgentConfig,
}

impl Agent {
    pub fn new(store: Arc<dyn Store>, planner: Arc<dyn Planner>, config: AgentConfig) -> Self {
        Self {
            tools: TaskTools::new(store.clone()),
            store,
            planner,
            config,
        }
    }

    /// An agent with the offline planner and default settings.
    pub fn offline(store: Arc<dyn Store>) -> Self {
        Self::new(
            store,
            Arc::new(OfflinePlanner::new()),
            AgentConfig::default(),
        )
    }

    pub fn tools(&self) -> &TaskTools {
        &self.tools
    }

    pub fn planner_name(&self) -> &'static str {
        self.planner.name()
    }

    /// Answers `message` in `conversation_id` (a new conversation when `None`).
    /// Another user's conversation id is `ConversationNotFound`.
    pub async fn chat(
        &self,
        user: &UserId,
        conversation_id: Option<ConversationId>,
        message: ChatText,
    ) -> Result<ChatReply> {
        self.chat_with(user, conversation_id, message, TurnOptions::default())
            .await
    }

    #[instrument(skip(self, message, options), fields(user = %user, planner = self.planner.name()))]
    pub async fn chat_with(
        &self,
        user: &UserId,
        conversation_id: Option<ConversationId>,
        message: ChatText,
        options: TurnOptions,
    ) -> Result<ChatReply> {
        let (conversation, history) = match conversation_id {
            // `messages` answers NotFound for a conversation that is missing or
            // someone else's, so it doubles as the ownership check.
            Some(id) => (
                id,
                self.store
                    .messages(user, id, self.config.history_limit)
                    .await?,
            ),
            None => (self.store.create_conversation(user).await?.id, Vec::new()),
        };
        // Stored before the planner runs, so a crash mid-turn still leaves the
        // user's words in the conversation.
        self.store
            .append_message(
                user,
                conversation,
                NewMessage {
                    role: Role::User,
                    content: message.as_str().to_string(),
                    tool_calls: Vec::new(),
                },
            )
            .await?;

        let clock = TurnClock::new(
            options.now.unwrap_or_else(Utc::now),
            options.tz.unwrap_or(self.config.default_tz),
        );
        let turn = Turn {
            user,
            message: message.as_str(),
            history: &history,
            clock,
        };
        let mut session = ToolSession::new(&self.tools, user).with_history(&history);
        let planned = self.planner.respond(&turn, &mut session).await;
        let tool_calls = session.into_calls();

        self.store
            .append_message(
                user,
                conversation,
                NewMessage {
                    role: Role::Assistant,
                    content: planned.response.clone(),
                    tool_calls: tool_calls.clone(),
                },
            )
            .await?;
        info!(conversation = %conversation, tools = tool_calls.len(), "chat turn answered");
        Ok(ChatReply {
            conversation_id: conversation,
            response: planned.response,
            tool_calls,
        })
    }
}
