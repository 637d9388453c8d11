//! The client against real OpenAI-compatible servers (llama.cpp's `llama-server` and
//! llama-cpp-python's server) running Qwen2.5-Coder-0.5B-Instruct on loopback: the
//! wire shapes are accepted, a runaway answer is cut by `max_tokens`, a named
//! `tool_choice` is honoured where the server constrains output.

use llm::local_server::{LocalServer, ServerMode};
use llm::{ChatMessage, ChatModel, ChatRequest, LlmClient, ToolCallRequest, ToolSpec};
use serde_json::json;

fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec::function(
            "add_task",
            "Create a task.",
            json!({"type": "object", "properties": {"title": {"type": "string"}, "extra": true}, "required": ["title"]}),
        ),
        ToolSpec::function(
            "list_tasks",
            "List tasks.",
            json!({"type": "object", "properties": {"status": {"type": ["string", "null"], "enum": ["all", "pending", "completed", null], "default": null}}}),
        ),
    ]
}

#[tokio::test]
#[ignore = "real-server tier: ./test.sh runs it (cargo test --test llm_real_server -- --ignored)"]
async fn real_servers_accept_our_requests_and_max_tokens_cuts_a_runaway() {
    for mode in ServerMode::ALL {
        let Some(server) = LocalServer::start(mode).unwrap() else {
            continue;
        };
        let client = LlmClient::new(server.config()).unwrap();
        let name = mode.name();

        // First request of a turn: system, user, tools (a boolean schema and a nullable
        // union among them, sanitised at the wire).
        let first = ChatRequest::new(
            "default",
            vec![
                ChatMessage::system("You manage a to-do list with the tools."),
                ChatMessage::user("Add a task to buy milk"),
            ],
        )
        .with_tools(tools());
        let r = client.chat(&first).await;
        assert!(
            r.is_ok(),
            "{name}: first request: {r:?}\n{}",
            server.log_tail()
        );

        // The follow-up: an assistant message that only called a tool ("content": "")
        // and the tool's result.
        let call = ToolCallRequest::new("call_0", "add_task", &json!({"title": "Buy milk"}));
        let follow = ChatRequest::new(
            "default",
            vec![
                ChatMessage::system("You manage a to-do list with the tools."),
                ChatMessage::user("Add a task to buy milk"),
                ChatMessage::Assistant {
                    content: String::new(),
                    tool_calls: vec![call],
                },
                ChatMessage::tool_result(
                    "call_0",
                    json!({"task_id": 1, "status": "created", "title": "Buy milk"}).to_string(),
                ),
            ],
        )
        .with_tools(tools());
        let r = client.chat(&follow).await;
        assert!(r.is_ok(), "{name}: follow-up: {r:?}\n{}", server.log_tail());

        // A runaway is cut by max_tokens.
        let mut runaway = ChatRequest::new(
            "default",
            vec![ChatMessage::user(
                "Count from 1 to 5000, every number written out in words, one per line.",
            )],
        );
        runaway.max_tokens = Some(24);
        let started = std::time::Instant::now();
        let r = client.chat(&runaway).await.unwrap();
        let choice = r.first().unwrap();
        assert_eq!(
            choice.finish_reason.as_deref(),
            Some("length"),
            "{name}: {r:?}"
        );
        if let Some(u) = r.usage {
            assert!(u.completion_tokens <= 24, "{name}: {u:?}");
        }
        println!(
            "{name}: runaway cut at 24 tokens in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        println!("{name}: conformance ok (first request, follow-up, max_tokens)");
    }
}
