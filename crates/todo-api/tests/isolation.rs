//! The cross-user matrix: for every endpoint under `/api/{user_id}`, another
//! user's token is refused, another user's task ids behave as if they did not
//! exist, and the owner's data is unchanged afterwards. Run on both stores.

mod common;

use axum::http::{Method, StatusCode};
use common::{Account, TestApp};
use serde_json::{Value, json};

/// Every endpoint with a user in the path: method, path after `/api/{user}`,
/// whether it takes a task id, and a body.
fn endpoints(task_id: i64, conversation_id: i64) -> Vec<(Method, String, Option<Value>)> {
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
        (
            Method::POST,
            "/chat".into(),
            Some(json!({"message": "Delete the secret task"})),
        ),
        (
            Method::POST,
            "/chat".into(),
            Some(json!({"conversation_id": conversation_id, "message": "Show me all my tasks"})),
        ),
        (Method::GET, "/conversations".into(), None),
        (
            Method::GET,
            format!("/conversations/{conversation_id}"),
            None,
        ),
    ]
}

/// Whether the endpoint names one of the owner's rows (a task or a conversation).
fn names_a_row(rest: &str, body: &Option<Value>) -> bool {
    rest.starts_with("/tasks/")
        || rest.starts_with("/conversations/")
        || body
            .as_ref()
            .is_some_and(|b| b.get("conversation_id").is_some())
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
    let other = app
        .create_task(&ann, json!({"title": "Ann's other task"}))
        .await;
    let bobs = app.create_task(&bob, json!({"title": "Bob's task"})).await;
    let ann_id = secret["id"].as_i64().unwrap();
    // Numbers are per user: both first tasks are number 1, and the number says
    // nothing about anyone else's list.
    assert_eq!(
        (ann_id, other["id"].as_i64(), bobs["id"].as_i64()),
        (1, Some(2), Some(1))
    );
    let bob_one = app
        .get(&format!("/api/{}/tasks/1", bob.id), &bob.token)
        .await;
    assert_eq!(
        bob_one.body["title"], "Bob's task",
        "number 1 on Bob's path is Bob's"
    );
    let chat = app
        .call(
            Method::POST,
            &format!("/api/{}/chat", ann.id),
            Some(&ann.token),
            Some(json!({"message": "Show me all my tasks"})),
        )
        .await;
    assert_eq!(chat.status, StatusCode::OK, "{}", chat.body);
    let conversation = chat.body["conversation_id"].as_i64().unwrap();
    let before = app.all_tasks(&ann).await;
    let conversations_before = app
        .get(&format!("/api/{}/conversations", ann.id), &ann.token)
        .await
        .body;
    let history_before = app
        .get(
            &format!("/api/{}/conversations/{conversation}", ann.id),
            &ann.token,
        )
        .await
        .body;

    for (method, rest, body) in endpoints(ann_id, conversation) {
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

    // Bob's token on Bob's path with a number only Ann has, or Ann's
    // conversation id: 404, exactly like an id that does not exist, so ids of
    // others cannot even be probed.
    let missing_id: i64 = 987_654_321;
    let ann_only = other["id"].as_i64().unwrap();
    let rows = endpoints(ann_only, conversation)
        .into_iter()
        .filter(|(_, rest, body)| names_a_row(rest, body));
    for (method, rest, body) in rows {
        let path = format!("/api/{}{rest}", bob.id);
        let reply = app
            .call(method.clone(), &path, Some(&bob.token), body.clone())
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "A's id on B's path: {method} {rest}: {}",
            reply.body
        );
        let absent_rest = rest
            .replace(
                &format!("/tasks/{ann_only}"),
                &format!("/tasks/{missing_id}"),
            )
            .replace(&conversation.to_string(), &missing_id.to_string());
        let absent_body = body.map(|mut b| {
            if b.get("conversation_id").is_some() {
                b["conversation_id"] = json!(missing_id);
            }
            b
        });
        let absent_path = format!("/api/{}{absent_rest}", bob.id);
        let absent = app
            .call(method.clone(), &absent_path, Some(&bob.token), absent_body)
            .await;
        assert_eq!(
            reply.raw, absent.raw,
            "{method} {rest}: another user's row must look exactly like no row"
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

    // Ann's tasks and conversations are exactly as before.
    assert_eq!(app.all_tasks(&ann).await, before);
    assert_eq!(
        app.get(&format!("/api/{}/conversations", ann.id), &ann.token)
            .await
            .body,
        conversations_before
    );
    assert_eq!(
        app.get(
            &format!("/api/{}/conversations/{conversation}", ann.id),
            &ann.token
        )
        .await
        .body,
        history_before
    );
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
