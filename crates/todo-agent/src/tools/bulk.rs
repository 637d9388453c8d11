//! Tools that write several tasks at once: `add_tasks`, `complete_tasks`,
//! `delete_tasks`. Each is two-step: without `confirm: true` it only checks the
//! request and answers `needs_confirmation` with the tasks it would touch, so a
//! person can say yes first. In a chat the session also insists that the
//! previous reply asked exactly that question (see `ToolSession`).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use todo_core::{Task, TaskId, TaskPatch, UserId};

use super::inputs::AddTaskInput;
use super::{TaskTools, ToolFailure, ToolSuccess, check_user, not_found_or, store_failure};

/// How many tasks one bulk call may touch.
pub const MAX_BULK: usize = 100;

/// Models often send ids as strings ("3"); accept both.
fn task_ids<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(i64),
        Text(String),
    }
    Vec::<Raw>::deserialize(d)?
        .into_iter()
        .map(|raw| match raw {
            Raw::Int(i) => Ok(i),
            Raw::Text(s) => s.trim().trim_start_matches('#').parse().map_err(|_| {
                serde::de::Error::custom(format!("task_ids must be task numbers, got {s:?}"))
            }),
        })
        .collect()
}

/// Several tasks by number.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TaskIdsInput {
    /// Optional; tools always act as the signed-in user. If given it must be that user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The tasks' numbers as shown in listings (1-100 of them, no repeats).
    #[serde(deserialize_with = "task_ids")]
    #[schemars(with = "Vec<i64>")]
    pub task_ids: Vec<i64>,
    /// Leave out (or false) first: the answer lists what would change and
    /// nothing is written. Send true only after the user agreed to that list.
    #[serde(default)]
    pub confirm: Option<bool>,
}

/// Several tasks to create.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct AddTasksInput {
    /// Optional; tools always act as the signed-in user. If given it must be that user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The tasks, each like `add_task`'s input (1-100 of them).
    pub tasks: Vec<AddTaskInput>,
    /// Leave out (or false) first: the answer lists what would be created and
    /// nothing is written. Send true only after the user agreed to that list.
    #[serde(default)]
    pub confirm: Option<bool>,
}

/// Which bulk write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkWrite {
    Complete,
    Delete,
}

fn check_count(n: usize) -> Result<(), ToolFailure> {
    if n == 0 || n > MAX_BULK {
        return Err(ToolFailure::InvalidArguments(format!(
            "give between 1 and {MAX_BULK} tasks, got {n}"
        )));
    }
    Ok(())
}

fn brief(t: &Task) -> Value {
    json!({"task_id": t.id.0, "title": t.title.as_str(), "completed": t.completed})
}

/// The preview answer: what would happen, and that nothing did yet.
fn needs_confirmation(tasks: Vec<Value>) -> Value {
    json!({
        "status": "needs_confirmation",
        "count": tasks.len(),
        "tasks": tasks,
        "message": "Nothing was changed. Show the user this list and ask; call again with confirm: true only after they agree."
    })
}

impl TaskTools {
    pub(super) async fn bulk_write(
        &self,
        user: &UserId,
        input: TaskIdsInput,
        write: BulkWrite,
    ) -> Result<ToolSuccess, ToolFailure> {
        check_user(user, input.user_id.as_deref())?;
        check_count(input.task_ids.len())?;
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = input.task_ids.iter().find(|id| !seen.insert(**id)) {
            return Err(ToolFailure::InvalidArguments(format!(
                "task {dup} is listed twice"
            )));
        }
        // Every task must exist before anything is written, so a typo in one
        // number never leaves half the request done.
        let mut current = Vec::with_capacity(input.task_ids.len());
        for id in &input.task_ids {
            let task = self
                .store
                .task(user, TaskId(*id))
                .await
                .map_err(|e| not_found_or(e, *id))?;
            current.push(task);
        }
        if input.confirm != Some(true) {
            return Ok(ToolSuccess {
                output: needs_confirmation(current.iter().map(brief).collect()),
                tasks: current,
                before: None,
            });
        }
        let mut done = Vec::with_capacity(current.len());
        let mut before = Vec::with_capacity(current.len());
        for task in current {
            let id = task.id;
            let result = match write {
                BulkWrite::Delete => self.store.delete_task(user, id).await,
                BulkWrite::Complete => {
                    let patch = TaskPatch {
                        completed: Some(true),
                        ..TaskPatch::default()
                    };
                    self.store
                        .update_task(user, id, &patch)
                        .await
                        .map(|change| change.task)
                }
            };
            done.push(result.map_err(|e| not_found_or(e, id.0))?);
            before.push(super::snapshot(&task));
        }
        let status = match write {
            BulkWrite::Delete => "deleted",
            BulkWrite::Complete => "completed",
        };
        Ok(ToolSuccess {
            output: json!({
                "status": status,
                "count": done.len(),
                "tasks": done.iter().map(brief).collect::<Vec<_>>(),
            }),
            tasks: done,
            before: Some(Value::Array(before)),
        })
    }

    pub(super) async fn add_tasks(
        &self,
        user: &UserId,
        input: AddTasksInput,
    ) -> Result<ToolSuccess, ToolFailure> {
        check_user(user, input.user_id.as_deref())?;
        check_count(input.tasks.len())?;
        // Validate all first: one bad title must not leave the others created.
        let mut new_tasks = Vec::with_capacity(input.tasks.len());
        for item in input.tasks {
            check_user(user, item.user_id.as_deref())?;
            new_tasks.push(super::new_task(item)?);
        }
        if input.confirm != Some(true) {
            let preview = new_tasks
                .iter()
                .map(|t| json!({"title": t.title.as_str()}))
                .collect();
            return Ok(ToolSuccess {
                output: needs_confirmation(preview),
                tasks: Vec::new(),
                before: None,
            });
        }
        let mut created = Vec::with_capacity(new_tasks.len());
        for task in new_tasks {
            created.push(
                self.store
                    .create_task(user, task)
                    .await
                    .map_err(store_failure)?,
            );
        }
        Ok(ToolSuccess {
            output: json!({
                "status": "created",
                "count": created.len(),
                "tasks": created.iter().map(brief).collect::<Vec<_>>(),
            }),
            tasks: created,
            before: None,
        })
    }
}
