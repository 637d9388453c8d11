use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tracing::{debug, instrument, trace, warn};

use crate::retry::parse_retry_after;
use crate::sse::StreamFold;
use crate::{
    ChatRequest, ChatResponse, LlmConfig, LlmError, Result, StreamOptions, ToolChoice,
    ToolChoiceMode, sanitize_schema,
};

/// Anything that answers chat-completions requests. [`LlmClient`] is the real
/// one; the trait lets callers hold `Arc<dyn ChatModel>`.
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// The model name to put in requests.
    fn model(&self) -> &str;
    /// One completion, with the implementation's retries and timeouts applied.
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse>;
    /// Budget of one whole chat turn (all round trips); planners bound their loop with it.
    fn turn_timeout(&self) -> Duration {
        LlmConfig::DEFAULT_TURN_TIMEOUT
    }
}

/// An HTTP client for one OpenAI-compatible endpoint.
#[derive(Debug, Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    config: LlmConfig,
}

/// Longest provider error text kept in an error; the rest is noise for a log.
const MAX_ERROR_CHARS: usize = 300;

impl LlmClient {
    pub fn new(config: LlmConfig) -> Result<Self> {
        // reqwest is built without a bundled crypto provider (kube uses ring, and
        // one binary must not carry two); install ring unless the process already
        // chose one. Failing means another thread installed one first: fine.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("todo-chatbot-llm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::Config(format!("cannot build HTTP client: {e}")))?;
        Ok(Self { http, config })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// The request as it goes on the wire: generation settings from the config where
    /// the caller left them unset, every tool schema sanitised for strict servers,
    /// the configured tool-choice mode unless the caller named a tool.
    pub fn wire_request(&self, request: &ChatRequest) -> ChatRequest {
        let mut request = request.clone();
        request.stream = self.config.stream;
        request.stream_options = request.stream.then_some(StreamOptions {
            include_usage: true,
        });
        request.max_tokens.get_or_insert(self.config.max_tokens);
        request.temperature.get_or_insert(self.config.temperature);
        for tool in &mut request.tools {
            tool.function.parameters = sanitize_schema(&tool.function.parameters);
        }
        if request.tools.is_empty() {
            request.tool_choice = None;
        } else if request.tool_choice.is_none() {
            request.tool_choice = match self.config.tool_choice {
                ToolChoiceMode::Auto => Some(ToolChoice::Auto),
                ToolChoiceMode::Omit => None,
                ToolChoiceMode::Required => Some(ToolChoice::Required),
            };
        }
        request
    }

    async fn attempt(&self, body: &[u8]) -> (Result<ChatResponse>, Option<Duration>) {
        let mut req = self
            .http
            .post(self.config.completions_url())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        if let Some(key) = &self.config.api_key {
            req = req.bearer_auth(key.expose());
        }
        let response = match req.send().await {
            Ok(r) => r,
            Err(e) => return (Err(self.transport_error(e)), None),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        if !status.is_success() {
            let bytes = match response.bytes().await {
                Ok(b) => b,
                Err(e) => return (Err(self.transport_error(e)), retry_after),
            };
            let message = self.redact(&provider_error_message(&bytes));
            return (
                Err(LlmError::Status {
                    status: status.as_u16(),
                    message,
                }),
                retry_after,
            );
        }
        let streamed = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let parsed = if streamed {
            self.read_stream(response).await
        } else {
            // A server may ignore `stream: true` and answer with one JSON document.
            match response.bytes().await {
                Ok(bytes) => {
                    trace!(body = %String::from_utf8_lossy(&bytes), "chat completion response");
                    serde_json::from_slice::<ChatResponse>(&bytes)
                        .map_err(|e| LlmError::Decode(format!("not a chat completion: {e}")))
                }
                Err(e) => Err(self.transport_error(e)),
            }
        };
        let parsed = parsed.and_then(|r| {
            if r.choices.is_empty() {
                Err(LlmError::Decode("the response has no choices".into()))
            } else {
                Ok(r)
            }
        });
        (parsed, None)
    }

    /// Reads server-sent events until `[DONE]` or the end of the body. Dropping this
    /// future (timeout, cancelled turn) drops the connection mid-stream.
    async fn read_stream(&self, mut response: reqwest::Response) -> Result<ChatResponse> {
        let mut fold = StreamFold::default();
        loop {
            match response.chunk().await {
                Ok(Some(bytes)) => {
                    if fold.feed(&bytes)? {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(self.transport_error(e)),
            }
        }
        let r = fold.finish()?;
        trace!(response = ?r, "streamed chat completion");
        Ok(r)
    }

    fn transport_error(&self, e: reqwest::Error) -> LlmError {
        if e.is_timeout() {
            LlmError::Timeout(self.config.request_timeout)
        } else {
            // reqwest's text names the URL, never headers, but redact anyway in
            // case someone put a key into the base URL.
            LlmError::Connect(self.redact(&error_chain(&e)))
        }
    }

    fn redact(&self, text: &str) -> String {
        match &self.config.api_key {
            Some(key) if !key.expose().is_empty() => text.replace(key.expose(), "[redacted]"),
            _ => text.to_string(),
        }
    }
}

#[async_trait]
impl ChatModel for LlmClient {
    fn model(&self) -> &str {
        &self.config.model
    }

    fn turn_timeout(&self) -> Duration {
        self.config.turn_timeout
    }

    #[instrument(level = "debug", skip_all, fields(provider = self.config.provider.as_str(), model = %request.model, messages = request.messages.len()))]
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse> {
        let request = self.wire_request(request);
        let body = serde_json::to_vec(&request)
            .map_err(|e| LlmError::Decode(format!("cannot encode request: {e}")))?;
        trace!(body = %String::from_utf8_lossy(&body), "chat completion request");
        let policy = self.config.retry;
        let max_attempts = policy.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let (result, retry_after) = self.attempt(&body).await;
            match result {
                Ok(response) => {
                    debug!(attempt, finish_reason = ?response.first().and_then(|c| c.finish_reason.as_deref()), "chat completion done");
                    return Ok(response);
                }
                Err(e) if e.is_retryable() && attempt < max_attempts => {
                    let wait = policy.delay(attempt, retry_after);
                    warn!(attempt, error = %e, wait_ms = wait.as_millis() as u64, "LLM request failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(e) if e.is_retryable() && attempt > 1 => {
                    return Err(LlmError::RetriesExhausted {
                        attempts: attempt,
                        last: Box::new(e),
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// The human part of a provider's error body: OpenAI's `{"error": {"message"}}`,
/// the `{"error": "..."}` of some servers, Gemini's list-wrapped variant, or the
/// raw text, cut to a sane length.
fn provider_error_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            let v = match v {
                Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
                other => other,
            };
            match v.get("error") {
                Some(Value::Object(e)) => e
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                Some(Value::String(s)) => s.clone(),
                _ => v
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            }
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let text = text.trim();
    if text.chars().count() > MAX_ERROR_CHARS {
        let cut: String = text.chars().take(MAX_ERROR_CHARS).collect();
        format!("{cut}…")
    } else if text.is_empty() {
        "(no error message)".to_string()
    } else {
        text.to_string()
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_messages_are_extracted() {
        assert_eq!(
            provider_error_message(br#"{"error":{"message":"Rate limit","type":"requests"}}"#),
            "Rate limit"
        );
        assert_eq!(
            provider_error_message(br#"{"error":"model not loaded"}"#),
            "model not loaded"
        );
        assert_eq!(
            provider_error_message(br#"[{"error":{"code":429,"message":"Quota"}}]"#),
            "Quota"
        );
        assert_eq!(provider_error_message(b"Bad Gateway"), "Bad Gateway");
        assert_eq!(provider_error_message(b""), "(no error message)");
        assert!(
            provider_error_message("x".repeat(1000).as_bytes())
                .chars()
                .count()
                <= MAX_ERROR_CHARS + 1
        );
    }
}
