//! Keeping the LLM planner's replies true: what the reply says was done comes from
//! tool results, worded like the offline planner words them; the model's prose
//! only adds to that, and a sentence of it that claims an action is never shown.
//! Write tools run only on task ids the person said or a tool result produced.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;
use todo_core::{Message, Role, ToolCall};

use crate::clock::TurnClock;
use crate::offline::{Action, Intent, Phrase, Target, describe_time, detect};
use crate::tools::ToolName;

/// Words that tell the person something changed. A sentence of model prose with
/// one of them is a claim, and claims are stated from tool results only.
static CLAIM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(added|adding|created|creating|deleted|deleting|removed|removing|completed|marked|updated|renamed|changed|rescheduled|moved|tagged|reopened|saved|scheduled|set (?:it|the|its|task|priority)|i(?:'ve| have) (?:added|deleted|removed|completed|updated|marked|created|set|changed))\b").expect("claim pattern")
});

static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{1,12}\b").expect("number pattern"));

/// Whether the text claims an action.
pub fn claims_action(text: &str) -> bool {
    CLAIM.is_match(text)
}

/// Sentences of `text` that claim no action, joined again.
pub fn unclaimed_prose(text: &str) -> String {
    let mut kept = Vec::new();
    for sentence in split_sentences(text) {
        if !claims_action(sentence) && !looks_like_tool_markup(sentence) {
            kept.push(sentence.trim());
        }
    }
    kept.join(" ").trim().to_string()
}

