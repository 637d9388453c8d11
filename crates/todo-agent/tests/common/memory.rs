//! TEMPORARY in-memory store used only until todo-store's SqliteStore lands.
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::Utc;
use todo_core::*;

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    users: Vec<UserRecord>,
    tasks: Vec<Task>,
    next_task: i64,
    conversations: Vec<Conversation>,
    messages: Vec<Message>,
}

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let mut g = self.inner.lock().unwrap();
        let u = User {
            id: UserId::random(),
            email: user.email,
            name: user.name,
            created_at: Utc::now(),
        };
        g.users.push(UserRecord {
            user: u.clone(),
            password_hash: user.password_hash,
        });
        Ok(u)
    }
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<UserRecord>> {
        Ok(self
            .inner
            .lock()
            .unwrap()
            .users
            .iter()
            .find(|u| &u.user.email == email)
            .cloned())
    }
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        Ok(self
            .inner
            .lock()
            .unwrap()
            .users
            .iter()
            .find(|u| &u.user.id == id)
            .map(|u| u.user.clone()))
    }
    async fn create_task(&self, user: &UserId, task: NewTask) -> StoreResult<Task> {
        let mut g = self.inner.lock().unwrap();
        g.next_task += 1;
        let t = Task {
            id: TaskId(g.next_task),
            user_id: user.clone(),
            title: task.title,
            description: task.description,
            completed: false,
            priority: task.priority,
            tags: task.tags,
            due_at: task.due_at,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        g.tasks.push(t.clone());
        Ok(t)
    }
    async fn task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        let g = self.inner.lock().unwrap();
        g.tasks
            .iter()
            .find(|t| t.id == id && &t.user_id == user)
            .cloned()
            .ok_or(StoreError::NotFound("task"))
    }
    async fn list_tasks(&self, user: &UserId, query: &TaskQuery) -> StoreResult<TaskPage> {
        let g = self.inner.lock().unwrap();
        let tasks: Vec<Task> = g
            .tasks
            .iter()
            .filter(|t| &t.user_id == user)
            .filter(|t| match query.status {
                StatusFilter::All => true,
                StatusFilter::Pending => !t.completed,
                StatusFilter::Completed => t.completed,
            })
            .filter(|t| query.priority.is_none_or(|p| t.priority == p))
            .filter(|t| query.tag.as_ref().is_none_or(|tag| t.tags.contains(tag)))
            .filter(|t| {
                query.search.as_ref().is_none_or(|q| {
                    t.title
                        .as_str()
                        .to_lowercase()
                        .contains(&q.as_str().to_lowercase())
                })
            })
            .cloned()
            .collect();
        Ok(TaskPage {
            total: tasks.len() as u64,
            tasks,
        })
    }
    async fn update_task(&self, user: &UserId, id: TaskId, patch: &TaskPatch) -> StoreResult<Task> {
        let mut g = self.inner.lock().unwrap();
        let t = g
            .tasks
            .iter_mut()
            .find(|t| t.id == id && &t.user_id == user)
            .ok_or(StoreError::NotFound("task"))?;
        patch.apply_to(t);
        Ok(t.clone())
    }
    async fn toggle_task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        let mut g = self.inner.lock().unwrap();
        let t = g
            .tasks
            .iter_mut()
            .find(|t| t.id == id && &t.user_id == user)
            .ok_or(StoreError::NotFound("task"))?;
        t.completed = !t.completed;
        Ok(t.clone())
    }
    async fn delete_task(&self, user: &UserId, id: TaskId) -> StoreResult<Task> {
        let mut g = self.inner.lock().unwrap();
        let i = g
            .tasks
            .iter()
            .position(|t| t.id == id && &t.user_id == user)
            .ok_or(StoreError::NotFound("task"))?;
        Ok(g.tasks.remove(i))
    }
    async fn create_conversation(&self, user: &UserId) -> StoreResult<Conversation> {
        let mut g = self.inner.lock().unwrap();
        let c = Conversation {
            id: ConversationId(g.conversations.len() as i64 + 1),
            user_id: user.clone(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        g.conversations.push(c.clone());
        Ok(c)
    }
    async fn conversation(&self, user: &UserId, id: ConversationId) -> StoreResult<Conversation> {
        let g = self.inner.lock().unwrap();
        g.conversations
            .iter()
            .find(|c| c.id == id && &c.user_id == user)
            .cloned()
            .ok_or(StoreError::NotFound("conversation"))
    }
    async fn list_conversations(
        &self,
        user: &UserId,
        _limit: u32,
        _offset: u32,
    ) -> StoreResult<Vec<Conversation>> {
        let g = self.inner.lock().unwrap();
        Ok(g.conversations
            .iter()
            .filter(|c| &c.user_id == user)
            .cloned()
            .collect())
    }
    async fn append_message(
        &self,
        user: &UserId,
        conversation: ConversationId,
        message: NewMessage,
    ) -> StoreResult<Message> {
        self.conversation(user, conversation).await?;
        let mut g = self.inner.lock().unwrap();
        let m = Message {
            id: g.messages.len() as i64 + 1,
            user_id: user.clone(),
            conversation_id: conversation,
            role: message.role,
            content: message.content,
            tool_calls: message.tool_calls,
            created_at: Utc::now(),
        };
        g.messages.push(m.clone());
        Ok(m)
    }
    async fn messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        self.conversation(user, conversation).await?;
        let g = self.inner.lock().unwrap();
        let all: Vec<Message> = g
            .messages
            .iter()
            .filter(|m| m.conversation_id == conversation)
            .cloned()
            .collect();
        let skip = all.len().saturating_sub(limit as usize);
        Ok(all[skip..].to_vec())
    }
}
