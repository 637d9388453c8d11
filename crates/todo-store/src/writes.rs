//! Every write of the store, written once over [`Database`]; the SQL fragments
//! that differ between SQLite and PostgreSQL come from [`Dialect`].

use chrono::{DateTime, SubsecRound, Utc};
use todo_core::{
    Conversation, ConversationId, CreatedOnce, Email, IdempotencyKey, Message, MessageId,
    NewMessage, NewTask, NewUser, Recurrence, StoreError, StoreResult, Task, TaskChange, TaskId,
    TaskPatch, User, UserId, ValidationError,
};

use crate::decode::{self, TASK_BY_ID, task_columns};
use crate::derived::{self, now};
use crate::engine::{Access, Database, Failure, Session, Value};
use crate::{idempotency, reads};

/// The columns of a task row to insert, shared by creating, restoring and the next
/// occurrence of a recurring task.
struct TaskInsert {
    /// `None`: the user's next number. `Some`: exactly this one (a restore).
    number: Option<i64>,
    task: Task,
}

impl TaskInsert {
    /// A new task as `create_task` stores it: pending, created `now`.
    fn new(user: &UserId, task: NewTask, now: DateTime<Utc>) -> StoreResult<Self> {
        let description = derived::normalise_description(task.description.as_ref()).cloned();
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
                due_at: derived::due_at(task.due_at)?,
                recurrence: task.recurrence,
                created_at: now,
                updated_at: now,
            },
        })
    }

    /// A deleted task put back as it was, at microsecond precision.
    fn restored(user: &UserId, mut task: Task) -> StoreResult<Self> {
        if task.id.0 < 1 {
            return Err(ValidationError::new(
                "id",
                format!("task number {} is not a positive integer", task.id.0),
            )
            .into());
        }
        task.user_id = user.clone();
        task.description = derived::normalise_description(task.description.as_ref()).cloned();
        task.due_at = derived::due_at(task.due_at)?;
        task.created_at = task.created_at.trunc_subsecs(6);
        task.updated_at = task.updated_at.trunc_subsecs(6);
        Ok(Self {
            number: Some(task.id.0),
            task,
        })
    }
}

/// The values of the columns a task's content fills, in the order of
/// [`CONTENT_COLUMNS`].
fn content_values(task: &Task) -> [Value; 9] {
    [
        task.title.as_str().into(),
        derived::title_key(&task.title).into(),
        task.description.as_ref().map(|d| d.as_str()).into(),
        derived::search_key(&task.title, task.description.as_ref()).into(),
        task.completed.into(),
        task.priority.rank().into(),
        Value::Tags(task.tags.to_strings()),
        task.due_at.into(),
        task.recurrence.as_ref().map(Recurrence::to_json).into(),
    ]
}

const CONTENT_COLUMNS: [&str; 9] = [
    "title",
    "title_key",
    "description",
    "search_key",
    "completed",
    "priority",
    "tags",
    "due_at",
    "recurrence",
];

fn number_taken(number: i64) -> StoreError {
    StoreError::Conflict(format!(
        "task {number} exists already; delete it first or restore under another number"
    ))
}

fn email_taken(email: &Email) -> StoreError {
    StoreError::Conflict(format!(
        "an account with the e-mail {email} already exists; log in instead or use another address"
    ))
}

/// Inserts a task row: with the user's next number (bumping the counter), or with
/// the number given (a restore; the counter then covers it, so it is never handed
/// out again). Inside the caller's transaction: bumping the counter locks the
/// user's row (PostgreSQL) or the database (SQLite) until it ends, so concurrent
/// creates by one user queue there and never share a number, and a refused insert
/// leaves the counter as it was.
async fn insert_task<D: Database>(
    tx: &mut D::Session,
    user: &UserId,
    insert: TaskInsert,
) -> StoreResult<Task> {
    let counter = match insert.number {
        None => {
            tx.fetch_optional(
                "UPDATE users SET last_task_number = last_task_number + 1 WHERE id = $1 RETURNING last_task_number",
                &[user.as_str().into()],
                &|row| row.int(0),
            )
            .await?
        }
        Some(n) => tx
            .fetch_optional(
                &format!(
                    "UPDATE users SET last_task_number = {}(last_task_number, $2) WHERE id = $1 RETURNING last_task_number",
                    D::DIALECT.greatest()
                ),
                &[user.as_str().into(), n.into()],
                &|row| row.int(0),
            )
            .await?
            .map(|_| n),
    };
    let number = counter.ok_or(StoreError::NotFound("user"))?;
    let mut task = insert.task;
    let mut args = vec![user.as_str().into(), number.into()];
    args.extend(content_values(&task));
    args.extend([task.created_at.into(), task.updated_at.into()]);
    let placeholders: Vec<String> = (1..=args.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "INSERT INTO tasks (user_id, number, {}, created_at, updated_at) VALUES ({})",
        CONTENT_COLUMNS.join(", "),
        placeholders.join(", ")
    );
    tx.execute(&sql, &args).await.map_err(|e| match e {
        Failure::Unique => number_taken(number),
        other => other.into(),
    })?;
    task.id = TaskId(number);
    Ok(task)
}

