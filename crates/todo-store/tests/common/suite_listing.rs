//! Listing: filters, search, every sort and order, paging and totals. Part of the
//! suite that both backends must pass unchanged.

use std::collections::BTreeSet;

use todo_core::{NewTask, Priority, SortKey, SortOrder, StatusFilter, TaskId, TaskQuery};

use super::*;

pub async fn filters_by_status_priority_and_exact_tag(store: DynStore) {
    let ann = user(&store).await;
    let a = task_with(&store, &ann, "a", Priority::High, &["work"], None).await;
    let b = task_with(&store, &ann, "b", Priority::Low, &["homework"], None).await;
    let c = task_with(&store, &ann, "c", Priority::High, &["work-x", "home"], None).await;
    let d = task_with(&store, &ann, "d", Priority::Medium, &["work", "home"], None).await;
    store.toggle_task(&ann.id, b.id).await.unwrap();
    store.toggle_task(&ann.id, d.id).await.unwrap();
    let other = user(&store).await;
    task_with(&store, &other, "other's", Priority::High, &["work"], None).await;

    let q = |f: fn(&mut TaskQuery)| {
        let mut query = all(TaskQuery::default());
        f(&mut query);
        query
    };
    let page = |query| {
        let store = store.clone();
        let ann = ann.clone();
        async move {
            let page = store.list_tasks(&ann.id, &query).await.unwrap();
            (
                page.tasks.iter().map(|t| t.id).collect::<Vec<_>>(),
                page.total,
            )
        }
    };
    assert_eq!(page(q(|_| {})).await, (vec![a.id, b.id, c.id, d.id], 4));
    assert_eq!(
        page(q(|q| q.status = StatusFilter::Pending)).await,
        (vec![a.id, c.id], 2)
    );
    assert_eq!(
        page(q(|q| q.status = StatusFilter::Completed)).await,
        (vec![b.id, d.id], 2)
    );
    assert_eq!(
        page(q(|q| q.priority = Some(Priority::High))).await,
        (vec![a.id, c.id], 2)
    );
    assert_eq!(
        page(q(|q| q.priority = Some(Priority::Medium))).await,
        (vec![d.id], 1)
    );
    // Exact tag match: "work" is neither "homework" nor "work-x".
    assert_eq!(
        page(q(|q| q.tag = Some(tag("work")))).await,
        (vec![a.id, d.id], 2)
    );
    assert_eq!(
        page(q(|q| q.tag = Some(tag("#HOME")))).await,
        (vec![c.id, d.id], 2)
    );
    assert_eq!(page(q(|q| q.tag = Some(tag("wor")))).await, (vec![], 0));
    let combined = q(|q| {
        q.tag = Some(tag("work"));
        q.status = StatusFilter::Pending;
        q.priority = Some(Priority::High);
    });
    assert_eq!(page(combined).await, (vec![a.id], 1));
}

