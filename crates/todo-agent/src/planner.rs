//! The seam between the chat flow and whatever decides which tools to run.

use async_trait::async_trait;
use serde_json::Value;
use todo_core::{Message, Role, ToolCall, UserId};

use crate::clock::TurnClock;
use crate::tools::{TaskTools, ToolFailure, ToolName, ToolSuccess};

/// The key under which a recorded write's output keeps what the write replaced,
/// for undo. It is stored with the conversation and never shown to a model.
pub(crate) const UNDO_SNAPSHOT: &str = "before";

/// A recorded tool output as a model may see it again: without the undo
/// snapshot, which holds whole task records the model never asked for.
pub(crate) fn output_for_model(output: &Value) -> Value {
    let mut output = output.clone();
    if let Value::Object(map) = &mut output {
        map.remove(UNDO_SNAPSHOT);
    }
    output
}

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
///
/// It knows the conversation so far, which lets it run `undo` and hold every
/// planner to the confirmation rule: a bulk write with `confirm: true` runs only
/// when the previous reply showed exactly that preview.
pub struct ToolSession<'a> {
    tools: &'a TaskTools,
    user: &'a UserId,
    history: &'a [Message],
    calls: Vec<ToolCall>,
}

impl<'a> ToolSession<'a> {
    pub fn new(tools: &'a TaskTools, user: &'a UserId) -> Self {
        Self {
            tools,
            user,
            history: &[],
            calls: Vec::new(),
        }
    }

    /// The stored conversation this turn continues (oldest first).
    pub fn with_history(mut self, history: &'a [Message]) -> Self {
        self.history = history;
        self
    }

    /// Runs a tool; failures are recorded with `{"error": ...}` as output.
    pub async fn call(&mut self, tool: &str, input: Value) -> Result<ToolSuccess, ToolFailure> {
        let result = self.run(tool, &input).await;
        let output = match &result {
            // The stored record keeps what the write replaced, for undo.
            Ok(ToolSuccess {
                output: Value::Object(map),
                before: Some(before),
                ..
            }) => {
                let mut map = map.clone();
                map.insert(UNDO_SNAPSHOT.into(), before.clone());
                Value::Object(map)
            }
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

    async fn run(&self, tool: &str, input: &Value) -> Result<ToolSuccess, ToolFailure> {
        match ToolName::parse(tool) {
            Some(ToolName::Undo) => {
                let output =
                    crate::undo::undo(self.tools.store().as_ref(), self.user, self.history).await?;
                Ok(ToolSuccess {
                    output,
                    tasks: Vec::new(),
                    before: None,
                })
            }
            Some(name) if name.is_confirmed_write() && confirmed(input) => {
                if !previewed_last_turn(self.history, tool, input) {
                    return Err(ToolFailure::InvalidArguments(format!(
                        "{tool} with confirm: true runs only right after the user agreed to the list \
                         it previewed; call it without confirm first and ask"
                    )));
                }
                self.tools.call(self.user, tool, input.clone()).await
            }
            _ => self.tools.call(self.user, tool, input.clone()).await,
        }
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

fn confirmed(input: &Value) -> bool {
    input.get("confirm").and_then(Value::as_bool) == Some(true)
}

/// The arguments that say what a bulk call touches (everything but `confirm`
/// and the optional `user_id`).
fn subject(input: &Value) -> Value {
    let mut v = input.clone();
    if let Value::Object(map) = &mut v {
        map.remove("confirm");
        map.remove("user_id");
    }
    v
}

/// Whether the latest assistant reply previewed this very call, so the user's
/// "yes" in between answered that question.
pub fn previewed_last_turn(history: &[Message], tool: &str, input: &Value) -> bool {
    let Some(last) = history.iter().rev().find(|m| m.role == Role::Assistant) else {
        return false;
    };
    let wanted = subject(input);
    last.tool_calls.iter().any(|c| {
        c.tool == tool
            && c.output.get("status").and_then(Value::as_str) == Some("needs_confirmation")
            && subject(&c.input) == wanted
    })
}
