//! How replies are worded: they say exactly what was done, with ids, so the
//! person can check it and refer to the task next time.

use chrono::{DateTime, Datelike, Utc};
use todo_core::{Priority, Task};

use super::context::Listed;
use super::intent::{Action, Changes, ListRequest};
use crate::clock::TurnClock;
use crate::tools::{StatusArg, ToolFailure};

pub const HELP: &str = "I can manage your tasks. Try:\n\
• \"Add a task to buy groceries tomorrow at 5pm\"\n\
• \"Show my tasks\", \"What's pending?\" or \"What have I completed?\"\n\
• \"Mark task 3 as complete\" or \"I'm done with the dentist one\"\n\
• \"Delete the meeting task\"\n\
• \"Change task 1 to 'Call mom tonight'\" or \"Move task 2 to friday\"\n\
• \"Make task 2 high priority\" or \"Tag task 2 with #work\"";

/// "today 17:00", "tomorrow 09:00", "Friday 09:00", "Sat 5 Dec 15:00".
pub fn describe_time(at: DateTime<Utc>, clock: &TurnClock) -> String {
    let local = clock.tz.local(at);
    let days = (local.date() - clock.today()).num_days();
    let time = local.format("%H:%M");
    match days {
        0 => format!("today {time}"),
        1 => format!("tomorrow {time}"),
        -1 => format!("yesterday {time}"),
        2..=6 => format!("{} {time}", local.format("%A")),
        _ if local.year() == clock.today().year() => {
            format!("{} {time}", local.format("%a %-d %b"))
        }
        _ => format!("{} {time}", local.format("%a %-d %b %Y")),
    }
}

fn details(task: &Task, clock: &TurnClock) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(due) = task.due_at {
        parts.push(format!("due {}", describe_time(due, clock)));
    }
    if task.priority != Priority::Medium {
        parts.push(format!("{} priority", task.priority));
    }
    if !task.tags.is_empty() {
        let tags: Vec<String> = task.tags.iter().map(|t| format!("#{t}")).collect();
        parts.push(format!("tagged {}", tags.join(" ")));
    }
    parts
}

fn with_details(head: String, task: &Task, clock: &TurnClock) -> String {
    let d = details(task, clock);
    if d.is_empty() {
        format!("{head}.")
    } else {
        format!("{head}, {}.", d.join(", "))
    }
}

pub fn added(task: &Task, clock: &TurnClock) -> String {
    with_details(
        format!("Added '{}' (task {})", task.title, task.id),
        task,
        clock,
    )
}

pub fn acted(action: Action, task: &Task, clock: &TurnClock) -> String {
    match action {
        Action::Complete => format!(
            "Marked '{}' (task {}) as complete. Nice work!",
            task.title, task.id
        ),
        Action::Reopen => format!(
            "Marked '{}' (task {}) as not done yet.",
            task.title, task.id
        ),
        Action::Delete => format!("Deleted '{}' (task {}).", task.title, task.id),
        Action::Update => with_details(
            format!("Updated task {}: '{}'", task.id, task.title),
            task,
            clock,
        ),
    }
}

pub fn updated(task: &Task, changes: &Changes, clock: &TurnClock) -> String {
    let mut said = Vec::new();
    if changes.title.is_some() {
        said.push(format!("renamed it to '{}'", task.title));
    }
    if changes.description.is_some() {
        said.push(match &task.description {
            Some(d) => format!("set the description to \"{d}\""),
            None => "removed the description".to_string(),
        });
    }
    if let Some(p) = changes.priority {
        said.push(format!("set it to {p} priority"));
    }
    if !changes.add_tags.is_empty() {
        let tags: Vec<String> = task.tags.iter().map(|t| format!("#{t}")).collect();
        said.push(format!("its tags are now {}", tags.join(" ")));
    }
    if let Some(due) = task.due_at.filter(|_| changes.due.is_some()) {
        said.push(format!("it is now due {}", describe_time(due, clock)));
    }
    if said.is_empty() {
        return format!("Updated '{}' (task {}).", task.title, task.id);
    }
    let title = if changes.title.is_some() {
        String::new()
    } else {
        format!(" '{}'", task.title)
    };
    format!("Updated task {}{}: {}.", task.id, title, said.join(", "))
}

/// Lines of a listing reply; a chat bubble with hundreds of lines helps no one.
/// Positions past it still resolve ("the 40th one"), from the tool output.
const MAX_LISTED: usize = 25;

