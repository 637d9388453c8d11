//! The client against a real HTTP server on loopback speaking the
//! chat-completions wire format.

use std::time::{Duration, Instant};

use llm::stub::{StubReply, StubServer};
use llm::{
    ApiKey, ChatMessage, ChatModel, ChatRequest, LlmClient, LlmConfig, LlmError, Provider,
    RetryPolicy, ToolCallRequest, ToolChoice, ToolChoiceMode, ToolSpec,
};
use serde_json::json;

const KEY: &str = "sk-test-secret-0123456789";

fn client(stub: &StubServer, attempts: u32, timeout: Duration) -> LlmClient {
    LlmClient::new(config_for(stub, attempts, timeout)).unwrap()
}

fn config_for(stub: &StubServer, attempts: u32, timeout: Duration) -> LlmConfig {
    let mut config = LlmConfig::new(
        Provider::OpenAiCompatible,
        stub.base_url.clone(),
        "stub-model",
    );
    config.api_key = Some(ApiKey::new(KEY));
    config.request_timeout = timeout;
    config.retry = RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_secs(2),
    };
    config
}

fn request() -> ChatRequest {
    ChatRequest::new(
        "stub-model",
        vec![
            ChatMessage::system("be brief"),
            ChatMessage::user("add milk"),
        ],
    )
    .with_tools(vec![ToolSpec::function(
        "add_task",
        "Add a task",
        json!({"type": "object", "properties": {"title": {"type": "string"}}}),
    )])
}

#[tokio::test]
async fn tool_calls_round_trip_streamed_with_auth_and_generation_settings() {
    let stub = StubServer::scripted(vec![StubReply::tool_calls(&[(
        "add_task",
        json!({"title": "Milk"}),
    )])])
    .await;
    let response = client(&stub, 1, Duration::from_secs(5))
        .chat(&request())
        .await
        .unwrap();
    let choice = response.first().unwrap();
    assert_eq!(choice.finish_reason.as_deref(), Some("tool_calls"));
    let call = &choice.message.tool_calls[0];
    assert_eq!(call.function.name, "add_task");
    assert_eq!(call.parsed_arguments().unwrap()["title"], "Milk");
    assert_eq!(response.usage.unwrap().total_tokens, 15);

    let seen = stub.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(seen[0].body["stream"], true);
    // The usage above exists only because the client asked for it in the stream.
    assert_eq!(
        seen[0].body["stream_options"],
        json!({"include_usage": true})
    );
    assert_eq!(seen[0].body["tool_choice"], "auto");
    assert_eq!(seen[0].body["max_tokens"], LlmConfig::DEFAULT_MAX_TOKENS);
    assert!(seen[0].body["temperature"].as_f64().unwrap() < 0.2);
    assert_eq!(seen[0].body["tools"][0]["type"], "function");
    assert_eq!(
        seen[0].body["messages"][1],
        json!({"role": "user", "content": "add milk"})
    );
}

