//! Requests that touch several tasks, and the answers that follow them: every
//! multi-task write is previewed first (the tool's `needs_confirmation`), and
//! only a "yes" to that very preview runs it. The pending question lives in the
//! stored conversation (the previous reply's tool call), nothing in memory.

use serde_json::{Map, Value, json};
use todo_core::{Message, Role};

use super::context::Listed;
use super::entities::{Selection, title_matches};
use super::intent::{Action, AddRequest};
use super::statements::is_neutral;
use super::wording;
use crate::clock::TurnClock;
use crate::planner::ToolSession;

/// The preview the latest reply showed, waiting for a yes: `(tool, input)`.
pub fn pending_preview(history: &[Message]) -> Option<(String, Value)> {
    let last = history.iter().rev().find(|m| m.role == Role::Assistant)?;
    last.tool_calls
        .iter()
        .rev()
        .find(|c| c.output.get("status").and_then(Value::as_str) == Some("needs_confirmation"))
        .map(|c| (c.tool.clone(), c.input.clone()))
}

/// The title the latest reply offered to add ("Should I add 'Milk'?"), from
/// the user message it answered.
fn offered_title(history: &[Message], clock: &TurnClock) -> Option<String> {
    let last = history.iter().rposition(|m| m.role == Role::Assistant)?;
    let asked = history[..last].last().filter(|m| m.role == Role::User)?;
    match super::detect(&super::Phrase::new(&asked.content), clock) {
        super::Intent::Suggest(title) => Some(title),
        _ => None,
    }
}

/// "yes" / "no" to the last reply.
pub async fn answer(
    yes: bool,
    history: &[Message],
    tools: &mut ToolSession<'_>,
    clock: &TurnClock,
) -> String {
    if yes
        && pending_preview(history).is_none()
        && let Some(title) = offered_title(history, clock)
    {
        return match tools.call("add_task", json!({"title": title})).await {
            Ok(ok) => match ok.tasks.first() {
                Some(task) => wording::added(task, clock),
                None => format!("Added '{title}'."),
            },
            Err(e) => wording::failure(&e),
        };
    }
    match (pending_preview(history), yes) {
        (Some((tool, mut input)), true) => {
            if let Value::Object(map) = &mut input {
                map.insert("confirm".into(), json!(true));
            }
            match tools.call(&tool, input).await {
                Ok(ok) => wording::bulk_done(&ok.output),
                Err(e) => wording::failure(&e),
            }
        }
        (Some(_), false) => "OK, I left everything as it was.".to_string(),
        (None, true) => {
            "Okay! There's nothing waiting for a yes right now. What would you like to do with your tasks?"
                .to_string()
        }
        (None, false) => "Okay. Anything else I can do for your tasks?".to_string(),
    }
}

pub async fn undo(tools: &mut ToolSession<'_>) -> String {
    match tools.call("undo", json!({})).await {
        Ok(ok) => wording::undone(&ok.output),
        Err(e) => format!(
            "I couldn't undo that: {}.",
            e.message().trim_start_matches("invalid arguments: ")
        ),
    }
}

/// The `add_task`-shaped JSON of one request.
pub fn add_input(req: &AddRequest, title: &str) -> Map<String, Value> {
    let mut input = Map::new();
    input.insert("title".into(), json!(title));
    if let Some(d) = &req.description {
        input.insert("description".into(), json!(d));
    }
    if let Some(p) = req.priority {
        input.insert("priority".into(), json!(p.as_str()));
    }
    if !req.tags.is_empty() {
        input.insert("tags".into(), json!(req.tags));
    }
    if let Some(due) = req.due {
        input.insert("due_at".into(), json!(super::rfc3339(due)));
    }
    if let Some(r) = &req.recurrence {
        input.insert("recurrence".into(), r.clone());
    }
    input
}

/// Several tasks to create: previewed, created after a yes.
pub async fn add_many(reqs: Vec<AddRequest>, tools: &mut ToolSession<'_>) -> String {
    let tasks: Vec<Value> = reqs
        .iter()
        .filter_map(|r| r.title.as_deref().map(|t| Value::Object(add_input(r, t))))
        .collect();
    preview("add_tasks", json!({"tasks": tasks}), tools).await
}

