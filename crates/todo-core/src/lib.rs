//! Domain types of the Todo Chatbot.
//!
//! Raw input (HTTP bodies, chat arguments, MCP calls) is parsed into the validated
//! types here ([`Title`], [`Tags`], [`Email`], ...) as early as possible, so the
//! storage layer and the agent only ever see values that are known to be good.
//! The [`Store`] trait is the one seam between the domain and a database.

pub mod api;
mod conversation;
mod error;
mod idempotency;
mod recurrence;
mod store;
mod task;
mod user;
mod validate;

pub use conversation::{
    Conversation, ConversationId, Message, MessageId, NewMessage, Role, ToolCall,
};
pub use error::{StoreError, StoreResult, ValidationError};
pub use idempotency::{CreatedOnce, IdempotencyKey, request_fingerprint};
pub use recurrence::Recurrence;
pub use store::Store;
pub use task::{
    DueRange, DueWindow, NewTask, Priority, SortKey, SortOrder, StatusFilter, Task, TaskChange,
    TaskId, TaskPage, TaskPatch, TaskQuery,
};
pub use user::{NewUser, User, UserId, UserRecord};
pub use validate::{
    ChatText, Description, Email, Password, PersonName, SearchText, Tag, Tags, Title,
};
