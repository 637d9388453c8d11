//! What the templates show: view models built from backend data, and the askama
//! template types. Views hold display-ready strings, so templates stay free of logic.

use askama::Template;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use todo_core::api::{ChatResponse, ConversationView, MessageView as StoredMessage, TaskView};
use todo_core::{ConversationId, Priority, Role, StatusFilter, TaskId, ToolCall};

use crate::assets::AssetUrls;

/// What every page's frame needs.
pub struct Chrome {
    pub csrf: String,
    pub assets: AssetUrls,
    /// `Some` when someone is signed in: shown with the log-out button.
    pub user_label: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html", whitespace = "minimize")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub email: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "signup.html", whitespace = "minimize")]
pub struct SignupPage {
    pub chrome: Chrome,
    pub name: String,
    pub email: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "problem.html", whitespace = "minimize")]
pub struct ProblemPage<'a> {
    pub chrome: Chrome,
    pub title: &'a str,
    pub message: &'a str,
    /// Where the page reloads itself to while the backend is away.
    pub retry_url: Option<String>,
    pub home: &'static str,
}

#[derive(Template)]
#[template(path = "problem_fragment.html", whitespace = "minimize")]
pub struct ProblemFragment<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub retry: bool,
}

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

#[derive(Template)]
#[template(path = "chat_reply.html", whitespace = "minimize")]
pub struct ChatReplyFragment {
    pub messages: Vec<MessageView>,
    /// The conversation the page continues; `None` when the turn did not reach one.
    pub conversation_id: Option<ConversationId>,
    /// The conversation picker again, when the reply started a new conversation.
    pub picker: Option<ChatView>,
}

/// The person's clock, as an offset from UTC reported by the page script (the
/// `tz` cookie); UTC until the script has run once.
#[derive(Debug, Clone, Copy)]
pub struct LocalClock(pub FixedOffset);

impl Default for LocalClock {
    fn default() -> Self {
        Self(FixedOffset::east_opt(0).expect("zero offset is valid"))
    }
}

impl LocalClock {
    /// Parses the `tz` cookie: minutes east of UTC, within ±14 hours.
    pub fn from_cookie(raw: Option<&str>) -> Self {
        raw.and_then(|v| v.parse::<i32>().ok())
            .filter(|m| m.abs() <= 14 * 60)
            .and_then(|m| FixedOffset::east_opt(m * 60))
            .map(Self)
            .unwrap_or_default()
    }

    /// The offset as the chat endpoint takes it, e.g. `+02:00`.
    pub fn offset_text(&self) -> String {
        let minutes = self.0.local_minus_utc() / 60;
        let sign = if minutes < 0 { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
    }

    /// A `datetime-local` input value for an instant.
    pub fn input_value(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// Reads a `datetime-local` input value (empty means none).
    pub fn parse_input(&self, raw: &str) -> Result<Option<DateTime<Utc>>, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
            .map_err(|_| {
                format!("due date {raw:?} is not a date and time like 2026-03-01T17:00")
            })?;
        self.0
            .from_local_datetime(&naive)
            .single()
            .map(|t| Some(t.with_timezone(&Utc)))
            .ok_or_else(|| format!("due date {raw:?} does not exist in your time zone"))
    }

    fn label(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.0);
        let today = now.with_timezone(&self.0).date_naive();
        let day = local.date_naive();
        let time = local.format("%H:%M");
        match (day - today).num_days() {
            0 => format!("today {time}"),
            1 => format!("tomorrow {time}"),
            -1 => format!("yesterday {time}"),
            _ if local.format("%Y").to_string()
                == now.with_timezone(&self.0).format("%Y").to_string() =>
            {
                local.format("%b %-d, %H:%M").to_string()
            }
            _ => local.format("%b %-d %Y, %H:%M").to_string(),
        }
    }
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

pub struct ToolView {
    pub name: String,
    pub input: String,
    pub output: String,
}

impl From<&ToolCall> for ToolView {
    fn from(call: &ToolCall) -> Self {
        let pretty = |v: &serde_json::Value| {
            serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
        };
        Self {
            name: call.tool.clone(),
            input: pretty(&call.input),
            output: pretty(&call.output),
        }
    }
}

pub struct MessageView {
    pub from_user: bool,
    pub content: String,
    pub tools: Vec<ToolView>,
    pub failed: bool,
}

impl MessageView {
    pub fn user(content: &str) -> Self {
        Self {
            from_user: true,
            content: content.to_string(),
            tools: Vec::new(),
            failed: false,
        }
    }

    pub fn reply(reply: &ChatResponse) -> Self {
        Self {
            from_user: false,
            content: reply.response.clone(),
            tools: reply.tool_calls.iter().map(ToolView::from).collect(),
            failed: false,
        }
    }

    pub fn failure(content: impl Into<String>) -> Self {
        Self {
            from_user: false,
            content: content.into(),
            tools: Vec::new(),
            failed: true,
        }
    }
}

impl From<&StoredMessage> for MessageView {
    fn from(m: &StoredMessage) -> Self {
        Self {
            from_user: m.role == Role::User,
            content: m.content.clone(),
            tools: m.tool_calls.iter().map(ToolView::from).collect(),
            failed: false,
        }
    }
}

pub struct ConversationOption {
    pub id: ConversationId,
    pub label: String,
    pub selected: bool,
}

pub struct ChatView {
    pub conversation_id: Option<ConversationId>,
    pub conversations: Vec<ConversationOption>,
    pub messages: Vec<MessageView>,
    pub suggestions: &'static [&'static str],
}

impl ChatView {
    pub const SUGGESTIONS: &'static [&'static str] = &[
        "Add a task to buy groceries",
        "What's pending?",
        "What have I completed?",
    ];

    pub fn new(
        conversation_id: Option<ConversationId>,
        conversations: &[ConversationView],
        messages: &[StoredMessage],
        clock: LocalClock,
    ) -> Self {
        let now = Utc::now();
        let conversations = conversations
            .iter()
            .map(|c| {
                // Conversations have no titles: the number and when it was last active.
                let when = clock.label(c.updated_at, now);
                ConversationOption {
                    id: c.id,
                    label: format!("Chat #{} · {when}", c.id),
                    selected: Some(c.id) == conversation_id,
                }
            })
            .collect();
        Self {
            conversation_id,
            conversations,
            messages: messages.iter().map(MessageView::from).collect(),
            suggestions: Self::SUGGESTIONS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_clock_round_trips_input_values() {
        let clock = LocalClock::from_cookie(Some("120"));
        let at = clock.parse_input("2026-03-01T17:00").unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-01T15:00:00+00:00");
        assert_eq!(clock.input_value(at), "2026-03-01T17:00");
        assert_eq!(clock.offset_text(), "+02:00");
        assert_eq!(
            LocalClock::from_cookie(Some("-330")).offset_text(),
            "-05:30"
        );
        assert_eq!(clock.parse_input(" ").unwrap(), None);
        assert!(
            clock
                .parse_input("tomorrow")
                .unwrap_err()
                .contains("not a date")
        );
    }

    #[test]
    fn bad_tz_cookies_fall_back_to_utc() {
        for raw in [None, Some("x"), Some("100000")] {
            assert_eq!(LocalClock::from_cookie(raw).0.local_minus_utc(), 0);
        }
    }

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