/// Sentences of `prose` that `said` does not already contain (a model often echoes the
/// confirmation's closing words, "Nice work!", which would then read twice).
pub fn beyond(prose: &str, said: &str) -> String {
    let said = said.to_lowercase();
    split_sentences(prose)
        .into_iter()
        .map(str::trim)
        .filter(|s| !said.contains(&s.to_lowercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (n, (i, c)) in chars.iter().enumerate() {
        let next_is_space = chars.get(n + 1).is_none_or(|(_, c)| c.is_whitespace());
        if (matches!(c, '.' | '!' | '?') && next_is_space) || *c == '\n' {
            let end = i + c.len_utf8();
            if !text[start..end].trim().is_empty() {
                out.push(&text[start..end]);
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// Tool-call syntax a model wrote as prose (recovery failed or named no offered tool).
fn looks_like_tool_markup(s: &str) -> bool {
    let t = s.trim();
    t.contains("<tool_call>")
        || t.contains("functions.")
        || t.starts_with('{')
        || t.starts_with("```")
        || t.contains("\"arguments\"")
        || t.contains("[tools used")
}

/// ", due tomorrow 17:00, high priority, tagged #work" from a successful call's input.
fn details(call: &ToolCall, clock: &TurnClock) -> String {
    let mut parts = Vec::new();
    if let Some(due) = call.input.get("due_at").and_then(Value::as_str)
        && let Ok(at) = crate::tools::parse_due(due)
    {
        parts.push(format!("due {}", describe_time(at, clock)));
    }
    if let Some(p) = call.input.get("priority").and_then(Value::as_str)
        && p != "medium"
    {
        parts.push(format!("{p} priority"));
    }
    if let Some(tags) = call.input.get("tags").and_then(Value::as_array)
        && !tags.is_empty()
    {
        let tags: Vec<String> = tags
            .iter()
            .filter_map(Value::as_str)
            .map(|t| format!("#{}", t.trim_start_matches('#')))
            .collect();
        parts.push(format!("tagged {}", tags.join(" ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(", {}", parts.join(", "))
    }
}

/// The confirmation of one write from its result, in the offline planner's words;
/// `None` for reads.
pub fn confirm(call: &ToolCall, clock: &TurnClock) -> Option<String> {
    let tool = ToolName::parse(&call.tool)?;
    if tool.is_read_only() {
        return None;
    }
    let out = &call.output;
    if let Some(error) = out.get("error").and_then(Value::as_str) {
        let what = match tool {
            ToolName::AddTask => "add the task".to_string(),
            _ => match call.input.get("task_id").and_then(Value::as_i64) {
                Some(id) => format!("change task {id}"),
                None => "change the task".to_string(),
            },
        };
        return Some(format!("I could not {what}: {error}."));
    }
    let id = out.get("task_id").and_then(Value::as_i64)?;
    let title = out.get("title").and_then(Value::as_str).unwrap_or("");
    Some(match out.get("status").and_then(Value::as_str) {
        Some("created") => format!("Added '{title}' (task {id}){}.", details(call, clock)),
        Some("completed") => format!("Marked '{title}' (task {id}) as complete. Nice work!"),
        Some("deleted") => format!("Deleted '{title}' (task {id})."),
        Some("pending") => format!("Marked '{title}' (task {id}) as not done yet."),
        Some("updated") => format!("Updated task {id}: '{title}'{}.", details(call, clock)),
        _ => format!("Changed task {id} ('{title}')."),
    })
}

/// A listing reply from a read tool's output, for when the model's own words about
/// it were dropped or empty.
pub fn listing(call: &ToolCall) -> Option<String> {
    let tool = ToolName::parse(&call.tool)?;
    if !tool.is_read_only() {
        return None;
    }
    let items = call.output.as_array()?;
    if items.is_empty() {
        return Some("No tasks match.".to_string());
    }
    let lines: Vec<String> = items
        .iter()
        .take(25)
        .filter_map(|t| {
            let id = t.get("id")?.as_i64()?;
            let title = t.get("title")?.as_str()?;
            let done = t.get("completed").and_then(Value::as_bool) == Some(true);
            Some(format!(
                "{id}. {}{title}",
                if done { "[done] " } else { "" }
            ))
        })
        .collect();
    let more = items.len().saturating_sub(lines.len());
    let mut text = format!("Tasks ({}):\n{}", items.len(), lines.join("\n"));
    if more > 0 {
        text.push_str(&format!("\n… and {more} more."));
    }
    Some(text)
}

/// Every task id in a tool output (`task_id`, or `id` of listed tasks).
fn ids_in(v: &Value, into: &mut BTreeSet<i64>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if (k == "task_id" || k == "id")
                    && let Some(id) = x.as_i64()
                {
                    into.insert(id);
                }
                ids_in(x, into);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| ids_in(x, into)),
        _ => {}
    }
}

/// Task ids that the person's words or a tool result in this conversation produced.
#[derive(Debug, Default, Clone)]
pub struct KnownIds {
    ids: BTreeSet<i64>,
}

impl KnownIds {
    pub fn from_conversation(history: &[Message], message: &str) -> Self {
        let mut known = Self::default();
        for m in history {
            match m.role {
                Role::User => known.learn_words(&m.content),
                Role::Assistant => m
                    .tool_calls
                    .iter()
                    .for_each(|c| known.learn_output(&c.output)),
            }
        }
        known.learn_words(message);
        known
    }

    fn learn_words(&mut self, text: &str) {
        for n in NUMBER.find_iter(text) {
            if let Ok(id) = n.as_str().parse() {
                self.ids.insert(id);
            }
        }
    }

    pub fn learn_output(&mut self, output: &Value) {
        ids_in(output, &mut self.ids);
    }

    pub fn contains(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }
}

/// What the offline planner reads the message as, for checking the model.
#[derive(Debug, Clone, PartialEq)]
pub enum OfflineReading {
    /// A change: the first tool a correct plan calls (`list_tasks` first when the
    /// task is named by its words).
    Write {
        first_tool: &'static str,
    },
    Read,
    Other,
}

pub fn offline_reading(message: &str, clock: &TurnClock) -> OfflineReading {
    let act_tool = |action: Action| match action {
        Action::Complete => "complete_task",
        Action::Reopen => "reopen_task",
        Action::Delete => "delete_task",
        Action::Update => "update_task",
    };
    let first = |action: Action, target: &Target| match target {
        Target::Id(_) => act_tool(action),
        _ => "list_tasks",
    };
    match detect(&Phrase::new(message), clock) {
        Intent::Add(req) if req.title.is_some() => OfflineReading::Write {
            first_tool: "add_task",
        },
        Intent::Act(action, target) => OfflineReading::Write {
            first_tool: first(action, &target),
        },
        Intent::Update(target, _) => OfflineReading::Write {
            first_tool: first(Action::Update, &target),
        },
        Intent::List(_) => OfflineReading::Read,
        _ => OfflineReading::Other,
    }
}

/// Notes the planner itself put into replies; never fed back to a model as if the
/// model had said them.
pub const FALLBACK_NOTE: &str =
    "(The AI model is unavailable right now, so the built-in assistant answered.)";
pub const TAKEOVER_NOTE: &str =
    "(The AI model did not carry this out, so the built-in assistant did.)";
pub const PART_WAY_NOTE: &str = "The AI model stopped responding part-way.";

/// An earlier reply as it goes back into a prompt: without the planner's own notes
/// and without old-style tool annotations.
pub fn clean_history_reply(text: &str) -> String {
    let mut t = text.to_string();
    for note in [FALLBACK_NOTE, TAKEOVER_NOTE, PART_WAY_NOTE] {
        t = t.replace(note, "");
    }
    if let Some(at) = t.find("[tools used") {
        t.truncate(at);
    }
    t.trim().to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn prose_already_said_by_the_confirmation_is_not_repeated() {
        let said = "Marked 'Call the dentist' (task 2) as complete. Nice work!";
        assert_eq!(beyond("Nice work! Anything else?", said), "Anything else?");
        assert_eq!(beyond("nice work!", said), "");
        assert_eq!(beyond("Well done.", said), "Well done.");
    }

    #[test]
    fn claims_are_found_and_dropped_from_prose() {
        assert!(claims_action("Added 'Buy milk' (task 1)."));
        assert!(claims_action("I've deleted the dentist task"));
        assert!(!claims_action("You have two pending tasks."));
        assert_eq!(
            unclaimed_prose("Deleted 'Dentist' (task 5). Anything else?"),
            "Anything else?"
        );
        assert_eq!(
            unclaimed_prose("<tool_call>{\"name\":\"x\"}</tool_call>"),
            ""
        );
    }

    #[test]
    fn confirmations_come_from_results() {
        let clock = TurnClock::new(chrono::Utc::now(), crate::UserTz::default());
        let call = ToolCall {
            tool: "add_task".into(),
            input: json!({"title": "Milk"}),
            output: json!({"task_id": 4, "status": "created", "title": "Milk"}),
        };
        assert_eq!(confirm(&call, &clock).unwrap(), "Added 'Milk' (task 4).");
        let failed = ToolCall {
            tool: "delete_task".into(),
            input: json!({"task_id": 9}),
            output: json!({"error": "task 9 not found"}),
        };
        assert_eq!(
            confirm(&failed, &clock).unwrap(),
            "I could not change task 9: task 9 not found."
        );
        let read = ToolCall {
            tool: "list_tasks".into(),
            input: json!({}),
            output: json!([{"id": 1, "title": "A", "completed": true}]),
        };
        assert!(confirm(&read, &clock).is_none());
        assert_eq!(listing(&read).unwrap(), "Tasks (1):\n1. [done] A");
    }

    #[test]
    fn history_notes_are_removed() {
        assert_eq!(
            clean_history_reply(&format!(
                "{FALLBACK_NOTE} Added 'X' (task 1).\n[tools used: add_task(..)]"
            )),
            "Added 'X' (task 1)."
        );
    }
}
