//! The listing tools on a list longer than one store page (`TaskQuery::MAX_LIMIT`,
//! 500): every match comes back, none silently dropped, on a real SQLite file.

mod common;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use todo_agent::tools::TaskTools;
use todo_core::{NewTask, Tags, TaskQuery, Title};

const TASKS: i64 = 1_203;

fn ids(output: &Value) -> Vec<i64> {
    output
        .as_array()
        .expect("a listing is an array")
        .iter()
        .map(|item| item["id"].as_i64().expect("every item has an id"))
        .collect()
}

#[tokio::test]
async fn list_and_search_return_every_match_past_one_page() {
    assert!(TASKS > 2 * i64::from(TaskQuery::MAX_LIMIT));
    let (store, _guard) = common::fresh_store().await;
    let ann = common::user(&store, "ann@example.com").await;
    for n in 1..=TASKS {
        // Every second task is tagged "work" and says "report": 602 of them.
        let (title, tags) = if n % 2 == 1 {
            (format!("Write report {n}"), vec!["work".to_string()])
        } else {
            (format!("Water plants {n}"), vec![])
        };
        let task = NewTask {
            tags: Tags::parse(&tags).unwrap(),
            ..NewTask::titled(Title::parse(&title).unwrap())
        };
        store.create_task(&ann, task).await.unwrap();
    }
    let tools = TaskTools::new(store.clone());

    let all = tools
        .call(&ann, "list_tasks", json!({"status": "all"}))
        .await
        .unwrap();
    assert_eq!(ids(&all.output), (1..=TASKS).collect::<Vec<_>>());
    assert_eq!(all.tasks.len() as i64, TASKS);

    let expected: BTreeSet<i64> = (1..=TASKS).filter(|n| n % 2 == 1).collect();
    for input in [json!({"tag": "work"}), json!({"query": "report"})] {
        let found = tools
            .call(&ann, "search_tasks", input.clone())
            .await
            .unwrap();
        let got = ids(&found.output);
        assert_eq!(got.len(), expected.len(), "{input}");
        assert_eq!(
            got.into_iter().collect::<BTreeSet<_>>(),
            expected,
            "{input}"
        );
    }

    // Filtered in the query, not after a capped page: completing the first 600
    // leaves exactly the rest pending.
    for n in 1..=600 {
        tools
            .call(&ann, "complete_task", json!({"task_id": n}))
            .await
            .unwrap();
    }
    let pending = tools
        .call(&ann, "list_tasks", json!({"status": "pending"}))
        .await
        .unwrap();
    assert_eq!(ids(&pending.output), (601..=TASKS).collect::<Vec<_>>());
    let done = tools
        .call(
            &ann,
            "search_tasks",
            json!({"status": "completed", "tag": "work"}),
        )
        .await
        .unwrap();
    assert_eq!(ids(&done.output).len(), 300);
}
