//! What the planner refuses or repairs in a model's answer: claimed changes without
//! a call, invented ids, calls written as text, writes the message did not ask for.

use std::sync::Arc;

use llm::stub::{StubReply, StubServer, tool_messages};
use serde_json::json;
use todo_agent::{Agent, AgentConfig};

use crate::common;
use crate::{llm_agent, task_states, with_tasks};

#[tokio::test]
async fn a_claimed_change_without_a_tool_call_is_never_shown() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    // The model imitates a confirmation twice, even when asked again with the tool named.
    let stub = StubServer::start(|_, _| StubReply::text("Added 'Buy milk' (task 1).")).await;
    let agent = llm_agent(&store, &stub, 4, 1);
    let reply = common::say(&agent, &user, None, "add a task to buy milk").await;
    let requests = stub.requests();
    assert_eq!(requests.len(), 2, "asked once more");
    assert_eq!(
        requests[1].body["tool_choice"],
        json!({"type": "function", "function": {"name": "add_task"}})
    );
    // The offline planner did it, and the reply says so; the claim is not the answer.
    assert!(
        reply.response.starts_with("(The AI model did not carry this out, so the built-in assistant did.) Added 'Buy milk' (task 1)"),
        "{}",
        reply.response
    );
    assert_eq!(common::titles(&store, &user).await, vec!["Buy milk"]);
    assert_eq!(reply.tool_calls.len(), 1);
}

#[tokio::test]
async fn a_re_ask_with_the_tool_named_gets_the_call() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::scripted(vec![
        StubReply::text("Deleted the dentist task."),
        StubReply::tool_calls(&[("list_tasks", json!({}))]),
        StubReply::tool_calls(&[("delete_task", json!({"task_id": 2}))]),
        StubReply::text("Done! I deleted task 2, the dentist appointment."),
    ])
    .await;
    for title in ["Buy groceries", "Dentist"] {
        store
            .create_task(
                &user,
                todo_core::NewTask::titled(todo_core::Title::parse(title).unwrap()),
            )
            .await
            .unwrap();
    }
    let agent = llm_agent(&store, &stub, 6, 1);
    let reply = common::say(&agent, &user, None, "delete the dentist task").await;
    assert_eq!(
        stub.requests()[1].body["tool_choice"]["function"]["name"],
        "list_tasks",
        "a task named by its words is looked up first"
    );
    // The confirmation comes from the result; the model's claim sentence is dropped.
    assert_eq!(reply.response, "Deleted 'Dentist' (task 2). Done!");
    assert_eq!(common::titles(&store, &user).await, vec!["Buy groceries"]);
}

#[tokio::test]
async fn a_write_on_an_invented_id_is_refused_to_the_model() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    for title in ["Buy groceries", "Dentist"] {
        store
            .create_task(
                &user,
                todo_core::NewTask::titled(todo_core::Title::parse(title).unwrap()),
            )
            .await
            .unwrap();
    }
    let stub = StubServer::scripted(vec![
        StubReply::tool_calls(&[("delete_task", json!({"task_id": 1}))]),
        StubReply::tool_calls(&[("search_tasks", json!({"query": "dentist"}))]),
        StubReply::tool_calls(&[("delete_task", json!({"task_id": 2}))]),
        StubReply::text(""),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 6, 1);
    let reply = common::say(&agent, &user, None, "delete the dentist task").await;
    assert_eq!(common::titles(&store, &user).await, vec!["Buy groceries"]);
    let second = stub.requests()[1].body["messages"]
        .as_array()
        .unwrap()
        .clone();
    let refusal = second.last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        refusal.contains("call list_tasks or search_tasks first"),
        "{refusal}"
    );
    assert_eq!(reply.response, "Deleted 'Dentist' (task 2).");
    assert_eq!(
        reply
            .tool_calls
            .iter()
            .map(|c| c.tool.as_str())
            .collect::<Vec<_>>(),
        vec!["search_tasks", "delete_task"],
        "the refused call never ran"
    );
}

