//! What earlier turns of the stored conversation mean for this one: the last
//! listing shown (for "the second one"), a pending "which one?" question, and
//! the task acted on last (for "it").
//!
//! Nothing is kept in memory: the state is re-derived from the stored messages
//! and their tool calls, so a restarted server (or another replica) resumes a
//! conversation exactly where it was.

use serde::Deserialize;
use serde_json::Value;
use todo_core::{Message, Role};

use super::entities::{Target, title_matches};
use super::intent::{Action, Intent, detect};
use super::text::Phrase;
use crate::clock::TurnClock;

/// A task as a listing tool reported it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Listed {
    pub id: i64,
    pub title: String,
    #[serde(default)]
    pub completed: bool,
}

/// A question the previous reply asked: which of these did you mean?
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// The request that was ambiguous (an `Act` or `Update`).
    pub intent: Intent,
    pub candidates: Vec<Listed>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    pub listing: Vec<Listed>,
    pub pending: Option<Pending>,
    pub last_task: Option<i64>,
}

/// How far back "the second one" may reach.
const LOOKBACK: usize = 6;

const LISTING_TOOLS: [&str; 2] = ["list_tasks", "search_tasks"];

impl Context {
    pub fn from_history(history: &[Message], clock: &TurnClock) -> Self {
        let mut ctx = Context::default();
        let assistant_turns = history
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, m)| m.role == Role::Assistant)
            .take(LOOKBACK);
        for (n, (index, message)) in assistant_turns.enumerate() {
            let mutating = message
                .tool_calls
                .iter()
                .any(|c| !LISTING_TOOLS.contains(&c.tool.as_str()));
            if ctx.last_task.is_none() {
                ctx.last_task = message
                    .tool_calls
                    .iter()
                    .rev()
                    .filter(|c| !LISTING_TOOLS.contains(&c.tool.as_str()))
                    .find_map(|c| c.output.get("task_id").and_then(Value::as_i64));
            }
            if mutating || !ctx.listing.is_empty() {
                continue;
            }
            let Some(listed) = message
                .tool_calls
                .iter()
                .rev()
                .find(|c| LISTING_TOOLS.contains(&c.tool.as_str()))
            else {
                continue;
            };
            let items: Vec<Listed> =
                serde_json::from_value(listed.output.clone()).unwrap_or_default();
            let request = index
                .checked_sub(1)
                .map(|i| &history[i])
                .filter(|m| m.role == Role::User);
            let intent = request.map(|m| detect(&Phrase::new(&m.content), clock));
            match intent {
                Some(
                    intent @ (Intent::Act(_, Target::Words(_) | Target::Done { .. })
                    | Intent::Update(Target::Words(_), _)),
                ) => {
                    let candidates = match &intent {
                        Intent::Act(a, Target::Words(w)) => candidates(*a, w, &items),
                        Intent::Update(Target::Words(w), _) => {
                            candidates(Action::Update, w, &items)
                        }
                        Intent::Act(_, Target::Done { object, verb }) => {
                            super::bulk::statement_candidates(object, verb, &items)
                        }
                        _ => unreachable!("matched above"),
                    };
                    if candidates.len() > 1 {
                        ctx.listing = candidates.clone();
                        // Only the latest reply can still be waiting for an answer.
                        if n == 0 {
                            ctx.pending = Some(Pending { intent, candidates });
                        }
                    }
                }
                _ => ctx.listing = items,
            }
        }
        ctx
    }
}

/// The tasks a title reference may mean. Completing prefers open tasks and
/// reopening prefers done ones, so "complete the report" is not ambiguous just
/// because last year's report is also on the list.
pub fn candidates(action: Action, words: &[String], tasks: &[Listed]) -> Vec<Listed> {
    let matches: Vec<Listed> = tasks
        .iter()
        .filter(|t| title_matches(words, &t.title))
        .cloned()
        .collect();
    let preferred: Vec<Listed> = match action {
        Action::Complete => matches.iter().filter(|t| !t.completed).cloned().collect(),
        Action::Reopen => matches.iter().filter(|t| t.completed).cloned().collect(),
        Action::Delete | Action::Update => Vec::new(),
    };
    if preferred.is_empty() {
        matches
    } else {
        preferred
    }
}
