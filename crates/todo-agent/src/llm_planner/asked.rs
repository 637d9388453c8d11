//! The write-kind guard: a write tool call whose kind of change (add, complete,
//! reopen, delete, update, undo) the person's message does not ask for is refused
//! back to the model, not run. Seen with a 0.5B model: asked only to add a task, it
//! added it and then completed one.
//!
//! What the message asks for is the offline planner's own reading of it (its intent
//! detection), not a second word list. Three outcomes:
//! - understood as one kind of change: only write tools of that kind run;
//! - understood as asking for no change (a listing, a greeting, thanks, help): no
//!   write runs;
//! - not understood, or an answer whose meaning lies in the previous turn ("yes",
//!   "the second one", a bare "milk"): nothing is blocked. The LLM planner exists
//!   for exactly the phrasings the offline planner misses, and blocking there would
//!   refuse every write of a message it cannot read.
//!
//! Reads always run. The offline planner reads one request per message, so a
//! message asking for two kinds of change ("add milk and complete task 2") has only
//! the kind it reads allowed; the model is told the other was not run, and the
//! reply, composed from what ran, claims nothing more.

use crate::clock::TurnClock;
use crate::offline::{Action, Intent, Phrase, detect};
use crate::tools::ToolName;

/// A kind of change a write tool makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Add,
    Complete,
    Reopen,
    Delete,
    Update,
    Undo,
}

impl WriteKind {
    /// The kind of change `tool` makes; `None` for a read.
    pub fn of_tool(tool: ToolName) -> Option<WriteKind> {
        match tool {
            ToolName::AddTask | ToolName::AddTasks => Some(WriteKind::Add),
            ToolName::CompleteTask | ToolName::CompleteTasks => Some(WriteKind::Complete),
            ToolName::ReopenTask => Some(WriteKind::Reopen),
            ToolName::DeleteTask | ToolName::DeleteTasks => Some(WriteKind::Delete),
            ToolName::UpdateTask | ToolName::SetPriority => Some(WriteKind::Update),
            ToolName::Undo => Some(WriteKind::Undo),
            ToolName::ListTasks | ToolName::SearchTasks => None,
        }
    }

    fn words(self) -> &'static str {
        match self {
            WriteKind::Add => "add a task",
            WriteKind::Complete => "complete a task",
            WriteKind::Reopen => "reopen a task",
            WriteKind::Delete => "delete a task",
            WriteKind::Update => "change a task",
            WriteKind::Undo => "undo the last change",
        }
    }
}

/// What the offline reading says the message may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskedChange {
    /// Understood as this kind of change.
    Kind(WriteKind),
    /// Understood as asking for no change.
    Nothing,
    /// Not understood, or answering the previous turn: the model is not second-guessed.
    Unread,
}

impl AskedChange {
    /// The offline planner's reading of `message`.
    pub fn of_message(message: &str, clock: &TurnClock) -> AskedChange {
        match detect(&Phrase::new(message), clock) {
            Intent::Add(_) | Intent::AddMany(_) => AskedChange::Kind(WriteKind::Add),
            Intent::Act(action, _) => AskedChange::Kind(match action {
                Action::Complete => WriteKind::Complete,
                Action::Reopen => WriteKind::Reopen,
                Action::Delete => WriteKind::Delete,
                Action::Update => WriteKind::Update,
            }),
            Intent::Update(..) => AskedChange::Kind(WriteKind::Update),
            Intent::Undo => AskedChange::Kind(WriteKind::Undo),
            Intent::List(_) | Intent::Greeting | Intent::Thanks | Intent::Help => {
                AskedChange::Nothing
            }
            Intent::Choice(_) | Intent::Confirm(_) | Intent::Suggest(_) | Intent::Unknown => {
                AskedChange::Unread
            }
        }
    }

    /// Why a call of `tool` is refused, or `None` when it may run.
    pub fn refusal(self, tool: ToolName) -> Option<String> {
        let kind = WriteKind::of_tool(tool)?;
        let asked = match self {
            AskedChange::Unread => return None,
            AskedChange::Kind(k) if k == kind => return None,
            AskedChange::Kind(k) => format!("asks to {}", k.words()),
            AskedChange::Nothing => "asks for no change".to_string(),
        };
        Some(format!(
            "not run: the user's message {asked}, not to {}, so {} was not called and nothing changed. Do only what the message asks; do not say this was done.",
            kind.words(),
            tool.as_str()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserTz;
    use chrono::{TimeZone, Utc};

    fn reading(message: &str) -> AskedChange {
        let clock = TurnClock::new(
            Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap(),
            UserTz::default(),
        );
        AskedChange::of_message(message, &clock)
    }

    #[test]
    fn every_write_tool_has_a_kind_and_reads_have_none() {
        for tool in ToolName::ALL {
            assert_eq!(
                WriteKind::of_tool(tool).is_none(),
                tool.is_read_only(),
                "{tool:?}"
            );
        }
    }

    #[test]
    fn only_the_kind_the_message_asks_for_may_run() {
        let add = reading("add buy milk");
        assert_eq!(add, AskedChange::Kind(WriteKind::Add));
        assert!(add.refusal(ToolName::AddTask).is_none());
        assert!(add.refusal(ToolName::ListTasks).is_none());
        let refused = add.refusal(ToolName::CompleteTask).expect("refused");
        assert!(
            refused.contains("asks to add a task, not to complete a task"),
            "{refused}"
        );
        assert_eq!(
            reading("mark task 3 as done"),
            AskedChange::Kind(WriteKind::Complete)
        );
        assert!(
            reading("delete the dentist task")
                .refusal(ToolName::DeleteTask)
                .is_none()
        );
        let list = reading("show my tasks");
        assert_eq!(list, AskedChange::Nothing);
        assert!(list.refusal(ToolName::SearchTasks).is_none());
        assert!(list.refusal(ToolName::DeleteTasks).is_some());
    }

    #[test]
    fn a_message_the_offline_planner_cannot_read_blocks_nothing() {
        let unread = reading("my cat knocked the plant over, note down a vet visit or so");
        assert_eq!(unread, AskedChange::Unread);
        for tool in ToolName::ALL {
            assert!(unread.refusal(tool).is_none(), "{tool:?}");
        }
    }
}
