//! Row mapping shared by both dialects: each backend decodes its columns into the
//! plain `*Row` structs here, and these turn into validated domain values. Also the
//! derived columns (sort and search keys), the clock, and sqlx error mapping.

use chrono::{DateTime, Datelike, SubsecRound, Utc};
use todo_core::{
    Conversation, ConversationId, Description, Email, Message, MessageId, NewTask, PersonName,
    Priority, Recurrence, Role, SearchText, StoreError, StoreResult, Tags, Task, TaskId, Title,
    ToolCall, User, UserId, ValidationError,
};

/// The columns every task query selects, as a literal for `concat!`. No user_id:
/// every task query is for one known user, who is the owner of every row. `number`
/// is the per-user task number, the `TaskId` everyone sees; the internal row id is
/// never selected.
macro_rules! task_columns {
    () => {
        "number, title, description, completed, priority, tags, due_at, recurrence, created_at, updated_at"
    };
}
pub(crate) use task_columns;

/// A task as stored, before validation.
pub(crate) struct TaskRow {
    /// The per-user number.
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: i64,
    pub tags: Vec<String>,
    pub due_at: Option<DateTime<Utc>>,
    /// JSON text of the rule.
    pub recurrence: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TaskRow {
    pub(crate) fn into_task(self, owner: &UserId) -> StoreResult<Task> {
        let id = self.id;
        let corrupt = |what: &str, e: ValidationError| {
            StoreError::Backend(format!(
                "task {id} has an invalid {what} in the database: {e}"
            ))
        };
        Ok(Task {
            id: TaskId(id),
            user_id: owner.clone(),
            title: Title::try_from(self.title).map_err(|e| corrupt("title", e))?,
            description: self
                .description
                .map(Description::try_from)
                .transpose()
                .map_err(|e| corrupt("description", e))?,
            completed: self.completed,
            priority: Priority::from_rank(self.priority).ok_or_else(|| {
                StoreError::Backend(format!(
                    "task {id} has an unknown priority rank {}",
                    self.priority
                ))
            })?,
            tags: Tags::parse(&self.tags).map_err(|e| corrupt("tag list", e))?,
            due_at: self.due_at,
            recurrence: self
                .recurrence
                .as_deref()
                .map(Recurrence::parse_json)
                .transpose()
                .map_err(|e| corrupt("recurrence", e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The columns of a task row to insert, shared by creating, restoring and the next
/// occurrence of a recurring task.
pub(crate) struct TaskInsert {
    /// `None`: the user's next number. `Some`: exactly this one (a restore).
    pub number: Option<i64>,
    pub task: Task,
}

impl TaskInsert {
    /// A new task as `create_task` stores it: pending, created `now`.
    pub(crate) fn new(user: &UserId, task: NewTask, now: DateTime<Utc>) -> StoreResult<Self> {
        let description = normalise_description(task.description.as_ref()).cloned();
        Ok(Self {
            number: None,
            task: Task {
                id: TaskId(0),
                user_id: user.clone(),
                title: task.title,
                description,
                completed: false,
                priority: task.priority,
                tags: task.tags,
                due_at: due_at(task.due_at)?,
                recurrence: task.recurrence,
                created_at: now,
                updated_at: now,
            },
        })
    }

    /// A deleted task put back as it was, at microsecond precision.
    pub(crate) fn restored(user: &UserId, mut task: Task) -> StoreResult<Self> {
        if task.id.0 < 1 {
            return Err(ValidationError::new(
                "id",
                format!("task number {} is not a positive integer", task.id.0),
            )
            .into());
        }
        task.user_id = user.clone();
        task.description = normalise_description(task.description.as_ref()).cloned();
        task.due_at = due_at(task.due_at)?;
        task.created_at = task.created_at.trunc_subsecs(6);
        task.updated_at = task.updated_at.trunc_subsecs(6);
        Ok(Self {
            number: Some(task.id.0),
            task,
        })
    }

    pub(crate) fn recurrence_json(&self) -> Option<String> {
        self.task.recurrence.as_ref().map(Recurrence::to_json)
    }
}

pub(crate) fn number_taken(number: i64) -> StoreError {
    StoreError::Conflict(format!(
        "task {number} exists already; delete it first or restore under another number"
    ))
}

/// A user as stored, before validation.
pub(crate) struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl UserRow {
    pub(crate) fn into_user(self) -> StoreResult<User> {
        let corrupt = |what: &str, e: ValidationError| {
            StoreError::Backend(format!(
                "user {} has an invalid {what} in the database: {e}",
                self.id
            ))
        };
        Ok(User {
            id: UserId::parse(&self.id).map_err(|e| corrupt("id", e))?,
            email: Email::parse(&self.email).map_err(|e| corrupt("e-mail", e))?,
            name: PersonName::parse(&self.name).map_err(|e| corrupt("name", e))?,
            created_at: self.created_at,
        })
    }
}

pub(crate) fn conversation(
    id: i64,
    user_id: &str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> StoreResult<Conversation> {
    Ok(Conversation {
        id: ConversationId(id),
        user_id: UserId::parse(user_id).map_err(|e| {
            StoreError::Backend(format!("conversation {id} has an invalid user id: {e}"))
        })?,
        created_at,
        updated_at,
    })
}

/// A message as stored, before validation.
pub(crate) struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub user_id: String,
    pub role: String,
    pub content: String,
    pub tool_calls: String,
    pub created_at: DateTime<Utc>,
}

impl MessageRow {
    pub(crate) fn into_message(self) -> StoreResult<Message> {
        let id = self.id;
        Ok(Message {
            id: MessageId(id),
            user_id: UserId::parse(&self.user_id).map_err(|e| {
                StoreError::Backend(format!("message {id} has an invalid user id: {e}"))
            })?,
            conversation_id: ConversationId(self.conversation_id),
            role: Role::parse(&self.role).ok_or_else(|| {
                StoreError::Backend(format!("message {id} has an unknown role {:?}", self.role))
            })?,
            content: self.content,
            tool_calls: serde_json::from_str(&self.tool_calls).map_err(|e| {
                StoreError::Backend(format!("message {id} has unreadable tool calls: {e}"))
            })?,
            created_at: self.created_at,
        })
    }
}

pub(crate) fn tool_calls_json(calls: &[ToolCall]) -> StoreResult<String> {
    serde_json::to_string(calls)
        .map_err(|e| StoreError::Backend(format!("cannot encode tool calls: {e}")))
}

/// PostgreSQL text cannot hold NUL, so neither dialect accepts it.
pub(crate) fn check_message_content(content: &str) -> StoreResult<()> {
    if content.contains('\0') {
        return Err(ValidationError::new("content", "must not contain NUL characters").into());
    }
    Ok(())
}

/// Sort key of a title: lower-cased in Rust so both dialects agree on every script.
pub(crate) fn title_key(title: &Title) -> String {
    title.as_str().to_lowercase()
}

/// What a search matches against: the lower-cased title and description joined by a
/// newline, which a search text never contains, so no match spans the two.
pub(crate) fn search_key(title: &Title, description: Option<&Description>) -> String {
    let mut key = title.as_str().to_lowercase();
    key.push('\n');
    if let Some(d) = description {
        key.push_str(&d.as_str().to_lowercase());
    }
    key
}

pub(crate) fn search_needle(search: &SearchText) -> String {
    search.as_str().to_lowercase()
}

/// An empty description is no description.
pub(crate) fn normalise_description(description: Option<&Description>) -> Option<&Description> {
    description.filter(|d| !d.as_str().is_empty())
}

/// The current time at the precision both dialects store: microseconds.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A due date as stored: microseconds, and within years 1 to 9999, which both
/// dialects can represent (PostgreSQL's range stops short of chrono's).
pub(crate) fn due_at(due: Option<DateTime<Utc>>) -> StoreResult<Option<DateTime<Utc>>> {
    match due {
        Some(d) if !(1..=9999).contains(&d.year()) => Err(ValidationError::new(
            "due_at",
            "must be a date between the years 1 and 9999",
        )
        .into()),
        other => Ok(other.map(|d| d.trunc_subsecs(6))),
    }
}

pub(crate) fn from_micros(micros: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Backend(format!("timestamp {micros} µs is out of range")))
}

/// The next `updated_at`: now, but always later than the previous value, so every
/// change is visible even within one microsecond.
pub(crate) fn bumped(previous: DateTime<Utc>) -> DateTime<Utc> {
    now().max(previous + chrono::Duration::microseconds(1))
}

/// Any other database failure: the text goes to logs, never to HTTP clients.
/// A failed database call: `Unavailable` when the connection is the problem
/// (the server is down, restarting or unreachable), so clients get 503 and retry.
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    if is_connection_failure(&e) {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Backend(e.to_string())
    }
}

fn is_connection_failure(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), 57P01-57P03 (the server is
        // shutting down, crashed or starting up).
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_foreign_key_violation())
}

pub(crate) fn email_taken(email: &Email) -> StoreError {
    StoreError::Conflict(format!(
        "an account with the e-mail {email} already exists; log in instead or use another address"
    ))
}
