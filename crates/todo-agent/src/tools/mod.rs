//! The task tools: exactly the shapes of DESIGN.md (`add_task`, `list_tasks`,
//! `complete_task`, `delete_task`, `update_task`) plus `search_tasks`,
//! `set_priority` and `reopen_task`. They always run as the user the caller
//! authenticated; a `user_id` argument can only repeat that user, never change it.

mod arguments;
mod bulk;
mod catalog;
mod inputs;
mod outcome;

use std::sync::Arc;

use chrono::{NaiveTime, Utc};
use serde_json::{Map, Value, json};
use todo_core::{
    DueRange, DueWindow, Priority, SortKey, SortOrder, StatusFilter, Store, Tag, Tags, Task,
    TaskChange, TaskId, TaskPatch, TaskQuery, Title, UserId,
};

use crate::clock::UserTz;
use tracing::instrument;

use arguments::{check_user, new_task, optional_description, parse, parse_recurrence};
use outcome::{invalid, not_found_or, store_failure};

pub use arguments::parse_due;
pub use bulk::{AddTasksInput, MAX_BULK, TaskIdsInput};
pub use catalog::{ToolName, ToolSpec, UndoInput, standalone_tool_specs, tool_specs};
pub use inputs::{
    AddTaskInput, DueArg, ListTasksInput, PriorityArg, RecurrenceArg, SearchTasksInput,
    SetPriorityInput, StatusArg, TaskRefInput, UpdateTaskInput,
};
pub use outcome::{ToolFailure, ToolSuccess};

/// The task tools over a store.
#[derive(Clone)]
pub struct TaskTools {
    store: Arc<dyn Store>,
}

impl TaskTools {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Runs one tool as `user` with raw JSON arguments (from a model or an MCP client).
    #[instrument(level = "debug", skip(self, args), fields(user = %user))]
    pub async fn call(
        &self,
        user: &UserId,
        name: &str,
        args: Value,
    ) -> Result<ToolSuccess, ToolFailure> {
        let tool =
            ToolName::parse(name).ok_or_else(|| ToolFailure::UnknownTool(name.to_string()))?;
        let args = match args {
            Value::Null => Value::Object(Map::new()),
            other => other,
        };
        match tool {
            ToolName::AddTask => self.add_task(user, parse(args)?).await,
            ToolName::ListTasks => self.list_tasks(user, parse(args)?).await,
            ToolName::CompleteTask => self.set_completed(user, parse(args)?, true).await,
            ToolName::ReopenTask => self.set_completed(user, parse(args)?, false).await,
            ToolName::DeleteTask => self.delete_task(user, parse(args)?).await,
            ToolName::UpdateTask => self.update_task(user, parse(args)?).await,
            ToolName::SearchTasks => self.search_tasks(user, parse(args)?).await,
            ToolName::SetPriority => self.set_priority(user, parse(args)?).await,
            ToolName::AddTasks => self.add_tasks(user, parse(args)?).await,
            ToolName::CompleteTasks => {
                self.bulk_write(user, parse(args)?, bulk::BulkWrite::Complete)
                    .await
            }
            ToolName::DeleteTasks => {
                self.bulk_write(user, parse(args)?, bulk::BulkWrite::Delete)
                    .await
            }
            ToolName::Undo => Err(ToolFailure::InvalidArguments(
                "undo only works inside a chat conversation".into(),
            )),
        }
    }

    async fn add_task(
        &self,
        user: &UserId,
        input: AddTaskInput,
    ) -> Result<ToolSuccess, ToolFailure> {
        check_user(user, input.user_id.as_deref())?;
        let task = new_task(input)?;
        let created = self
            .store
            .create_task(user, task)
            .await
            .map_err(store_failure)?;
        Ok(ToolSuccess {
            output: json!({"task_id": created.id.0, "status": "created", "title": created.title.as_str()}),
            tasks: vec![created],
            before: None,
        })
    }

