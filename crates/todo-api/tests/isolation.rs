//! The cross-user matrix: for every endpoint under `/api/{user_id}`, another
//! user's token is refused, another user's task ids behave as if they did not
//! exist, and the owner's data is unchanged afterwards. Run on both stores.

mod common;

use axum::http::{Method, StatusCode};
use common::{Account, TestApp};
use serde_json::{Value, json};

/// Every endpoint with a user in the path: method, path after `/api/{user}`,
/// whether it takes a task id, and a body.
fn endpoints(task_id: i64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/tasks".into(), None),
        (Method::GET, "/tasks?status=all&q=secret".into(), None),
        (
            Method::POST,
            "/tasks".into(),
            Some(json!({"title": "planted by someone else"})),
        ),
        (Method::GET, format!("/tasks/{task_id}"), None),
        (
            Method::PUT,
            format!("/tasks/{task_id}"),
            Some(json!({"title": "overwritten"})),
        ),
        (
            Method::PATCH,
            format!("/tasks/{task_id}"),
            Some(json!({"title": "patched", "description": null})),
        ),
        (Method::PATCH, format!("/tasks/{task_id}/complete"), None),
        (Method::DELETE, format!("/tasks/{task_id}"), None),
    ]
}

async fn matrix(app: TestApp) {
    let ann = app.signup("ann@example.com").await;
    let bob = app.signup("bob@example.com").await;
    let secret = app
        .create_task(
            &ann,
            json!({"title": "Ann's secret", "description": "private", "tags": ["secret"]}),
        )
        .await;
    app.create_task(&ann, json!({"title": "Ann's other task"}))
        .await;
    let bobs = app.create_task(&bob, json!({"title": "Bob's task"})).await;
    let ann_id = secret["id"].as_i64().unwrap();
    let before = app.all_tasks(&ann).await;

    for (method, rest, body) in endpoints(ann_id) {
        // Bob's token on Ann's path: 403, whatever the task id.
        let reply = app
            .call(
                method.clone(),
                &format!("/api/{}{rest}", ann.id),
                Some(&bob.token),
                body.clone(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "B on A's path: {method} {rest}: {}",
            reply.body
        );
        assert!(
            !reply.raw.windows(6).any(|w| w == b"secret"),
            "leak in {}",
            reply.body
        );

        // No token at all on Ann's path: 401.
        let reply = app
            .call(
                method.clone(),
                &format!("/api/{}{rest}", ann.id),
                None,
                body.clone(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "anonymous: {method} {rest}"
        );
    }

    // Bob's token on Bob's path with Ann's task id: 404, exactly like an id that
    // does not exist, so ids of others cannot even be probed.
    let missing_id = 987_654_321;
    for (method, rest, body) in endpoints(ann_id)
        .into_iter()
        .filter(|(_, rest, _)| rest.starts_with("/tasks/"))
    {
        let reply = app
            .call(
                method.clone(),
                &format!("/api/{}{rest}", bob.id),
                Some(&bob.token),
                body.clone(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "A's id on B's path: {method} {rest}: {}",
            reply.body
        );
        let rest_missing = rest.replace(&ann_id.to_string(), &missing_id.to_string());
        let absent = app
            .call(
                method.clone(),
                &format!("/api/{}{rest_missing}", bob.id),
                Some(&bob.token),
                body,
            )
            .await;
        assert_eq!(
            reply.raw, absent.raw,
            "{method}: another user's task must look exactly like no task"
        );
    }

    // Bob's own listing and search never include Ann's rows.
    let listing = app
        .get(&format!("/api/{}/tasks?q=secret", bob.id), &bob.token)
        .await;
    assert_eq!(listing.body, json!([]));
    assert_eq!(listing.total(), 0);
    let bob_all = app.all_tasks(&bob).await;
    assert!(bob_all.iter().all(|t| t["user_id"] == bob.id.as_str()));
    assert_eq!(bob_all[0]["id"], bobs["id"]);

    // Ann's tasks are exactly as before.
    assert_eq!(app.all_tasks(&ann).await, before);
    assert_eq!(
        app.get(&format!("/api/{}/tasks/{ann_id}", ann.id), &ann.token)
            .await
            .body,
        secret
    );
    check_tokens_are_not_interchangeable(&app, &ann, &bob).await;
}

/// A token is for one user: a valid token with a path for a user who does not
/// exist is still 403, never a way to create rows for that id.
async fn check_tokens_are_not_interchangeable(app: &TestApp, ann: &Account, bob: &Account) {
    let nobody = "00000000-0000-4000-8000-000000000000";
    for token in [&ann.token, &bob.token] {
        let reply = app
            .call(
                Method::POST,
                &format!("/api/{nobody}/tasks"),
                Some(token),
                Some(json!({"title": "x"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn cross_user_matrix_on_sqlite() {
    matrix(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn cross_user_matrix_on_postgres() {
    matrix(TestApp::postgres().await).await;
}
