//! Rows into domain values, one way for both backends: each decoder reads its
//! columns through [`Columns`] and validates them, so a damaged row is an error
//! naming what is wrong, never a panic or a silently wrong value.

use todo_core::{
    Conversation, ConversationId, Description, Email, Message, MessageId, PersonName, Priority,
    Recurrence, Role, StoreError, StoreResult, Tags, Task, TaskId, Title, User, UserId,
    ValidationError,
};

use crate::engine::Columns;

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

/// One task of a user by its number; `$1` the number, `$2` the user.
pub(crate) const TASK_BY_ID: &str = concat!(
    "SELECT ",
    task_columns!(),
    " FROM tasks WHERE number = $1 AND user_id = $2"
);

/// The columns of `task_columns!`, starting at column `first`, as a task of `owner`.
pub(crate) fn task(row: &dyn Columns, first: usize, owner: &UserId) -> StoreResult<Task> {
    let col = |n: usize| first + n;
    let id = row.int(col(0))?;
    let corrupt = |what: &str, e: ValidationError| {
        StoreError::Backend(format!(
            "task {id} has an invalid {what} in the database: {e}"
        ))
    };
    let rank = row.int(col(4))?;
    Ok(Task {
        id: TaskId(id),
        user_id: owner.clone(),
        title: Title::try_from(row.text(col(1))?).map_err(|e| corrupt("title", e))?,
        description: row
            .opt_text(col(2))?
            .map(Description::try_from)
            .transpose()
            .map_err(|e| corrupt("description", e))?,
        completed: row.flag(col(3))?,
        priority: Priority::from_rank(rank).ok_or_else(|| {
            StoreError::Backend(format!("task {id} has an unknown priority rank {rank}"))
        })?,
        tags: Tags::parse(&row.tags(col(5))?).map_err(|e| corrupt("tag list", e))?,
        due_at: row.opt_time(col(6))?,
        recurrence: row
            .opt_text(col(7))?
            .as_deref()
            .map(Recurrence::parse_json)
            .transpose()
            .map_err(|e| corrupt("recurrence", e))?,
        created_at: row.time(col(8))?,
        updated_at: row.time(col(9))?,
    })
}

/// The columns of [`USER_COLUMNS`] in that order.
pub(crate) fn user(row: &dyn Columns) -> StoreResult<User> {
    let id = row.text(0)?;
    let corrupt = |what: &str, e: ValidationError| {
        StoreError::Backend(format!(
            "user {id} has an invalid {what} in the database: {e}"
        ))
    };
    Ok(User {
        id: UserId::parse(&id).map_err(|e| corrupt("id", e))?,
        email: Email::parse(&row.text(1)?).map_err(|e| corrupt("e-mail", e))?,
        name: PersonName::parse(&row.text(2)?).map_err(|e| corrupt("name", e))?,
        created_at: row.time(3)?,
    })
}

/// What [`user`] reads.
pub(crate) const USER_COLUMNS: &str = "id, email, name, created_at";

/// `id, user_id, created_at, updated_at` in that order.
pub(crate) fn conversation(row: &dyn Columns) -> StoreResult<Conversation> {
    let id = row.int(0)?;
    Ok(Conversation {
        id: ConversationId(id),
        user_id: UserId::parse(&row.text(1)?).map_err(|e| {
            StoreError::Backend(format!("conversation {id} has an invalid user id: {e}"))
        })?,
        created_at: row.time(2)?,
        updated_at: row.time(3)?,
    })
}

/// What [`conversation`] reads.
pub(crate) const CONVERSATION_COLUMNS: &str = "id, user_id, created_at, updated_at";

/// `id, conversation_id, user_id, role, content, tool_calls (as text), created_at`.
pub(crate) fn message(row: &dyn Columns) -> StoreResult<Message> {
    let id = row.int(0)?;
    let role = row.text(3)?;
    Ok(Message {
        id: MessageId(id),
        conversation_id: ConversationId(row.int(1)?),
        user_id: UserId::parse(&row.text(2)?).map_err(|e| {
            StoreError::Backend(format!("message {id} has an invalid user id: {e}"))
        })?,
        role: Role::parse(&role).ok_or_else(|| {
            StoreError::Backend(format!("message {id} has an unknown role {role:?}"))
        })?,
        content: row.text(4)?,
        tool_calls: serde_json::from_str(&row.text(5)?).map_err(|e| {
            StoreError::Backend(format!("message {id} has unreadable tool calls: {e}"))
        })?,
        created_at: row.time(6)?,
    })
}