    async fn list_tasks(
        &self,
        user: &UserId,
        input: ListTasksInput,
    ) -> Result<ToolSuccess, ToolFailure> {
        check_user(user, input.user_id.as_deref())?;
        let due = match input.due {
            None => None,
            Some(window) => {
                let tz = input
                    .timezone
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(UserTz::parse)
                    .transpose()
                    .map_err(invalid)?
                    .unwrap_or_default();
                let now = Utc::now();
                let window = DueWindow::from(window);
                Some(window.range(now, tz.local(now).date(), |day| {
                    tz.to_utc(day, NaiveTime::MIN)
                }))
            }
        };
        let query = TaskQuery {
            status: input.status.unwrap_or_default().into(),
            due,
            // Soonest first when asking what is due.
            sort: if due.is_some() {
                SortKey::Due
            } else {
                SortKey::Created
            },
            limit: TaskQuery::MAX_LIMIT,
            ..TaskQuery::default()
        };
        let tasks = self.every_match(user, query).await?;
        let output = tasks
            .iter()
            .map(|t| json!({"id": t.id.0, "title": t.title.as_str(), "completed": t.completed}))
            .collect();
        Ok(ToolSuccess {
            output: Value::Array(output),
            tasks,
            before: None,
        })
    }

    /// Every task `query` matches (its filters are in the store's SQL), page by
    /// page: a tool's answer is about the whole list, so nothing past one page of
    /// `TaskQuery::MAX_LIMIT` may be left out.
    async fn every_match(
        &self,
        user: &UserId,
        mut query: TaskQuery,
    ) -> Result<Vec<Task>, ToolFailure> {
        let mut tasks = Vec::new();
        loop {
            let page = self
                .store
                .list_tasks(user, &query)
                .await
                .map_err(store_failure)?;
            let full = page.tasks.len() == query.limit as usize;
            tasks.extend(page.tasks);
            if !full || tasks.len() as u64 >= page.total {
                return Ok(tasks);
            }
            query.offset += query.limit;
        }
    }

