//! The one bounded tool loop both planners run: ask the model, run the tools it
//! calls, feed the results back, until it answers in words or a bound is hit.
//!
//! Small local models rarely use the `tool_calls` field reliably, so the loop also
//! recovers calls written into `content` (bare or fenced JSON, `<tool_call>` blocks,
//! `{{…}}`, `functions.NAME:`), for offered tool names only and a capped number per
//! message. A call of a tool that was not offered (a model may name any tool it
//! saw in training or in the history) is never run: the runner words a refusal the
//! model reads, so it can correct itself. A call identical to one already made in
//! the turn is not run again. The
//! caller reviews the final answer and may have the model asked again (e.g. with a
//! named `tool_choice`) when the words claim something no tool did.

use std::future::Future;

use serde_json::{Map, Value, json};
use tracing::{debug, warn};

use crate::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, LlmError, ToolCallRequest, ToolChoice,
    ToolSpec,
};

mod recovery;

pub use recovery::recover_tool_calls;

/// Bounds of one loop run.
#[derive(Debug, Clone)]
pub struct LoopSettings {
    /// Model round trips, re-asks included.
    pub max_steps: usize,
    /// Tool calls recovered from one message's text.
    pub max_recovered_calls: usize,
    /// Times the caller's review may have the model asked again.
    pub max_reasks: usize,
    /// Longest tool output sent back to the model.
    pub max_tool_output_chars: usize,
}

impl Default for LoopSettings {
    fn default() -> Self {
        Self {
            max_steps: 6,
            max_recovered_calls: 4,
            max_reasks: 1,
            max_tool_output_chars: 6000,
        }
    }
}

/// A tool call the loop handled.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutedCall {
    pub name: String,
    pub arguments: Value,
    /// What went back to the model (before clipping).
    pub output: String,
    /// Recovered from the message text rather than `tool_calls`.
    pub recovered: bool,
    /// Identical to an earlier call of the turn: not run again, answered from that one.
    pub duplicate: bool,
    /// The tool was not offered in this request: not run, refused to the model.
    pub not_offered: bool,
}

/// What the caller makes of a final answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerVerdict {
    Accept,
    /// Ask again: `note` goes to the model as a user message, with this tool choice.
    Reask {
        note: String,
        tool_choice: Option<ToolChoice>,
    },
}

/// How the loop ended.
#[derive(Debug)]
pub enum LoopEnd {
    /// The model answered in words (possibly empty: then `answer` is a summary).
    Answered,
    /// `max_steps` round trips without a final answer.
    StepLimit,
    /// The provider failed; `executed` says what had already run.
    Failed(LlmError),
}

/// The result of a loop run.
#[derive(Debug)]
pub struct LoopReport {
    /// The final words: the model's, or a summary of what ran when it said nothing.
    pub answer: String,
    /// Whether `answer` came from the model (false: summarised or empty).
    pub answer_from_model: bool,
    pub executed: Vec<ExecutedCall>,
    pub end: LoopEnd,
    pub steps: usize,
    /// `finish_reason` of the last response (`length` means cut by `max_tokens`).
    pub finish_reason: Option<String>,
}

/// Runs the tools the model calls. Implemented by each planner.
pub trait ToolRunner {
    /// Runs one call; the text returned goes back to the model as the tool result
    /// (errors included, as text the model can read).
    fn run(&mut self, name: &str, arguments: Map<String, Value>) -> impl Future<Output = String>;

    /// The tool result for a call of a tool that was not offered; the call is never
    /// run. `offered` lists the names that were.
    fn refuse_not_offered(
        &mut self,
        name: &str,
        _arguments: &Map<String, Value>,
        offered: &[&str],
    ) -> String {
        json!({"error": format!(
            "refused: the tool {name} was not offered for this request, so it was not run; use one of the offered tools ({}) or answer in words",
            offered.join(", ")
        )})
        .to_string()
    }

    /// Reviews a final answer (no tool calls) given what ran so far.
    fn review_answer(&mut self, _answer: &str, _executed: &[ExecutedCall]) -> AnswerVerdict {
        AnswerVerdict::Accept
    }

    /// Sees every request and its response (tracing).
    fn observe(&mut self, _request: &ChatRequest, _response: Option<&ChatResponse>) {}

    /// Words for an empty final answer.
    fn summarize(&self, executed: &[ExecutedCall]) -> String {
        summarize_calls(executed)
    }
}

