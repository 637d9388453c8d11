//! The task page: the list, the add and edit forms, and the page around them.

use askama::Template;
use chrono::{DateTime, Utc};
use todo_core::api::TaskView;
use todo_core::{Priority, StatusFilter, TaskId};

use super::{ChatView, Chrome, LocalClock};

#[derive(Template)]
#[template(path = "app.html", whitespace = "minimize")]
pub struct AppPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub list: TaskListView,
    pub add: TaskFormView,
    pub chat: ChatView,
}

#[derive(Template)]
#[template(path = "task_list_fragment.html", whitespace = "minimize")]
pub struct TaskListFragment {
    pub csrf: String,
    pub list: TaskListView,
}

#[derive(Template)]
#[template(path = "task_add_fragment.html", whitespace = "minimize")]
pub struct AddFormFragment {
    pub csrf: String,
    pub add: TaskFormView,
}

#[derive(Template)]
#[template(path = "task_edit_fragment.html", whitespace = "minimize")]
pub struct EditFragment {
    pub csrf: String,
    pub edit: TaskFormView,
}

#[derive(Template)]
#[template(path = "edit_page.html", whitespace = "minimize")]
pub struct EditPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub edit: TaskFormView,
}

pub struct DueView {
    pub iso: String,
    pub label: String,
    /// Not completed and past due.
    pub overdue: bool,
    /// Due later today (the person's day), not overdue yet.
    pub today: bool,
}

pub struct TaskRow {
    pub id: TaskId,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: &'static str,
    pub priority_label: &'static str,
    pub tags: Vec<String>,
    pub due: Option<DueView>,
    /// How it repeats, e.g. "weekly on Mon, Thu".
    pub repeat: Option<String>,
}

impl TaskRow {
    /// The row's state classes: overdue and due-today rows stand out in the list.
    pub fn state_class(&self) -> &'static str {
        match &self.due {
            Some(due) if due.overdue => " overdue",
            Some(due) if due.today && !self.completed => " due-today",
            _ => "",
        }
    }

    pub fn new(task: TaskView, clock: LocalClock, now: DateTime<Utc>) -> Self {
        let local_day = |t: DateTime<Utc>| t.with_timezone(&clock.0).date_naive();
        let due = task.due_at.map(|at| DueView {
            iso: at.to_rfc3339(),
            label: clock.label(at, now),
            overdue: !task.completed && at < now,
            today: at >= now && local_day(at) == local_day(now),
        });
        Self {
            id: task.id,
            title: task.title,
            description: task.description.filter(|d| !d.trim().is_empty()),
            completed: task.completed,
            priority: task.priority.as_str(),
            priority_label: priority_label(task.priority),
            tags: task.tags,
            due,
            repeat: task.recurrence.map(|r| r.describe()),
        }
    }
}

fn priority_label(p: Priority) -> &'static str {
    match p {
        Priority::Low => "Low",
        Priority::Medium => "Medium",
        Priority::High => "High",
    }
}

pub struct ChoiceView {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The task list with its filters and paging.
pub struct TaskListView {
    pub rows: Vec<TaskRow>,
    pub status_options: Vec<ChoiceView>,
    pub search: String,
    pub summary: String,
    pub empty_title: &'static str,
    pub empty_hint: &'static str,
    /// Path and query of this view, so forms can come back to it without JS.
    pub self_href: String,
    /// `self_href` encoded for use as a query parameter value.
    pub back_param: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub page_label: String,
}

/// The filters and page of the task list, as in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListState {
    pub status: StatusFilter,
    pub search: Option<String>,
    /// 1-based.
    pub page: u32,
}

impl ListState {
    pub const PAGE_SIZE: u32 = 200;

