//! Form posts as the browser sends them, and their parsing into validated values.
//! Every message here tells the person what to change.

use serde::Deserialize;
use todo_core::{
    ChatText, ConversationId, Description, Email, Password, PersonName, Priority, SearchText,
    StatusFilter, Tags, Title,
};

use crate::backend::TaskFields;
use crate::views::{ListState, LocalClock};

/// Not `Debug`: it holds a password.
#[derive(Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

impl std::fmt::Debug for SignupForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignupForm")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

#[derive(Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// A validated sign-up.
pub struct Signup {
    pub name: PersonName,
    pub email: Email,
    pub password: Password,
}

impl SignupForm {
    pub fn parse(&self) -> Result<Signup, String> {
        let name = PersonName::parse(&self.name).map_err(|e| format!("Name {}.", e.message))?;
        let email = Email::parse(&self.email).map_err(|e| format!("E-mail {}.", e.message))?;
        let password =
            Password::parse(&self.password).map_err(|e| format!("Password {}.", e.message))?;
        Ok(Signup {
            name,
            email,
            password,
        })
    }
}

impl LoginForm {
    pub fn parse(&self) -> Result<(Email, &str), String> {
        let email = Email::parse(&self.email).map_err(|e| format!("E-mail {}.", e.message))?;
        if self.password.is_empty() {
            return Err("Enter your password.".into());
        }
        Ok((email, &self.password))
    }
}

/// The add and edit forms.
#[derive(Debug, Default, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub due: String,
    /// The Repeats select (see `repeat.rs`).
    #[serde(default)]
    pub repeat: String,
    #[serde(default)]
    pub back: String,
}

impl TaskForm {
    pub fn parse(&self, clock: LocalClock) -> Result<TaskFields, String> {
        let title = Title::parse(&self.title).map_err(|e| format!("Title {}.", e.message))?;
        let description = Description::parse(&self.description)
            .map_err(|e| format!("Description {}.", e.message))?;
        let priority = if self.priority.trim().is_empty() {
            Priority::default()
        } else {
            Priority::parse(&self.priority).map_err(|e| format!("{}.", e.message))?
        };
        let words: Vec<&str> = self
            .tags
            .split([',', ' ', '\t'])
            .filter(|t| !t.trim().is_empty())
            .collect();
        let tags = Tags::parse(&words).map_err(|e| format!("Tags: {}.", e.message))?;
        let due_at = clock
            .parse_input(&self.due)
            .map_err(|e| format!("The {e}."))?;
        let due_day = due_at
            .unwrap_or_else(chrono::Utc::now)
            .with_timezone(&clock.0)
            .date_naive();
        let recurrence = crate::repeat::parse(&self.repeat, due_day)?;
        Ok(TaskFields {
            title: title.into_inner(),
            description: description.into_inner(),
            priority,
            tags: tags.to_strings(),
            due_at,
            recurrence,
        })
    }

    /// Where to go after a post without JS: a task-list URL of this site, nothing else.
    pub fn back(&self) -> String {
        safe_back(&self.back)
    }
}

/// Forms that only carry the way back (toggle, delete).
#[derive(Debug, Default, Deserialize)]
pub struct BackForm {
    #[serde(default)]
    pub back: String,
}

