//! The task tools: exactly the shapes of DESIGN.md (`add_task`, `list_tasks`,
//! `complete_task`, `delete_task`, `update_task`) plus `search_tasks`,
//! `set_priority` and `reopen_task`. They always run as the user the caller
//! authenticated; a `user_id` argument can only repeat that user, never change it.

mod bulk;
mod inputs;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use llm::schema_of;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use todo_core::{
    Description, DueRange, DueWindow, NewTask, Priority, SortKey, SortOrder, StatusFilter, Store,
    StoreError, Tag, Tags, Task, TaskChange, TaskId, TaskPatch, TaskQuery, Title, UserId,
};

use crate::clock::UserTz;
use tracing::instrument;

pub use bulk::{AddTasksInput, MAX_BULK, TaskIdsInput};
pub use inputs::{
    AddTaskInput, DayArg, DueArg, ListTasksInput, PriorityArg, RecurrenceArg, SearchTasksInput,
    SetPriorityInput, StatusArg, TaskRefInput, UpdateTaskInput,
};

/// The tools by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolName {
    AddTask,
    ListTasks,
    CompleteTask,
    DeleteTask,
    UpdateTask,
    SearchTasks,
    SetPriority,
    ReopenTask,
    AddTasks,
    CompleteTasks,
    DeleteTasks,
    /// Reverts the conversation's last write; only a chat session can run it.
    Undo,
}

impl ToolName {
    pub const ALL: [ToolName; 12] = [
        ToolName::AddTask,
        ToolName::ListTasks,
        ToolName::CompleteTask,
        ToolName::DeleteTask,
        ToolName::UpdateTask,
        ToolName::SearchTasks,
        ToolName::SetPriority,
        ToolName::ReopenTask,
        ToolName::AddTasks,
        ToolName::CompleteTasks,
        ToolName::DeleteTasks,
        ToolName::Undo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ToolName::AddTask => "add_task",
            ToolName::ListTasks => "list_tasks",
            ToolName::CompleteTask => "complete_task",
            ToolName::DeleteTask => "delete_task",
            ToolName::UpdateTask => "update_task",
            ToolName::SearchTasks => "search_tasks",
            ToolName::SetPriority => "set_priority",
            ToolName::ReopenTask => "reopen_task",
            ToolName::AddTasks => "add_tasks",
            ToolName::CompleteTasks => "complete_tasks",
            ToolName::DeleteTasks => "delete_tasks",
            ToolName::Undo => "undo",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub fn description(self) -> &'static str {
        match self {
            ToolName::AddTask => {
                "Create a task, optionally repeating (recurrence). Returns {task_id, status: \"created\", title}."
            }
            ToolName::ListTasks => {
                "List tasks, optionally only pending or completed ones, or only those due today, this week or overdue. Returns [{id, title, completed}]."
            }
            ToolName::CompleteTask => {
                "Mark a task as completed; a repeating task then gets its next occurrence. Returns {task_id, status: \"completed\", title} plus {next_task_id, next_due_at} when a next occurrence was created."
            }
            ToolName::DeleteTask => {
                "Delete a task for good. Returns {task_id, status: \"deleted\", title}."
            }
            ToolName::UpdateTask => {
                "Change a task's title, description, priority, tags, due date or recurrence. Returns {task_id, status: \"updated\", title}."
            }
            ToolName::SearchTasks => {
                "Find tasks by words, status, priority, tag or due date. Returns [{id, title, completed, priority, tags, due_at}]."
            }
            ToolName::SetPriority => {
                "Set a task's priority. Returns {task_id, status: \"updated\", title, priority}."
            }
            ToolName::ReopenTask => {
                "Mark a completed task as not done again. Returns {task_id, status: \"pending\", title}."
            }
            ToolName::AddTasks => {
                "Create several tasks at once. Two steps: first call without confirm (nothing is written; returns {status: \"needs_confirmation\", tasks}), show the user the list and ask; only after they say yes call again with the same tasks and confirm: true."
            }
            ToolName::CompleteTasks => {
                "Mark several tasks as completed. Two steps: first call without confirm (nothing is written; returns {status: \"needs_confirmation\", tasks}), ask the user; only after they say yes call again with the same task_ids and confirm: true."
            }
            ToolName::DeleteTasks => {
                "Delete several tasks, e.g. all completed ones (list them first to get their numbers). Two steps: first call without confirm (nothing is written; returns {status: \"needs_confirmation\", tasks}), ask the user; only after they say yes call again with the same task_ids and confirm: true."
            }
            ToolName::Undo => {
                "Revert the last change made in this conversation (a deleted task comes back with its number). Use when the user says undo. Returns {status: \"undone\", undone: [...]}."
            }
        }
    }

