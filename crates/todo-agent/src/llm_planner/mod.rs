//! The LLM planner: an OpenAI-compatible model chooses the tools, in the `llm`
//! crate's bounded tool loop. Its replies are grounded: every action a reply states
//! comes from a tool result (see [`grounding`]). When the provider fails before any
//! tool ran, the offline planner answers instead and the reply says so; when the
//! model claims a change it never made, the offline planner carries it out and the
//! reply says that too. A write of a kind the message does not ask for is refused
//! to the model (see [`asked`]).

mod asked;
mod grounding;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use llm::{
    AnswerVerdict, ChatMessage, ChatModel, ExecutedCall, LoopEnd, LoopSettings, ToolCallRequest,
    ToolChoice, ToolRunner, ToolSpec as LlmToolSpec, run_tool_loop,
};
use serde_json::{Map, Value, json};
use todo_core::Role;
use tracing::{info, instrument, warn};

use crate::OfflinePlanner;
use crate::clock::TurnClock;
use crate::planner::{PlannedReply, Planner, ToolSession, Turn, output_for_model};
use crate::tools::{ToolName, tool_specs};
use asked::AskedChange;
use grounding::{
    FALLBACK_NOTE, KnownIds, OfflineReading, PART_WAY_NOTE, TAKEOVER_NOTE, beyond, claims_action,
    clean_history_reply, confirm, listing, offline_reading, unclaimed_prose,
};

/// Bounds of the tool loop.
#[derive(Debug, Clone, Copy)]
pub struct LlmPlannerConfig {
    /// Model round trips per turn; each may run several tools.
    pub max_steps: usize,
    /// Earlier messages put in the prompt.
    pub history_messages: usize,
    /// Whole-turn budget across all round trips and retries; `None` takes the
    /// model's (`LLM_TURN_TIMEOUT_SECS`).
    pub turn_timeout: Option<Duration>,
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
            turn_timeout: None,
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

/// Runs the model's calls through the turn's tool session, refusing writes of a
/// kind the message does not ask for and writes on ids nobody produced, and
/// reviews the model's final words.
struct SessionRunner<'s, 'a> {
    session: &'s mut ToolSession<'a>,
    known: KnownIds,
    reading: OfflineReading,
    asked: AskedChange,
}

impl ToolRunner for SessionRunner<'_, '_> {
    async fn run(&mut self, name: &str, mut arguments: Map<String, Value>) -> String {
        // The model never chooses the user: tools run as the caller.
        arguments.remove("user_id");
        let tool = ToolName::parse(name);
        if let Some(refusal) = tool.and_then(|t| self.asked.refusal(t)) {
            warn!(
                tool = name,
                asked = ?self.asked,
                "write of a kind the message does not ask for; refused"
            );
            return json!({"error": refusal}).to_string();
        }
        let is_write = tool.is_some_and(|t| !t.is_read_only());
        if is_write
            && let Some(id) = arguments.get("task_id").and_then(task_id_of)
            && !self.known.contains(id)
        {
            warn!(
                tool = name,
                task_id = id,
                "write on an id nobody produced; refused"
            );
            return json!({"error": format!(
                "task id {id} was not given by the user nor returned by a tool in this conversation; call list_tasks or search_tasks first and use an id from its result"
            )})
            .to_string();
        }
        let output = match self.session.call(name, Value::Object(arguments)).await {
            Ok(ok) => ok.output,
            Err(e) => e.to_output(),
        };
        self.known.learn_output(&output);
        output.to_string()
    }

    fn review_answer(&mut self, answer: &str, executed: &[ExecutedCall]) -> AnswerVerdict {
        let wrote = self
            .session
            .calls()
            .iter()
            .any(|c| ToolName::parse(&c.tool).is_some_and(|t| !t.is_read_only()));
        if wrote {
            return AnswerVerdict::Accept;
        }
        match &self.reading {
            OfflineReading::Write { first_tool } if executed.is_empty() || claims_action(answer) => {
                AnswerVerdict::Reask {
                    note: format!(
                        "No tool was called, so nothing has changed yet. Do what I asked by calling the {first_tool} tool now."
                    ),
                    tool_choice: Some(ToolChoice::Function(first_tool.to_string())),
                }
            }
            _ if claims_action(answer) && executed.is_empty() => AnswerVerdict::Reask {
                note: "No tool was called, so nothing has changed. If I asked for a change, call the tool for it; otherwise answer without claiming a change."
                    .to_string(),
                tool_choice: None,
            },
            _ => AnswerVerdict::Accept,
        }
    }
}

/// A task id argument as a number, also when a model sent it as a string.
fn task_id_of(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_str()
            .and_then(|s| s.trim().trim_start_matches('#').parse().ok())
    })
}