    async fn search_tasks(
        &self,
        user: &UserId,
        input: SearchTasksInput,
    ) -> Result<ToolSuccess, ToolFailure> {
        check_user(user, input.user_id.as_deref())?;
        let due_before = input
            .due_before
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_due)
            .transpose()?;
        let due = due_before.map(|before| DueRange {
            from: None,
            before,
            pending_only: false,
        });
        let query = TaskQuery {
            status: input.status.map(StatusFilter::from).unwrap_or_default(),
            priority: input.priority.map(Priority::from),
            tag: input
                .tag
                .as_deref()
                .map(Tag::parse)
                .transpose()
                .map_err(invalid)?,
            search: input
                .query
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(todo_core::SearchText::parse)
                .transpose()
                .map_err(invalid)?,
            due,
            sort: if due.is_some() {
                SortKey::Due
            } else {
                SortKey::Created
            },
            order: SortOrder::Asc,
            limit: TaskQuery::MAX_LIMIT,
            offset: 0,
        };
        let tasks = self.every_match(user, query).await?;
        let output = tasks.iter().map(task_summary).collect();
        Ok(ToolSuccess {
            output: Value::Array(output),
            tasks,
            before: None,
        })
    }

    async fn set_completed(
        &self,
        user: &UserId,
        input: TaskRefInput,
        done: bool,
    ) -> Result<ToolSuccess, ToolFailure> {
        check_user(user, input.user_id.as_deref())?;
        let patch = TaskPatch {
            completed: Some(done),
            ..TaskPatch::default()
        };
        let (
            before,
            TaskChange {
                task,
                next_occurrence,
            },
        ) = self.patch(user, input.task_id, &patch).await?;
        let status = if done { "completed" } else { "pending" };
        let mut output =
            json!({"task_id": task.id.0, "status": status, "title": task.title.as_str()});
        let mut tasks = vec![task];
        if let Some(next) = next_occurrence {
            output["next_task_id"] = json!(next.id.0);
            output["next_due_at"] = json!(next.due_at.map(|d| d.to_rfc3339()));
            tasks.push(next);
        }
        Ok(ToolSuccess {
            output,
            tasks,
            before: Some(snapshot(&before)),
        })
    }

    async fn delete_task(
        &self,
        user: &UserId,
        input: TaskRefInput,
    ) -> Result<ToolSuccess, ToolFailure> {
        check_user(user, input.user_id.as_deref())?;
        let task = self
            .store
            .delete_task(user, TaskId(input.task_id))
            .await
            .map_err(|e| not_found_or(e, input.task_id))?;
        Ok(ToolSuccess {
            output: json!({"task_id": task.id.0, "status": "deleted", "title": task.title.as_str()}),
            before: Some(snapshot(&task)),
            tasks: vec![task],
        })
    }

    async fn update_task(
        &self,
        user: &UserId,
        input: UpdateTaskInput,
    ) -> Result<ToolSuccess, ToolFailure> {
        check_user(user, input.user_id.as_deref())?;
        let mut patch = TaskPatch {
            title: input
                .title
                .as_deref()
                .map(Title::parse)
                .transpose()
                .map_err(invalid)?,
            description: match input.description.as_deref() {
                None => None,
                Some(raw) => Some(optional_description(Some(raw))?),
            },
            priority: input.priority.map(Priority::from),
            tags: input
                .tags
                .as_deref()
                .map(Tags::parse)
                .transpose()
                .map_err(invalid)?,
            due_at: match input.due_at.as_deref().map(str::trim) {
                None => None,
                Some("") => Some(None),
                Some(raw) => Some(Some(parse_due(raw)?)),
            },
            recurrence: match input.recurrence {
                None => None,
                Some(Value::Null) => Some(None),
                Some(raw) => Some(Some(parse_recurrence(&raw)?)),
            },
            completed: None,
        };
        if let Some(extra) = input.add_tags.filter(|t| !t.is_empty()) {
            let current = match &patch.tags {
                Some(t) => t.clone(),
                None => {
                    self.store
                        .task(user, TaskId(input.task_id))
                        .await
                        .map_err(|e| not_found_or(e, input.task_id))?
                        .tags
                }
            };
            let mut all = current.to_strings();
            all.extend(extra);
            patch.tags = Some(Tags::parse(&all).map_err(invalid)?);
        }
        if patch.is_empty() {
            return Err(ToolFailure::InvalidArguments(
                "nothing to change: give title, description, priority, tags, add_tags, due_at or recurrence"
                    .into(),
            ));
        }
        let (before, TaskChange { task, .. }) = self.patch(user, input.task_id, &patch).await?;
        Ok(ToolSuccess {
            output: json!({"task_id": task.id.0, "status": "updated", "title": task.title.as_str()}),
            tasks: vec![task],
            before: Some(snapshot(&before)),
        })
    }

    async fn set_priority(
        &self,
        user: &UserId,
        input: SetPriorityInput,
    ) -> Result<ToolSuccess, ToolFailure> {
        check_user(user, input.user_id.as_deref())?;
        let patch = TaskPatch {
            priority: Some(input.priority.into()),
            ..TaskPatch::default()
        };
        let (before, TaskChange { task, .. }) = self.patch(user, input.task_id, &patch).await?;
        Ok(ToolSuccess {
            output: json!({"task_id": task.id.0, "status": "updated", "title": task.title.as_str(), "priority": task.priority.as_str()}),
            tasks: vec![task],
            before: Some(snapshot(&before)),
        })
    }

    /// Applies a patch; answers the task as it was before (for undo) and after.
    async fn patch(
        &self,
        user: &UserId,
        id: i64,
        patch: &TaskPatch,
    ) -> Result<(Task, TaskChange), ToolFailure> {
        let before = self
            .store
            .task(user, TaskId(id))
            .await
            .map_err(|e| not_found_or(e, id))?;
        let after = self
            .store
            .update_task(user, TaskId(id), patch)
            .await
            .map_err(|e| not_found_or(e, id))?;
        Ok((before, after))
    }
}

/// The whole task as it was before a write: what undo puts back. The owner's
/// id is left out (tool outputs may go to a model); undo runs as the caller.
pub(crate) fn snapshot(task: &Task) -> Value {
    let mut value = serde_json::to_value(task).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.remove("user_id");
    }
    value
}

/// The rich listing item of `search_tasks`.
pub fn task_summary(t: &Task) -> Value {
    json!({
        "id": t.id.0,
        "title": t.title.as_str(),
        "completed": t.completed,
        "priority": t.priority.as_str(),
        "tags": t.tags.to_strings(),
        "due_at": t.due_at.map(|d| d.to_rfc3339()),
        "recurrence": t.recurrence,
    })
}
