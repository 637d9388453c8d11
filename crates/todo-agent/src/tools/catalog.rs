//! Which tools there are: their names, what each tells a model it does, whether
//! it writes, and the JSON schema of its arguments.

use llm::schema_of;
use serde_json::{Map, Value};

use super::{
    AddTaskInput, AddTasksInput, ListTasksInput, SearchTasksInput, SetPriorityInput, TaskIdsInput,
    TaskRefInput, UpdateTaskInput,
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

#[cfg(test)]
mod tests {
    use serde_json::json;

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
}
