//! What goes back to the model as history: fallback notes, tool use, and tool
//! outputs without the undo snapshot.

use llm::stub::{StubReply, StubServer};
use serde_json::{Value, json};

use crate::common;
use crate::llm_agent;

#[tokio::test]
async fn fallback_notes_and_tool_use_go_back_cleanly_in_the_history() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::start(|_, n| {
        if n == 0 {
            StubReply::error(400, "bad request")
        } else {
            StubReply::text("You have one task.")
        }
    })
    .await;
    let agent = llm_agent(&store, &stub, 4, 1);
    let first = common::say(&agent, &user, None, "add a task to buy bread").await;
    assert!(
        first.response.starts_with("(The AI model is unavailable"),
        "{}",
        first.response
    );
    assert_eq!(
        stub.requests().len(),
        1,
        "a request the server rejected is not retried"
    );
    common::say(
        &agent,
        &user,
        Some(first.conversation_id),
        "how many tasks do I have?",
    )
    .await;
    let prompt = stub.requests()[1].body["messages"].clone();
    let text = prompt.to_string();
    assert!(!text.contains("unavailable right now"), "{text}");
    assert!(!text.contains("[tools used"), "{text}");
    let messages = prompt.as_array().unwrap();
    let call = messages
        .iter()
        .find(|m| m["role"] == "assistant" && m["tool_calls"].is_array())
        .expect("earlier tool use as a real tool call");
    assert_eq!(call["tool_calls"][0]["function"]["name"], "add_task");
    assert!(
        messages
            .iter()
            .any(|m| m["role"] == "tool" && m["content"].as_str().unwrap().contains("Buy bread"))
    );
    assert!(
        !messages[0]["content"].as_str().unwrap().contains("Added '"),
        "no example reply to parrot"
    );
    assert!(stub.rejected().is_empty(), "{:?}", stub.rejected());
}

/// The undo snapshot a write records (whole task records) stays in the stored
/// conversation for undo, and is not sent back to the model with the history.
#[tokio::test]
async fn replayed_tool_outputs_leave_out_the_undo_snapshot() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    store
        .create_task(
            &user,
            todo_core::NewTask::titled(todo_core::Title::parse("Water the plants").unwrap()),
        )
        .await
        .unwrap();
    let stub = StubServer::scripted(vec![
        StubReply::tool_calls(&[("complete_task", json!({"task_id": 1}))]),
        StubReply::text(""),
        StubReply::text("You're welcome."),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 4, 1);
    let first = common::say(&agent, &user, None, "complete task 1").await;
    assert!(
        first.tool_calls[0].output.get("before").is_some(),
        "the stored call keeps the snapshot for undo: {:?}",
        first.tool_calls
    );
    common::say(&agent, &user, Some(first.conversation_id), "thanks").await;
    let requests = stub.requests();
    let replayed: Vec<&Value> = requests[2].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .collect();
    assert_eq!(replayed.len(), 1, "{:?}", requests[2].body["messages"]);
    let content = replayed[0]["content"].as_str().unwrap();
    let output: Value = serde_json::from_str(content).unwrap();
    assert_eq!(output["status"], "completed", "{content}");
    assert!(output.get("before").is_none(), "{content}");
}
