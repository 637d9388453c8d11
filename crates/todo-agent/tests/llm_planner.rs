//! The LLM planner against a local OpenAI-compatible server (the `llm` crate's
//! stub on 127.0.0.1) that speaks the chat-completions tool-calling wire format.

mod common;

use std::sync::Arc;
use std::time::Duration;

use llm::stub::{StubReply, StubServer, tool_messages};
use llm::{ApiKey, LlmClient, LlmConfig, Provider, RetryPolicy};
use serde_json::{Value, json};
use todo_agent::{Agent, AgentConfig, LlmPlanner, LlmPlannerConfig};
use todo_core::{Store, UserId};

fn planner(stub: &StubServer, max_steps: usize, attempts: u32) -> Arc<LlmPlanner> {
    let mut config = LlmConfig::new(
        Provider::OpenAiCompatible,
        stub.base_url.clone(),
        "stub-model",
    );
    config.api_key = Some(ApiKey::new("sk-stub"));
    config.request_timeout = Duration::from_secs(5);
    config.retry = RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
    };
    let client = Arc::new(LlmClient::new(config).unwrap());
    Arc::new(LlmPlanner::new(
        client,
        LlmPlannerConfig {
            max_steps,
            ..LlmPlannerConfig::default()
        },
    ))
}

/// The agent every test here builds: the LLM planner on `stub`, default agent settings.
fn llm_agent(store: &Arc<dyn Store>, stub: &StubServer, max_steps: usize, attempts: u32) -> Agent {
    Agent::new(
        store.clone(),
        planner(stub, max_steps, attempts),
        AgentConfig::default(),
    )
}

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

/// Creates tasks with these titles for `user`, in order (ids 1, 2, ...).
async fn with_tasks(store: &Arc<dyn Store>, user: &UserId, titles: &[&str]) {
    for title in titles {
        store
            .create_task(
                user,
                todo_core::NewTask::titled(todo_core::Title::parse(title).unwrap()),
            )
            .await
            .unwrap();
    }
}

/// (title, completed) of the user's tasks.
async fn task_states(store: &Arc<dyn Store>, user: &UserId) -> Vec<(String, bool)> {
    let tasks = common::tasks(store, user).await;
    tasks
        .into_iter()
        .map(|t| (t.title.into_inner(), t.completed))
        .collect()
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