    pub fn query_string(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if self.status != StatusFilter::All {
            pairs.push(("status", self.status.as_str().into()));
        }
        if let Some(q) = &self.search {
            pairs.push(("q", q.clone()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    pub fn href(&self) -> String {
        let query = self.query_string(self.page);
        if query.is_empty() {
            "/tasks".into()
        } else {
            format!("/tasks?{query}")
        }
    }
}

impl TaskListView {
    pub fn new(state: &ListState, tasks: Vec<TaskView>, total: u64, clock: LocalClock) -> Self {
        let now = Utc::now();
        let shown = tasks.len() as u64;
        let rows: Vec<TaskRow> = tasks
            .into_iter()
            .map(|t| TaskRow::new(t, clock, now))
            .collect();
        let status_options = [
            (StatusFilter::All, "All"),
            (StatusFilter::Pending, "Pending"),
            (StatusFilter::Completed, "Completed"),
        ]
        .into_iter()
        .map(|(s, label)| ChoiceView {
            value: s.as_str(),
            label,
            selected: s == state.status,
        })
        .collect();
        let noun = match state.status {
            StatusFilter::All => "task",
            StatusFilter::Pending => "pending task",
            StatusFilter::Completed => "completed task",
        };
        let plural = if total == 1 { "" } else { "s" };
        let mut summary = format!("{total} {noun}{plural}");
        if let Some(q) = &state.search {
            summary.push_str(&format!(" matching “{q}”"));
        }
        let (empty_title, empty_hint) = match (state.search.is_some(), state.status) {
            (true, _) => (
                "Nothing matches that search.",
                "Try other words, or clear the search box.",
            ),
            (false, StatusFilter::Completed) => (
                "Nothing completed yet.",
                "Tick a task when it is done and it shows up here.",
            ),
            (false, StatusFilter::Pending) => (
                "All done!",
                "No pending tasks. Enjoy the moment, or add the next one.",
            ),
            (false, StatusFilter::All) => (
                "No tasks yet.",
                "Add one above, or tell the assistant: “Add a task to buy groceries”.",
            ),
        };
        let page = state.page.max(1);
        let offset = u64::from(page - 1) * u64::from(ListState::PAGE_SIZE);
        let prev_href = (page > 1).then(|| state.query_string(page - 1));
        let next_href = (offset + shown < total).then(|| state.query_string(page + 1));
        let pages = total.div_ceil(u64::from(ListState::PAGE_SIZE)).max(1);
        Self {
            rows,
            status_options,
            search: state.search.clone().unwrap_or_default(),
            summary,
            empty_title,
            empty_hint,
            self_href: state.href(),
            back_param: serde_urlencoded::to_string([("back", state.href())])
                .unwrap_or_default()
                .trim_start_matches("back=")
                .to_string(),
            prev_href,
            next_href,
            page_label: format!("Page {page} of {pages}"),
        }
    }
}

/// The add form and the edit form: what was typed, or the task's values.
pub struct TaskFormView {
    /// The task being edited; `TaskId(0)` on the add form (task numbers start at 1).
    pub id: TaskId,
    pub title: String,
    pub description: String,
    pub priorities: Vec<ChoiceView>,
    pub tags: String,
    pub due: String,
    pub repeats: Vec<crate::repeat::RepeatOption>,
    pub error: Option<String>,
    /// Whether the optional fields start unfolded (they hold something).
    pub expanded: bool,
    pub back: String,
}

impl TaskFormView {
    pub fn blank(back: String) -> Self {
        Self {
            id: TaskId(0),
            title: String::new(),
            description: String::new(),
            priorities: priority_choices(Priority::Medium),
            tags: String::new(),
            due: String::new(),
            repeats: crate::repeat::options(""),
            error: None,
            expanded: false,
            back,
        }
    }

    pub fn from_task(task: &TaskView, clock: LocalClock, back: String) -> Self {
        Self {
            id: task.id,
            title: task.title.clone(),
            description: task.description.clone().unwrap_or_default(),
            priorities: priority_choices(task.priority),
            tags: task.tags.join(", "),
            due: task
                .due_at
                .map(|d| clock.input_value(d))
                .unwrap_or_default(),
            repeats: crate::repeat::options(&crate::repeat::form_value(task.recurrence.as_ref())),
            error: None,
            expanded: false,
            back,
        }
    }
}

pub fn priority_choices(selected: Priority) -> Vec<ChoiceView> {
    Priority::ALL
        .into_iter()
        .rev()
        .map(|p| ChoiceView {
            value: p.as_str(),
            label: priority_label(p),
            selected: p == selected,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_state_builds_stable_links() {
        let state = ListState {
            status: StatusFilter::Pending,
            search: Some("milk & eggs".into()),
            page: 2,
        };
        assert_eq!(state.href(), "/tasks?status=pending&q=milk+%26+eggs&page=2");
        assert_eq!(ListState::default().href(), "/tasks");
    }

    #[test]
    fn pager_appears_only_when_there_is_more() {
        let user = todo_core::UserId::random();
        let task = |id| TaskView {
            id: TaskId(id),
            user_id: user.clone(),
            title: format!("t{id}"),
            description: None,
            completed: false,
            priority: Priority::Medium,
            tags: vec![],
            due_at: None,
            recurrence: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let state = ListState {
            page: 1,
            ..ListState::default()
        };
        let view = TaskListView::new(
            &state,
            (0..200).map(task).collect(),
            250,
            LocalClock::default(),
        );
        assert_eq!(view.next_href.as_deref(), Some("page=2"));
        assert!(view.prev_href.is_none());
        let view = TaskListView::new(&state, vec![task(1)], 1, LocalClock::default());
        assert!(view.next_href.is_none());
        assert_eq!(view.summary, "1 task");
    }
}
