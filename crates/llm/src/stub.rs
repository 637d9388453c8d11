//! A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests
//! of code that talks to an LLM. It speaks the real wire format (completions, SSE
//! streams, `tool_calls` with JSON-string arguments, OpenAI's error JSON,
//! `Retry-After`) and records every request it receives.
//!
//! It is as strict as the strictest real servers, so unit tests catch what they
//! reject: `"content": null` beside tool calls (llama-cpp-python: HTTP 500), boolean
//! schemas in tools (llama.cpp: HTTP 400), unknown fields, a `tool` message that
//! answers no earlier call, a `tool_choice` naming a tool not offered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// What the stub answers to one request.
#[derive(Debug, Clone)]
pub enum StubReply {
    /// 200 with this chat-completion body.
    Completion(Value),
    /// An error status with OpenAI's error JSON and an optional `Retry-After` (seconds).
    Error {
        status: u16,
        message: String,
        retry_after: Option<u64>,
    },
    /// Wait, then answer.
    Delayed(Duration, Box<StubReply>),
    /// A runaway: streams `token` every 10 ms and never stops (streaming requests only);
    /// [`StubServer::disconnects`] counts the clients that hung up on it.
    Endless(String),
}

impl StubReply {
    /// A completion that calls tools; arguments are sent as JSON strings, as
    /// OpenAI does.
    pub fn tool_calls(calls: &[(&str, Value)]) -> Self {
        let calls: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(i, (name, args))| {
                json!({"id": format!("call_{i}_{name}"), "type": "function",
                       "function": {"name": name, "arguments": args.to_string()}})
            })
            .collect();
        Self::completion(
            json!({"role": "assistant", "content": null, "tool_calls": calls}),
            "tool_calls",
        )
    }

    /// A completion with plain text and `finish_reason: stop`.
    pub fn text(content: &str) -> Self {
        Self::completion(json!({"role": "assistant", "content": content}), "stop")
    }

    pub fn error(status: u16, message: &str) -> Self {
        Self::Error {
            status,
            message: message.to_string(),
            retry_after: None,
        }
    }

    fn completion(message: Value, finish_reason: &str) -> Self {
        Self::Completion(json!({
            "id": "chatcmpl-stub", "object": "chat.completion", "created": 1_700_000_000u64, "model": "stub-model",
            "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        }))
    }
}

/// One request as the stub saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub authorization: Option<String>,
    pub body: Value,
}

/// The contents of the `tool` messages in a recorded request body, in order: what the
/// client sent back as its tools' results (refusals included) for the model to read.
///
/// Panics when the body has no `messages` array or a tool message has no string
/// content: the stub only records requests it accepted, and it accepts no other shape.
pub fn tool_messages(body: &Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .expect("a recorded request has a messages array")
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            m["content"]
                .as_str()
                .expect("a tool message has string content")
                .to_string()
        })
        .collect()
}

type Responder = dyn Fn(&Value, usize) -> StubReply + Send + Sync;

#[derive(Clone)]
struct StubState {
    responder: Arc<Responder>,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    rejected: Arc<Mutex<Vec<String>>>,
    disconnects: Arc<AtomicUsize>,
}

/// A running stub; stops when dropped.
pub struct StubServer {
    /// Base URL to configure clients with, e.g. `http://127.0.0.1:PORT/v1`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    rejected: Arc<Mutex<Vec<String>>>,
    disconnects: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl StubServer {
    /// Answers the n-th request with `script[n]`; past the end, with a 500.
    pub async fn scripted(script: Vec<StubReply>) -> Self {
        Self::start(move |_, n| {
            script
                .get(n)
                .cloned()
                .unwrap_or_else(|| StubReply::error(500, "stub script exhausted"))
        })
        .await
    }

    /// Answers each request with `responder(body, index)`.
    pub async fn start(
        responder: impl Fn(&Value, usize) -> StubReply + Send + Sync + 'static,
    ) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let rejected = Arc::new(Mutex::new(Vec::new()));
        let disconnects = Arc::new(AtomicUsize::new(0));
        let state = StubState {
            responder: Arc::new(responder),
            requests: requests.clone(),
            rejected: rejected.clone(),
            disconnects: disconnects.clone(),
        };
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(handle))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind stub on loopback");
        let addr = listener.local_addr().expect("stub address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{addr}/v1"),
            requests,
            rejected,
            disconnects,
            task,
        }
    }

    /// Every well-formed request received so far, in order (rejected ones are not
    /// scripted turns and are not counted).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().expect("stub lock").clone()
    }

    /// Why each malformed request was rejected, in order.
    pub fn rejected(&self) -> Vec<String> {
        self.rejected.lock().expect("stub lock").clone()
    }

    /// How many clients hung up in the middle of a streamed answer.
    pub fn disconnects(&self) -> usize {
        self.disconnects.load(Ordering::SeqCst)
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(state): State<StubState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(why) = validate_request(&body) {
        state.rejected.lock().expect("stub lock").push(why.clone());
        return error_response(400, &why, None);
    }
    let index = {
        let mut requests = state.requests.lock().expect("stub lock");
        requests.push(RecordedRequest {
            authorization: headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: body.clone(),
        });
        requests.len() - 1
    };
    let stream = body.get("stream").and_then(Value::as_bool) == Some(true);
    let mut reply = (state.responder)(&body, index);
    loop {
        match reply {
            StubReply::Delayed(wait, next) => {
                tokio::time::sleep(wait).await;
                reply = *next;
            }
            StubReply::Completion(v) if stream => {
                let include_usage =
                    body.pointer("/stream_options/include_usage") == Some(&Value::Bool(true));
                return sse_response(completion_events(&v, include_usage), None);
            }
            StubReply::Completion(v) => return Json(v).into_response(),
            StubReply::Endless(token) if stream => {
                return sse_response(Vec::new(), Some((token, state.disconnects.clone())));
            }
            StubReply::Endless(_) => {
                // Like a real server generating without end: the answer never comes.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return error_response(500, "endless", None);
            }
            StubReply::Error {
                status,
                message,
                retry_after,
            } => return error_response(status, &message, retry_after),
        }
    }
}

