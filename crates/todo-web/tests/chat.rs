//! The chat panel against the real backend's chat endpoint (offline planner):
//! with and without htmx, history, and isolation of conversations.

mod common;

use common::Stack;
use http::{Method, StatusCode};

const PASSWORD: &str = "correct horse battery";

fn conversation_from(location: &str) -> i64 {
    let rest = location
        .strip_prefix("/tasks?c=")
        .unwrap_or_else(|| panic!("unexpected redirect {location}"));
    rest.trim_end_matches("#chat")
        .parse()
        .expect("conversation id")
}

#[tokio::test]
async fn chat_without_javascript_redirects_back_to_the_conversation() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let token = ann.get("/tasks").await.csrf();

    let sent = ann
        .post(
            "/chat",
            &[
                ("csrf_token", &token),
                ("message", "Add a task to buy groceries"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let id = conversation_from(sent.location());
    let page = ann.get(&format!("/tasks?c={id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(
        body.contains("msg from-user") && body.contains("Add a task to buy groceries"),
        "the question is shown"
    );
    assert!(body.contains("msg from-assistant"), "the reply is shown");
    assert!(
        body.contains(r#"<span class="chip">add_task</span>"#),
        "the tool used is shown: {body}"
    );
    assert!(
        body.contains(r#"data-title="Buy groceries""#),
        "the task is in the list"
    );
    assert!(
        body.contains(&format!(r#"name="conversation_id" value="{id}""#)),
        "the next message continues it"
    );

    // Without `c` the page continues the latest conversation; `c=new` starts afresh.
    assert!(
        ann.get("/tasks")
            .await
            .body
            .contains("Add a task to buy groceries")
    );
    let fresh = ann.get("/tasks?c=new").await.body;
    assert!(fresh.contains("chat-empty") && fresh.contains(r#"name="conversation_id" value="""#));
}

#[tokio::test]
async fn chat_with_htmx_returns_the_turn_and_refreshes_the_list() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let token = ann.get("/tasks").await.csrf();
    let htmx = [("hx-request", "true"), ("x-csrf-token", token.as_str())];

    let turn = ann
        .request(
            Method::POST,
            "/chat",
            &htmx,
            Some(&[("message", "Add a task to water the plants")]),
        )
        .await;
    assert_eq!(turn.status, StatusCode::OK, "{}", turn.body);
    assert_eq!(
        turn.header("hx-trigger"),
        "tasks-changed",
        "a tool changed tasks, so the list reloads"
    );
    assert!(!turn.body.contains("<html"), "a fragment");
    let user_at = turn.body.find("msg from-user").expect("the question");
    let reply_at = turn.body.find("msg from-assistant").expect("the answer");
    assert!(user_at < reply_at, "question then answer");
    assert!(
        turn.body.contains(r#"id="conversation-id""#)
            && turn.body.contains(r#"hx-swap-oob="true""#)
    );
    let marker = r#"name="conversation_id" value=""#;
    let start = turn.body.find(marker).unwrap() + marker.len();
    let id: i64 = turn.body[start..start + turn.body[start..].find('"').unwrap()]
        .parse()
        .expect("id");
    assert!(
        ann.htmx_get("/tasks/list")
            .await
            .body
            .contains("Water the plants")
    );

    let follow = ann
        .request(
            Method::POST,
            "/chat",
            &htmx,
            Some(&[
                ("message", "What's pending?"),
                ("conversation_id", &id.to_string()),
            ]),
        )
        .await;
    assert_eq!(follow.status, StatusCode::OK);
    assert!(
        follow.body.contains("Water the plants"),
        "the answer lists the task: {}",
        follow.body
    );
    assert!(
        follow.body.contains(&format!(r#"value="{id}""#)),
        "same conversation"
    );

    let empty = ann
        .request(Method::POST, "/chat", &htmx, Some(&[("message", "   ")]))
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.body.contains("msg from-assistant failed")
            && empty.body.contains("must not be empty")
    );
    let bad_id = ann
        .request(
            Method::POST,
            "/chat",
            &htmx,
            Some(&[("message", "hi"), ("conversation_id", "x")]),
        )
        .await;
    assert_eq!(bad_id.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn conversations_are_private() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let token = ann.get("/tasks").await.csrf();
    let sent = ann
        .post(
            "/chat",
            &[
                ("csrf_token", &token),
                ("message", "Add a task to plan the surprise party"),
            ],
        )
        .await;
    let id = conversation_from(sent.location());

    let mut bob = stack.visitor();
    bob.sign_up("Bob", "bob@example.com", PASSWORD).await;
    let page = bob.get(&format!("/tasks?c={id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.to_lowercase().contains("surprise party"),
        "Bob sees Ann's conversation"
    );
    let bob_token = page.csrf();
    let reply = bob
        .request(
            Method::POST,
            "/chat",
            &[("hx-request", "true"), ("x-csrf-token", &bob_token)],
            Some(&[
                ("message", "Show me all my tasks"),
                ("conversation_id", &id.to_string()),
            ]),
        )
        .await;
    assert!(
        !reply.body.to_lowercase().contains("surprise party"),
        "{}",
        reply.body
    );
    assert_eq!(
        reply.status,
        StatusCode::NOT_FOUND,
        "someone else's conversation is not found"
    );
}
