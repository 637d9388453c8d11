//! The Todo Chatbot's agent.
//!
//! - [`tools`]: the task tools, with one schema source (schemars) shared by the
//!   LLM planner and the MCP server.
//! - [`Planner`] with two implementations: [`OfflinePlanner`] (default; deterministic English, no network)
//!   and [`LlmPlanner`] (any OpenAI-compatible endpoint, falling back to the
//!   offline planner when the provider fails).
//! - [`Agent::chat`]: the stateless chat flow over a [`todo_core::Store`].
//! - [`mcp`]: the tools as an MCP server, over stdio or streamable HTTP.

mod agent;
pub mod clock;
mod error;
mod llm_planner;
pub mod mcp;
pub mod offline;
mod planner;
pub mod tools;
mod undo;

pub use agent::{Agent, AgentConfig, ChatReply, TurnOptions};
pub use clock::{TurnClock, UserTz};
pub use error::{AgentError, Result};
pub use llm_planner::{LlmPlanner, LlmPlannerConfig};
pub use offline::OfflinePlanner;
pub use planner::{PlannedReply, Planner, ToolSession, Turn};