impl LlmPlanner {
    pub fn new(model: Arc<dyn ChatModel>, config: LlmPlannerConfig) -> Self {
        let tools = tool_specs()
            .into_iter()
            .map(|spec| {
                let mut schema = spec.input_schema;
                if let Some(Value::Object(props)) = schema.get_mut("properties") {
                    props.remove("user_id");
                }
                if let Some(Value::Array(required)) = schema.get_mut("required") {
                    required.retain(|r| r != "user_id");
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

    /// No example reply in here: small models copy one as their answer.
    ///
    /// It changes once a day: local servers (llama.cpp, llama-cpp-python) reuse the computed
    /// prefix of the previous prompt, and the tools follow the system text in their chat
    /// templates, so a clock to the minute here made them re-read all ~3,600 tokens of
    /// prompt every turn. The time of day goes with the new message ([`Self::with_time`]).
    fn system_prompt(turn: &Turn<'_>) -> String {
        let local = turn.clock.local_now();
        format!(
            "You manage the user's to-do list by calling the provided tools. Today is {} ({}), time zone {}; the user's newest message starts with the current local time.\n\
             Rules:\n\
             - Every change (add, complete, reopen, delete, update, set priority) happens only by calling its tool. Never say a change was made unless its tool returned success in this conversation.\n\
             - Task ids come only from the user's words or from tool results. To act on a task named by its words, call list_tasks or search_tasks first and use the id from the result; if several match, ask which one.\n\
             - Due dates: turn relative dates (\"tomorrow at 5pm\") into RFC 3339 with the user's offset.\n\
             - After the tools ran, answer briefly from their results. For anything unrelated to tasks, say what you can do.",
            local.format("%Y-%m-%d"),
            local.format("%A"),
            turn.clock.tz.name()
        )
    }

    /// The new message as the model reads it: the local time first, on a line of its own.
    /// Only the newest message carries it, so the history replays byte for byte and the
    /// server's cached prefix reaches up to this message.
    fn with_time(turn: &Turn<'_>) -> String {
        format!(
            "[local time {}]\n{}",
            turn.clock.local_now().format("%H:%M"),
            turn.message
        )
    }

    /// The prompt: earlier tool use goes back as real `tool_calls`/`tool` messages,
    /// replies without the planner's own notes.
    fn prompt(&self, turn: &Turn<'_>) -> Vec<ChatMessage> {
        let mut messages = vec![ChatMessage::system(Self::system_prompt(turn))];
        let skip = turn
            .history
            .len()
            .saturating_sub(self.config.history_messages);
        for (n, m) in turn.history[skip..].iter().enumerate() {
            match m.role {
                Role::User => messages.push(ChatMessage::user(clip(
                    &m.content,
                    self.config.max_history_chars,
                ))),
                Role::Assistant => {
                    if !m.tool_calls.is_empty() {
                        let calls: Vec<ToolCallRequest> = m
                            .tool_calls
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                ToolCallRequest::new(format!("h{n}_{i}"), &c.tool, &c.input)
                            })
                            .collect();
                        messages.push(ChatMessage::Assistant {
                            content: String::new(),
                            tool_calls: calls,
                        });
                        for (i, c) in m.tool_calls.iter().enumerate() {
                            messages.push(ChatMessage::tool_result(
                                format!("h{n}_{i}"),
                                clip(&output_for_model(&c.output).to_string(), 800),
                            ));
                        }
                    }
                    let text = clean_history_reply(&m.content);
                    if !text.is_empty() {
                        messages.push(ChatMessage::assistant(clip(
                            &text,
                            self.config.max_history_chars,
                        )));
                    }
                }
            }
        }
        messages.push(ChatMessage::user(Self::with_time(turn)));
        messages
    }

    fn loop_settings(&self) -> LoopSettings {
        LoopSettings {
            max_steps: self.config.max_steps,
            max_tool_output_chars: self.config.max_tool_output_chars,
            ..LoopSettings::default()
        }
    }
}

/// The reply from what ran: confirmations of writes from their results, then the
/// model's words without any claim, or a listing when those are empty.
fn grounded_reply(tools: &ToolSession<'_>, model_words: &str, clock: &TurnClock) -> String {
    let confirmations: Vec<String> = tools
        .calls()
        .iter()
        .filter_map(|c| confirm(c, clock))
        .collect();
    let prose = beyond(&unclaimed_prose(model_words), &confirmations.join(" "));
    let mut parts = confirmations;
    if !prose.is_empty() {
        parts.push(prose);
    } else if parts.is_empty()
        && let Some(list) = tools.calls().iter().rev().find_map(listing)
    {
        parts.push(list);
    }
    parts.join(" ")
}

#[async_trait]
impl Planner for LlmPlanner {
    fn name(&self) -> &'static str {
        "llm"
    }

    #[instrument(level = "debug", skip_all, fields(model = self.model.model()))]
    async fn respond(&self, turn: &Turn<'_>, tools: &mut ToolSession<'_>) -> PlannedReply {
        let budget = self
            .config
            .turn_timeout
            .unwrap_or_else(|| self.model.turn_timeout());
        let reading = offline_reading(turn.message, &turn.clock);
        let mut runner = SessionRunner {
            session: tools,
            known: KnownIds::from_conversation(turn.history, turn.message),
            reading: reading.clone(),
            asked: AskedChange::of_message(turn.message, &turn.clock),
        };
        let settings = self.loop_settings();
        let looped = tokio::time::timeout(
            budget,
            run_tool_loop(
                self.model.as_ref(),
                self.prompt(turn),
                &self.tools,
                &settings,
                &mut runner,
            ),
        )
        .await;
        let mut stopped = None;
        let (answer, from_model, failure, steps) = match looped {
            Ok(report) => match report.end {
                LoopEnd::Answered => (report.answer, report.answer_from_model, None, report.steps),
                LoopEnd::StepLimit => {
                    stopped = Some(report.steps);
                    (String::new(), false, None, report.steps)
                }
                LoopEnd::Failed(e) => (String::new(), false, Some(e.to_string()), report.steps),
            },
            Err(_) => (
                String::new(),
                false,
                Some(format!(
                    "no answer within {budget:?} (LLM_TURN_TIMEOUT_SECS)"
                )),
                0,
            ),
        };
        let model_words = if from_model { answer.as_str() } else { "" };
        let ran = !tools.calls().is_empty();
        if let Some(reason) = failure {
            warn!(error = %reason, tools_run = tools.calls().len(), "LLM provider failed");
            if !ran {
                let offline = self.fallback.respond(turn, tools).await;
                return PlannedReply {
                    response: format!("{FALLBACK_NOTE} {}", offline.response),
                };
            }
            // Tools already ran: re-planning offline could do them twice.
            return PlannedReply {
                response: format!(
                    "{PART_WAY_NOTE} {}",
                    grounded_or_nothing(tools, "", &turn.clock)
                ),
            };
        }
        let wrote = tools
            .calls()
            .iter()
            .any(|c| ToolName::parse(&c.tool).is_some_and(|t| !t.is_read_only()));
        if !wrote && matches!(reading, OfflineReading::Write { .. }) {
            // The model made no change the message asks for (reads, if any, changed
            // nothing): the offline plan carries it out.
            info!(
                steps,
                "the model ran no tool for a write; the offline planner does it"
            );
            let offline = self.fallback.respond(turn, tools).await;
            return PlannedReply {
                response: format!("{TAKEOVER_NOTE} {}", offline.response),
            };
        }
        let reply = grounded_reply(tools, model_words, &turn.clock);
        if let Some(n) = stopped {
            return PlannedReply {
                response: format!(
                    "I stopped after {n} steps without finishing. {}",
                    grounded_or_nothing(tools, "", &turn.clock)
                ),
            };
        }
        let response = if reply.is_empty() {
            if claims_action(model_words) || !ran {
                "I could not work out what to do, so nothing was changed. Try e.g. \"add buy milk\", \"show my tasks\" or \"complete task 2\".".to_string()
            } else {
                grounded_or_nothing(tools, "", &turn.clock)
            }
        } else {
            reply
        };
        PlannedReply { response }
    }
}

fn grounded_or_nothing(tools: &ToolSession<'_>, words: &str, clock: &TurnClock) -> String {
    let reply = grounded_reply(tools, words, clock);
    if reply.is_empty() {
        "Nothing was changed.".to_string()
    } else {
        reply
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserTz;
    use chrono::{TimeZone, Utc};
    use todo_core::UserId;

    fn turn_at<'a>(user: &'a UserId, message: &'a str, h: u32, m: u32) -> Turn<'a> {
        Turn {
            user,
            message,
            history: &[],
            clock: TurnClock::new(
                Utc.with_ymd_and_hms(2026, 3, 4, h, m, 0).unwrap(),
                UserTz::default(),
            ),
        }
    }

    #[test]
    fn the_system_prompt_is_the_same_all_day_so_servers_reuse_their_prefix() {
        let user = UserId::random();
        let morning = turn_at(&user, "add milk", 8, 1);
        let evening = turn_at(&user, "add milk", 21, 47);
        assert_eq!(
            LlmPlanner::system_prompt(&morning),
            LlmPlanner::system_prompt(&evening)
        );
        assert!(LlmPlanner::system_prompt(&morning).contains("2026-03-04 (Wednesday)"));
        // The time of day still reaches the model, with the new message.
        assert_eq!(
            LlmPlanner::with_time(&evening),
            "[local time 21:47]\nadd milk"
        );
    }
}
