//! The seam between the chat flow and whatever decides which tools to run.

use async_trait::async_trait;
use serde_json::Value;
use todo_core::{Message, ToolCall, UserId};

use crate::clock::TurnClock;
use crate::tools::{TaskTools, ToolFailure, ToolSuccess};

/// One chat turn as a planner sees it.
#[derive(Debug, Clone, Copy)]
pub struct Turn<'a> {
    pub user: &'a UserId,
    /// The new message, already validated.
    pub message: &'a str,
    /// Earlier messages of the conversation, oldest first (bounded).
    pub history: &'a [Message],
    pub clock: TurnClock,
}

/// What a planner answers.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedReply {
    pub response: String,
}

/// Runs tools as the turn's user and records each call as `{tool, input, output}`.
pub struct ToolSession<'a> {
    tools: &'a TaskTools,
    user: &'a UserId,
    calls: Vec<ToolCall>,
}

impl<'a> ToolSession<'a> {
    pub fn new(tools: &'a TaskTools, user: &'a UserId) -> Self {
        Self {
            tools,
            user,
            calls: Vec::new(),
        }
    }

    /// Runs a tool; failures are recorded with `{"error": ...}` as output.
    pub async fn call(&mut self, tool: &str, input: Value) -> Result<ToolSuccess, ToolFailure> {
        let result = self.tools.call(self.user, tool, input.clone()).await;
        let output = match &result {
            Ok(ok) => ok.output.clone(),
            Err(e) => e.to_output(),
        };
        self.calls.push(ToolCall {
            tool: tool.to_string(),
            input,
            output,
        });
        result
    }

    pub fn calls(&self) -> &[ToolCall] {
        &self.calls
    }

    pub fn into_calls(self) -> Vec<ToolCall> {
        self.calls
    }
}

/// Decides how to answer a turn, running tools through the session.
#[async_trait]
pub trait Planner: Send + Sync {
    /// A short name for logs ("offline", "llm").
    fn name(&self) -> &'static str;
    async fn respond(&self, turn: &Turn<'_>, tools: &mut ToolSession<'_>) -> PlannedReply;
}