/// "Ran: list_tasks → [...]; add_task → {...}." or "Nothing was run."
pub fn summarize_calls(executed: &[ExecutedCall]) -> String {
    let ran: Vec<String> = executed
        .iter()
        .filter(|c| !c.duplicate && !c.not_offered)
        .map(|c| format!("{} → {}", c.name, clip(&c.output, 200)))
        .collect();
    if ran.is_empty() {
        "Nothing was run.".to_string()
    } else {
        format!("Ran: {}.", ran.join("; "))
    }
}

/// Runs the loop from `messages` (system prompt, history, the new request).
pub async fn run_tool_loop<R: ToolRunner>(
    model: &dyn ChatModel,
    mut messages: Vec<ChatMessage>,
    tools: &[ToolSpec],
    settings: &LoopSettings,
    runner: &mut R,
) -> LoopReport {
    let offered: Vec<&str> = tools.iter().map(|t| t.function.name.as_str()).collect();
    let mut report = LoopReport {
        answer: String::new(),
        answer_from_model: false,
        executed: Vec::new(),
        end: LoopEnd::StepLimit,
        steps: 0,
        finish_reason: None,
    };
    // (tool, canonical arguments) of every call run in this turn, with its output.
    let mut seen: Vec<((String, String), String)> = Vec::new();
    let mut next_choice: Option<ToolChoice> = None;
    let mut reasks = 0;
    for step in 0..settings.max_steps {
        report.steps = step + 1;
        let mut request =
            ChatRequest::new(model.model(), messages.clone()).with_tools(tools.to_vec());
        request.tool_choice = next_choice.take();
        let response = match model.chat(&request).await {
            Ok(r) => r,
            Err(e) => {
                runner.observe(&request, None);
                report.end = LoopEnd::Failed(e);
                return report;
            }
        };
        runner.observe(&request, Some(&response));
        let Some(choice) = response.choices.into_iter().next() else {
            report.end = LoopEnd::Failed(LlmError::Decode("the response has no choices".into()));
            return report;
        };
        report.finish_reason = choice.finish_reason.clone();
        let content = choice.message.content.unwrap_or_default();
        let mut calls = choice.message.tool_calls;
        let mut recovered = false;
        if calls.is_empty() {
            calls = recover_tool_calls(&content, &offered, settings.max_recovered_calls)
                .into_iter()
                .enumerate()
                .map(|(i, (name, args))| {
                    ToolCallRequest::new(format!("call_r{step}_{i}"), name, &Value::Object(args))
                })
                .collect();
            recovered = !calls.is_empty();
            if recovered {
                debug!(
                    calls = calls.len(),
                    "tool calls recovered from the message text"
                );
            }
        }
        if calls.is_empty() {
            let answer = content.trim().to_string();
            if reasks < settings.max_reasks
                && step + 1 < settings.max_steps
                && let AnswerVerdict::Reask { note, tool_choice } =
                    runner.review_answer(&answer, &report.executed)
            {
                reasks += 1;
                debug!(?tool_choice, "answer refused by review; asking again");
                if !answer.is_empty() {
                    messages.push(ChatMessage::assistant(answer));
                }
                messages.push(ChatMessage::user(note));
                next_choice = tool_choice;
                continue;
            }
            report.answer_from_model = !answer.is_empty();
            report.answer = if answer.is_empty() {
                runner.summarize(&report.executed)
            } else {
                answer
            };
            report.end = LoopEnd::Answered;
            return report;
        }
        // Recovered calls go back as real tool calls, so the model sees a clean transcript.
        messages.push(ChatMessage::Assistant {
            content: if recovered { String::new() } else { content },
            tool_calls: calls.clone(),
        });
        for call in &calls {
            let name = call.function.name.clone();
            let not_offered = !offered.contains(&name.as_str());
            let (arguments, output, duplicate) = match call.parsed_arguments() {
                Err(e) => (
                    Value::String(call.function.arguments.clone()),
                    json!({"error": e}).to_string(),
                    false,
                ),
                Ok(args) if not_offered => {
                    warn!(tool = %name, "the model called a tool that was not offered; refused");
                    let refusal = runner.refuse_not_offered(&name, &args, &offered);
                    (Value::Object(args), refusal, false)
                }
                Ok(args) => {
                    let key = (name.clone(), canonical(&Value::Object(args.clone())));
                    if let Some((_, prior)) = seen.iter().find(|(k, _)| *k == key) {
                        let prior = prior.clone();
                        warn!(tool = %name, "identical tool call repeated in one turn; not run again");
                        (
                            Value::Object(args),
                            json!({"note": "this exact call already ran in this turn; its result is repeated here, do not call it again", "result": prior}).to_string(),
                            true,
                        )
                    } else {
                        let out = runner.run(&name, args.clone()).await;
                        seen.push((key, out.clone()));
                        (Value::Object(args), out, false)
                    }
                }
            };
            messages.push(ChatMessage::tool_result(
                call.id.clone(),
                clip(&output, settings.max_tool_output_chars),
            ));
            report.executed.push(ExecutedCall {
                name,
                arguments,
                output,
                recovered,
                duplicate,
                not_offered,
            });
        }
        // A turn of nothing but repeats has nowhere to go: stop asking.
        if calls.len()
            == report
                .executed
                .iter()
                .rev()
                .take(calls.len())
                .filter(|c| c.duplicate)
                .count()
        {
            report.answer = runner.summarize(&report.executed);
            report.end = LoopEnd::Answered;
            return report;
        }
    }
    report.end = LoopEnd::StepLimit;
    report
}

