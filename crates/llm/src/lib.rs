//! A provider-neutral client for OpenAI-compatible chat-completions endpoints
//! with tool calling: OpenAI, Gemini's OpenAI-compatible endpoint, Ollama, vLLM
//! and llama.cpp's server all speak the same wire format, so one client serves them.
//!
//! The crate knows nothing about tasks or Kubernetes: callers bring their own tools
//! (JSON schemas) and run the tool calls the model asks for.
//!
//! Request and response bodies hold user data, so they are logged at `trace` level
//! only; the API key is never part of a log line or an error message.

mod client;
mod config;
mod error;
mod retry;
mod schema;
mod sse;
mod tool_loop;
mod wire;

pub use client::{ChatModel, LlmClient};
pub use config::{ApiKey, LlmConfig, Provider, ToolChoiceMode};
pub use error::{LlmError, Result};
pub use retry::RetryPolicy;
pub use schema::{find_boolean_schema, sanitize_schema, schema_of};
pub use tool_loop::{
    AnswerVerdict, ExecutedCall, LoopEnd, LoopReport, LoopSettings, ToolRunner, recover_tool_calls,
    run_tool_loop, summarize_calls,
};
pub use wire::{
    AssistantMessage, ChatMessage, ChatRequest, ChatResponse, Choice, FunctionCall, FunctionSpec,
    StreamOptions, ToolCallRequest, ToolChoice, ToolSpec, Usage,
};

#[cfg(feature = "stub-server")]
pub mod stub;

#[cfg(feature = "stub-server")]
pub mod local_server;
