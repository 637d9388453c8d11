//! A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests
//! of code that talks to an LLM. It speaks the real wire format (non-streaming
//! completions, `tool_calls` with JSON-string arguments, OpenAI's error JSON,
//! `Retry-After`) and records every request it receives.

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

type Responder = dyn Fn(&Value, usize) -> StubReply + Send + Sync;

#[derive(Clone)]
struct StubState {
    responder: Arc<Responder>,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

/// A running stub; stops when dropped.
pub struct StubServer {
    /// Base URL to configure clients with, e.g. `http://127.0.0.1:PORT/v1`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
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
        let state = StubState {
            responder: Arc::new(responder),
            requests: requests.clone(),
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
            task,
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().expect("stub lock").clone()
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
    if body.get("stream").and_then(Value::as_bool) == Some(true) {
        return error_response(400, "this stub only serves stream=false", None);
    }
    let mut reply = (state.responder)(&body, index);
    loop {
        match reply {
            StubReply::Delayed(wait, next) => {
                tokio::time::sleep(wait).await;
                reply = *next;
            }
            StubReply::Completion(v) => return Json(v).into_response(),
            StubReply::Error {
                status,
                message,
                retry_after,
            } => return error_response(status, &message, retry_after),
        }
    }
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
