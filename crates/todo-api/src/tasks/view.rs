//! The JSON shape of a task in responses.

use chrono::{DateTime, Utc};
use serde::Serialize;
use todo_core::{Priority, Task, UserId};
use utoipa::ToSchema;

/// A task as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    #[schema(example = 5)]
    pub id: i64,
    #[schema(value_type = String, example = "0b9c2f57-4c1e-4a43-9d4e-3f8f2b6d9a10")]
    pub user_id: UserId,
    #[schema(example = "Buy groceries")]
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    #[schema(value_type = PriorityName)]
    pub priority: Priority,
    pub tags: Vec<String>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Task priority.
#[derive(ToSchema)]
#[schema(as = PriorityName)]
#[allow(dead_code)] // exists only to describe the enum in the OpenAPI document
#[schema(rename_all = "lowercase")]
pub enum PriorityName {
    Low,
    Medium,
    High,
}

impl From<Task> for TaskView {
    fn from(task: Task) -> Self {
        Self {
            id: task.id.0,
            user_id: task.user_id,
            title: task.title.into_inner(),
            description: task.description.map(|d| d.into_inner()),
            completed: task.completed,
            priority: task.priority,
            tags: task.tags.into(),
            due_at: task.due_at,
            created_at: task.created_at,
            updated_at: task.updated_at,
        }
    }
}