const REQUEST_FIELDS: &[&str] = &[
    "model",
    "messages",
    "tools",
    "tool_choice",
    "temperature",
    "max_tokens",
    "stream",
    "stream_options",
    "top_p",
    "stop",
    "n",
    "seed",
    "parallel_tool_calls",
    "response_format",
    "user",
    "presence_penalty",
    "frequency_penalty",
];

/// What real servers reject, said the way they say it.
fn validate_request(body: &Value) -> Result<(), String> {
    let obj = body.as_object().ok_or("the body must be a JSON object")?;
    for key in obj.keys() {
        if !REQUEST_FIELDS.contains(&key.as_str()) {
            return Err(format!("Unrecognized request argument supplied: {key}"));
        }
    }
    let messages = obj
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or("'messages' must be a non-empty array")?;
    let mut call_ids: Vec<&str> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let m = m
            .as_object()
            .ok_or(format!("messages.{i} must be an object"))?;
        let role = m.get("role").and_then(Value::as_str).unwrap_or("");
        let allowed: &[&str] = match role {
            "system" | "user" => &["role", "content", "name"],
            "assistant" => &["role", "content", "tool_calls", "name"],
            "tool" => &["role", "content", "tool_call_id", "name"],
            other => return Err(format!("messages.{i}.role {other:?} is not a known role")),
        };
        for key in m.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(format!(
                    "messages.{i}.{key}: Extra inputs are not permitted"
                ));
            }
        }
        match m.get("content") {
            Some(Value::String(_)) => {}
            // llama-cpp-python's answer to OpenAI's own `null` beside tool calls.
            Some(Value::Null) | None => {
                return Err(format!(
                    "messages.{i}.content: Input should be a valid string, 'input': None"
                ));
            }
            Some(_) => {
                return Err(format!(
                    "messages.{i}.content: Input should be a valid string"
                ));
            }
        }
        if let Some(calls) = m.get("tool_calls") {
            for (j, c) in calls
                .as_array()
                .ok_or(format!("messages.{i}.tool_calls must be an array"))?
                .iter()
                .enumerate()
            {
                let id = c
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or(format!("messages.{i}.tool_calls.{j}.id missing"))?;
                let args = c.pointer("/function/arguments").and_then(Value::as_str);
                if c.pointer("/function/name")
                    .and_then(Value::as_str)
                    .is_none()
                    || args.is_none()
                {
                    return Err(format!(
                        "messages.{i}.tool_calls.{j}.function needs string name and arguments"
                    ));
                }
                call_ids.push(id);
            }
        }
        if role == "tool" {
            let id = m.get("tool_call_id").and_then(Value::as_str).unwrap_or("");
            if !call_ids.contains(&id) {
                return Err(format!(
                    "messages.{i}: tool_call_id {id:?} answers no earlier tool call"
                ));
            }
        }
    }
    let mut names: Vec<&str> = Vec::new();
    if let Some(tools) = obj.get("tools") {
        for (i, t) in tools
            .as_array()
            .ok_or("'tools' must be an array")?
            .iter()
            .enumerate()
        {
            let name = t
                .pointer("/function/name")
                .and_then(Value::as_str)
                .ok_or(format!("tools.{i}.function.name missing"))?;
            let params = t
                .pointer("/function/parameters")
                .ok_or(format!("tools.{i}.function.parameters missing"))?;
            if !params.is_object() {
                return Err(format!(
                    "JSON schema error at tools.{i}: schema must be an object"
                ));
            }
            if let Some(at) = crate::find_boolean_schema(params) {
                return Err(format!(
                    "JSON schema error at {}: schema must be an object",
                    at
                ));
            }
            names.push(name);
        }
    }
    match obj.get("tool_choice") {
        None => {}
        Some(Value::String(s)) if ["auto", "none", "required"].contains(&s.as_str()) => {}
        Some(v) => match v.pointer("/function/name").and_then(Value::as_str) {
            Some(n) if names.contains(&n) => {}
            _ => {
                return Err(format!(
                    "Invalid tool_choice {v}: must be auto, none, required or an offered function"
                ));
            }
        },
    }
    // OpenAI: "The 'stream_options' parameter is only allowed when 'stream' is enabled."
    if let Some(options) = obj.get("stream_options") {
        if obj.get("stream") != Some(&Value::Bool(true)) {
            return Err(
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.".into(),
            );
        }
        let known = options.as_object().is_some_and(|o| {
            o.iter()
                .all(|(k, v)| k == "include_usage" && v.is_boolean())
        });
        if !known {
            return Err(format!(
                "stream_options {options}: only include_usage (a boolean) is known"
            ));
        }
    }
    if let Some(t) = obj.get("temperature")
        && !t.as_f64().is_some_and(|t| (0.0..=2.0).contains(&t))
    {
        return Err(format!("temperature {t} must be a number from 0 to 2"));
    }
    if let Some(n) = obj.get("max_tokens")
        && n.as_u64().is_none_or(|n| n == 0)
    {
        return Err(format!("max_tokens {n} must be a positive integer"));
    }
    Ok(())
}