async fn preview(tool: &str, input: Value, tools: &mut ToolSession<'_>) -> String {
    match tools.call(tool, input).await {
        Ok(ok) => wording::confirm_question(tool, &ok.output),
        Err(e) => wording::failure(&e),
    }
}

/// Several tasks by number.
pub async fn act_on_ids(action: Action, ids: &[i64], tools: &mut ToolSession<'_>) -> String {
    let tool = match action {
        Action::Delete => "delete_tasks",
        Action::Complete => "complete_tasks",
        Action::Reopen | Action::Update => {
            return format!(
                "I can do that one task at a time: say, for example, \"{} task {}\".",
                if action == Action::Reopen {
                    "reopen"
                } else {
                    "rename"
                },
                ids.first().copied().unwrap_or(1)
            );
        }
    };
    preview(tool, json!({"task_ids": ids}), tools).await
}

/// A whole group ("all completed tasks"): listed, then previewed.
pub async fn act_on_group(
    action: Action,
    selection: &Selection,
    tools: &mut ToolSession<'_>,
) -> String {
    let tool = match action {
        Action::Delete => "delete_tasks",
        Action::Complete => "complete_tasks",
        Action::Reopen | Action::Update => {
            return "I can do that one task at a time: say, for example, \"reopen task 3\"."
                .to_string();
        }
    };
    // Completing a group means its open tasks; done ones are already done.
    let completed = match (action, selection.completed) {
        (Action::Complete, None) => Some(false),
        (_, c) => c,
    };
    let status = match completed {
        None => "all",
        Some(true) => "completed",
        Some(false) => "pending",
    };
    let listed = match &selection.tag {
        Some(tag) => {
            let mut input = Map::new();
            input.insert("tag".into(), json!(tag));
            if status != "all" {
                input.insert("status".into(), json!(status));
            }
            tools.call("search_tasks", Value::Object(input)).await
        }
        None => tools.call("list_tasks", json!({"status": status})).await,
    };
    let tasks: Vec<Listed> = match listed {
        Ok(ok) => serde_json::from_value(ok.output).unwrap_or_default(),
        Err(e) => return wording::failure(&e),
    };
    if tasks.is_empty() {
        let what = match (status, &selection.tag) {
            ("completed", _) => "completed tasks",
            ("pending", _) => "open tasks",
            _ => "tasks",
        };
        let tag = selection
            .tag
            .as_ref()
            .map(|t| format!(" tagged #{t}"))
            .unwrap_or_default();
        return format!("There are no {what}{tag}, so nothing changed.");
    }
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    preview(tool, json!({"task_ids": ids}), tools).await
}

/// The open tasks a statement of fact may mean. The verb must be in the title
/// too ("I washed the car" never completes "Sell the car") unless it only says
/// "done" ("I did the laundry", "went to the gym").
pub fn statement_candidates(object: &[String], verb: &str, tasks: &[Listed]) -> Vec<Listed> {
    let open = tasks.iter().filter(|t| !t.completed);
    let mut with_verb = object.to_vec();
    with_verb.push(verb.to_string());
    let strong: Vec<Listed> = open
        .clone()
        .filter(|t| title_matches(&with_verb, &t.title))
        .cloned()
        .collect();
    if !strong.is_empty() || !is_neutral(verb) {
        return strong;
    }
    open.filter(|t| title_matches(object, &t.title))
        .cloned()
        .collect()
}

/// Marks done the one open task a statement names; asks when several fit.
pub async fn complete_stated(
    object: &[String],
    verb: &str,
    tools: &mut ToolSession<'_>,
    clock: &TurnClock,
) -> String {
    let listed = match tools.call("list_tasks", json!({"status": "all"})).await {
        Ok(ok) => serde_json::from_value::<Vec<Listed>>(ok.output).unwrap_or_default(),
        Err(e) => return wording::failure(&e),
    };
    let found = statement_candidates(object, verb, &listed);
    match found.as_slice() {
        [] => format!(
            "I couldn't find an open task about '{}', so nothing changed. Say \"show my tasks\" to see your list.",
            object.join(" ")
        ),
        [one] => {
            super::execute(
                Action::Complete,
                one.id,
                &super::intent::Changes::default(),
                tools,
                clock,
            )
            .await
        }
        many => wording::ask_which(Action::Complete, object, many),
    }
}
