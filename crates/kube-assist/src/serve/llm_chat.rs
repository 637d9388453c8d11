//! The LLM planner in `serve` (the API's and the console's requests), when one is
//! configured the way the CLI's is (`LLM_BASE_URL` / `LLM_PROVIDER`, `LLM_MODEL`,
//! the key from the environment); without one, or with `--offline`, requests are
//! planned offline. The model may run reads (each resolved, run and audited as the
//! caller's); the writes it proposes, and only those the request asked for, become
//! a plan that waits for an approver like any other. When the model fails, the
//! request is planned offline instead, and the plan says so.

use std::sync::Arc;
use std::time::Instant;

use super::agent::Agent;
use super::approvals::PlanStep;
use crate::error::{AssistError, Result};
use crate::ops::{OpOutput, Operation};
use crate::planner::llm::{LlmPlanner, LlmSettings, ReadRunner};
use crate::resolve::Resolver;

/// The planner from the environment, or `None` (offline) with the reason logged.
pub fn planner_from_env(offline: bool) -> Option<LlmPlanner> {
    if offline {
        return None;
    }
    match llm::LlmConfig::from_lookup(|name| std::env::var(name).ok()) {
        Ok(Some(config)) => match llm::LlmClient::new(config) {
            Ok(client) => {
                tracing::info!("requests are planned by the configured LLM");
                Some(LlmPlanner::new(Arc::new(client), LlmSettings::default()))
            }
            Err(e) => {
                tracing::warn!("no LLM ({e}); planning offline");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            tracing::warn!("no LLM ({e}); planning offline");
            None
        }
    }
}

/// Runs the reads the model asks for, as the caller, and keeps them as plan steps.
pub struct ServeReads<'a> {
    pub agent: &'a Agent,
    pub resolver: Resolver,
    /// Acts for the person who asked (with `--impersonate`, as their Kubernetes user).
    pub exec: crate::ops::Executor,
    pub user: String,
    pub request: String,
    pub ran: Vec<PlanStep>,
}

impl ReadRunner for ServeReads<'_> {
    async fn run_read(&mut self, op: Operation) -> Result<OpOutput> {
        if op.is_write() {
            return Err(AssistError::Refused(
                "writes are not run from inside the LLM loop".into(),
            ));
        }
        let op = self.resolver.resolve_operation(&op).await?;
        let started = Instant::now();
        let result = self.exec.run(&op).await;
        let ms = started.elapsed().as_millis() as u64;
        let mut step = PlanStep::new(op.clone());
        match &result {
            Ok(out) => {
                step.ok = Some(true);
                step.output = Some(out.clone());
                self.agent
                    .record_llm_read(&self.user, &self.request, &op, "ok", ms);
            }
            Err(e) => {
                step.ok = Some(false);
                step.error = Some(e.to_string());
                self.agent.record_llm_read(
                    &self.user,
                    &self.request,
                    &op,
                    &format!("error: {e}"),
                    ms,
                );
            }
        }
        self.ran.push(step);
        result
    }
}
