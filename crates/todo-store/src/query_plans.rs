//! The listing the benchmark drives must be an index range scan that stops after
//! LIMIT rows, not a sort of all the user's tasks. SQLite's planner decides that, so
//! check its plan: a dropped index or a rewritten query shows up here, not in
//! production latency.

use todo_core::{SortKey, SortOrder, StatusFilter, TaskQuery, UserId};

use crate::SqliteStore;
use crate::list::{Bind, Dialect, listing_sql};

async fn plan(store: &SqliteStore, query: &TaskQuery) -> String {
    let sql = listing_sql(Dialect::Sqlite, &UserId::random(), query).unwrap();
    let mut explain = sqlx::query(sqlx::AssertSqlSafe(format!(
        "EXPLAIN QUERY PLAN {}",
        sql.page
    )));
    for bind in sql.filters {
        explain = match bind {
            Bind::Text(s) => explain.bind(s),
            Bind::Int(i) => explain.bind(i),
        };
    }
    assert_eq!(
        sql.paging, None,
        "SQLite listings carry LIMIT and OFFSET in the text"
    );
    let rows = explain.fetch_all(&store.readers).await.unwrap();
    rows.iter()
        .map(|r| sqlx::Row::get::<String, _>(r, "detail"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn default_listing_walks_an_index_without_sorting() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("plan.db")).await.unwrap();
    for (query, index) in [
        (TaskQuery::default(), "tasks_user_created"),
        (
            TaskQuery {
                status: StatusFilter::Pending,
                ..TaskQuery::default()
            },
            "tasks_user_status",
        ),
        (
            TaskQuery {
                sort: SortKey::Title,
                ..TaskQuery::default()
            },
            "tasks_user_title",
        ),
        (
            TaskQuery {
                sort: SortKey::Due,
                ..TaskQuery::default()
            },
            "tasks_user_due",
        ),
    ] {
        let plan = plan(&store, &query).await;
        assert!(
            plan.contains(&format!("USING INDEX {index} (user_id=?")),
            "{query:?}:\n{plan}"
        );
        assert!(
            !plan.contains("TEMP B-TREE FOR ORDER BY"),
            "{query:?} sorts all rows:\n{plan}"
        );
        assert!(
            !plan.contains("SCAN tasks"),
            "{query:?} scans the table:\n{plan}"
        );
    }
    // Descending keeps the index range; only ties on the key are sorted.
    let desc = plan(
        &store,
        &TaskQuery {
            order: SortOrder::Desc,
            ..TaskQuery::default()
        },
    )
    .await;
    assert!(
        desc.contains("USING INDEX tasks_user_created")
            && !desc.contains("TEMP B-TREE FOR ORDER BY"),
        "{desc}"
    );
}
