//! A whole user journey against a real PostgreSQL server on loopback.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn full_flow_on_postgres() {
    let app = TestApp::postgres().await;
    assert_eq!(
        app.call(Method::GET, "/ready", None, None).await.status,
        StatusCode::OK
    );

    let ann = app.signup("ann@example.com").await;
    let dup = app
        .call(
            Method::POST,
            "/api/auth/signup",
            None,
            Some(json!({"email": "ANN@example.com", "password": "xxxxxxxx", "name": "A"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let login = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "ann@example.com", "password": "correct horse"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
    let token = login.body["token"].as_str().unwrap().to_string();
    let base = format!("/api/{}/tasks", ann.id);

    let milk = app
        .create_task(
            &ann,
            json!({"title": "Buy milk", "priority": "high", "tags": ["shopping"]}),
        )
        .await;
    let report = app
        .create_task(&ann, json!({"title": "Write report", "description": "Q3 numbers", "due_at": "2030-05-01T09:00:00Z"}))
        .await;
    let id = report["id"].as_i64().unwrap();

    let found = app.get(&format!("{base}?q=q3"), &token).await;
    assert_eq!(found.total(), 1);
    assert_eq!(found.body[0]["id"], report["id"]);
    assert_eq!(
        app.get(&format!("{base}?tag=shopping"), &token).await.body[0]["id"],
        milk["id"]
    );
    assert_eq!(
        app.get(&format!("{base}?sort=priority&order=desc"), &token)
            .await
            .body[0]["id"],
        milk["id"]
    );

    let patched = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(&token),
            Some(json!({"description": null, "priority": "low"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(patched.body["description"], serde_json::Value::Null);
    assert_eq!(patched.body["due_at"], "2030-05-01T09:00:00Z");
    let toggled = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}/complete"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(toggled.body["completed"], true);
    assert_eq!(
        app.get(&format!("{base}?status=completed"), &token)
            .await
            .total(),
        1
    );
    let put = app
        .call(
            Method::PUT,
            &format!("{base}/{id}"),
            Some(&token),
            Some(json!({"title": "Report v2"})),
        )
        .await;
    assert_eq!(put.body["completed"], false);
    assert_eq!(put.body["due_at"], serde_json::Value::Null);
    assert_eq!(
        app.call(Method::DELETE, &format!("{base}/{id}"), Some(&token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("{base}/{id}"), &token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.all_tasks(&ann).await.len(), 1);
}
