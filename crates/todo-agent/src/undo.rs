//! "Undo": revert the conversation's last write, from what its stored tool
//! calls recorded. Every write tool answers the task as it was (`before`), so a
//! deleted task comes back with its number and every field, an edit goes back
//! to the old values and a created task is removed. Nothing is kept in memory:
//! a restarted server undoes exactly the same thing.

use serde_json::{Value, json};
use todo_core::{Message, Role, Store, Task, TaskId, TaskPatch, UserId};

use crate::planner::UNDO_SNAPSHOT;
use crate::tools::{ToolFailure, ToolName};

/// One step that puts a task back.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// Remove a task the undone turn created.
    Remove(i64),
    /// Put a deleted task back, with its number.
    Restore(Box<Task>),
    /// Set every field back to these values.
    Revert(Box<Task>),
}

/// Whether a recorded call changed something (failed calls and previews did not).
fn wrote(call: &todo_core::ToolCall) -> bool {
    let Some(tool) = ToolName::parse(&call.tool) else {
        return false;
    };
    !tool.is_read_only()
        && call.output.get("error").is_none()
        && call.output.get("status").and_then(Value::as_str) != Some("needs_confirmation")
}

/// The assistant message whose writes an undo now reverts: the latest one
/// that wrote, skipping turns already undone (each undo cancels one earlier
/// write turn, so "undo" twice goes two steps back).
fn target(history: &[Message]) -> Option<&Message> {
    let mut skip = 0usize;
    for message in history.iter().rev().filter(|m| m.role == Role::Assistant) {
        let calls: Vec<_> = message.tool_calls.iter().filter(|c| wrote(c)).collect();
        if calls.is_empty() {
            continue;
        }
        if calls.iter().any(|c| c.tool == ToolName::Undo.as_str()) {
            skip += 1;
            continue;
        }
        if skip > 0 {
            skip -= 1;
            continue;
        }
        return Some(message);
    }
    None
}

/// A recorded snapshot as the caller's task (snapshots leave the owner out).
fn task_from(value: &Value, user: &UserId) -> Option<Box<Task>> {
    let mut value = value.clone();
    value
        .as_object_mut()?
        .insert("user_id".into(), json!(user.as_str()));
    serde_json::from_value(value).ok().map(Box::new)
}

fn ids(output: &Value) -> Vec<i64> {
    output
        .get("tasks")
        .and_then(Value::as_array)
        .map(|tasks| {
            tasks
                .iter()
                .filter_map(|t| t.get("task_id").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default()
}

fn befores(output: &Value, user: &UserId) -> Vec<Task> {
    output
        .get(UNDO_SNAPSHOT)
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .filter_map(|v| task_from(v, user).map(|t| *t))
                .collect()
        })
        .unwrap_or_default()
}

/// The steps that revert one recorded call, in the order to run them.
fn steps_for(call: &todo_core::ToolCall, user: &UserId) -> Vec<Step> {
    let out = &call.output;
    let before = out.get(UNDO_SNAPSHOT).and_then(|v| task_from(v, user));
    match ToolName::parse(&call.tool) {
        Some(ToolName::AddTask) => out
            .get("task_id")
            .and_then(Value::as_i64)
            .map(Step::Remove)
            .into_iter()
            .collect(),
        Some(ToolName::AddTasks) => ids(out).into_iter().map(Step::Remove).collect(),
        Some(ToolName::DeleteTask) => before.map(Step::Restore).into_iter().collect(),
        Some(ToolName::DeleteTasks) => befores(out, user)
            .into_iter()
            .map(|t| Step::Restore(Box::new(t)))
            .collect(),
        Some(ToolName::CompleteTasks) => befores(out, user)
            .into_iter()
            .map(|t| Step::Revert(Box::new(t)))
            .collect(),
        Some(
            ToolName::CompleteTask
            | ToolName::ReopenTask
            | ToolName::UpdateTask
            | ToolName::SetPriority,
        ) => {
            let mut steps: Vec<Step> = before.map(Step::Revert).into_iter().collect();
            // Completing a recurring task created its next occurrence: undo
            // takes that away too.
            if let Some(next) = out.get("next_task_id").and_then(Value::as_i64) {
                steps.push(Step::Remove(next));
            }
            steps
        }
        _ => Vec::new(),
    }
}

/// Reverts the last write of the conversation; the output lists what changed.
pub async fn undo(
    store: &dyn Store,
    user: &UserId,
    history: &[Message],
) -> Result<Value, ToolFailure> {
    let Some(message) = target(history) else {
        return Err(ToolFailure::InvalidArguments(
            "nothing to undo: no change was made in this conversation".into(),
        ));
    };
    let steps: Vec<Step> = message
        .tool_calls
        .iter()
        .filter(|c| wrote(c))
        .rev()
        .flat_map(|c| steps_for(c, user))
        .collect();
    if steps.is_empty() {
        return Err(ToolFailure::InvalidArguments(
            "the last change cannot be undone (it was recorded without what it replaced)".into(),
        ));
    }
    let mut undone = Vec::with_capacity(steps.len());
    for step in steps {
        undone.push(run(store, user, step).await?);
    }
    Ok(json!({"status": "undone", "count": undone.len(), "undone": undone}))
}

async fn run(store: &dyn Store, user: &UserId, step: Step) -> Result<Value, ToolFailure> {
    let failure = |e: todo_core::StoreError, id: i64| match e {
        todo_core::StoreError::NotFound(_) => ToolFailure::TaskNotFound(id),
        todo_core::StoreError::Conflict(c) => ToolFailure::InvalidArguments(c),
        other => {
            tracing::error!(error = %other, "task store failed during undo");
            ToolFailure::Unavailable
        }
    };
    match step {
        Step::Remove(id) => {
            let task = store
                .delete_task(user, TaskId(id))
                .await
                .map_err(|e| failure(e, id))?;
            Ok(json!({"task_id": id, "title": task.title.as_str(), "action": "removed"}))
        }
        Step::Restore(task) => {
            let id = task.id.0;
            let task = store
                .restore_task(user, *task)
                .await
                .map_err(|e| failure(e, id))?;
            Ok(json!({"task_id": id, "title": task.title.as_str(), "action": "restored"}))
        }
        Step::Revert(old) => {
            let id = old.id.0;
            let patch = TaskPatch {
                title: Some(old.title.clone()),
                description: Some(old.description.clone()),
                completed: Some(old.completed),
                priority: Some(old.priority),
                tags: Some(old.tags.clone()),
                due_at: Some(old.due_at),
                recurrence: Some(old.recurrence.clone()),
            };
            let task = store
                .update_task(user, TaskId(id), &patch)
                .await
                .map_err(|e| failure(e, id))?
                .task;
            Ok(json!({"task_id": id, "title": task.title.as_str(), "action": "reverted"}))
        }
    }
}
