//! The schema migrations of each dialect, compiled into the binary.
//!
//! Listed by hand rather than with `sqlx::migrate!`, which would pull sqlx's
//! proc-macro stack into the build; a unit test checks that the lists match the
//! files in `migrations/<dialect>/`, so a new file cannot be forgotten. Each
//! applied migration's checksum is recorded (sqlx's migrator on PostgreSQL,
//! `sqlite/migrate.rs` in the same table layout on SQLite), so an edited
//! migration is refused at start-up.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx_core::migrate::{Migration, MigrationType, Migrator};

struct Embedded {
    version: i64,
    file: &'static str,
    sql: &'static str,
}

const SQLITE: &[Embedded] = &[
    Embedded {
        version: 1,
        file: "0001_initial_schema.sql",
        sql: include_str!("../migrations/sqlite/0001_initial_schema.sql"),
    },
    Embedded {
        version: 2,
        file: "0002_task_counts.sql",
        sql: include_str!("../migrations/sqlite/0002_task_counts.sql"),
    },
    Embedded {
        version: 3,
        file: "0003_revoked_tokens.sql",
        sql: include_str!("../migrations/sqlite/0003_revoked_tokens.sql"),
    },
    Embedded {
        version: 4,
        file: "0004_task_numbers.sql",
        sql: include_str!("../migrations/sqlite/0004_task_numbers.sql"),
    },
    Embedded {
        version: 5,
        file: "0005_idempotency_keys.sql",
        sql: include_str!("../migrations/sqlite/0005_idempotency_keys.sql"),
    },
];

const POSTGRES: &[Embedded] = &[
    Embedded {
        version: 1,
        file: "0001_initial_schema.sql",
        sql: include_str!("../migrations/postgres/0001_initial_schema.sql"),
    },
    Embedded {
        version: 2,
        file: "0002_task_counts.sql",
        sql: include_str!("../migrations/postgres/0002_task_counts.sql"),
    },
    Embedded {
        version: 3,
        file: "0003_revoked_tokens.sql",
        sql: include_str!("../migrations/postgres/0003_revoked_tokens.sql"),
    },
    Embedded {
        version: 4,
        file: "0004_task_numbers.sql",
        sql: include_str!("../migrations/postgres/0004_task_numbers.sql"),
    },
    Embedded {
        version: 5,
        file: "0005_idempotency_keys.sql",
        sql: include_str!("../migrations/postgres/0005_idempotency_keys.sql"),
    },
];

pub(crate) fn sqlite() -> Migrator {
    migrator(SQLITE)
}

pub(crate) fn postgres() -> Migrator {
    migrator(POSTGRES)
}

