//! The JSON shape of a task in responses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Priority, Recurrence, Task, TaskChange, TaskId, UserId};

/// A task as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskView {
    /// The task's number: each user's tasks are numbered 1, 2, 3 … in the order
    /// created, never reused. It is the `{id}` of the task's paths.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 5))]
    pub id: TaskId,
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, example = "0b9c2f57-4c1e-4a43-9d4e-3f8f2b6d9a10")
    )]
    pub user_id: UserId,
    #[cfg_attr(feature = "openapi", schema(example = "Buy groceries"))]
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = PriorityName))]
    pub priority: Priority,
    pub tags: Vec<String>,
    #[serde(serialize_with = "crate::api::timestamp::serialize_option")]
    pub due_at: Option<DateTime<Utc>>,
    /// How the task repeats; `null` when it does not.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<RecurrenceRule>))]
    pub recurrence: Option<Recurrence>,
    #[serde(serialize_with = "crate::api::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl From<Task> for TaskView {
    fn from(task: Task) -> Self {
        Self {
            id: task.id,
            user_id: task.user_id,
            title: task.title.into_inner(),
            description: task.description.map(|d| d.into_inner()),
            completed: task.completed,
            priority: task.priority,
            tags: task.tags.into(),
            due_at: task.due_at,
            recurrence: task.recurrence,
            created_at: task.created_at,
            updated_at: task.updated_at,
        }
    }
}

/// A task after a change, and the next occurrence the change created when it
/// completed a recurring task (`null` otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangedTaskView {
    #[serde(flatten)]
    pub task: TaskView,
    pub next_occurrence: Option<TaskView>,
}

impl From<TaskChange> for ChangedTaskView {
    fn from(change: TaskChange) -> Self {
        Self {
            task: change.task.into(),
            next_occurrence: change.next_occurrence.map(TaskView::from),
        }
    }
}

/// Task priority.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(as = PriorityName)]
#[allow(dead_code)] // exists only to describe the enum in the OpenAPI document
#[schema(rename_all = "lowercase")]
pub enum PriorityName {
    Low,
    Medium,
    High,
}

/// How a task repeats. Completing a recurring task creates the next occurrence
/// (same title, description, priority, tags and rule), due on the next day the
/// rule names after the current due date (or now), at the same time of day, and
/// never in the past. Days are UTC days.
#[cfg(feature = "openapi")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[allow(dead_code)] // exists only to describe the JSON in the OpenAPI document
pub enum RecurrenceRule {
    /// Every day.
    Daily,
    /// Monday to Friday.
    Weekdays,
    /// On the days listed.
    Weekly {
        #[schema(min_items = 1)]
        days: Vec<WeekdayName>,
    },
    /// On this day of the month; a month without it uses its last day.
    Monthly {
        #[schema(minimum = 1, maximum = 31, example = 1)]
        day: u8,
    },
}

// One enum for every schema that names days: the OpenAPI document (feature
// `openapi`) and the agents' tool schemas (feature `schemars`); values themselves
// are checked by `crate::Recurrence`. The doc line below is the schemas'
// description, so it stays short.
/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum WeekdayName {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}