    /// Whether the tool only reads.
    pub fn is_read_only(self) -> bool {
        matches!(self, ToolName::ListTasks | ToolName::SearchTasks)
    }

    /// Whether the tool needs a chat conversation (its history) to run.
    pub fn needs_conversation(self) -> bool {
        matches!(self, ToolName::Undo)
    }

    /// Whether the tool writes only after a `confirm: true` second call.
    pub fn is_confirmed_write(self) -> bool {
        matches!(
            self,
            ToolName::AddTasks | ToolName::CompleteTasks | ToolName::DeleteTasks
        )
    }

    /// The JSON schema of the tool's arguments.
    pub fn input_schema(self) -> Map<String, Value> {
        match self {
            ToolName::AddTask => schema_of::<AddTaskInput>(),
            ToolName::ListTasks => schema_of::<ListTasksInput>(),
            ToolName::CompleteTask | ToolName::DeleteTask | ToolName::ReopenTask => {
                schema_of::<TaskRefInput>()
            }
            ToolName::UpdateTask => schema_of::<UpdateTaskInput>(),
            ToolName::SearchTasks => schema_of::<SearchTasksInput>(),
            ToolName::SetPriority => schema_of::<SetPriorityInput>(),
            ToolName::AddTasks => schema_of::<AddTasksInput>(),
            ToolName::CompleteTasks | ToolName::DeleteTasks => schema_of::<TaskIdsInput>(),
            ToolName::Undo => schema_of::<UndoInput>(),
        }
    }
}

/// A tool's name, description and argument schema: what both the LLM planner
/// and the MCP server publish.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub input_schema: Map<String, Value>,
    pub read_only: bool,
}

/// The undo tool takes no arguments.
#[derive(Debug, Clone, Default, serde::Deserialize, schemars::JsonSchema)]
pub struct UndoInput {}

/// All tools a chat planner can offer, with their schemas.
pub fn tool_specs() -> Vec<ToolSpec> {
    specs(ToolName::ALL.into_iter())
}

/// The tools that work without a conversation (what MCP publishes).
pub fn standalone_tool_specs() -> Vec<ToolSpec> {
    specs(
        ToolName::ALL
            .into_iter()
            .filter(|t| !t.needs_conversation()),
    )
}

fn specs(tools: impl Iterator<Item = ToolName>) -> Vec<ToolSpec> {
    tools
        .map(|t| ToolSpec {
            name: t.as_str(),
            description: t.description(),
            input_schema: t.input_schema(),
            read_only: t.is_read_only(),
        })
        .collect()
}

/// Why a tool call did not do what was asked. These are answers, not crashes:
/// the chat replies politely and MCP returns a tool result with `isError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolFailure {
    UnknownTool(String),
    /// Arguments that do not fit the schema or a domain rule.
    InvalidArguments(String),
    /// No such task for this user.
    TaskNotFound(i64),
    /// A `user_id` argument naming someone other than the caller.
    WrongUser,
    /// The database failed; details went to the log.
    Unavailable,
}

impl ToolFailure {
    pub fn message(&self) -> String {
        match self {
            ToolFailure::UnknownTool(name) => format!(
                "unknown tool {name:?}; available: {}",
                ToolName::ALL.map(|t| t.as_str()).join(", ")
            ),
            ToolFailure::InvalidArguments(m) => format!("invalid arguments: {m}"),
            ToolFailure::TaskNotFound(id) => format!("task {id} not found"),
            ToolFailure::WrongUser => {
                "user_id does not match the authenticated user; omit it".to_string()
            }
            ToolFailure::Unavailable => {
                "the task database is unavailable; try again shortly".to_string()
            }
        }
    }

    /// The tool output recorded for a failed call.
    pub fn to_output(&self) -> Value {
        json!({ "error": self.message() })
    }
}

impl std::fmt::Display for ToolFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// A successful call: the JSON output in the documented shape, plus the full
/// task records involved, in output order, for reply wording.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSuccess {
    pub output: Value,
    pub tasks: Vec<Task>,
    /// The tasks as they were before a write (one snapshot, or an array for
    /// bulk writes): a chat session records it beside the output so undo can
    /// put them back. Not part of the output MCP clients or models see.
    pub before: Option<Value>,
}

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
        let tasks = self
            .store
            .list_tasks(user, &query)
            .await
            .map_err(store_failure)?
            .tasks;
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
        let tasks = self
            .store
            .list_tasks(user, &query)
            .await
            .map_err(store_failure)?
            .tasks;
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