fn migrator(embedded: &[Embedded]) -> Migrator {
    Migrator::with_migrations(
        embedded
            .iter()
            .map(|m| {
                // Same description sqlx-cli derives from the file name.
                let description = m
                    .file
                    .trim_end_matches(".sql")
                    .split_once('_')
                    .map_or("", |(_, d)| d)
                    .replace('_', " ");
                Migration::new(
                    m.version,
                    Cow::Owned(description),
                    MigrationType::Simple,
                    m.sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_in(dialect: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dialect);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        for (dialect, embedded) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let listed: Vec<String> = embedded.iter().map(|m| m.file.to_string()).collect();
            assert_eq!(
                listed,
                files_in(dialect),
                "{dialect}: migrate.rs must list every file"
            );
            for (i, m) in embedded.iter().enumerate() {
                assert_eq!(
                    m.version,
                    i as i64 + 1,
                    "{dialect}: versions count up from 1"
                );
                assert!(
                    m.file.starts_with(&format!("{:04}_", m.version)),
                    "{dialect}: {} has the wrong number",
                    m.file
                );
            }
        }
        assert_eq!(
            sqlite().iter().next().unwrap().description,
            "initial schema"
        );
    }

    /// A database made before the counters existed gets them filled from its rows.
    #[tokio::test]
    async fn task_counters_are_backfilled_for_existing_databases() {
        use todo_core::{StatusFilter, Store, TaskQuery, UserId};

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let user = UserId::random();
        {
            let conn = crate::SqliteDb::migrate_to(&path, 1);
            conn.execute(
                "INSERT INTO users VALUES (?1, 'old@example.com', 'Old', 'x', 0)",
                [user.as_str()],
            )
            .unwrap();
            for completed in [0, 1, 1, 0, 1] {
                conn.execute(
                    "INSERT INTO tasks (user_id, title, title_key, search_key, completed, created_at, updated_at) \
                     VALUES (?1, 'Old', 'old', 'old\n', ?2, 0, 0)",
                    (user.as_str(), completed),
                )
                .unwrap();
            }
        }
        let store = crate::SqliteStore::open(&path).await.unwrap();
        for (status, total) in [
            (StatusFilter::All, 5),
            (StatusFilter::Pending, 2),
            (StatusFilter::Completed, 3),
        ] {
            let page = store
                .list_tasks(
                    &user,
                    &TaskQuery {
                        status,
                        ..TaskQuery::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(
                (page.total, page.tasks.len()),
                (total, total as usize),
                "{status:?}"
            );
        }
    }

    /// Version-3 data as it would be: two users' tasks interleaved in one id
    /// sequence, a deleted task, and a conversation whose tool calls name tasks by
    /// those global ids. `$n` placeholders work on both dialects.
    const LEGACY_TOOL_CALLS: &str = r#"[{"tool":"complete_task","input":{"task_id":3},"output":{"task_id":3,"status":"completed","title":"Ann 2"}},{"tool":"list_tasks","input":{},"output":[{"id":1,"title":"Ann 1","completed":false},{"id":3,"title":"Ann 2","completed":true},{"id":4,"title":"gone","completed":false}]}]"#;

    /// After migration: Ann's rows 1 and 3 are her tasks 1 and 2, Bob's row 2 his
    /// task 1; the deleted row 4 names nothing.
    const RENUMBERED_TOOL_CALLS: &str = r#"[{"tool":"complete_task","input":{"task_id":2},"output":{"task_id":2,"status":"completed","title":"Ann 2"}},{"tool":"list_tasks","input":{},"output":[{"id":1,"title":"Ann 1","completed":false},{"id":2,"title":"Ann 2","completed":true},{"id":null,"title":"gone","completed":false}]}]"#;

    async fn check_renumbered(
        store: &dyn todo_core::Store,
        ann: &todo_core::UserId,
        bob: &todo_core::UserId,
    ) {
        use todo_core::{ConversationId, TaskId, TaskQuery};
        let titles = |page: todo_core::TaskPage| {
            page.tasks
                .into_iter()
                .map(|t| (t.id.0, t.title.into_inner()))
                .collect::<Vec<_>>()
        };
        let anns = store.list_tasks(ann, &TaskQuery::default()).await.unwrap();
        assert_eq!(titles(anns), vec![(1, "Ann 1".into()), (2, "Ann 2".into())]);
        let bobs = store.list_tasks(bob, &TaskQuery::default()).await.unwrap();
        assert_eq!(titles(bobs), vec![(1, "Bob 1".into())]);
        // Numbering goes on after the highest, per user.
        let next = store
            .create_task(
                ann,
                todo_core::NewTask::titled(todo_core::Title::parse("Ann 3").unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(next.id, TaskId(3));
        let messages = store.messages(ann, ConversationId(1), 10).await.unwrap();
        let calls = serde_json::to_value(&messages[0].tool_calls).unwrap();
        let expected: serde_json::Value = serde_json::from_str(RENUMBERED_TOOL_CALLS).unwrap();
        assert_eq!(
            calls, expected,
            "history names the same tasks by their new numbers"
        );
    }

    /// A SQLite file at version 3 with legacy ids migrates to per-user numbers and
    /// its stored tool calls are rewritten to match.
    #[tokio::test]
    async fn sqlite_legacy_ids_become_per_user_numbers() {
        use todo_core::UserId;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        let (ann, bob) = (UserId::random(), UserId::random());
        {
            let conn = crate::SqliteDb::migrate_to(&path, 3);
            for (id, email) in [(&ann, "ann@example.com"), (&bob, "bob@example.com")] {
                conn.execute(
                    "INSERT INTO users VALUES (?1, ?2, 'P', 'x', 0)",
                    (id.as_str(), email),
                )
                .unwrap();
            }
            for (owner, title, created) in [
                (&ann, "Ann 1", 10),
                (&bob, "Bob 1", 20),
                (&ann, "Ann 2", 30),
                (&ann, "gone", 40),
            ] {
                conn.execute(
                    "INSERT INTO tasks (user_id, title, title_key, search_key, created_at, updated_at) \
                     VALUES (?1, ?2, lower(?2), lower(?2) || char(10), ?3, ?3)",
                    (owner.as_str(), title, created),
                )
                .unwrap();
            }
            conn.execute("DELETE FROM tasks WHERE title = 'gone'", [])
                .unwrap();
            conn.execute(
                "INSERT INTO conversations (user_id, created_at, updated_at) VALUES (?1, 0, 0)",
                [ann.as_str()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO messages (conversation_id, user_id, role, content, tool_calls, created_at) \
                 VALUES (1, ?1, 'assistant', 'Done.', ?2, 0)",
                (ann.as_str(), LEGACY_TOOL_CALLS),
            )
            .unwrap();
        }
        let store = crate::SqliteStore::open(&path).await.unwrap();
        check_renumbered(&store, &ann, &bob).await;
        drop(store);
        // Opening again rewrites nothing twice.
        let store = crate::SqliteStore::open(&path).await.unwrap();
        let messages = todo_core::Store::messages(&store, &ann, todo_core::ConversationId(1), 10)
            .await
            .unwrap();
        let calls = serde_json::to_value(&messages[0].tool_calls).unwrap();
        assert_eq!(
            calls,
            serde_json::from_str::<serde_json::Value>(RENUMBERED_TOOL_CALLS).unwrap()
        );
    }

    /// The same on PostgreSQL, with two replicas connecting at once: each message
    /// is rewritten exactly once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_legacy_ids_become_per_user_numbers() {
        use todo_core::UserId;

        let db = test_postgres::TestPostgres::start().expect("PostgreSQL for tests");
        let (ann, bob) = (UserId::random(), UserId::random());
        {
            let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
            postgres().run_to(3, &pool).await.unwrap();
            for (id, email) in [(&ann, "ann@example.com"), (&bob, "bob@example.com")] {
                sqlx::query("INSERT INTO users VALUES ($1, $2, 'P', 'x', now())")
                    .bind(id.as_str())
                    .bind(email)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            for (owner, title, created) in [
                (&ann, "Ann 1", 10),
                (&bob, "Bob 1", 20),
                (&ann, "Ann 2", 30),
                (&ann, "gone", 40),
            ] {
                sqlx::query(
                    "INSERT INTO tasks (user_id, title, title_key, search_key, created_at, updated_at) \
                     VALUES ($1, $2, lower($2), lower($2) || chr(10), to_timestamp($3), to_timestamp($3))",
                )
                .bind(owner.as_str())
                .bind(title)
                .bind(f64::from(created))
                .execute(&pool)
                .await
                .unwrap();
            }
            sqlx::query("DELETE FROM tasks WHERE title = 'gone'")
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("INSERT INTO conversations (user_id, created_at, updated_at) VALUES ($1, now(), now())")
                .bind(ann.as_str())
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("INSERT INTO messages (conversation_id, user_id, role, content, tool_calls, created_at) VALUES (1, $1, 'assistant', 'Done.', $2::json, now())")
                .bind(ann.as_str())
                .bind(LEGACY_TOOL_CALLS)
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
        let replicas: Vec<_> = (0..2)
            .map(|_| {
                let url = db.url().to_string();
                tokio::spawn(async move { crate::PgStore::connect(&url).await.unwrap() })
            })
            .collect();
        let mut stores = Vec::new();
        for r in replicas {
            stores.push(r.await.unwrap());
        }
        check_renumbered(&stores[0], &ann, &bob).await;
    }

    #[test]
    fn both_dialects_have_the_same_migrations() {
        let names = |e: &[Embedded]| e.iter().map(|m| m.file).collect::<Vec<_>>();
        assert_eq!(names(SQLITE), names(POSTGRES));
    }
}