/// When `task` was just completed (it was not before) and recurs, creates its next
/// occurrence in the same transaction.
async fn next_occurrence<D: Database>(
    tx: &mut D::Session,
    user: &UserId,
    task: &Task,
    was_completed: bool,
) -> StoreResult<Option<Task>> {
    if was_completed || !task.completed {
        return Ok(None);
    }
    // One instant for the rule and the new row, so its due date is exactly the
    // rule's answer for the moment it was created.
    let now = now();
    let Some(next) = task.next_occurrence(now) else {
        return Ok(None);
    };
    let insert = TaskInsert::new(user, next, now)?;
    insert_task::<D>(tx, user, insert).await.map(Some)
}

pub(crate) async fn create_user<D: Database>(db: &D, user: NewUser) -> StoreResult<User> {
    let id = UserId::random();
    let created_at = now();
    let mut session = db.session(Access::Write).await?;
    session
        .execute(
            "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                id.as_str().into(),
                user.email.as_str().into(),
                user.name.as_str().into(),
                user.password_hash.as_str().into(),
                created_at.into(),
            ],
        )
        .await
        .map_err(|e| match e {
            Failure::Unique => email_taken(&user.email),
            other => other.into(),
        })?;
    session.commit().await?;
    Ok(User {
        id,
        email: user.email,
        name: user.name,
        created_at,
    })
}

/// Creates, or restores with the number `task` has.
async fn insert_alone<D: Database>(db: &D, user: &UserId, insert: TaskInsert) -> StoreResult<Task> {
    let mut tx = db.session(Access::Transaction).await?;
    let task = insert_task::<D>(&mut tx, user, insert).await?;
    tx.commit().await?;
    Ok(task)
}

pub(crate) async fn create_task<D: Database>(
    db: &D,
    user: &UserId,
    task: NewTask,
) -> StoreResult<Task> {
    insert_alone(db, user, TaskInsert::new(user, task, now())?).await
}

pub(crate) async fn restore_task<D: Database>(
    db: &D,
    user: &UserId,
    task: Task,
) -> StoreResult<Task> {
    insert_alone(db, user, TaskInsert::restored(user, task)?).await
}

pub(crate) async fn create_task_once<D: Database>(
    db: &D,
    user: &UserId,
    key: &IdempotencyKey,
    fingerprint: &str,
    task: NewTask,
) -> StoreResult<CreatedOnce> {
    let now = now();
    let insert = TaskInsert::new(user, task, now)?;
    let mut tx = db.session(Access::Transaction).await?;
    tx.execute(
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND created_at < $2",
        &[
            user.as_str().into(),
            idempotency::expired_before(now).into(),
        ],
    )
    .await?;
    // Claim the key first: a concurrent request with the same key waits here for
    // this transaction (PostgreSQL's row lock; SQLite's write lock is held
    // already), then finds the key taken.
    let claimed = tx
        .execute(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, task_number, created_at) \
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT (user_id, key) DO NOTHING",
            &[
                user.as_str().into(),
                key.as_str().into(),
                fingerprint.into(),
                now.into(),
            ],
        )
        .await?;
    if claimed == 0 {
        let (stored, number) = tx
            .fetch_optional(
                "SELECT fingerprint, task_number FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                &[user.as_str().into(), key.as_str().into()],
                &|row| Ok((row.text(0)?, row.int(1)?)),
            )
            .await?
            .ok_or_else(|| StoreError::Backend("a claimed idempotency key vanished".into()))?;
        idempotency::check_repeat(&stored, fingerprint)?;
        let task = reads::task_in(&mut tx, user, TaskId(number))
            .await
            .map_err(idempotency::deleted_since)?;
        // Dropped uncommitted: nothing of this request is kept.
        return Ok(CreatedOnce {
            task,
            replayed: true,
        });
    }
    let task = insert_task::<D>(&mut tx, user, insert).await?;
    tx.execute(
        "UPDATE idempotency_keys SET task_number = $3 WHERE user_id = $1 AND key = $2",
        &[user.as_str().into(), key.as_str().into(), task.id.0.into()],
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedOnce {
        task,
        replayed: false,
    })
}

pub(crate) async fn update_task<D: Database>(
    db: &D,
    user: &UserId,
    id: TaskId,
    patch: &TaskPatch,
) -> StoreResult<TaskChange> {
    if patch.is_empty() {
        return Ok(TaskChange {
            task: reads::task(db, user, id).await?,
            next_occurrence: None,
        });
    }
    let due_patch = patch.due_at.map(derived::due_at).transpose()?;
    let mut tx = db.session(Access::Transaction).await?;
    let mut task = tx
        .fetch_optional(
            &format!("{TASK_BY_ID}{}", D::DIALECT.lock_rows()),
            &[id.0.into(), user.as_str().into()],
            &|row| decode::task(row, 0, user),
        )
        .await?
        .ok_or(StoreError::NotFound("task"))?;
    let was_completed = task.completed;
    patch.apply_to(&mut task);
    if let Some(due) = due_patch {
        task.due_at = due;
    }
    task.updated_at = derived::bumped(task.updated_at);
    let mut args = content_values(&task).to_vec();
    args.extend([task.updated_at.into(), id.0.into(), user.as_str().into()]);
    let set: Vec<String> = CONTENT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 1))
        .collect();
    let n = CONTENT_COLUMNS.len();
    let sql = format!(
        "UPDATE tasks SET {}, updated_at = ${} WHERE number = ${} AND user_id = ${}",
        set.join(", "),
        n + 1,
        n + 2,
        n + 3
    );
    tx.execute(&sql, &args).await?;
    let next_occurrence = next_occurrence::<D>(&mut tx, user, &task, was_completed).await?;
    tx.commit().await?;
    Ok(TaskChange {
        task,
        next_occurrence,
    })
}