/// A validated task from `add_task`-shaped input.
fn new_task(input: AddTaskInput) -> Result<NewTask, ToolFailure> {
    let mut task = NewTask::titled(Title::parse(&input.title).map_err(invalid)?);
    task.description = optional_description(input.description.as_deref())?;
    task.priority = input.priority.map(Priority::from).unwrap_or_default();
    task.tags = Tags::parse(&input.tags.unwrap_or_default()).map_err(invalid)?;
    task.due_at = match input.due_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(parse_due(raw)?),
    };
    task.recurrence = match input.recurrence {
        None | Some(Value::Null) => None,
        Some(raw) => Some(parse_recurrence(&raw)?),
    };
    Ok(task)
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

/// A recurrence argument: the JSON of `todo_core::Recurrence`.
fn parse_recurrence(raw: &Value) -> Result<todo_core::Recurrence, ToolFailure> {
    todo_core::Recurrence::parse_json(&raw.to_string()).map_err(invalid)
}

fn parse<T: DeserializeOwned>(args: Value) -> Result<T, ToolFailure> {
    serde_json::from_value(args).map_err(|e| ToolFailure::InvalidArguments(e.to_string()))
}

fn check_user(user: &UserId, given: Option<&str>) -> Result<(), ToolFailure> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(()),
        Some(raw) => match UserId::parse(raw) {
            Ok(id) if &id == user => Ok(()),
            _ => Err(ToolFailure::WrongUser),
        },
    }
}

fn invalid(e: todo_core::ValidationError) -> ToolFailure {
    ToolFailure::InvalidArguments(e.to_string())
}

fn optional_description(raw: Option<&str>) -> Result<Option<Description>, ToolFailure> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => Description::parse(d).map(Some).map_err(invalid),
    }
}

/// RFC 3339, or a bare `YYYY-MM-DDTHH:MM[:SS]` / `YYYY-MM-DD` taken as UTC.
pub fn parse_due(raw: &str) -> Result<DateTime<Utc>, ToolFailure> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.to_utc());
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, format) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    Err(ToolFailure::InvalidArguments(format!(
        "due_at {raw:?} is not a date-time; use RFC 3339 like 2026-11-22T17:00:00Z"
    )))
}

fn not_found_or(e: StoreError, id: i64) -> ToolFailure {
    match e {
        StoreError::NotFound(_) => ToolFailure::TaskNotFound(id),
        other => store_failure(other),
    }
}

fn store_failure(e: StoreError) -> ToolFailure {
    match e {
        StoreError::Invalid(v) => invalid(v),
        StoreError::NotFound(what) => ToolFailure::InvalidArguments(format!("{what} not found")),
        StoreError::Conflict(c) => ToolFailure::InvalidArguments(c),
        StoreError::Backend(detail) | StoreError::Unavailable(detail) => {
            tracing::error!(error = %detail, "task store failed in a tool call");
            ToolFailure::Unavailable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_inline_objects_with_required_fields() {
        for spec in tool_specs() {
            assert_eq!(spec.input_schema["type"], "object", "{}", spec.name);
            let text = Value::Object(spec.input_schema.clone()).to_string();
            assert!(!text.contains("$ref"), "{} has refs: {text}", spec.name);
        }
        let add = ToolName::AddTask.input_schema();
        assert_eq!(add["required"], json!(["title"]));
        let complete = ToolName::CompleteTask.input_schema();
        assert_eq!(complete["required"], json!(["task_id"]));
        assert_eq!(complete["properties"]["task_id"]["type"], "integer");
    }

    #[test]
    fn due_dates_parse_or_explain() {
        assert_eq!(
            parse_due("2026-11-22T17:00:00+01:00").unwrap().to_rfc3339(),
            "2026-11-22T16:00:00+00:00"
        );
        assert_eq!(
            parse_due("2026-11-22").unwrap().to_rfc3339(),
            "2026-11-22T00:00:00+00:00"
        );
        assert!(
            parse_due("tomorrow")
                .unwrap_err()
                .message()
                .contains("RFC 3339")
        );
    }

    #[test]
    fn user_id_argument_can_only_repeat_the_caller() {
        let me = UserId::random();
        assert!(check_user(&me, None).is_ok());
        assert!(check_user(&me, Some(me.as_str())).is_ok());
        assert_eq!(
            check_user(&me, Some(UserId::random().as_str())),
            Err(ToolFailure::WrongUser)
        );
        assert_eq!(check_user(&me, Some("admin")), Err(ToolFailure::WrongUser));
    }
}
