//! `Idempotency-Key` on `POST /api/{user_id}/tasks`, on a real SQLite file and a
//! real PostgreSQL: a repeated request (a retry after a broken connection), even
//! several at once, makes one task and answers each repeat with it; a key reused
//! for another body, a key whose task was deleted, and a malformed key are refused
//! with a reason; keys are per user.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Account, Reply, TestApp};

fn keyed_create(account: &Account, key: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/{}/tasks", account.id))
        .header(header::AUTHORIZATION, format!("Bearer {}", account.token))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn send(app: &TestApp, account: &Account, key: &str, body: &str) -> Reply {
    app.send(keyed_create(account, key, body)).await
}

async fn retried_creates_make_one_task(app: TestApp) {
    let ann = app.signup("ann@example.com").await;
    let body = r#"{"title":"Buy milk","priority":"high"}"#;
    let first = send(&app, &ann, "key-1", body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(first.headers.get("idempotent-replayed").is_none());

    let again = send(&app, &ann, "key-1", body).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(
        again.body, first.body,
        "the repeat answers with the same task"
    );

    // eight repeats at once: still one task
    let mut handles = Vec::new();
    let app = std::sync::Arc::new(app);
    for _ in 0..8 {
        let (app, ann) = (app.clone(), ann.clone());
        handles.push(tokio::spawn(async move {
            send(&app, &ann, "key-2", r#"{"title":"Call mum"}"#).await
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        let reply = h.await.unwrap();
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        ids.push(reply.body["id"].clone());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "one task: {ids:?}");
    let titles: Vec<String> = app
        .all_tasks(&ann)
        .await
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(titles, ["Buy milk", "Call mum"], "no duplicates");

    // the same key for another request: refused, and nothing made
    let reused = send(&app, &ann, "key-1", r#"{"title":"Something else"}"#).await;
    assert_eq!(reused.status, StatusCode::CONFLICT, "{}", reused.body);
    assert!(
        reused.error().contains("different request"),
        "{}",
        reused.error()
    );

    // the task a key made was deleted: refused rather than made again
    let id = first.body["id"].as_i64().unwrap();
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/{}/tasks/{id}", ann.id),
            Some(&ann.token),
            None,
        )
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    let after_delete = send(&app, &ann, "key-1", body).await;
    assert_eq!(
        after_delete.status,
        StatusCode::CONFLICT,
        "{}",
        after_delete.body
    );
    assert!(after_delete.error().contains("deleted since"));

    // keys are per user: Bob's "key-1" is his own
    let bob = app.signup("bob@example.com").await;
    let bobs = send(&app, &bob, "key-1", body).await;
    assert_eq!(bobs.status, StatusCode::CREATED, "{}", bobs.body);
    assert!(bobs.headers.get("idempotent-replayed").is_none());
    assert_eq!(app.all_tasks(&bob).await.len(), 1);

    // a malformed key is a 400 that says what a key is
    for bad in ["", "has space", &"k".repeat(256)] {
        let reply = send(&app, &ann, bad, body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad:?}: {}",
            reply.body
        );
        assert!(
            reply.error().contains("Idempotency-Key"),
            "{}",
            reply.error()
        );
    }
    // without a key, two posts are two tasks (as before)
    app.create_task(&ann, serde_json::json!({"title": "Twice"}))
        .await;
    app.create_task(&ann, serde_json::json!({"title": "Twice"}))
        .await;
    assert_eq!(
        app.all_tasks(&ann)
            .await
            .iter()
            .filter(|t| t["title"] == "Twice")
            .count(),
        2
    );
}

#[tokio::test]
async fn retried_creates_make_one_task_on_sqlite() {
    retried_creates_make_one_task(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn retried_creates_make_one_task_on_postgres() {
    retried_creates_make_one_task(TestApp::postgres().await).await;
}
