//! The tool loop itself: tools run as the authenticated user, the history in the
//! prompt, tool errors back to the model, the bound on steps, no repeated call.

use llm::stub::{StubReply, StubServer};
use serde_json::{Value, json};

use crate::common;
use crate::llm_agent;

#[tokio::test]
async fn tool_loop_runs_tools_as_the_authenticated_user() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let intruder = common::user(&store, "eve@example.com").await;
    let stub = StubServer::scripted(vec![
        // The model tries to act as someone else: the user_id is dropped.
        StubReply::tool_calls(&[(
            "add_task",
            json!({"title": "Buy milk", "user_id": intruder.as_str(), "priority": "high"}),
        )]),
        StubReply::text("Added 'Buy milk' (task 1), high priority."),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 4, 1);
    let reply = common::say(&agent, &user, None, "add buy milk, it's urgent").await;

    // The model's own claim is replaced by the confirmation composed from the result.
    assert_eq!(reply.response, "Added 'Buy milk' (task 1), high priority.");
    assert_eq!(reply.tool_calls.len(), 1);
    assert_eq!(reply.tool_calls[0].tool, "add_task");
    assert_eq!(
        reply.tool_calls[0].input,
        json!({"title": "Buy milk", "priority": "high"})
    );
    assert_eq!(reply.tool_calls[0].output["status"], "created");
    assert_eq!(common::titles(&store, &user).await, vec!["Buy milk"]);
    assert!(common::titles(&store, &intruder).await.is_empty());

    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0].body;
    assert_eq!(first["stream"], true);
    assert!(first["max_tokens"].as_u64().is_some() && first["temperature"].is_number());
    assert!(stub.rejected().is_empty(), "{:?}", stub.rejected());
    assert_eq!(first["messages"][0]["role"], "system");
    // The date in the system prompt (stable all day, so servers reuse their cached
    // prefix), the time of day with the new message.
    let system = first["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("2026-11-20 ("), "{system}");
    assert!(!system.contains("10:00"), "{system}");
    assert_eq!(
        first["messages"].as_array().unwrap().last().unwrap(),
        &json!({"role": "user", "content": "[local time 10:00]\nadd buy milk, it's urgent"})
    );
    let tools = first["tools"].as_array().unwrap();
    let names: Vec<&str> = tools
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    for expected in [
        "add_task",
        "list_tasks",
        "complete_task",
        "delete_task",
        "update_task",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(
        tools
            .iter()
            .all(|t| t["function"]["parameters"]["properties"]
                .get("user_id")
                .is_none()),
        "user_id offered to the model"
    );
    // The second request carries the assistant's tool call and the tool's result.
    let second = requests[1].body["messages"].as_array().unwrap();
    let assistant = &second[second.len() - 2];
    assert_eq!(assistant["role"], "assistant");
    assert_eq!(assistant["content"], "", "never null beside tool calls");
    assert_eq!(assistant["tool_calls"][0]["function"]["name"], "add_task");
    let tool = &second[second.len() - 1];
    assert_eq!(tool["role"], "tool");
    assert_eq!(tool["tool_call_id"], assistant["tool_calls"][0]["id"]);
    let output: Value = serde_json::from_str(tool["content"].as_str().unwrap()).unwrap();
    assert_eq!(output["title"], "Buy milk");
}

#[tokio::test]
async fn history_from_the_database_is_in_the_prompt() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::scripted(vec![
        StubReply::text("Hello!"),
        StubReply::text("You said hi before."),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 4, 1);
    let first = common::say(&agent, &user, None, "hi there").await;
    common::say(
        &agent,
        &user,
        Some(first.conversation_id),
        "what did I say?",
    )
    .await;
    let messages = stub.requests()[1].body["messages"]
        .as_array()
        .unwrap()
        .clone();
    let contents: Vec<&str> = messages[1..]
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    // The history replays as it was said (no clock), so it matches the previous prompt
    // byte for byte; only the newest message carries the time of day.
    assert_eq!(
        contents,
        vec!["hi there", "Hello!", "[local time 10:00]\nwhat did I say?"]
    );
}

#[tokio::test]
async fn tool_errors_go_back_to_the_model_as_results() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::scripted(vec![
        StubReply::tool_calls(&[("complete_task", json!({"task_id": 42}))]),
        StubReply::Completion(json!({
            "id": "x", "object": "chat.completion", "model": "stub-model",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
                "tool_calls": [{"id": "bad", "type": "function", "function": {"name": "add_task", "arguments": "{oops"}}]}}]
        })),
        StubReply::text("I couldn't find task 42."),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 4, 1);
    let reply = common::say(&agent, &user, None, "complete task 42").await;
    assert_eq!(
        reply.response,
        "I could not change task 42: task 42 not found. I couldn't find task 42."
    );
    assert_eq!(
        reply.tool_calls.len(),
        1,
        "malformed arguments run nothing: {:?}",
        reply.tool_calls
    );
    assert_eq!(
        reply.tool_calls[0].output,
        json!({"error": "task 42 not found"})
    );
    let third = stub.requests()[2].body["messages"]
        .as_array()
        .unwrap()
        .clone();
    let last = third.last().unwrap();
    assert_eq!(last["tool_call_id"], "bad");
    assert!(
        last["content"].as_str().unwrap().contains("not valid JSON"),
        "{last}"
    );
    let second_tool = &third[third.len() - 3];
    assert!(
        second_tool["content"]
            .as_str()
            .unwrap()
            .contains("task 42 not found"),
        "{second_tool}"
    );
}

#[tokio::test]
async fn the_tool_loop_is_bounded() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    // A different call every time, so the repeat guard does not end it first.
    let stub = StubServer::start(|_, n| {
        let status = ["all", "pending", "completed"][n % 3];
        StubReply::tool_calls(&[("list_tasks", json!({"status": status}))])
    })
    .await;
    let agent = llm_agent(&store, &stub, 3, 1);
    let reply = common::say(&agent, &user, None, "loop forever").await;
    assert_eq!(stub.requests().len(), 3);
    assert_eq!(reply.tool_calls.len(), 3);
    assert!(
        reply.response.starts_with("I stopped after 3 steps"),
        "{}",
        reply.response
    );
}

#[tokio::test]
async fn an_identical_call_is_not_run_twice_in_a_turn() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::start(|_, _| {
        StubReply::tool_calls(&[("list_tasks", json!({"status": "all"}))])
    })
    .await;
    let agent = llm_agent(&store, &stub, 6, 1);
    let reply = common::say(&agent, &user, None, "show my tasks").await;
    assert_eq!(stub.requests().len(), 2, "stopped at the first repeat");
    assert_eq!(reply.tool_calls.len(), 1);
    assert_eq!(reply.response, "No tasks match.");
}
