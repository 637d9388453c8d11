//! kubectl-assist: plain-language Kubernetes operations.
//!
//! A request ("scale the frontend to 2 replicas") becomes a [`planner::Plan`] of
//! typed [`ops::Operation`]s. The planners only read the operator's words; the
//! [`resolve::Resolver`] turns names into objects; [`safety`] shows the plan and
//! asks before any write; [`ops::Executor`] runs it through the Kubernetes API;
//! [`audit`] appends what happened to a JSON-lines log.

pub mod analyze;
pub mod error;
pub mod fix;
pub mod ops;
pub mod quantity;
pub mod resolve;

pub use error::{AssistError, Result};
pub mod audit;
pub mod cli;
pub mod connect;
pub mod diff;
pub mod journal;
pub mod mcp;
pub mod optimize;
pub mod planner;
pub mod progress;
pub mod render;
pub mod safety;
pub mod serve;
pub mod session;