/// The SSE events of a completion: role, then content and tool-call deltas (arguments
/// in two pieces, as servers stream them), then the finish reason and `[DONE]`. The
/// usage comes only when asked for (`stream_options.include_usage`), as OpenAI sends
/// it: in one more chunk with no choices.
fn completion_events(v: &Value, include_usage: bool) -> Vec<String> {
    let choice = &v["choices"][0];
    let message = &choice["message"];
    let chunk = |delta: Value, finish: Value| {
        json!({"id": v["id"], "object": "chat.completion.chunk", "created": v["created"], "model": v["model"],
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        .to_string()
    };
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    if let Some(text) = message["content"].as_str().filter(|t| !t.is_empty()) {
        let mid = text
            .char_indices()
            .nth(text.chars().count() / 2)
            .map_or(0, |(i, _)| i);
        for piece in [&text[..mid], &text[mid..]] {
            events.push(chunk(json!({"content": piece}), Value::Null));
        }
    }
    if let Some(calls) = message["tool_calls"].as_array() {
        for (i, c) in calls.iter().enumerate() {
            let args = c["function"]["arguments"].as_str().unwrap_or("");
            let mid = args
                .char_indices()
                .nth(args.chars().count() / 2)
                .map_or(0, |(i, _)| i);
            events.push(chunk(
                json!({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                "function": {"name": c["function"]["name"], "arguments": &args[..mid]}}]}),
                Value::Null,
            ));
            events.push(chunk(
                json!({"tool_calls": [{"index": i, "function": {"arguments": &args[mid..]}}]}),
                Value::Null,
            ));
        }
    }
    events.push(chunk(json!({}), choice["finish_reason"].clone()));
    if include_usage {
        events.push(
            json!({"id": v["id"], "object": "chat.completion.chunk", "created": v["created"],
                   "model": v["model"], "choices": [], "usage": v["usage"]})
            .to_string(),
        );
    }
    events
}

/// Counts a disconnect when dropped before the stream finished.
struct HangupGuard {
    counter: Arc<AtomicUsize>,
}

impl Drop for HangupGuard {
    fn drop(&mut self) {
        self.counter.fetch_add(1, Ordering::SeqCst);
    }
}

fn sse_response(events: Vec<String>, endless: Option<(String, Arc<AtomicUsize>)>) -> Response {
    use futures_util::stream;
    let body = match endless {
        None => {
            let mut lines: Vec<Result<String, std::convert::Infallible>> = events
                .into_iter()
                .map(|e| Ok(format!("data: {e}\n\n")))
                .collect();
            lines.push(Ok("data: [DONE]\n\n".to_string()));
            axum::body::Body::from_stream(stream::iter(lines))
        }
        Some((token, counter)) => {
            let guard = HangupGuard { counter };
            let first = json!({"id": "chatcmpl-stub", "object": "chat.completion.chunk", "model": "stub-model",
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]});
            let event = json!({"id": "chatcmpl-stub", "object": "chat.completion.chunk", "model": "stub-model",
                "choices": [{"index": 0, "delta": {"content": token}, "finish_reason": null}]});
            let body = stream::unfold((guard, 0u64), move |(guard, n)| {
                let text = if n == 0 {
                    first.to_string()
                } else {
                    event.to_string()
                };
                async move {
                    if n > 0 {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Some((
                        Ok::<_, std::convert::Infallible>(format!("data: {text}\n\n")),
                        (guard, n + 1),
                    ))
                }
            });
            axum::body::Body::from_stream(body)
        }
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
        .expect("static SSE response")
}

fn error_response(status: u16, message: &str, retry_after: Option<u64>) -> Response {
    let kind = if status == 429 {
        "rate_limit_exceeded"
    } else if status >= 500 {
        "server_error"
    } else {
        "invalid_request_error"
    };
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": null}});
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
        .into_response();
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, secs.into());
    }
    response
}