pub(crate) async fn toggle_task<D: Database>(
    db: &D,
    user: &UserId,
    id: TaskId,
) -> StoreResult<TaskChange> {
    let mut tx = db.session(Access::Transaction).await?;
    let sql = format!(
        concat!(
            "UPDATE tasks SET completed = NOT completed, updated_at = {} \
             WHERE number = $2 AND user_id = $3 RETURNING ",
            task_columns!()
        ),
        D::DIALECT.later_than("$1", "updated_at")
    );
    let task = tx
        .fetch_optional(
            &sql,
            &[now().into(), id.0.into(), user.as_str().into()],
            &|row| decode::task(row, 0, user),
        )
        .await?
        .ok_or(StoreError::NotFound("task"))?;
    let next_occurrence = next_occurrence::<D>(&mut tx, user, &task, !task.completed).await?;
    tx.commit().await?;
    Ok(TaskChange {
        task,
        next_occurrence,
    })
}

pub(crate) async fn delete_task<D: Database>(
    db: &D,
    user: &UserId,
    id: TaskId,
) -> StoreResult<Task> {
    let mut session = db.session(Access::Write).await?;
    let task = session
        .fetch_optional(
            concat!(
                "DELETE FROM tasks WHERE number = $1 AND user_id = $2 RETURNING ",
                task_columns!()
            ),
            &[id.0.into(), user.as_str().into()],
            &|row| decode::task(row, 0, user),
        )
        .await?
        .ok_or(StoreError::NotFound("task"))?;
    session.commit().await?;
    Ok(task)
}

pub(crate) async fn create_conversation<D: Database>(
    db: &D,
    user: &UserId,
) -> StoreResult<Conversation> {
    let now = now();
    let mut session = db.session(Access::Write).await?;
    let id = session
        .fetch_optional(
            "INSERT INTO conversations (user_id, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
            &[user.as_str().into(), now.into()],
            &|row| row.int(0),
        )
        .await?
        .ok_or_else(|| StoreError::Backend("INSERT … RETURNING returned no row".into()))?;
    session.commit().await?;
    Ok(Conversation {
        id: ConversationId(id),
        user_id: user.clone(),
        created_at: now,
        updated_at: now,
    })
}

pub(crate) async fn append_message<D: Database>(
    db: &D,
    user: &UserId,
    conversation: ConversationId,
    message: NewMessage,
) -> StoreResult<Message> {
    derived::check_message_content(&message.content)?;
    let tool_calls = derived::tool_calls_json(&message.tool_calls)?;
    let now = now();
    let mut tx = db.session(Access::Transaction).await?;
    let touched = tx
        .execute(
            &format!(
                "UPDATE conversations SET updated_at = {} WHERE id = $2 AND user_id = $3",
                D::DIALECT.later_than("$1", "updated_at")
            ),
            &[now.into(), conversation.0.into(), user.as_str().into()],
        )
        .await?;
    if touched == 0 {
        return Err(StoreError::NotFound("conversation"));
    }
    let id = tx
        .fetch_optional(
            &format!(
                "INSERT INTO messages (conversation_id, user_id, role, content, tool_calls, created_at) \
                 VALUES ($1, $2, $3, $4, {}, $6) RETURNING id",
                D::DIALECT.json_param(5)
            ),
            &[
                conversation.0.into(),
                user.as_str().into(),
                message.role.as_str().into(),
                message.content.as_str().into(),
                tool_calls.into(),
                now.into(),
            ],
            &|row| row.int(0),
        )
        .await?
        .ok_or_else(|| StoreError::Backend("INSERT … RETURNING returned no row".into()))?;
    tx.commit().await?;
    Ok(Message {
        id: MessageId(id),
        user_id: user.clone(),
        conversation_id: conversation,
        role: message.role,
        content: message.content,
        tool_calls: message.tool_calls,
        created_at: now,
    })
}

pub(crate) async fn revoke_token<D: Database>(
    db: &D,
    user: &UserId,
    token_id: &str,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = db.session(Access::Transaction).await?;
    tx.execute(
        "DELETE FROM revoked_tokens WHERE expires_at < $1",
        &[now().into()],
    )
    .await?;
    tx.execute(
        "INSERT INTO revoked_tokens (token_id, user_id, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (token_id) DO NOTHING",
        &[token_id.into(), user.as_str().into(), expires_at.into()],
    )
    .await?;
    tx.commit().await
}
