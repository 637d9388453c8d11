//! Planners turn the operator's request into a [`Plan`]. The offline planner is
//! deterministic and needs no network; the LLM planner handles the rest. Either
//! way a plan comes only from the operator's words: nothing read from the cluster
//! is ever parsed into an operation.

mod changes;
mod deletes;
mod discovered;
mod env;
pub mod llm;
mod metadata;
mod names;
mod nodes;
mod objects;
pub mod offline;
mod questions;
mod request;
mod rollouts;
mod typos;
mod words;

/// The tokenizer and typo mending, shared with the safety rules so both read
/// requests alike.
pub mod words_for_safety {
    pub(crate) use super::typos::correct_typos;
    pub use super::words::tokenize;
}

pub use discovered::{DiscoveredKinds, may_name_a_discovered_kind};
use serde::Serialize;

use crate::ops::{Operation, Target};

/// Operations to run, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    pub steps: Vec<Operation>,
}

impl Plan {
    pub fn one(op: Operation) -> Self {
        Self { steps: vec![op] }
    }

    pub fn has_writes(&self) -> bool {
        self.steps.iter().any(Operation::is_write)
    }
}

/// What a planner made of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    Plan(Plan),
    /// Not understood; the text says what the tool can do.
    Unplannable(String),
    /// Understood, and refused on principle (Secret data, deleting namespaces, ...).
    Refused(String),
}

/// What earlier requests of a session established, for follow-ups ("now restart it").
#[derive(Debug, Clone, Default)]
pub struct PlanContext {
    pub last_target: Option<Target>,
    /// The kinds discovery found beyond the planner's own word lists, when the
    /// session looked (see [`DiscoveredKinds`]); `None` plans from built-in kinds only.
    pub discovered: Option<std::sync::Arc<DiscoveredKinds>>,
}

impl PlanContext {
    /// Remember the object a plan was about.
    pub fn remember(&mut self, plan: &Plan) {
        if let Some(t) = plan
            .steps
            .iter()
            .rev()
            .find_map(|op| op.target().filter(|t| t.name.is_some()))
        {
            self.last_target = Some(t.clone());
        }
    }
}

/// The short answer for requests the offline planner cannot plan.
pub const CAPABILITIES: &str = "I can: scale (\"scale the frontend to 2 replicas\", \"double the backend\", \"one more frontend\"), \
restart, roll back, show rollout status, show logs (\"errors in the backend logs\"), describe, events, \
list/get objects, check cluster health, diagnose failures (\"why are the pods failing?\", \"what's wrong with the backend?\"), \
optimize resource allocation, set image (\"set the backend image to todo:v2\") and set limits (\"set the memory limit of the backend to 512Mi\"), \
label/annotate (\"label deployment web tier=frontend\"), set env (\"set env LOG_LEVEL=debug on the backend\"), \
rollout history/pause/resume, cordon/uncordon/drain a node, and delete an object whose kind you name (\"delete the configmap app-settings\"). Configure an LLM (LLM_BASE_URL, LLM_MODEL, LLM_API_KEY) for anything else.";
