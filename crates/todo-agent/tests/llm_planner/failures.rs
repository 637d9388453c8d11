//! The provider failing: fallback to the offline planner, retried rate limits, and
//! no tool run twice after a failure.

use llm::stub::{StubReply, StubServer};
use serde_json::json;

use crate::common;
use crate::llm_agent;

#[tokio::test]
async fn provider_failure_falls_back_to_the_offline_planner_and_says_so() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::start(|_, _| {
        StubReply::error(
            500,
            "The server had an error while processing your request.",
        )
    })
    .await;
    let agent = llm_agent(&store, &stub, 4, 3);
    let reply = common::say(&agent, &user, None, "Add a task to buy groceries").await;
    assert_eq!(
        stub.requests().len(),
        3,
        "retried up to the bound before giving up"
    );
    assert!(reply.response.starts_with("(The AI model is unavailable right now, so the built-in assistant answered.) Added 'Buy groceries'"), "{}", reply.response);
    assert_eq!(reply.tool_calls.len(), 1);
    assert_eq!(common::titles(&store, &user).await, vec!["Buy groceries"]);
}

#[tokio::test]
async fn rate_limits_are_retried_within_the_turn() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::scripted(vec![
        StubReply::Error {
            status: 429,
            message: "Rate limit reached for requests".into(),
            retry_after: Some(0),
        },
        StubReply::tool_calls(&[("list_tasks", json!({"status": "pending"}))]),
        StubReply::Error {
            status: 503,
            message: "overloaded".into(),
            retry_after: None,
        },
        StubReply::text("You have no pending tasks."),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 4, 3);
    let reply = common::say(&agent, &user, None, "what's pending?").await;
    assert_eq!(reply.response, "You have no pending tasks.");
    assert_eq!(stub.requests().len(), 4);
}

#[tokio::test]
async fn a_failure_after_tools_ran_does_not_repeat_them() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::start(|_, n| {
        if n == 0 {
            StubReply::tool_calls(&[("add_task", json!({"title": "Pay rent"}))])
        } else {
            StubReply::error(500, "boom")
        }
    })
    .await;
    let agent = llm_agent(&store, &stub, 4, 2);
    let reply = common::say(&agent, &user, None, "add pay rent").await;
    assert!(
        reply
            .response
            .starts_with("The AI model stopped responding part-way."),
        "{}",
        reply.response
    );
    assert!(
        reply.response.contains("Added 'Pay rent' (task 1)."),
        "{}",
        reply.response
    );
    assert_eq!(
        common::titles(&store, &user).await,
        vec!["Pay rent"],
        "added exactly once"
    );
}
