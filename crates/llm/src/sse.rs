//! Streamed chat completions (`stream: true`, server-sent events) folded back into
//! one [`ChatResponse`]. Streaming is used for its side effect: the client reads
//! while the server writes, so dropping a timed-out request closes the connection
//! and the server notices at its next token and stops generating.

use serde::Deserialize;
use serde_json::Value;

use crate::{
    AssistantMessage, ChatResponse, Choice, FunctionCall, LlmError, ToolCallRequest, Usage,
};

/// Longest stream accepted; far above any `max_tokens` this project sends.
const MAX_STREAM_BYTES: usize = 8 << 20;

#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default)]
    id: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    index: u32,
    #[serde(default)]
    delta: Delta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCallDelta>>,
}

#[derive(Debug, Deserialize)]
struct ToolCallDelta {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Debug, Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

/// Folds SSE bytes, fed as they arrive, into one response.
#[derive(Debug, Default)]
pub(crate) struct StreamFold {
    buffer: Vec<u8>,
    seen: usize,
    id: String,
    model: String,
    content: String,
    calls: Vec<ToolCallRequest>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    chunks: usize,
    done: bool,
}

impl StreamFold {
    /// Takes the next bytes; `Ok(true)` once `data: [DONE]` arrived.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<bool, LlmError> {
        self.seen += bytes.len();
        if self.seen > MAX_STREAM_BYTES {
            return Err(LlmError::Decode(format!(
                "the streamed answer passed {MAX_STREAM_BYTES} bytes"
            )));
        }
        self.buffer.extend_from_slice(bytes);
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            self.line(line.trim_end_matches(['\r', '\n']))?;
            if self.done {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn line(&mut self, line: &str) -> Result<(), LlmError> {
        let Some(data) = line.strip_prefix("data:") else {
            // Comments (": ping"), `event:` and blank separators carry nothing we need.
            return Ok(());
        };
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        if data.is_empty() {
            return Ok(());
        }
        let value: Value = serde_json::from_str(data)
            .map_err(|e| LlmError::Decode(format!("a streamed event is not JSON: {e}")))?;
        if let Some(error) = value.get("error") {
            // Servers report failures mid-stream as an event on a 200 response.
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| error.to_string());
            let status = error
                .get("code")
                .and_then(Value::as_u64)
                .filter(|c| (400..600).contains(c))
                .unwrap_or(500) as u16;
            return Err(LlmError::Status { status, message });
        }
        let chunk: Chunk = serde_json::from_value(value)
            .map_err(|e| LlmError::Decode(format!("not a chat completion chunk: {e}")))?;
        self.chunks += 1;
        if self.id.is_empty() {
            self.id = chunk.id;
        }
        if self.model.is_empty() {
            self.model = chunk.model;
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
            if let Some(text) = choice.delta.content {
                self.content.push_str(&text);
            }
            for delta in choice.delta.tool_calls.unwrap_or_default() {
                let at = delta.index.unwrap_or(self.calls.len().saturating_sub(1));
                while self.calls.len() <= at {
                    self.calls.push(ToolCallRequest {
                        id: String::new(),
                        kind: "function".into(),
                        function: FunctionCall {
                            name: String::new(),
                            arguments: String::new(),
                        },
                    });
                }
                let call = &mut self.calls[at];
                if let Some(id) = delta.id.filter(|i| !i.is_empty()) {
                    call.id = id;
                }
                if let Some(f) = delta.function {
                    if let Some(name) = f.name {
                        call.function.name.push_str(&name);
                    }
                    if let Some(args) = f.arguments {
                        call.function.arguments.push_str(&args);
                    }
                }
            }
            if choice.finish_reason.is_some() {
                self.finish_reason = choice.finish_reason;
            }
        }
        Ok(())
    }

    /// The folded response, once the stream ended (with or without `[DONE]`).
    pub(crate) fn finish(mut self) -> Result<ChatResponse, LlmError> {
        if !self.buffer.is_empty() {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned();
            self.line(rest.trim())?;
        }
        if self.chunks == 0 {
            return Err(LlmError::Decode(
                "the stream ended without a completion chunk".into(),
            ));
        }
        for (i, call) in self.calls.iter_mut().enumerate() {
            if call.id.is_empty() {
                call.id = format!("call_{i}");
            }
        }
        self.calls.retain(|c| !c.function.name.is_empty());
        Ok(ChatResponse {
            id: self.id,
            model: self.model,
            choices: vec![Choice {
                index: 0,
                message: AssistantMessage {
                    content: (!self.content.is_empty()).then_some(self.content),
                    tool_calls: self.calls,
                },
                finish_reason: self.finish_reason,
            }],
            usage: self.usage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_call_deltas_are_joined_across_chunks_and_split_lines() {
        let events = concat!(
            "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}\n\n",
            ": keep-alive\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"add_task\",\"arguments\":\"{\\\"ti\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"tle\\\":\\\"Milk\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n",
            "data: [DONE]\n\n"
        );
        let mut fold = StreamFold::default();
        let bytes = events.as_bytes();
        let mut done = false;
        for piece in bytes.chunks(7) {
            done = fold.feed(piece).unwrap();
            if done {
                break;
            }
        }
        assert!(done);
        let r = fold.finish().unwrap();
        let choice = r.first().unwrap();
        assert_eq!(choice.finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(choice.message.content, None);
        assert_eq!(choice.message.tool_calls[0].id, "call_a");
        assert_eq!(
            choice.message.tool_calls[0].parsed_arguments().unwrap()["title"],
            "Milk"
        );
    }

    #[test]
    fn content_streams_and_errors_mid_stream_are_statuses() {
        let mut fold = StreamFold::default();
        fold.feed(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n")
            .unwrap();
        fold.feed(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"length\"}]}\n")
            .unwrap();
        let r = fold.finish().unwrap();
        assert_eq!(r.first().unwrap().message.content.as_deref(), Some("Hello"));
        let mut fold = StreamFold::default();
        let e = fold
            .feed(b"data: {\"error\":{\"code\":400,\"message\":\"bad grammar\"}}\n")
            .unwrap_err();
        assert!(matches!(e, LlmError::Status { status: 400, .. }), "{e:?}");
        assert!(StreamFold::default().finish().is_err());
    }
}
