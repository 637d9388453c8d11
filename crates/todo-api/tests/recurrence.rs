//! Per-user numbers under parallel requests, recurrence and the due filter,
//! through the real router on both stores.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use common::{Account, TestApp};
use serde_json::{Value, json};

async fn patch(app: &TestApp, who: &Account, path: &str, body: Option<Value>) -> common::Reply {
    app.call(
        Method::PATCH,
        &format!("/api/{}{path}", who.id),
        Some(&who.token),
        body,
    )
    .await
}

/// Many creates by one user at once, interleaved with another user's: every
/// number is handed out exactly once per user.
async fn parallel_creates_never_share_a_number(app: TestApp) {
    let app = Arc::new(app);
    let ann = app.signup("ann@example.com").await;
    let bob = app.signup("bob@example.com").await;
    const EACH: i64 = 30;
    let requests: Vec<_> = (0..EACH * 2)
        .map(|i| {
            let (app, who) = (
                app.clone(),
                if i % 2 == 0 { ann.clone() } else { bob.clone() },
            );
            tokio::spawn(async move {
                let reply = app
                    .call(
                        Method::POST,
                        &format!("/api/{}/tasks", who.id),
                        Some(&who.token),
                        Some(json!({"title": format!("parallel {i}")})),
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
                (who.id, reply.body["id"].as_i64().unwrap())
            })
        })
        .collect();
    let (mut anns, mut bobs) = (Vec::new(), Vec::new());
    for r in requests {
        let (owner, id) = r.await.unwrap();
        if owner == ann.id {
            anns.push(id)
        } else {
            bobs.push(id)
        }
    }
    anns.sort_unstable();
    bobs.sort_unstable();
    let expected: Vec<i64> = (1..=EACH).collect();
    assert_eq!(anns, expected);
    assert_eq!(bobs, expected);
    let listed: Vec<i64> = app
        .all_tasks(&ann)
        .await
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, expected, "every number reads back as Ann's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_creates_on_postgres() {
    parallel_creates_never_share_a_number(TestApp::postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_creates_on_sqlite() {
    parallel_creates_never_share_a_number(TestApp::sqlite().await).await;
}

async fn recurring_task_lifecycle(app: TestApp) {
    let ann = app.signup("ann@example.com").await;
    let created = app
        .create_task(
            &ann,
            json!({"title": "Water the plants", "due_at": "2031-01-06T09:00:00Z", "recurrence": {"kind": "weekly", "days": ["thu", "mon"]}}),
        )
        .await;
    assert_eq!(
        created["recurrence"],
        json!({"kind": "weekly", "days": ["mon", "thu"]})
    );
    let done = patch(&app, &ann, "/tasks/1/complete", None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["completed"], true);
    let next = &done.body["next_occurrence"];
    assert_eq!(next["id"], 2);
    assert_eq!(
        next["due_at"], "2031-01-09T09:00:00Z",
        "Monday's next is Thursday"
    );
    assert_eq!(next["recurrence"], created["recurrence"]);
    assert_eq!(next["completed"], false);
    // Reopening creates nothing; completing with a PATCH does, like the toggle.
    let reopened = patch(&app, &ann, "/tasks/1/complete", None).await;
    assert_eq!(reopened.body["next_occurrence"], Value::Null);
    let patched = patch(&app, &ann, "/tasks/1", Some(json!({"completed": true}))).await;
    assert_eq!(patched.body["next_occurrence"]["id"], 3);
    // PATCH null stops the repetition; PUT without it too.
    let cleared = patch(&app, &ann, "/tasks/2", Some(json!({"recurrence": null}))).await;
    assert_eq!(cleared.body["recurrence"], Value::Null);
    let put = app
        .call(
            Method::PUT,
            &format!("/api/{}/tasks/3", ann.id),
            Some(&ann.token),
            Some(json!({"title": "Once"})),
        )
        .await;
    assert_eq!(
        (
            put.body["recurrence"].clone(),
            put.body["next_occurrence"].clone()
        ),
        (Value::Null, Value::Null)
    );

    for bad in [
        json!({"kind": "hourly"}),
        json!({"kind": "monthly", "day": 0}),
        json!("daily"),
    ] {
        let reply = app
            .call(
                Method::POST,
                &format!("/api/{}/tasks", ann.id),
                Some(&ann.token),
                Some(json!({"title": "x", "recurrence": bad})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            reply.body
        );
        assert!(
            reply.error().starts_with("recurrence:"),
            "{}",
            reply.error()
        );
    }
}

#[tokio::test]
async fn recurring_tasks_on_sqlite() {
    recurring_task_lifecycle(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn recurring_tasks_on_postgres() {
    recurring_task_lifecycle(TestApp::postgres().await).await;
}

#[tokio::test]
async fn due_filter_lists_overdue_today_and_this_week() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let now = Utc::now();
    let iso = |t: DateTime<Utc>| t.to_rfc3339();
    app.create_task(
        &ann,
        json!({"title": "late", "due_at": iso(now - Duration::days(3))}),
    )
    .await;
    let done = app
        .create_task(
            &ann,
            json!({"title": "late but done", "due_at": iso(now - Duration::days(3))}),
        )
        .await;
    patch(&app, &ann, &format!("/tasks/{}/complete", done["id"]), None).await;
    app.create_task(
        &ann,
        json!({"title": "soon", "due_at": iso(now + Duration::minutes(1))}),
    )
    .await;
    app.create_task(
        &ann,
        json!({"title": "far", "due_at": iso(now + Duration::days(40))}),
    )
    .await;
    app.create_task(&ann, json!({"title": "undated"})).await;

    let titles = |reply: &common::Reply| -> Vec<String> {
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect()
    };
    let overdue = app
        .get(&format!("/api/{}/tasks?due=overdue", ann.id), &ann.token)
        .await;
    assert_eq!(titles(&overdue), vec!["late"]);
    assert_eq!(overdue.total(), 1);
    let week = app
        .get(
            &format!("/api/{}/tasks?due=this_week&tz=UTC", ann.id),
            &ann.token,
        )
        .await;
    assert!(
        !titles(&week).contains(&"far".to_string())
            && !titles(&week).contains(&"undated".to_string())
    );
    let bad = app
        .get(&format!("/api/{}/tasks?due=someday", ann.id), &ann.token)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.error().contains("today, this_week or overdue"),
        "{}",
        bad.error()
    );
    let bad_tz = app
        .get(
            &format!("/api/{}/tasks?due=today&tz=Mars/Base", ann.id),
            &ann.token,
        )
        .await;
    assert_eq!(bad_tz.status, StatusCode::BAD_REQUEST);
    assert!(bad_tz.error().contains("tz"), "{}", bad_tz.error());
}