#[tokio::test]
async fn rate_limit_is_retried_after_the_advertised_delay() {
    let stub = StubServer::scripted(vec![
        StubReply::Error {
            status: 429,
            message: "Rate limit reached".into(),
            retry_after: Some(1),
        },
        StubReply::text("done"),
    ])
    .await;
    let started = Instant::now();
    let response = client(&stub, 3, Duration::from_secs(5))
        .chat(&request())
        .await
        .unwrap();
    assert_eq!(
        response.first().unwrap().message.content.as_deref(),
        Some("done")
    );
    assert_eq!(stub.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After ignored: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times_and_never_leak_the_key() {
    let leaky = format!("Incorrect API key provided: {KEY}");
    let stub = StubServer::start(move |_, _| StubReply::error(500, &leaky)).await;
    let err = client(&stub, 3, Duration::from_secs(5))
        .chat(&request())
        .await
        .unwrap_err();
    assert_eq!(stub.requests().len(), 3);
    match &err {
        LlmError::RetriesExhausted { attempts: 3, last } => {
            assert!(
                matches!(**last, LlmError::Status { status: 500, .. }),
                "{last:?}"
            )
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    let text = format!("{err} {err:?}");
    assert!(!text.contains(KEY), "key leaked: {text}");
    assert!(text.contains("[redacted]"), "{text}");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let stub = StubServer::scripted(vec![StubReply::error(
        400,
        "Invalid schema for function 'add_task'",
    )])
    .await;
    let err = client(&stub, 3, Duration::from_secs(5))
        .chat(&request())
        .await
        .unwrap_err();
    assert_eq!(stub.requests().len(), 1);
    assert!(
        matches!(&err, LlmError::Status { status: 400, message } if message.contains("Invalid schema")),
        "{err:?}"
    );
}

#[tokio::test]
async fn slow_answers_time_out() {
    let stub = StubServer::scripted(vec![StubReply::Delayed(
        Duration::from_secs(5),
        Box::new(StubReply::text("late")),
    )])
    .await;
    let started = Instant::now();
    let err = client(&stub, 1, Duration::from_millis(300))
        .chat(&request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_timed_out_request_is_not_sent_again() {
    // Retries allowed, but a timeout is not one of their reasons: the server may still
    // be generating the first answer, and a second copy would double its work.
    let stub = StubServer::scripted(vec![
        StubReply::Delayed(Duration::from_secs(5), Box::new(StubReply::text("late"))),
        StubReply::text("second copy"),
    ])
    .await;
    let err = client(&stub, 3, Duration::from_millis(300))
        .chat(&request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Timeout(_)), "{err:?}");
    assert_eq!(
        stub.requests().len(),
        1,
        "the timed-out request was re-sent"
    );
}

#[tokio::test]
async fn unreachable_endpoint_is_a_connect_error() {
    // Bind and drop a listener so the port is very likely closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = LlmConfig::new(Provider::Ollama, format!("http://127.0.0.1:{port}/v1"), "m");
    config.retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    };
    let err = LlmClient::new(config)
        .unwrap()
        .chat(&request())
        .await
        .unwrap_err();
    match err {
        LlmError::RetriesExhausted { attempts: 2, last } => {
            assert!(matches!(*last, LlmError::Connect(_)), "{last:?}")
        }
        other => panic!("expected retries over a connect error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_2xx_without_choices_is_a_decode_error() {
    let stub = StubServer::scripted(vec![StubReply::Completion(
        json!({"id": "x", "choices": []}),
    )])
    .await;
    let err = client(&stub, 3, Duration::from_secs(5))
        .chat(&request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Decode(_)), "{err:?}");
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn the_follow_up_shape_strict_servers_accept() {
    // An assistant message that only called tools goes out with "content": "" (the stub,
    // like llama-cpp-python, rejects null), and a boolean schema is sanitised at the wire.
    let stub = StubServer::scripted(vec![StubReply::text("ok"), StubReply::text("ok")]).await;
    let call = ToolCallRequest::new("call_1", "patch", &json!({"patch": {"a": 1}}));
    let messages = vec![
        ChatMessage::user("patch it"),
        ChatMessage::Assistant {
            content: String::new(),
            tool_calls: vec![call],
        },
        ChatMessage::tool_result("call_1", "done"),
    ];
    let tools = vec![ToolSpec::function(
        "patch",
        "Patch an object",
        json!({"type": "object", "properties": {"patch": true, "dry": {"type": ["boolean", "null"], "default": null}}}),
    )];
    let c = client(&stub, 1, Duration::from_secs(5));
    let mut req = ChatRequest::new("stub-model", messages).with_tools(tools);
    req.tool_choice = Some(ToolChoice::Function("patch".into()));
    c.chat(&req).await.unwrap();
    assert!(stub.rejected().is_empty(), "{:?}", stub.rejected());
    let body = &stub.requests()[0].body;
    assert_eq!(body["messages"][1]["content"], "");
    assert_eq!(
        body["tools"][0]["function"]["parameters"]["properties"]["patch"],
        json!({})
    );
    assert_eq!(
        body["tools"][0]["function"]["parameters"]["properties"]["dry"],
        json!({"type": "boolean"})
    );
    assert_eq!(
        body["tool_choice"],
        json!({"type": "function", "function": {"name": "patch"}})
    );

    // The strict stub itself refuses what our old client sent.
    let raw = reqwest::Client::new()
        .post(format!("{}/chat/completions", stub.base_url))
        .json(&json!({"model": "m", "messages": [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "a", "content": "r"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    for bad in [
        json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f", "description": "", "parameters": {"type": "object", "properties": {"p": true}}}}]}),
        json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "frobnicate": 1}),
        json!({"model": "m", "messages": [{"role": "user", "content": "x", "extra": 1}]}),
        json!({"model": "m", "messages": [{"role": "tool", "tool_call_id": "zz", "content": "x"}]}),
        json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": true}}),
    ] {
        let r = reqwest::Client::new()
            .post(format!("{}/chat/completions", stub.base_url))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    assert_eq!(stub.rejected().len(), 6, "{:?}", stub.rejected());
    assert!(
        stub.rejected()[1].contains("#/properties/p"),
        "{:?}",
        stub.rejected()
    );
}

#[tokio::test]
async fn tool_choice_mode_and_settings_come_from_the_config() {
    let stub = StubServer::start(|_, _| StubReply::text("ok")).await;
    let mut config = config_for(&stub, 1, Duration::from_secs(5));
    config.tool_choice = ToolChoiceMode::Omit;
    config.max_tokens = 64;
    config.temperature = 0.0;
    config.stream = false;
    let c = LlmClient::new(config.clone()).unwrap();
    c.chat(&request()).await.unwrap();
    config.tool_choice = ToolChoiceMode::Required;
    LlmClient::new(config)
        .unwrap()
        .chat(&request())
        .await
        .unwrap();
    let seen = stub.requests();
    assert!(
        seen[0].body.get("tool_choice").is_none(),
        "{}",
        seen[0].body
    );
    assert_eq!(seen[0].body["max_tokens"], 64);
    assert_eq!(seen[0].body["temperature"], 0.0);
    assert_eq!(seen[0].body["stream"], false);
    assert!(
        seen[0].body.get("stream_options").is_none(),
        "{}",
        seen[0].body
    );
    assert_eq!(seen[1].body["tool_choice"], "required");
    // A caller's own values win over the config.
    let mut req = request();
    req.max_tokens = Some(32);
    c.chat(&req).await.unwrap();
    assert_eq!(stub.requests()[2].body["max_tokens"], 32);
}

#[tokio::test]
async fn a_timed_out_stream_closes_the_connection_so_the_server_stops() {
    let stub = StubServer::scripted(vec![StubReply::Endless("la ".into())]).await;
    let started = Instant::now();
    let err = client(&stub, 1, Duration::from_millis(400))
        .chat(&request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // The server side sees the hang-up promptly.
    let deadline = Instant::now() + Duration::from_secs(3);
    while stub.disconnects() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stub.disconnects(), 1);
}

#[tokio::test]
async fn a_cancelled_turn_closes_the_connection_too() {
    let stub = StubServer::scripted(vec![StubReply::Endless("la ".into())]).await;
    let c = client(&stub, 1, Duration::from_secs(30));
    let req = request();
    let cut = tokio::time::timeout(Duration::from_millis(300), c.chat(&req)).await;
    assert!(cut.is_err(), "the endless answer cannot finish");
    let deadline = Instant::now() + Duration::from_secs(3);
    while stub.disconnects() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stub.disconnects(), 1);
}
