//! The store suite on real SQLite files, plus what only SQLite has: the file itself
//! (creation, persistence, open errors, WAL) and writers sharing one file.

mod common;

use std::sync::Arc;

use common::*;
use todo_core::{NewMessage, NewTask, Priority, Role, Store, TaskPatch, TaskQuery};
use todo_store::{DatabaseUrl, Error, SqliteStore};

/// A store on a new file in a new temporary directory; the directory goes when
/// the returned guard is dropped at the end of the test.
async fn fresh() -> (DynStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("todo.db").display())
        .parse()
        .unwrap();
    let store = todo_store::connect(&url).await.expect("open SQLite store");
    (store, dir)
}

store_suite!(fresh);

#[tokio::test]
async fn reopening_the_file_finds_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("persist.db");
    let (user, task, conversation, message) = {
        let store: DynStore = Arc::new(SqliteStore::open(&path).await.unwrap());
        let user = common::user(&store).await;
        let new = NewTask {
            priority: Priority::High,
            tags: tags(&["keep"]),
            ..NewTask::titled(title("Survive restart"))
        };
        let task = store.create_task(&user.id, new).await.unwrap();
        let task = store.toggle_task(&user.id, task.id).await.unwrap().task;
        let conversation = store.create_conversation(&user.id).await.unwrap();
        let message = NewMessage {
            role: Role::User,
            content: "remember me".into(),
            tool_calls: vec![],
        };
        let message = store
            .append_message(&user.id, conversation.id, message)
            .await
            .unwrap();
        store.close().await;
        (user, task, conversation, message)
    };

    let reopened = SqliteStore::open(&path)
        .await
        .expect("reopen the same file");
    assert_eq!(reopened.path(), path);
    assert_eq!(reopened.user(&user.id).await.unwrap(), Some(user.clone()));
    assert_eq!(reopened.task(&user.id, task.id).await.unwrap(), task);
    let conversation_now = reopened
        .conversation(&user.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(conversation_now.id, conversation.id);
    assert_eq!(
        reopened
            .messages(&user.id, conversation.id, 10)
            .await
            .unwrap(),
        vec![message]
    );
    // New ids continue after the old ones.
    let next = reopened
        .create_task(&user.id, NewTask::titled(title("after")))
        .await
        .unwrap();
    assert!(next.id > task.id);

    let raw = rusqlite::Connection::open(&path).unwrap();
    let applied: i64 = raw
        .query_row("SELECT count(*) FROM _sqlx_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        applied,
        common::migration_files("sqlite"),
        "each migration is applied once, not on every open"
    );
}

#[tokio::test]
async fn file_and_parent_directories_are_created_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c/todo.db");
    let store = SqliteStore::open(&path)
        .await
        .expect("creates the directories");
    assert!(path.is_file());
    store.ping().await.unwrap();

    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let tables: Vec<String> = raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in ["conversations", "messages", "tasks", "users"] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing from {tables:?}"
        );
    }
}

#[tokio::test]
async fn unusable_paths_fail_with_a_message_that_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "not a directory").unwrap();

    let err = SqliteStore::open(file.join("todo.db")).await.unwrap_err();
    assert!(matches!(err, Error::CreateDirectory { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&file.display().to_string()) && text.contains("DATABASE_URL"),
        "{text}"
    );

    let err = SqliteStore::open(dir.path()).await.unwrap_err().to_string();
    assert!(
        err.contains("is a directory") && err.contains("DATABASE_URL"),
        "{err}"
    );

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x42u8; 8192]).unwrap();
    let err = SqliteStore::open(&garbage).await.unwrap_err().to_string();
    assert!(
        err.contains("not a SQLite database") && err.contains(&garbage.display().to_string()),
        "{err}"
    );
}

/// Two stores on one file stand in for two processes: each has its own writer, so
/// only SQLite's locking (busy_timeout) keeps them apart. Within each, many tasks
/// write at once through the single writer connection. Nothing may fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_fail_with_busy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let first: DynStore = Arc::new(SqliteStore::open(&path).await.unwrap());
    let second: DynStore = Arc::new(SqliteStore::open(&path).await.unwrap());
    let owner = common::user(&first).await;

    const WORKERS: usize = 16;
    const OPS: usize = 40;
    let mut handles = Vec::new();
    for worker in 0..WORKERS {
        let store = if worker % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let owner = owner.clone();
        handles.push(tokio::spawn(async move {
            for op in 0..OPS {
                let t = store
                    .create_task(
                        &owner.id,
                        NewTask::titled(title(&format!("w{worker} op{op}"))),
                    )
                    .await?;
                store.toggle_task(&owner.id, t.id).await?;
                let patch = TaskPatch {
                    priority: Some(Priority::High),
                    ..TaskPatch::default()
                };
                store.update_task(&owner.id, t.id, &patch).await?;
                store.list_tasks(&owner.id, &TaskQuery::default()).await?;
            }
            Ok::<_, todo_core::StoreError>(())
        }));
    }
    for h in handles {
        h.await
            .unwrap()
            .expect("no write may fail under contention");
    }
    let completed = TaskQuery {
        status: todo_core::StatusFilter::Completed,
        ..TaskQuery::default()
    };
    assert_eq!(
        second
            .list_tasks(&owner.id, &completed)
            .await
            .unwrap()
            .total,
        (WORKERS * OPS) as u64
    );
}

#[test]
fn random_operations_match_the_model() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (store, _dir) = runtime.block_on(fresh());
    common::model::check_against_model(&runtime, store, 64);
}
