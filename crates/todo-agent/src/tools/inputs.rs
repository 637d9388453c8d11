//! The tools' input types. Their schemars schemas are the one source of the tool
//! definitions sent to an LLM and published over MCP.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A task's priority as tools accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PriorityArg {
    Low,
    Medium,
    High,
}

impl From<PriorityArg> for todo_core::Priority {
    fn from(p: PriorityArg) -> Self {
        match p {
            PriorityArg::Low => todo_core::Priority::Low,
            PriorityArg::Medium => todo_core::Priority::Medium,
            PriorityArg::High => todo_core::Priority::High,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusArg {
    #[default]
    All,
    Pending,
    Completed,
}

impl From<StatusArg> for todo_core::StatusFilter {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::All => todo_core::StatusFilter::All,
            StatusArg::Pending => todo_core::StatusFilter::Pending,
            StatusArg::Completed => todo_core::StatusFilter::Completed,
        }
    }
}

/// Models often send ids as strings ("3"); accept both.
fn task_id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(i64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Int(i) => Ok(i),
        Raw::Text(s) => s.trim().trim_start_matches('#').parse().map_err(|_| {
            serde::de::Error::custom(format!("task_id must be a task number, got {s:?}"))
        }),
    }
}

/// How a task repeats, as tools accept it. Only its schema is used: values are
/// taken as raw JSON and checked by `todo_core::Recurrence`, whose errors say
/// what is allowed.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[allow(dead_code)]
pub enum RecurrenceArg {
    /// Every day.
    Daily,
    /// Monday to Friday.
    Weekdays,
    /// On the days listed, e.g. {"kind":"weekly","days":["mon","thu"]}.
    Weekly {
        days: Vec<todo_core::api::WeekdayName>,
    },
    /// On this day of the month (1-31; short months use their last day), e.g. {"kind":"monthly","day":1}.
    Monthly {
        #[schemars(range(min = 1, max = 31))]
        day: u8,
    },
}

/// Which due dates a listing keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueArg {
    /// Due today.
    Today,
    /// Due this week, Monday to Sunday.
    ThisWeek,
    /// Not completed and due before now.
    Overdue,
}

impl From<DueArg> for todo_core::DueWindow {
    fn from(d: DueArg) -> Self {
        match d {
            DueArg::Today => todo_core::DueWindow::Today,
            DueArg::ThisWeek => todo_core::DueWindow::ThisWeek,
            DueArg::Overdue => todo_core::DueWindow::Overdue,
        }
    }
}

/// Keeps "given as null" apart from "left out": the field is `Some(Value::Null)`
/// for an explicit null and `None` when absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct AddTaskInput {
    /// Optional; tools always act as the signed-in user. If given it must be that user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// What to do, 1-200 characters, e.g. "Buy groceries".
    pub title: String,
    /// Longer notes, up to 1000 characters.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub priority: Option<PriorityArg>,
    /// Tags without '#', e.g. ["work", "home"].
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Due date-time, RFC 3339 with offset, e.g. "2026-11-22T17:00:00+01:00".
    #[serde(default)]
    pub due_at: Option<String>,
    /// Makes the task repeat; completing it then creates the next occurrence.
    #[serde(default)]
    #[schemars(with = "Option<RecurrenceArg>")]
    pub recurrence: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListTasksInput {
    /// Optional; tools always act as the signed-in user. If given it must be that user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Which tasks: all (default), pending or completed.
    #[serde(default)]
    pub status: Option<StatusArg>,
    /// Only tasks due today, this week, or overdue (pending and past due).
    #[serde(default)]
    pub due: Option<DueArg>,
    /// The user's time zone for `due`: an IANA name like "Europe/Berlin" or an offset like "+02:00". Default UTC.
    #[serde(default)]
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TaskRefInput {
    /// Optional; tools always act as the signed-in user. If given it must be that user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The task's number as shown in listings.
    #[serde(deserialize_with = "task_id")]
    #[schemars(with = "i64")]
    pub task_id: i64,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UpdateTaskInput {
    /// Optional; tools always act as the signed-in user. If given it must be that user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The task's number as shown in listings.
    #[serde(deserialize_with = "task_id")]
    #[schemars(with = "i64")]
    pub task_id: i64,
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New description; an empty string removes it.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub priority: Option<PriorityArg>,
    /// Replace all tags with these.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Add these tags to the existing ones.
    #[serde(default)]
    pub add_tags: Option<Vec<String>>,
    /// New due date-time (RFC 3339); an empty string removes the due date.
    #[serde(default)]
    pub due_at: Option<String>,
    /// New repetition rule; null stops the task repeating.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<RecurrenceArg>")]
    pub recurrence: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SetPriorityInput {
    /// Optional; tools always act as the signed-in user. If given it must be that user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The task's number as shown in listings.
    #[serde(deserialize_with = "task_id")]
    #[schemars(with = "i64")]
    pub task_id: i64,
    pub priority: PriorityArg,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct SearchTasksInput {
    /// Optional; tools always act as the signed-in user. If given it must be that user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Words to look for in titles and descriptions.
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub status: Option<StatusArg>,
    #[serde(default)]
    pub priority: Option<PriorityArg>,
    /// Only tasks with this tag (without '#').
    #[serde(default)]
    pub tag: Option<String>,
    /// Only tasks due before this date-time (RFC 3339).
    #[serde(default)]
    pub due_before: Option<String>,
}
