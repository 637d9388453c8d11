//! [`Store`] implemented once, for any [`Database`]: [`crate::SqliteStore`] and
//! [`crate::PgStore`] are this type over their backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use todo_core::{
    Conversation, ConversationId, CreatedOnce, Email, IdempotencyKey, Message, NewMessage, NewTask,
    NewUser, Store, StoreResult, Task, TaskChange, TaskId, TaskPage, TaskPatch, TaskQuery, User,
    UserId, UserRecord,
};
use tracing::instrument;

use crate::engine::Database;
use crate::{reads, writes};

/// A store on database `D`; see [`crate::SqliteStore`] and [`crate::PgStore`].
#[derive(Debug, Clone)]
pub struct SqlStore<D> {
    pub(crate) db: D,
}

#[async_trait]
impl<D: Database> Store for SqlStore<D> {
    #[instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        reads::ping(&self.db).await
    }

    #[instrument(skip_all)]
    async fn close(&self) {
        self.db.close().await;
    }

    #[instrument(skip_all)]
    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        writes::create_user(&self.db, user).await
    }

    #[instrument(skip_all)]
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<UserRecord>> {
        reads::user_by_email(&self.db, email).await
    }

    #[instrument(skip_all)]
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        reads::user(&self.db, id).await
    }

    #[instrument(skip_all)]
    async fn create_task(&self, user: &UserId, task: NewTask) -> StoreResult<Task> {
        writes::create_task(&self.db, user, task).await
    }

    #[instrument(skip_all)]
    async fn create_task_once(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
        fingerprint: &str,
        task: NewTask,
    ) -> StoreResult<CreatedOnce> {
        writes::create_task_once(&self.db, user, key, fingerprint, task).await
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        reads::task(&self.db, user, id).await
    }

    #[instrument(skip_all)]
    async fn list_tasks(&self, user: &UserId, query: &TaskQuery) -> StoreResult<TaskPage> {
        reads::list_tasks(&self.db, user, query).await
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn update_task(
        &self,
        user: &UserId,
        id: TaskId,
        patch: &TaskPatch,
    ) -> StoreResult<TaskChange> {
        writes::update_task(&self.db, user, id, patch).await
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn toggle_task(&self, user: &UserId, id: TaskId) -> StoreResult<TaskChange> {
        writes::toggle_task(&self.db, user, id).await
    }

    #[instrument(skip_all, fields(task = id.0))]
    async fn delete_task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        writes::delete_task(&self.db, user, id).await
    }

    #[instrument(skip_all, fields(task = task.id.0))]
    async fn restore_task(&self, user: &UserId, task: Task) -> StoreResult<Task> {
        writes::restore_task(&self.db, user, task).await
    }

    #[instrument(skip_all)]
    async fn create_conversation(&self, user: &UserId) -> StoreResult<Conversation> {
        writes::create_conversation(&self.db, user).await
    }

    #[instrument(skip_all, fields(conversation = id.0))]
    async fn conversation(&self, user: &UserId, id: ConversationId) -> StoreResult<Conversation> {
        reads::conversation(&self.db, user, id).await
    }

    #[instrument(skip_all)]
    async fn list_conversations(
        &self,
        user: &UserId,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Conversation>> {
        reads::list_conversations(&self.db, user, limit, offset).await
    }

    #[instrument(skip_all, fields(conversation = conversation.0))]
    async fn append_message(
        &self,
        user: &UserId,
        conversation: ConversationId,
        message: NewMessage,
    ) -> StoreResult<Message> {
        writes::append_message(&self.db, user, conversation, message).await
    }

    #[instrument(skip_all, fields(conversation = conversation.0))]
    async fn messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        reads::messages(&self.db, user, conversation, limit).await
    }

    #[instrument(skip_all)]
    async fn revoke_token(
        &self,
        user: &UserId,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        writes::revoke_token(&self.db, user, token_id, expires_at).await
    }

    #[instrument(skip_all)]
    async fn token_revoked(&self, token_id: &str) -> StoreResult<bool> {
        reads::token_revoked(&self.db, token_id).await
    }
}
