//! The MCP server's streamable-HTTP service, mounted like the API mounts it
//! (behind a middleware that puts the caller's UserId into the request
//! extensions), driven by the official Python MCP SDK.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use todo_core::{Store, TaskId, UserId};

type Tokens = Arc<HashMap<String, UserId>>;

/// Stands in for the API's JWT middleware (tested with the real one in the
/// `todo` crate): a fixed token per user.
async fn auth(State(tokens): State<Tokens>, mut request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| tokens.get(t).cloned());
    match token {
        Some(user) => {
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        None => (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid token"})),
        )
            .into_response(),
    }
}

async fn serve(store: Arc<dyn Store>, tokens: Tokens) -> String {
    let service = todo_agent::mcp::http_service(move || Some(store.clone()));
    let app = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn_with_state(tokens, auth));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/mcp")
}

fn client(url: &str, token: &str, calls: Value) -> Value {
    common::run_mcp_client(&[
        "--http".into(),
        url.into(),
        "--token".into(),
        token.into(),
        "--calls".into(),
        calls.to_string(),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_over_streamable_http_as_the_authenticated_user() {
    let (store, _guard) = common::fresh_store().await;
    let ann = common::user(&store, "ann@example.com").await;
    let bob = common::user(&store, "bob@example.com").await;
    let tokens: Tokens = Arc::new(HashMap::from([
        ("token-ann".to_string(), ann.clone()),
        ("token-bob".to_string(), bob.clone()),
    ]));
    let url = serve(store.clone(), tokens).await;

    let calls = json!([
        {"name": "add_task", "arguments": {"title": "Write MCP docs", "priority": "high", "tags": ["docs"], "due_at": "2026-12-01T09:00:00Z"}},
        {"name": "list_tasks", "arguments": {}},
        {"name": "search_tasks", "arguments": {"query": "MCP"}},
        {"name": "update_task", "arguments": {"task_id": 1, "title": "Write the MCP docs"}},
        {"name": "set_priority", "arguments": {"task_id": 1, "priority": "low"}},
        {"name": "complete_task", "arguments": {"task_id": 1}},
        {"name": "reopen_task", "arguments": {"task_id": 1}},
        {"name": "complete_task", "arguments": {"task_id": 999}},
        {"name": "add_task", "arguments": {"title": "   "}},
        {"name": "add_task", "arguments": {"title": "Sneaky", "user_id": bob.as_str()}},
        {"name": "add_task", "arguments": {"title": "Keep me"}},
        {"name": "delete_task", "arguments": {"task_id": 2}},
        {"name": "drop_database", "arguments": {}}
    ]);
    let report = tokio::task::spawn_blocking({
        let url = url.clone();
        move || client(&url, "token-ann", calls)
    })
    .await
    .unwrap();
    let names = common::listed_tool_names(&report);
    assert_eq!(report["server"], "todo-chatbot");
    for expected in [
        "add_task",
        "list_tasks",
        "complete_task",
        "delete_task",
        "update_task",
        "search_tasks",
        "set_priority",
        "reopen_task",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} not listed: {names:?}"
        );
    }
    let list_tool = common::listed_tool(&report, "list_tasks");
    assert_eq!(list_tool["read_only"], true);
    let statuses = list_tool["schema"]["properties"]["status"]["enum"]
        .as_array()
        .unwrap();
    for s in ["all", "pending", "completed"] {
        assert!(statuses.contains(&json!(s)), "{statuses:?}");
    }

    let r = report["results"].as_array().unwrap();
    let text =
        |i: usize| -> Value { serde_json::from_str(r[i]["text"].as_str().unwrap()).unwrap() };
    assert_eq!(r[0]["is_error"], false);
    assert_eq!(
        text(0),
        json!({"task_id": 1, "status": "created", "title": "Write MCP docs"})
    );
    assert_eq!(r[0]["structured"], text(0));
    assert_eq!(
        text(1),
        json!([{"id": 1, "title": "Write MCP docs", "completed": false}])
    );
    assert_eq!(text(2)[0]["priority"], "high");
    assert_eq!(text(2)[0]["tags"], json!(["docs"]));
    assert_eq!(
        text(3),
        json!({"task_id": 1, "status": "updated", "title": "Write the MCP docs"})
    );
    assert_eq!(text(4)["priority"], "low");
    assert_eq!(text(5)["status"], "completed");
    assert_eq!(text(6)["status"], "pending");
    // Tool failures are results with isError, readable by the caller.
    assert_eq!(r[7]["is_error"], true);
    assert_eq!(r[7]["text"], "task 999 not found");
    assert_eq!(r[8]["is_error"], true);
    assert!(
        r[8]["text"]
            .as_str()
            .unwrap()
            .contains("title: must not be empty"),
        "{}",
        r[8]
    );
    assert_eq!(r[9]["is_error"], true);
    assert!(
        r[9]["text"]
            .as_str()
            .unwrap()
            .contains("user_id does not match"),
        "{}",
        r[9]
    );
    assert_eq!(text(11)["status"], "deleted");
    // An unknown tool is a protocol error, not a result.
    assert!(r[12].get("exception").is_some(), "{}", r[12]);

    // Bob sees none of Ann's tasks and cannot touch them.
    let bob_calls = json!([
        {"name": "list_tasks", "arguments": {}},
        {"name": "complete_task", "arguments": {"task_id": 1}},
        {"name": "delete_task", "arguments": {"task_id": 1}}
    ]);
    let report = tokio::task::spawn_blocking(move || client(&url, "token-bob", bob_calls))
        .await
        .unwrap();
    let r = report["results"].as_array().unwrap();
    assert_eq!(r[0]["text"], "[]");
    assert_eq!(
        (r[1]["is_error"].clone(), r[1]["text"].clone()),
        (json!(true), json!("task 1 not found"))
    );
    assert_eq!(r[2]["is_error"], true);
    let anns = store.task(&ann, TaskId(1)).await.unwrap();
    assert!(!anns.completed, "Bob's call changed Ann's task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_never_reaches_the_tools() {
    let (store, _guard) = common::fresh_store().await;
    let ann = common::user(&store, "ann@example.com").await;
    let tokens: Tokens = Arc::new(HashMap::from([("token-ann".to_string(), ann)]));
    let url = serve(store, tokens).await;
    let report = tokio::task::spawn_blocking(move || client(&url, "forged", json!([])))
        .await
        .unwrap();
    // The SDK reports the refused initialisation; no tool ran.
    assert!(
        report["connect_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{report}"
    );
    assert!(report.get("results").is_none(), "{report}");
}

/// A recurring task made, completed and listed through MCP: completing it creates
/// the next occurrence and says which; the due filter finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recurring_task_over_mcp_gets_its_next_occurrence() {
    let (store, _guard) = common::fresh_store().await;
    let ann = common::user(&store, "ann@example.com").await;
    let tokens: Tokens = Arc::new(HashMap::from([("token-ann".to_string(), ann.clone())]));
    let url = serve(store.clone(), tokens).await;
    // Due yesterday, so it is overdue now and its next one is due tomorrow.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let calls = json!([
        {"name": "add_task", "arguments": {"title": "Stand-up", "due_at": yesterday, "recurrence": {"kind": "weekdays"}}},
        {"name": "list_tasks", "arguments": {"due": "overdue"}},
        {"name": "complete_task", "arguments": {"task_id": 1}},
        {"name": "list_tasks", "arguments": {"due": "overdue"}},
        {"name": "search_tasks", "arguments": {"status": "pending"}},
        {"name": "add_task", "arguments": {"title": "Bad", "recurrence": {"kind": "fortnightly"}}},
        {"name": "update_task", "arguments": {"task_id": 2, "recurrence": null}},
        {"name": "list_tasks", "arguments": {"due": "someday"}}
    ]);
    let report = tokio::task::spawn_blocking(move || client(&url, "token-ann", calls))
        .await
        .unwrap();
    let r = report["results"].as_array().unwrap();
    let text =
        |i: usize| -> Value { serde_json::from_str(r[i]["text"].as_str().unwrap()).unwrap() };
    assert_eq!(text(0)["task_id"], 1, "{}", r[0]);
    assert_eq!(
        text(1),
        json!([{"id": 1, "title": "Stand-up", "completed": false}])
    );
    let done = text(2);
    assert_eq!(
        (done["status"].clone(), done["next_task_id"].clone()),
        (json!("completed"), json!(2))
    );
    let next_due =
        chrono::DateTime::parse_from_rfc3339(done["next_due_at"].as_str().unwrap()).unwrap();
    assert!(next_due > chrono::Utc::now(), "{next_due}");
    assert_eq!(text(3), json!([]), "nothing overdue once done");
    let pending = text(4);
    assert_eq!(pending[0]["id"], 2);
    assert_eq!(pending[0]["recurrence"], json!({"kind": "weekdays"}));
    assert_eq!(r[5]["is_error"], true);
    assert!(
        r[5]["text"].as_str().unwrap().contains("recurrence"),
        "{}",
        r[5]
    );
    assert_eq!(text(6)["status"], "updated");
    assert_eq!(
        store.task(&ann, TaskId(2)).await.unwrap().recurrence,
        None,
        "null stops it repeating"
    );
    assert_eq!(r[7]["is_error"], true, "{}", r[7]);
    let schema = common::listed_tool(&report, "add_task")["schema"].to_string();
    assert!(
        schema.contains("weekdays") && schema.contains("monthly"),
        "{schema}"
    );
}
