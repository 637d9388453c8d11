//! The chat tools with recurrence and due filters, on a real SQLite file: what
//! the offline and LLM planners call when someone says "water the plants every
//! Monday", "done with the plants" or "what's due today".

mod common;

use chrono::{Duration, NaiveTime, Utc};
use serde_json::json;
use todo_agent::UserTz;
use todo_agent::tools::TaskTools;
use todo_core::{Recurrence, TaskId};

#[tokio::test]
async fn completing_a_recurring_task_through_the_tool_creates_and_names_the_next() {
    let (store, _guard) = common::fresh_store().await;
    let ann = common::user(&store, "ann@example.com").await;
    let tools = TaskTools::new(store.clone());
    let added = tools
        .call(
            &ann,
            "add_task",
            json!({"title": "Pay rent", "due_at": "2031-01-01T09:00:00Z", "recurrence": {"kind": "monthly", "day": 1}, "tags": ["home"]}),
        )
        .await
        .unwrap();
    assert_eq!(added.output["task_id"], 1);
    assert_eq!(
        added.tasks[0].recurrence,
        Some(Recurrence::monthly(1).unwrap())
    );

    let done = tools
        .call(&ann, "complete_task", json!({"task_id": 1}))
        .await
        .unwrap();
    assert_eq!(done.output["status"], "completed");
    assert_eq!(done.output["next_task_id"], 2);
    assert_eq!(done.output["next_due_at"], "2031-02-01T09:00:00+00:00");
    assert_eq!(done.tasks.len(), 2, "the completed task, then the next one");
    let next = &done.tasks[1];
    assert_eq!(
        (next.id, next.title.as_str(), next.completed),
        (TaskId(2), "Pay rent", false)
    );
    assert_eq!(next.tags.to_strings(), vec!["home"]);
    assert_eq!(store.task(&ann, TaskId(2)).await.unwrap(), *next);

    // Reopening and completing via the tools again: one more, never two at once.
    let reopened = tools
        .call(&ann, "reopen_task", json!({"task_id": 1}))
        .await
        .unwrap();
    assert!(reopened.output.get("next_task_id").is_none());
    // update_task sets and clears the rule.
    let weekly = tools
        .call(
            &ann,
            "update_task",
            json!({"task_id": 1, "recurrence": {"kind": "weekly", "days": ["fri", "mon"]}}),
        )
        .await
        .unwrap();
    assert_eq!(
        weekly.tasks[0].recurrence.as_ref().unwrap().to_json(),
        r#"{"kind":"weekly","days":["mon","fri"]}"#
    );
    let cleared = tools
        .call(
            &ann,
            "update_task",
            json!({"task_id": 1, "recurrence": null}),
        )
        .await
        .unwrap();
    assert_eq!(cleared.tasks[0].recurrence, None);
    let once = tools
        .call(&ann, "complete_task", json!({"task_id": 1}))
        .await
        .unwrap();
    assert!(
        once.output.get("next_task_id").is_none(),
        "no rule, no next one"
    );

    let bad = tools
        .call(
            &ann,
            "add_task",
            json!({"title": "x", "recurrence": {"kind": "weekly", "days": []}}),
        )
        .await
        .unwrap_err();
    assert!(
        bad.message().contains("at least one day"),
        "{}",
        bad.message()
    );
}

#[tokio::test]
async fn list_tasks_answers_what_is_due_today_this_week_and_overdue() {
    let (store, _guard) = common::fresh_store().await;
    let ann = common::user(&store, "ann@example.com").await;
    let tools = TaskTools::new(store.clone());
    // Around the real clock (the tools ask the time themselves), in Tokyo (+09:00).
    let tz = UserTz::parse("Asia/Tokyo").unwrap();
    let now = Utc::now();
    let today = tz.local(now).date();
    let start = |days: i64| tz.to_utc(today + Duration::days(days), NaiveTime::MIN);
    let add = |title: &str, due: chrono::DateTime<Utc>| {
        let tools = tools.clone();
        let (ann, title) = (ann.clone(), title.to_string());
        async move {
            tools
                .call(
                    &ann,
                    "add_task",
                    json!({"title": title, "due_at": due.to_rfc3339()}),
                )
                .await
                .unwrap()
                .output["task_id"]
                .as_i64()
                .unwrap()
        }
    };
    let past = add("long ago", now - Duration::days(30)).await;
    let later_today = add(
        "later today",
        (start(1) - Duration::minutes(1)).max(now + Duration::seconds(30)),
    )
    .await;
    let far = add("next year", now + Duration::days(365)).await;
    let done_past = add("done already", now - Duration::days(2)).await;
    tools
        .call(&ann, "complete_task", json!({"task_id": done_past}))
        .await
        .unwrap();

    let ids = |out: &serde_json::Value| -> Vec<i64> {
        out.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    let overdue = tools
        .call(
            &ann,
            "list_tasks",
            json!({"due": "overdue", "timezone": "Asia/Tokyo"}),
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&overdue.output),
        vec![past],
        "pending and past due only"
    );
    let today_list = tools
        .call(
            &ann,
            "list_tasks",
            json!({"due": "today", "timezone": "Asia/Tokyo"}),
        )
        .await
        .unwrap();
    assert!(
        ids(&today_list.output).contains(&later_today),
        "{}",
        today_list.output
    );
    assert!(!ids(&today_list.output).contains(&far));
    let week = tools
        .call(
            &ann,
            "list_tasks",
            json!({"due": "this_week", "timezone": "+09:00"}),
        )
        .await
        .unwrap();
    assert!(ids(&week.output).contains(&later_today) && !ids(&week.output).contains(&far));
    let bad = tools
        .call(
            &ann,
            "list_tasks",
            json!({"due": "today", "timezone": "Nowhere/Land"}),
        )
        .await
        .unwrap_err();
    assert!(bad.message().contains("time zone"), "{}", bad.message());
}