#[tokio::test]
async fn tool_calls_written_as_text_are_run() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::scripted(vec![
        StubReply::text("<tool_call>\n{\"name\": \"add_task\", \"arguments\": {\"title\": \"Call mom\"}}\n</tool_call>"),
        StubReply::text(""),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 4, 1);
    let reply = common::say(&agent, &user, None, "remind me to call mom").await;
    assert_eq!(reply.response, "Added 'Call mom' (task 1).");
    assert_eq!(common::titles(&store, &user).await, vec!["Call mom"]);
    let second = stub.requests()[1].body["messages"]
        .as_array()
        .unwrap()
        .clone();
    let assistant = &second[second.len() - 2];
    assert_eq!(assistant["content"], "");
    assert_eq!(assistant["tool_calls"][0]["function"]["name"], "add_task");
    assert!(stub.rejected().is_empty(), "{:?}", stub.rejected());
}

#[tokio::test]
async fn a_write_of_a_kind_the_message_does_not_ask_for_is_refused_and_never_claimed() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    with_tasks(&store, &user, &["Buy groceries"]).await;
    // What the 0.5B model did: asked only to add, it also completed a task whose id
    // a listing had just shown it (so the invented-id rule does not stop it).
    let stub = StubServer::scripted(vec![
        StubReply::tool_calls(&[("list_tasks", json!({"status": "all"}))]),
        StubReply::tool_calls(&[
            ("add_task", json!({"title": "Buy milk"})),
            ("complete_task", json!({"task_id": 1})),
        ]),
        StubReply::text("Added 'Buy milk' and completed 'Buy groceries' (task 1)."),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 6, 1);
    let reply = common::say(&agent, &user, None, "add buy milk").await;
    assert!(stub.rejected().is_empty(), "{:?}", stub.rejected());
    assert_eq!(
        task_states(&store, &user).await,
        vec![
            ("Buy groceries".to_string(), false),
            ("Buy milk".to_string(), false)
        ],
        "the completion never ran"
    );
    assert_eq!(
        reply
            .tool_calls
            .iter()
            .map(|c| c.tool.as_str())
            .collect::<Vec<_>>(),
        vec!["list_tasks", "add_task"]
    );
    // The model read why, so it can correct itself; the reply claims only the add.
    let results = tool_messages(&stub.requests()[2].body);
    let refusal = results.last().unwrap();
    assert!(
        refusal.contains("asks to add a task, not to complete a task")
            && refusal.contains("complete_task was not called"),
        "{refusal}"
    );
    assert!(
        reply.response.starts_with("Added 'Buy milk'"),
        "{}",
        reply.response
    );
    assert!(
        !reply.response.to_lowercase().contains("complete")
            && !reply.response.contains("groceries"),
        "{}",
        reply.response
    );
}

#[tokio::test]
async fn a_request_to_see_tasks_runs_no_write() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    with_tasks(&store, &user, &["Dentist"]).await;
    let stub = StubServer::scripted(vec![
        StubReply::tool_calls(&[("list_tasks", json!({}))]),
        StubReply::tool_calls(&[("delete_task", json!({"task_id": 1}))]),
        StubReply::text("You had one task, Dentist; I removed it."),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 6, 1);
    let reply = common::say(&agent, &user, None, "show my tasks").await;
    assert_eq!(common::titles(&store, &user).await, vec!["Dentist"]);
    let refusal = tool_messages(&stub.requests()[2].body).pop().unwrap();
    assert!(refusal.contains("asks for no change"), "{refusal}");
    assert!(!reply.response.contains("removed"), "{}", reply.response);
}

#[tokio::test]
async fn a_phrasing_the_offline_planner_misses_still_writes_through_the_llm() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let stub = StubServer::scripted(vec![
        StubReply::tool_calls(&[("add_task", json!({"title": "Vet visit"}))]),
        StubReply::text(""),
    ])
    .await;
    let agent = llm_agent(&store, &stub, 6, 1);
    // The offline planner understands nothing here, so the guard blocks nothing.
    let message = "my cat knocked the plant over, note down a vet visit or so";
    let offline = Agent::new(
        store.clone(),
        Arc::new(todo_agent::OfflinePlanner::new()),
        AgentConfig::default(),
    );
    let unread = common::say(&offline, &user, None, message).await;
    assert!(unread.tool_calls.is_empty(), "{:?}", unread.tool_calls);
    let reply = common::say(&agent, &user, None, message).await;
    assert_eq!(common::titles(&store, &user).await, vec!["Vet visit"]);
    assert!(
        reply.response.starts_with("Added 'Vet visit'"),
        "{}",
        reply.response
    );
}