/// JSON with object keys sorted, so equal arguments compare equal.
fn canonical(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let mut pairs = Vec::new();
    if let Value::Object(m) = sorted(v) {
        let mut keys: Vec<_> = m.iter().collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in keys {
            pairs.push(format!("{k}={v}"));
        }
        pairs.join("&")
    } else {
        sorted(v).to_string()
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}… [cut at {max} characters]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model that answers from a script, recording what it was sent.
    struct ScriptedModel {
        replies: std::sync::Mutex<Vec<ChatResponse>>,
        seen: std::sync::Mutex<Vec<ChatRequest>>,
    }

    #[async_trait::async_trait]
    impl ChatModel for ScriptedModel {
        fn model(&self) -> &str {
            "scripted"
        }
        async fn chat(&self, request: &ChatRequest) -> crate::Result<ChatResponse> {
            self.seen.lock().unwrap().push(request.clone());
            let mut replies = self.replies.lock().unwrap();
            if replies.is_empty() {
                return Err(LlmError::Decode("script exhausted".into()));
            }
            Ok(replies.remove(0))
        }
    }

    fn reply(calls: Vec<ToolCallRequest>, content: &str) -> ChatResponse {
        serde_json::from_value(json!({
            "choices": [{"message": {"content": content, "tool_calls": calls}}]
        }))
        .unwrap()
    }

    /// Records the calls it ran.
    #[derive(Default)]
    struct Recorder {
        ran: Vec<String>,
    }

    impl ToolRunner for Recorder {
        async fn run(&mut self, name: &str, _arguments: Map<String, Value>) -> String {
            self.ran.push(name.to_string());
            "ok".to_string()
        }
    }

    #[tokio::test]
    async fn a_tool_that_was_not_offered_is_refused_to_the_model_and_never_run() {
        let model = ScriptedModel {
            replies: std::sync::Mutex::new(vec![
                reply(
                    vec![
                        ToolCallRequest::new("c1", "drop_database", &json!({})),
                        ToolCallRequest::new("c2", "list_tasks", &json!({})),
                    ],
                    "",
                ),
                reply(vec![], "Here is your list."),
            ]),
            seen: std::sync::Mutex::new(Vec::new()),
        };
        let tools = vec![ToolSpec::function(
            "list_tasks",
            "List tasks",
            json!({"type": "object", "properties": {}}),
        )];
        let mut runner = Recorder::default();
        let report = run_tool_loop(
            &model,
            vec![ChatMessage::user("show my tasks")],
            &tools,
            &LoopSettings::default(),
            &mut runner,
        )
        .await;
        assert!(matches!(report.end, LoopEnd::Answered), "{:?}", report.end);
        assert_eq!(runner.ran, ["list_tasks"], "the unoffered tool never ran");
        assert!(report.executed[0].not_offered && !report.executed[1].not_offered);
        // The refusal went back to the model as that call's tool result, naming what it may use.
        let second = &model.seen.lock().unwrap()[1];
        let results: Vec<String> = serde_json::to_value(&second.messages)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "tool")
            .map(|m| m["content"].as_str().unwrap().to_string())
            .collect();
        assert!(
            results[0].contains("drop_database was not offered")
                && results[0].contains("list_tasks")
                && results[1] == "ok",
            "{results:?}"
        );
        assert!(!summarize_calls(&report.executed).contains("drop_database"));
    }

    #[test]
    fn canonical_ignores_key_order() {
        assert_eq!(
            canonical(&json!({"a": 1, "b": {"y": 1, "x": 2}})),
            canonical(&json!({"b": {"x": 2, "y": 1}, "a": 1}))
        );
    }
}
