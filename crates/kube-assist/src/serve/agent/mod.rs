//! The agent behind the API and the console: plans a request, runs reads at once,
//! prepares writes (RBAC preflight, server dry run, diff) for approval, and runs
//! approved plans with the undo journal and the audit trail.
//!
//! This file holds the shared state, the plan store and the audit lines;
//! `submit.rs` takes requests and prepares plans, `run.rs` decides and runs them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kube::Client;
use tokio::sync::watch;

mod run;
mod submit;

use super::approvals::{PlanRecord, PlanStore};
use super::error::ServeResult;
use super::impersonation::{Impersonation, serve_executor};
use super::trail::{Trail, TrailLine};
use crate::audit::AuditRecord;
use crate::connect::Identity;
use crate::journal::UndoJournal;
use crate::ops::{Executor, Operation};

/// How the agent behaves.
#[derive(Debug, Clone)]
pub struct AgentSettings {
    /// Refuse every write plan.
    pub read_only: bool,
    /// How long a write plan waits for approval.
    pub plan_ttl: Duration,
    /// The namespace names are looked up in when a request gives none (`None`: all).
    pub namespace: Option<String>,
}

/// The shared state of the server.
pub struct Agent {
    pub client: Client,
    pub exec: Executor,
    pub identity: Identity,
    pub settings: AgentSettings,
    pub trail: Trail,
    journal: Option<UndoJournal>,
    pub plans: Mutex<PlanStore>,
    /// Bumped on every change of any plan, so event streams wake up.
    changed: watch::Sender<u64>,
    /// Set once SIGTERM arrived: no new approvals start.
    draining: AtomicBool,
    next_id: std::sync::atomic::AtomicU64,
    /// The LLM planner, when one is configured (else requests are planned offline).
    llm: Option<crate::planner::llm::LlmPlanner>,
    /// `--impersonate`: each person's requests run as their own Kubernetes user.
    impersonation: Option<Impersonation>,
}

impl Agent {
    pub fn new(client: Client, identity: Identity, settings: AgentSettings, trail: Trail) -> Self {
        let journal = trail.file().map(UndoJournal::beside);
        Self {
            exec: serve_executor(client.clone()),
            client,
            identity,
            settings,
            trail,
            journal,
            plans: Mutex::new(PlanStore::default()),
            changed: watch::channel(0).0,
            draining: AtomicBool::new(false),
            next_id: std::sync::atomic::AtomicU64::new(0),
            llm: None,
            impersonation: None,
        }
    }

    /// Act as each person through Kubernetes impersonation (`None`: as the agent).
    pub fn with_impersonation(mut self, impersonation: Option<Impersonation>) -> Self {
        self.impersonation = impersonation;
        self
    }

    /// The executor that acts for the signed-in `name`: the agent's own, or with
    /// `--impersonate` one impersonating that person (refused when the map has nobody
    /// for them: they never get the agent's rights instead).
    pub fn exec_for(&self, name: &str) -> ServeResult<Executor> {
        match &self.impersonation {
            None => Ok(self.exec.clone()),
            Some(i) => i.executor(name).map(|(_, exec)| exec),
        }
    }

    /// Evictions (drain) go through this client, which does not retry: kube-rs's default retry
    /// re-sends a 429 up to 15 times, and a disruption budget's 429 must stop a drain at once
    /// (as the CLI's does, see [`crate::connect::Connection::unretried`]).
    pub fn with_unretried(mut self, client: Client) -> Self {
        self.exec = self.exec.with_unretried(client);
        self
    }

    /// Plan requests with this LLM planner (`None`: offline).
    pub fn with_llm(mut self, llm: Option<crate::planner::llm::LlmPlanner>) -> Self {
        self.llm = llm;
        self
    }

    /// The audit line of a read the LLM planner ran while planning `request`.
    pub fn record_llm_read(
        &self,
        user: &str,
        request: &str,
        op: &Operation,
        result: &str,
        ms: u64,
    ) {
        let time = k8s_openapi::jiff::Timestamp::now();
        self.trail.append(TrailLine {
            record: AuditRecord {
                id: None,
                time: time
                    .round(k8s_openapi::jiff::Unit::Millisecond)
                    .unwrap_or(time)
                    .to_string(),
                user: user.to_string(),
                context: self.identity.context.clone(),
                request: request.to_string(),
                plan: vec![op.kubectl()],
                operation: Some(op.kubectl()),
                access: Some(op.effective_class().as_str().to_string()),
                decision: "read_only_plan".into(),
                result: result.to_string(),
                duration_ms: ms,
                dry_run: false,
                diff: None,
            },
            plan_id: None,
            decided_by: None,
        });
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    fn notify(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.notify();
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    fn store(&self) -> std::sync::MutexGuard<'_, PlanStore> {
        // A panic while holding the lock cannot leave a plan half-written that
        // matters more than serving the rest: keep going with the data.
        self.plans.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn plan(&self, id: &str) -> ServeResult<PlanRecord> {
        self.expire();
        self.store().get(id).cloned()
    }

    pub fn plans(&self, limit: usize) -> Vec<PlanRecord> {
        self.expire();
        self.store().list(limit).into_iter().cloned().collect()
    }

    /// Expire pending plans past their deadline, with an audit line each.
    pub fn expire(&self) {
        let expired = self.store().expire(Instant::now());
        for plan in &expired {
            for step in plan.steps.iter().filter(|s| s.operation.is_write()) {
                self.record(plan, Some(&step.operation), "expired", "not run", 0, None);
            }
        }
        if !expired.is_empty() {
            self.notify();
        }
    }

    /// One audit line about `plan`.
    fn record(
        &self,
        plan: &PlanRecord,
        op: Option<&Operation>,
        decision: &str,
        result: &str,
        duration_ms: u64,
        id: Option<String>,
    ) {
        let diff = op
            .filter(|o| o.is_write())
            .and_then(|o| change_for(plan, o))
            .map(|c| c.diff.clone());
        let time = k8s_openapi::jiff::Timestamp::now();
        self.trail.append(TrailLine {
            record: AuditRecord {
                id,
                time: time
                    .round(k8s_openapi::jiff::Unit::Millisecond)
                    .unwrap_or(time)
                    .to_string(),
                user: plan.requested_by.clone(),
                context: self.identity.context.clone(),
                request: plan.request.clone(),
                plan: plan.steps.iter().map(|s| s.kubectl.clone()).collect(),
                operation: op.map(Operation::kubectl),
                access: op.map(|o| o.effective_class().as_str().to_string()),
                decision: decision.to_string(),
                result: result.to_string(),
                duration_ms,
                dry_run: false,
                diff,
            },
            plan_id: Some(plan.id.clone()),
            decided_by: plan.decided_by.clone(),
        });
    }

    fn replace(&self, plan: PlanRecord) {
        if let Ok(p) = self.store().get_mut(&plan.id) {
            *p = plan;
        }
        self.notify();
    }

    fn replace_if_stored(&self, plan: &PlanRecord) {
        let mut store = self.store();
        if let Ok(p) = store.get_mut(&plan.id) {
            *p = plan.clone();
            drop(store);
            self.notify();
        }
    }
}

/// The dry-run change of one write of a plan.
fn change_for<'a>(plan: &'a PlanRecord, op: &Operation) -> Option<&'a crate::ops::ObjectChange> {
    let target = op.target()?;
    plan.changes.iter().find(|c| &c.target == target)
}