/// Only task-list paths of this site, so the field cannot redirect elsewhere.
pub fn safe_back(raw: &str) -> String {
    let ok = (raw == "/tasks" || raw.starts_with("/tasks?"))
        && !raw.contains("//")
        && !raw.contains('\\')
        && raw.chars().all(|c| c.is_ascii_graphic());
    if ok {
        raw.to_string()
    } else {
        "/tasks".to_string()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ChatForm {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub conversation_id: String,
}

impl ChatForm {
    pub fn parse(&self) -> Result<(ChatText, Option<ConversationId>), String> {
        let text =
            ChatText::parse(&self.message).map_err(|e| format!("Your message {}.", e.message))?;
        Ok((text, parse_conversation(&self.conversation_id)?))
    }
}

/// `""` or `"new"` mean a new conversation; anything else must be an id.
pub fn parse_conversation(raw: &str) -> Result<Option<ConversationId>, String> {
    match raw.trim() {
        "" | "new" => Ok(None),
        id => id
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(|id| Some(ConversationId(id)))
            .ok_or_else(|| format!("Conversation {id:?} is not a conversation number.")),
    }
}

/// The task list's query string: `status`, `q`, `page`, and `c` (conversation).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub c: Option<String>,
}

impl ListQuery {
    pub fn list_state(&self) -> Result<ListState, String> {
        let status = StatusFilter::parse(self.status.as_deref().unwrap_or(""))
            .map_err(|e| format!("Filter {}.", e.message))?;
        let search = match self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => Some(
                SearchText::parse(q)
                    .map_err(|e| format!("Search {}.", e.message))?
                    .into_inner(),
            ),
            None => None,
        };
        let page = match self
            .page
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| format!("Page {p:?} is not a page number."))?,
            None => 1,
        };
        Ok(ListState {
            status,
            search,
            page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_form_parses_tags_priority_and_due() {
        let form = TaskForm {
            title: "  Pay bills ".into(),
            priority: "high".into(),
            tags: "#Home, money  money".into(),
            due: "2026-03-01T09:30".into(),
            ..TaskForm::default()
        };
        let fields = form.parse(LocalClock::default()).unwrap();
        assert_eq!(fields.title, "Pay bills");
        assert_eq!(fields.priority, Priority::High);
        assert_eq!(fields.tags, vec!["home", "money"]);
        assert_eq!(
            fields.due_at.unwrap().to_rfc3339(),
            "2026-03-01T09:30:00+00:00"
        );
    }

    #[test]
    fn task_form_errors_say_what_to_fix() {
        let empty = TaskForm::default()
            .parse(LocalClock::default())
            .unwrap_err();
        assert_eq!(empty, "Title must not be empty.");
        let bad_prio = TaskForm {
            title: "x".into(),
            priority: "urgent".into(),
            ..TaskForm::default()
        };
        assert!(
            bad_prio
                .parse(LocalClock::default())
                .unwrap_err()
                .contains("use low, medium or high")
        );
        let bad_tag = TaskForm {
            title: "x".into(),
            tags: "a/b".into(),
            ..TaskForm::default()
        };
        assert!(
            bad_tag
                .parse(LocalClock::default())
                .unwrap_err()
                .starts_with("Tags:")
        );
    }

    #[test]
    fn back_links_stay_on_the_task_list() {
        assert_eq!(safe_back("/tasks?status=pending"), "/tasks?status=pending");
        for evil in [
            "https://evil.example",
            "//evil.example",
            "/tasks//x",
            "/login",
            "/tasks\\x",
            "/tasksx",
        ] {
            assert_eq!(safe_back(evil), "/tasks", "{evil}");
        }
    }

    #[test]
    fn list_query_rejects_nonsense_with_a_reason() {
        let q = ListQuery {
            status: Some("done".into()),
            ..ListQuery::default()
        };
        assert!(
            q.list_state()
                .unwrap_err()
                .contains("use all, pending or completed")
        );
        let q = ListQuery {
            page: Some("0".into()),
            ..ListQuery::default()
        };
        assert!(q.list_state().is_err());
        let q = ListQuery {
            q: Some("  ".into()),
            status: Some("completed".into()),
            ..ListQuery::default()
        };
        assert_eq!(
            q.list_state().unwrap(),
            ListState {
                status: StatusFilter::Completed,
                search: None,
                page: 1
            }
        );
    }

    #[test]
    fn conversation_ids() {
        assert_eq!(parse_conversation("").unwrap(), None);
        assert_eq!(parse_conversation("new").unwrap(), None);
        assert_eq!(parse_conversation("12").unwrap(), Some(ConversationId(12)));
        assert!(parse_conversation("-1").is_err());
        assert!(parse_conversation("abc").is_err());
    }
}
