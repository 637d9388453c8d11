use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{
    Conversation, ConversationId, CreatedOnce, Email, IdempotencyKey, Message, NewMessage, NewTask,
    NewUser, StoreResult, Task, TaskChange, TaskId, TaskPage, TaskPatch, TaskQuery, User, UserId,
    UserRecord,
};

/// Persistence of users, tasks and conversations.
///
/// Every task and conversation method takes the acting user and only ever touches
/// that user's rows: a row of another user is reported as `NotFound`, exactly like
/// a row that does not exist. Implementations: `todo_store::SqliteStore` and
/// `todo_store::PgStore`; both pass the same test suite.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Cheap round trip to the database, for readiness probes.
    async fn ping(&self) -> StoreResult<()>;

    /// Closes the connections after in-flight operations finish, for graceful
    /// shutdown; later operations fail. Stores without connections do nothing.
    async fn close(&self) {}

    /// Creates a user; `Conflict` when the e-mail is taken.
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<UserRecord>>;
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>>;

    /// Creates a task with the user's next task number; concurrent creates by one
    /// user never get the same number.
    async fn create_task(&self, user: &UserId, task: NewTask) -> StoreResult<Task>;
    /// [`Self::create_task`] at most once per `key` of this user: a repeat with the
    /// same `fingerprint` (of the request) returns the task the first call made,
    /// `replayed`; with another fingerprint it is a `Conflict`, and `Conflict` too
    /// when that task was deleted since. Keys are kept for a day.
    async fn create_task_once(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
        fingerprint: &str,
        task: NewTask,
    ) -> StoreResult<CreatedOnce>;
    async fn task(&self, user: &UserId, id: TaskId) -> StoreResult<Task>;
    async fn list_tasks(&self, user: &UserId, query: &TaskQuery) -> StoreResult<TaskPage>;
    /// Applies a patch and bumps `updated_at`; an empty patch returns the task
    /// unchanged. A patch that completes a pending recurring task also creates its
    /// next occurrence ([`Task::next_occurrence`]) in the same transaction.
    async fn update_task(
        &self,
        user: &UserId,
        id: TaskId,
        patch: &TaskPatch,
    ) -> StoreResult<TaskChange>;
    /// Flips `completed` atomically (no lost update under concurrency); completing
    /// a recurring task creates its next occurrence, like `update_task`.
    async fn toggle_task(&self, user: &UserId, id: TaskId) -> StoreResult<TaskChange>;
    /// Deletes and returns the deleted task.
    async fn delete_task(&self, user: &UserId, id: TaskId) -> StoreResult<Task>;
    /// Puts a deleted task back with its number and every field as they were
    /// (completion, timestamps, recurrence), for undo. `Conflict` when the user has
    /// a task with that number; `NotFound` when the user does not exist.
    async fn restore_task(&self, user: &UserId, task: Task) -> StoreResult<Task>;

    async fn create_conversation(&self, user: &UserId) -> StoreResult<Conversation>;
    async fn conversation(&self, user: &UserId, id: ConversationId) -> StoreResult<Conversation>;
    /// Most recently updated first.
    async fn list_conversations(
        &self,
        user: &UserId,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Conversation>>;
    /// Appends a message and bumps the conversation's `updated_at`.
    async fn append_message(
        &self,
        user: &UserId,
        conversation: ConversationId,
        message: NewMessage,
    ) -> StoreResult<Message>;
    /// The last `limit` messages of a conversation, oldest first.
    async fn messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
    ) -> StoreResult<Vec<Message>>;

    /// Records that the access token `token_id` (its JWT `jti`) was revoked at
    /// log-out, until `expires_at`, when it would stop working anyway; forgets
    /// revocations that are past their expiry. Revoking twice is not an error.
    async fn revoke_token(
        &self,
        user: &UserId,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Whether the access token `token_id` was revoked. Asked on every
    /// authenticated request, so it must be a cheap point lookup.
    async fn token_revoked(&self, token_id: &str) -> StoreResult<bool>;
}
