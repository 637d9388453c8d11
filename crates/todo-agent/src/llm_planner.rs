//! The LLM planner: an OpenAI-compatible model chooses the tools in a bounded
//! loop. When the provider fails before any tool ran, the offline planner
//! answers instead and the reply says so.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use llm::{ChatMessage, ChatModel, ChatRequest, ToolSpec as LlmToolSpec};
use serde_json::{Value, json};
use todo_core::Role;
use tracing::{instrument, warn};

use crate::OfflinePlanner;
use crate::planner::{PlannedReply, Planner, ToolSession, Turn};
use crate::tools::tool_specs;

/// Bounds of the tool loop.
#[derive(Debug, Clone, Copy)]
pub struct LlmPlannerConfig {
    /// Model round trips per turn; each may run several tools.
    pub max_steps: usize,
    /// Earlier messages put in the prompt.
    pub history_messages: usize,
    /// Whole-turn budget across all round trips and retries.
    pub turn_timeout: Duration,
    /// Longest tool output sent back to the model; listings can be long.
    pub max_tool_output_chars: usize,
    /// Longest earlier message put in the prompt.
    pub max_history_chars: usize,
}

impl Default for LlmPlannerConfig {
    fn default() -> Self {
        Self {
            max_steps: 6,
            history_messages: 12,
            turn_timeout: Duration::from_secs(90),
            max_tool_output_chars: 6000,
            max_history_chars: 2000,
        }
    }
}

/// Plans with a chat-completions model.
pub struct LlmPlanner {
    model: Arc<dyn ChatModel>,
    fallback: OfflinePlanner,
    config: LlmPlannerConfig,
    tools: Vec<LlmToolSpec>,
}

impl LlmPlanner {
    pub fn new(model: Arc<dyn ChatModel>, config: LlmPlannerConfig) -> Self {
        let tools = tool_specs()
            .into_iter()
            .map(|spec| {
                let mut schema = spec.input_schema;
                // The model never chooses the user: tools run as the caller.
                if let Some(Value::Object(props)) = schema.get_mut("properties") {
                    props.remove("user_id");
                }
                LlmToolSpec::function(spec.name, spec.description, Value::Object(schema))
            })
            .collect();
        Self {
            model,
            fallback: OfflinePlanner::new(),
            config,
            tools,
        }
    }

    fn system_prompt(turn: &Turn<'_>) -> String {
        let local = turn.clock.local_now();
        format!(
            "You are the Todo Chatbot's assistant. You manage the user's task list only by calling the provided tools.\n\
             Current local date and time: {} ({}), time zone {}.\n\
             Rules:\n\
             - Turn relative dates (\"tomorrow at 5pm\") into RFC 3339 with the user's offset for due_at.\n\
             - To act on a task named by its words, call list_tasks first and use the id of the match; if several match, ask which one and list them.\n\
             - Never invent task ids.\n\
             - After tools ran, reply in one or two short sentences that confirm exactly what was done, with the task id, e.g. \"Added 'Buy groceries' (task 7), due tomorrow 17:00.\"\n\
             - If a task is not found or a list is empty, say so politely.\n\
             - For anything unrelated to tasks, say briefly what you can do.",
            local.format("%Y-%m-%d %H:%M"),
            local.format("%A"),
            turn.clock.tz.name()
        )
    }

    fn prompt(&self, turn: &Turn<'_>) -> Vec<ChatMessage> {
        let mut messages = vec![ChatMessage::system(Self::system_prompt(turn))];
        let skip = turn
            .history
            .len()
            .saturating_sub(self.config.history_messages);
        for m in &turn.history[skip..] {
            let mut content = clip(&m.content, self.config.max_history_chars);
            match m.role {
                Role::User => messages.push(ChatMessage::user(content)),
                Role::Assistant => {
                    // Earlier tool results, compactly, so ids stay known across turns.
                    if !m.tool_calls.is_empty() {
                        let used: Vec<String> = m
                            .tool_calls
                            .iter()
                            .map(|c| {
                                format!(
                                    "{}({}) -> {}",
                                    c.tool,
                                    c.input,
                                    clip(&c.output.to_string(), 400)
                                )
                            })
                            .collect();
                        content.push_str(&format!("\n[tools used: {}]", used.join("; ")));
                    }
                    messages.push(ChatMessage::assistant(content));
                }
            }
        }
        messages.push(ChatMessage::user(turn.message));
        messages
    }

    async fn run_loop(
        &self,
        turn: &Turn<'_>,
        tools: &mut ToolSession<'_>,
    ) -> Result<String, String> {
        let mut messages = self.prompt(turn);
        for _ in 0..self.config.max_steps {
            let request = ChatRequest::new(self.model.model(), messages.clone())
                .with_tools(self.tools.clone());
            let response = self.model.chat(&request).await.map_err(|e| e.to_string())?;
            let Some(choice) = response.choices.into_iter().next() else {
                return Err("the model returned no choices".into());
            };
            let message = choice.message;
            if message.tool_calls.is_empty() {
                let text = message.content.unwrap_or_default().trim().to_string();
                return Ok(if text.is_empty() {
                    summarize(tools)
                } else {
                    text
                });
            }
            messages.push(ChatMessage::from(message.clone()));
            for call in &message.tool_calls {
                let content = match call.parsed_arguments() {
                    Ok(mut args) => {
                        args.remove("user_id");
                        match tools.call(&call.function.name, Value::Object(args)).await {
                            Ok(ok) => ok.output.to_string(),
                            Err(e) => e.to_output().to_string(),
                        }
                    }
                    Err(e) => json!({"error": e}).to_string(),
                };
                messages.push(ChatMessage::tool_result(
                    &call.id,
                    clip(&content, self.config.max_tool_output_chars),
                ));
            }
        }
        Ok(format!(
            "I stopped after {} steps without finishing. {}",
            self.config.max_steps,
            summarize(tools)
        ))
    }
}

#[async_trait]
impl Planner for LlmPlanner {
    fn name(&self) -> &'static str {
        "llm"
    }

    #[instrument(level = "debug", skip_all, fields(model = self.model.model()))]
    async fn respond(&self, turn: &Turn<'_>, tools: &mut ToolSession<'_>) -> PlannedReply {
        let outcome = match tokio::time::timeout(
            self.config.turn_timeout,
            self.run_loop(turn, tools),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(format!("no answer within {:?}", self.config.turn_timeout)),
        };
        match outcome {
            Ok(response) => PlannedReply { response },
            Err(reason) => {
                warn!(error = %reason, tools_run = tools.calls().len(), "LLM provider failed");
                if tools.calls().is_empty() {
                    let offline = self.fallback.respond(turn, tools).await;
                    PlannedReply {
                        response: format!(
                            "(The AI model is unavailable right now, so the built-in assistant answered.) {}",
                            offline.response
                        ),
                    }
                } else {
                    // Tools already ran: re-planning offline could do them twice.
                    PlannedReply {
                        response: format!(
                            "The AI model stopped responding part-way. {}",
                            summarize(tools)
                        ),
                    }
                }
            }
        }
    }
}

fn summarize(tools: &ToolSession<'_>) -> String {
    if tools.calls().is_empty() {
        return "Nothing was changed.".to_string();
    }
    let done: Vec<String> = tools
        .calls()
        .iter()
        .map(|c| format!("{} -> {}", c.tool, clip(&c.output.to_string(), 200)))
        .collect();
    format!("What I did: {}.", done.join("; "))
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}
