//! Shared test setup: a fresh store per test and a fixed clock.
#![allow(dead_code)]

mod mcp_driver;

// Each test crate uses some of this module, none all of it.
#[allow(unused_imports)]
pub use mcp_driver::{listed_tool, listed_tool_names, mcp_python, run_mcp_client};

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use todo_agent::{Agent, ChatReply, TurnOptions, UserTz};
use todo_core::{
    ChatText, ConversationId, Email, NewTask, NewUser, PersonName, Priority, Store, Tags, Task,
    TaskQuery, Title, UserId,
};

/// Friday 2026-11-20 10:00 UTC: every relative date in the tests is counted from here.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

pub fn at_now() -> TurnOptions {
    TurnOptions {
        now: Some(now()),
        tz: Some(UserTz::default()),
    }
}

/// Which store the tests run on, for benchmark reports.
pub const STORE_KIND: &str = "sqlite file";

/// A fresh, empty SQLite database in a temporary directory.
pub async fn fresh_store() -> (Arc<dyn Store>, StoreGuard) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("todo.db");
    let store = todo_store::SqliteStore::open(&path)
        .await
        .expect("open SQLite");
    (Arc::new(store), StoreGuard { _dir: dir, path })
}

/// Keeps the database file alive for the test.
pub struct StoreGuard {
    _dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
}

/// The same database file opened afresh, as a restarted server would.
pub async fn reopen(guard: &StoreGuard) -> Arc<dyn Store> {
    Arc::new(
        todo_store::SqliteStore::open(&guard.path)
            .await
            .expect("reopen SQLite"),
    )
}

pub async fn user(store: &Arc<dyn Store>, email: &str) -> UserId {
    store
        .create_user(NewUser {
            email: Email::parse(email).unwrap(),
            name: PersonName::parse("Test").unwrap(),
            password_hash: "not-a-real-hash".into(),
        })
        .await
        .unwrap()
        .id
}

/// A fresh store with one user in it: how most tests begin.
pub async fn store_with_user(email: &str) -> (Arc<dyn Store>, UserId, StoreGuard) {
    let (store, guard) = fresh_store().await;
    let user = user(&store, email).await;
    (store, user, guard)
}

/// One turn of `user` through the agent at the fixed clock ([`at_now`]).
pub async fn say(
    agent: &Agent,
    user: &UserId,
    conversation: Option<ConversationId>,
    text: &str,
) -> ChatReply {
    agent
        .chat_with(user, conversation, ChatText::parse(text).unwrap(), at_now())
        .await
        .unwrap()
}

/// The user's tasks, in the store's default listing order.
pub async fn tasks(store: &Arc<dyn Store>, user: &UserId) -> Vec<Task> {
    store
        .list_tasks(user, &TaskQuery::default())
        .await
        .unwrap()
        .tasks
}

/// The titles of the user's tasks, in the store's default listing order.
pub async fn titles(store: &Arc<dyn Store>, user: &UserId) -> Vec<String> {
    let tasks = tasks(store, user).await;
    tasks.into_iter().map(|t| t.title.into_inner()).collect()
}

/// The ten tasks the corpus refers to, created in this order so a fresh store
/// gives them ids 1..=10.
pub async fn seed(store: &Arc<dyn Store>, user: &UserId) -> Vec<i64> {
    type Seed<'a> = (
        &'a str,
        bool,
        Priority,
        &'a [&'a str],
        Option<DateTime<Utc>>,
    );
    let spec: [Seed; 10] = [
        ("Buy groceries", false, Priority::Medium, &[], None),
        ("Call mom", false, Priority::Medium, &[], None),
        ("Team meeting prep", false, Priority::High, &["work"], None),
        (
            "Dentist appointment",
            false,
            Priority::Medium,
            &[],
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()),
        ),
        ("Pay bills", true, Priority::Medium, &[], None),
        (
            "Finish quarterly report",
            false,
            Priority::Medium,
            &["work"],
            None,
        ),
        ("Book flights", true, Priority::Medium, &[], None),
        ("Water the plants", false, Priority::Medium, &[], None),
        ("Gym session", false, Priority::Low, &[], None),
        ("Renew passport", false, Priority::Medium, &[], None),
    ];
    let mut ids = Vec::new();
    for (title, done, priority, tags, due) in spec {
        let mut t = NewTask::titled(Title::parse(title).unwrap());
        t.priority = priority;
        t.tags = Tags::parse(tags).unwrap();
        t.due_at = due;
        let task = store.create_task(user, t).await.unwrap();
        if done {
            store.toggle_task(user, task.id).await.unwrap();
        }
        ids.push(task.id.0);
    }
    ids
}
