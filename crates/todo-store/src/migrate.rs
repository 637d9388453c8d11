//! The schema migrations of each dialect, compiled into the binary.
//!
//! Listed by hand rather than with `sqlx::migrate!`, which would pull sqlx's
//! proc-macro stack into the build; a unit test checks that the lists match the
//! files in `migrations/<dialect>/`, so a new file cannot be forgotten. sqlx records
//! each migration's checksum, so an edited migration is refused at start-up.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

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
        use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
        use todo_core::{StatusFilter, Store, TaskQuery, UserId};

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let user = UserId::random();
        {
            let options = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .unwrap();
            sqlite().run_to(1, &pool).await.unwrap();
            sqlx::query("INSERT INTO users VALUES ($1, 'old@example.com', 'Old', 'x', 0)")
                .bind(user.as_str())
                .execute(&pool)
                .await
                .unwrap();
            for completed in [0, 1, 1, 0, 1] {
                sqlx::query(
                    "INSERT INTO tasks (user_id, title, title_key, search_key, completed, created_at, updated_at) \
                     VALUES ($1, 'Old', 'old', 'old\n', $2, 0, 0)",
                )
                .bind(user.as_str())
                .bind(completed)
                .execute(&pool)
                .await
                .unwrap();
            }
            pool.close().await;
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

    #[test]
    fn both_dialects_have_the_same_migrations() {
        let names = |e: &[Embedded]| e.iter().map(|m| m.file).collect::<Vec<_>>();
        assert_eq!(names(SQLITE), names(POSTGRES));
    }
}
