//! Every read of the store, written once over [`Database`].

use todo_core::{
    Conversation, ConversationId, Email, Message, StoreError, StoreResult, Task, TaskId, TaskPage,
    TaskQuery, User, UserId, UserRecord,
};

use crate::decode::{self, CONVERSATION_COLUMNS, TASK_BY_ID, USER_COLUMNS};
use crate::engine::{Access, Database, Session, Value};
use crate::list::listing_sql;

pub(crate) async fn ping<D: Database>(db: &D) -> StoreResult<()> {
    let mut session = db.session(Access::Read).await?;
    session.fetch("SELECT 1", &[], &|_| Ok(())).await?;
    Ok(())
}

pub(crate) async fn user_by_email<D: Database>(
    db: &D,
    email: &Email,
) -> StoreResult<Option<UserRecord>> {
    let mut session = db.session(Access::Read).await?;
    let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1");
    Ok(session
        .fetch_optional(&sql, &[email.as_str().into()], &|row| {
            Ok(UserRecord {
                user: decode::user(row)?,
                password_hash: row.text(4)?,
            })
        })
        .await?)
}

pub(crate) async fn user<D: Database>(db: &D, id: &UserId) -> StoreResult<Option<User>> {
    let mut session = db.session(Access::Read).await?;
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(session
        .fetch_optional(&sql, &[id.as_str().into()], &|row| decode::user(row))
        .await?)
}

/// One task, read on a session the caller has (a write transaction, say).
pub(crate) async fn task_in<S: Session>(
    session: &mut S,
    user: &UserId,
    id: TaskId,
) -> StoreResult<Task> {
    session
        .fetch_optional(TASK_BY_ID, &[id.0.into(), user.as_str().into()], &|row| {
            decode::task(row, 0, user)
        })
        .await?
        .ok_or(StoreError::NotFound("task"))
}

pub(crate) async fn task<D: Database>(db: &D, user: &UserId, id: TaskId) -> StoreResult<Task> {
    task_in(&mut db.session(Access::Read).await?, user, id).await
}

pub(crate) async fn list_tasks<D: Database>(
    db: &D,
    user: &UserId,
    query: &TaskQuery,
) -> StoreResult<TaskPage> {
    let sql = listing_sql(D::DIALECT, user, query)?;
    // Two statements only for a page past the end, and then the count alone.
    let mut session = db.session(Access::Read).await?;
    let mut args = sql.filters.clone();
    args.extend(sql.paging);
    // Column 0 is the total, the task's columns follow.
    let rows = session
        .fetch(&sql.page, &args, &|row| {
            Ok((row.int(0)?, decode::task(row, 1, user)?))
        })
        .await?;
    let total = match rows.first() {
        Some((total, _)) => *total,
        // A page past the end has no row to carry the total.
        None => session
            .fetch_optional(&sql.count, &sql.filters, &|row| row.int(0))
            .await?
            .unwrap_or(0),
    };
    session.commit().await?;
    Ok(TaskPage {
        tasks: rows.into_iter().map(|(_, task)| task).collect(),
        total: u64::try_from(total).unwrap_or(0),
    })
}

pub(crate) async fn conversation<D: Database>(
    db: &D,
    user: &UserId,
    id: ConversationId,
) -> StoreResult<Conversation> {
    let mut session = db.session(Access::Read).await?;
    let sql =
        format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1 AND user_id = $2");
    session
        .fetch_optional(&sql, &[id.0.into(), user.as_str().into()], &|row| {
            decode::conversation(row)
        })
        .await?
        .ok_or(StoreError::NotFound("conversation"))
}

pub(crate) async fn list_conversations<D: Database>(
    db: &D,
    user: &UserId,
    limit: u32,
    offset: u32,
) -> StoreResult<Vec<Conversation>> {
    let (paging, paging_args) = D::DIALECT.paging(limit, offset, 1);
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE user_id = $1 \
         ORDER BY updated_at DESC, id DESC {paging}"
    );
    let mut args: Vec<Value> = vec![user.as_str().into()];
    args.extend(paging_args);
    let mut session = db.session(Access::Read).await?;
    Ok(session
        .fetch(&sql, &args, &|row| decode::conversation(row))
        .await?)
}

pub(crate) async fn messages<D: Database>(
    db: &D,
    user: &UserId,
    conversation: ConversationId,
    limit: u32,
) -> StoreResult<Vec<Message>> {
    // Both statements on one snapshot.
    let mut session = db.session(Access::Snapshot).await?;
    let owner = [conversation.0.into(), user.as_str().into()];
    let exists = session
        .fetch_optional(
            "SELECT 1 FROM conversations WHERE id = $1 AND user_id = $2",
            &owner,
            &|_| Ok(()),
        )
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("conversation"));
    }
    let (paging, paging_args) = D::DIALECT.paging(limit, 0, 2);
    let sql = format!(
        "SELECT * FROM (SELECT id, conversation_id, user_id, role, content, {} AS tool_calls, created_at \
         FROM messages WHERE conversation_id = $1 AND user_id = $2 ORDER BY id DESC {paging}) \
         AS recent ORDER BY id ASC",
        D::DIALECT.json_text("tool_calls")
    );
    let mut args = owner.to_vec();
    args.extend(paging_args);
    let messages = session
        .fetch(&sql, &args, &|row| decode::message(row))
        .await?;
    session.commit().await?;
    Ok(messages)
}

pub(crate) async fn token_revoked<D: Database>(db: &D, token_id: &str) -> StoreResult<bool> {
    let mut session = db.session(Access::Read).await?;
    let found = session
        .fetch_optional(
            "SELECT 1 FROM revoked_tokens WHERE token_id = $1",
            &[token_id.into()],
            &|_| Ok(()),
        )
        .await?;
    Ok(found.is_some())
}