pub fn listing(request: &ListRequest, tasks: &[Task], clock: &TurnClock) -> String {
    let status_word = match request.status {
        StatusArg::All => "",
        StatusArg::Pending => "pending ",
        StatusArg::Completed => "completed ",
    };
    let mut filter = Vec::new();
    if let Some(p) = request.priority {
        filter.push(format!("{p} priority"));
    }
    if let Some(t) = &request.tag {
        filter.push(format!("tagged #{t}"));
    }
    if let Some(q) = &request.query {
        filter.push(format!("matching '{q}'"));
    }
    if let Some(due) = request.due {
        filter.push(
            match due {
                super::intent::DueWindow::Today => "due today",
                super::intent::DueWindow::ThisWeek => "due this week",
                super::intent::DueWindow::Overdue => "overdue",
            }
            .to_string(),
        );
    }
    if let Some(before) = request.due_before {
        if before <= clock.now {
            filter.push("overdue".to_string());
        } else {
            filter.push(format!("due before {}", describe_time(before, clock)));
        }
    }
    let plain = request.is_plain() && request.due.is_none();
    let filter = if filter.is_empty() {
        String::new()
    } else {
        format!(" ({})", filter.join(", "))
    };
    if tasks.is_empty() {
        return match (request.status, plain) {
            (StatusArg::All, true) => {
                "You have no tasks yet. Try \"add buy groceries tomorrow\".".to_string()
            }
            (StatusArg::Pending, true) => "Nothing pending — you're all caught up!".to_string(),
            (StatusArg::Completed, true) => "You haven't completed any tasks yet.".to_string(),
            _ => format!("No {status_word}tasks{filter}."),
        };
    }
    let noun = if tasks.len() == 1 { "task" } else { "tasks" };
    let mut out = format!("You have {} {status_word}{noun}{filter}:", tasks.len());
    for (i, t) in tasks.iter().enumerate().take(MAX_LISTED) {
        let mut d = details(t, clock);
        if t.completed && request.status != StatusArg::Completed {
            d.insert(0, "done".to_string());
        }
        let d = if d.is_empty() {
            String::new()
        } else {
            format!(" — {}", d.join(", "))
        };
        out.push_str(&format!("\n{}. {} (task {}){d}", i + 1, t.title, t.id));
    }
    if tasks.len() > MAX_LISTED {
        out.push_str(&format!(
            "\n…and {} more. Narrow it down, e.g. \"show my pending tasks\", \"show #work tasks\" or \"find tasks about …\".",
            tasks.len() - MAX_LISTED
        ));
    }
    out
}

/// The question before a bulk write: what would change, and how to say yes.
pub fn confirm_question(tool: &str, output: &serde_json::Value) -> String {
    let items = output
        .get("tasks")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let n = items.len();
    let noun = if n == 1 { "task" } else { "tasks" };
    let head = match tool {
        "delete_tasks" => format!("This deletes {n} {noun}:"),
        "complete_tasks" => format!("This marks {n} {noun} as complete:"),
        _ => format!("This adds {n} {noun}:"),
    };
    let mut out = head;
    for (i, t) in items.iter().enumerate().take(MAX_LISTED) {
        let title = t
            .get("title")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        match t.get("task_id").and_then(serde_json::Value::as_i64) {
            Some(id) => out.push_str(&format!("\n{}. {title} (task {id})", i + 1)),
            None => out.push_str(&format!("\n{}. {title}", i + 1)),
        }
    }
    if n > MAX_LISTED {
        out.push_str(&format!("\n…and {} more.", n - MAX_LISTED));
    }
    out.push_str("\nReply yes to go ahead, or no to leave everything as it is.");
    out
}

/// What a confirmed bulk write or an undo did.
pub fn bulk_done(output: &serde_json::Value) -> String {
    let verb = match output.get("status").and_then(serde_json::Value::as_str) {
        Some("deleted") => "Deleted",
        Some("completed") => "Marked as complete",
        Some("created") => "Added",
        _ => "Done",
    };
    let items = output
        .get("tasks")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let names: Vec<String> = items
        .iter()
        .map(|t| {
            format!(
                "'{}' (task {})",
                t.get("title")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(""),
                t.get("task_id")
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or_default()
            )
        })
        .collect();
    format!(
        "{verb} {} task{}: {}. Say \"undo\" to take it back.",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    )
}

/// What an undo put back.
pub fn undone(output: &serde_json::Value) -> String {
    let items = output
        .get("undone")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let parts: Vec<String> = items
        .iter()
        .map(|t| {
            let title = t
                .get("title")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            let id = t
                .get("task_id")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or_default();
            match t.get("action").and_then(serde_json::Value::as_str) {
                Some("removed") => format!("removed '{title}' (task {id})"),
                Some("restored") => format!("brought back '{title}' (task {id})"),
                _ => format!("put '{title}' (task {id}) back as it was"),
            }
        })
        .collect();
    format!("Undone: {}.", parts.join(", "))
}

pub fn ask_which(action: Action, words: &[String], candidates: &[Listed]) -> String {
    let verb = match action {
        Action::Complete => "mark as complete",
        Action::Reopen => "reopen",
        Action::Delete => "delete",
        Action::Update => "change",
    };
    let mut out = format!(
        "I found {} tasks matching '{}'. Which one should I {verb}?",
        candidates.len(),
        words.join(" ")
    );
    for (i, c) in candidates.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. {} (task {}){}",
            i + 1,
            c.title,
            c.id,
            if c.completed { " — done" } else { "" }
        ));
    }
    out.push_str("\nReply with \"the first one\", a number, or the task id.");
    out
}

pub fn no_match(words: &[String]) -> String {
    format!(
        "I couldn't find a task matching '{}'. Say \"show my tasks\" to see your list.",
        words.join(" ")
    )
}

pub fn failure(failure: &ToolFailure) -> String {
    match failure {
        ToolFailure::TaskNotFound(id) => {
            format!("I couldn't find task {id}. Say \"show my tasks\" to see your list.")
        }
        ToolFailure::Unavailable => {
            "Sorry, I can't reach your task list right now. Please try again in a moment."
                .to_string()
        }
        other => format!("I couldn't do that: {}.", other.message()),
    }
}