pub async fn search_is_case_insensitive_with_literal_wildcards(store: DynStore) {
    let ann = user(&store).await;
    let percent = task(&store, &ann, "Sale: 100% off").await;
    let plain = task(&store, &ann, "100 percent sure").await;
    let underscore = task(&store, &ann, "rename snake_case vars").await;
    let lookalike = task(&store, &ann, "rename snakeXcase vars").await;
    let unicode = task(&store, &ann, "ÄPFEL kaufen").await;
    let in_description = store
        .create_task(
            &ann.id,
            NewTask {
                description: Some(description("Remember the MILK\nand bread")),
                ..NewTask::titled(title("Shopping"))
            },
        )
        .await
        .unwrap();
    let backslash = task(&store, &ann, r"path C:\temp").await;

    let found = |raw: &'static str| {
        let store = store.clone();
        let ann = ann.clone();
        async move {
            let query = TaskQuery {
                search: Some(search(raw)),
                ..all(TaskQuery::default())
            };
            let page = store.list_tasks(&ann.id, &query).await.unwrap();
            assert_eq!(page.total as usize, page.tasks.len());
            page.tasks.iter().map(|t| t.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(found("%").await, vec![percent.id], "% is literal");
    assert_eq!(found("100%").await, vec![percent.id]);
    assert_eq!(found("100").await, vec![percent.id, plain.id]);
    assert_eq!(found("_").await, vec![underscore.id], "_ is literal");
    assert_eq!(found("snake_case").await, vec![underscore.id]);
    assert_eq!(
        found("SNAKE").await,
        vec![underscore.id, lookalike.id],
        "case-insensitive"
    );
    assert_eq!(
        found("äpfel").await,
        vec![unicode.id],
        "case-insensitive beyond ASCII"
    );
    assert_eq!(
        found("milk").await,
        vec![in_description.id],
        "description is searched"
    );
    assert_eq!(found("shopping").await, vec![in_description.id]);
    assert_eq!(
        found(r"\").await,
        vec![backslash.id],
        "backslash is literal"
    );
    assert_eq!(
        found("shoppingremember").await,
        Vec::<TaskId>::new(),
        "no match across title and description"
    );
    assert_eq!(found("'; DROP TABLE tasks; --").await, Vec::<TaskId>::new());
    assert_eq!(
        store
            .list_tasks(&ann.id, &TaskQuery::default())
            .await
            .unwrap()
            .total,
        7
    );
}

pub async fn every_sort_key_and_order_with_ties_and_missing_due_dates(store: DynStore) {
    let ann = user(&store).await;
    // Titles tie case-insensitively (b/B); priorities and due dates tie too.
    let t1 = task_with(
        &store,
        &ann,
        "banana",
        Priority::Low,
        &[],
        Some(at(2030, 1, 2, 0)),
    )
    .await;
    let t2 = task_with(&store, &ann, "Apple", Priority::High, &[], None).await;
    let t3 = task_with(
        &store,
        &ann,
        "Banana",
        Priority::High,
        &[],
        Some(at(2030, 1, 1, 0)),
    )
    .await;
    let t4 = task_with(
        &store,
        &ann,
        "cherry",
        Priority::Medium,
        &[],
        Some(at(2030, 1, 2, 0)),
    )
    .await;
    let t5 = task_with(&store, &ann, "apple", Priority::Low, &[], None).await;
    let [i1, i2, i3, i4, i5] = [t1.id.0, t2.id.0, t3.id.0, t4.id.0, t5.id.0];

    let order = |sort, order| {
        ids(
            &store,
            &ann,
            all(TaskQuery {
                sort,
                order,
                ..TaskQuery::default()
            }),
        )
    };
    assert_eq!(
        order(SortKey::Created, SortOrder::Asc).await,
        vec![i1, i2, i3, i4, i5]
    );
    assert_eq!(
        order(SortKey::Created, SortOrder::Desc).await,
        vec![i5, i4, i3, i2, i1]
    );
    // Ties keep id ascending in both orders.
    assert_eq!(
        order(SortKey::Title, SortOrder::Asc).await,
        vec![i2, i5, i1, i3, i4]
    );
    assert_eq!(
        order(SortKey::Title, SortOrder::Desc).await,
        vec![i4, i1, i3, i2, i5]
    );
    assert_eq!(
        order(SortKey::Priority, SortOrder::Asc).await,
        vec![i1, i5, i4, i2, i3]
    );
    assert_eq!(
        order(SortKey::Priority, SortOrder::Desc).await,
        vec![i2, i3, i4, i1, i5]
    );
    // Tasks without a due date come last in both orders.
    assert_eq!(
        order(SortKey::Due, SortOrder::Asc).await,
        vec![i3, i1, i4, i2, i5]
    );
    assert_eq!(
        order(SortKey::Due, SortOrder::Desc).await,
        vec![i1, i4, i3, i2, i5]
    );
}

pub async fn pages_never_overlap_and_total_counts_all_matches(store: DynStore) {
    let ann = user(&store).await;
    let priorities = [Priority::Low, Priority::Medium, Priority::High];
    for i in 0..23 {
        let due = (i % 3 != 0).then(|| at(2030, 1, 1 + (i % 5), 0));
        // Few distinct titles and priorities: many ties that id must break.
        task_with(
            &store,
            &ann,
            &format!("Task {}", i % 4),
            priorities[i as usize % 3],
            &[],
            due,
        )
        .await;
    }
    for sort in [
        SortKey::Created,
        SortKey::Title,
        SortKey::Due,
        SortKey::Priority,
    ] {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            let full = ids(
                &store,
                &ann,
                all(TaskQuery {
                    sort,
                    order,
                    ..TaskQuery::default()
                }),
            )
            .await;
            assert_eq!(full.len(), 23);
            let mut paged = Vec::new();
            for offset in (0..25).step_by(5) {
                let query = TaskQuery {
                    sort,
                    order,
                    limit: 5,
                    offset,
                    ..TaskQuery::default()
                };
                let page = store.list_tasks(&ann.id, &query).await.unwrap();
                assert_eq!(page.total, 23, "total counts all matches, not the page");
                assert_eq!(page.tasks.len(), 5.min(23 - offset as usize));
                paged.extend(page.tasks.iter().map(|t| t.id.0));
            }
            assert_eq!(
                paged, full,
                "{sort:?} {order:?}: pages concatenate to the full listing"
            );
            assert_eq!(
                paged.iter().collect::<BTreeSet<_>>().len(),
                23,
                "no task twice"
            );
        }
    }
    let past_end = store
        .list_tasks(
            &ann.id,
            &TaskQuery {
                offset: 40,
                ..TaskQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(past_end.tasks.is_empty());
    assert_eq!(
        past_end.total, 23,
        "a page past the end still tells the total"
    );
    let filtered_past_end = TaskQuery {
        offset: 40,
        status: StatusFilter::Completed,
        ..TaskQuery::default()
    };
    assert_eq!(
        store
            .list_tasks(&ann.id, &filtered_past_end)
            .await
            .unwrap()
            .total,
        0
    );
}
