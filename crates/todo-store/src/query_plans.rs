//! The listing the benchmark drives must be an index range scan that stops after
//! LIMIT rows, not a sort of all the user's tasks. SQLite's planner decides that, so
//! check its plan: a dropped index or a rewritten query shows up here, not in
//! production latency.

use todo_core::{SortKey, SortOrder, StatusFilter, TaskQuery, UserId};

use crate::SqliteStore;

async fn plan(store: &SqliteStore, query: &TaskQuery) -> String {
    store.db.listing_plan(&UserId::random(), query)
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
