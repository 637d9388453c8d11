//! Plans waiting for a person: each write plan is kept with its dry-run diffs
//! until an approver approves or rejects it, or it expires (10 minutes by
//! default). Every change of a plan is a progress event, which `GET
//! /api/plans/{id}/events` streams and the console shows.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::error::{ServeError, ServeResult};
use crate::ops::{ObjectChange, OpOutput, Operation};

/// Finished plans kept for their page and event stream.
const KEEP_FINISHED: usize = 500;

/// Where a plan is in its life (clients such as the cluster suite read it back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// Writes shown with their diffs, waiting for an approver.
    PendingApproval,
    /// Approved; its steps are running.
    Running,
    /// Every step ran.
    Done,
    /// A step failed (later steps did not run), or the plan could not be prepared.
    Failed,
    Rejected,
    /// Nobody approved it in time; nothing ran.
    Expired,
    /// Refused before anyone was asked (read-only server, missing RBAC permission,
    /// a request refused on principle).
    Refused,
}

impl PlanState {
    pub fn is_final(self) -> bool {
        !matches!(self, PlanState::PendingApproval | PlanState::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PlanState::PendingApproval => "pending_approval",
            PlanState::Running => "running",
            PlanState::Done => "done",
            PlanState::Failed => "failed",
            PlanState::Rejected => "rejected",
            PlanState::Expired => "expired",
            PlanState::Refused => "refused",
        }
    }
}

/// One step of a plan as shown to people.
#[derive(Debug, Clone, Serialize)]
pub struct PlanStep {
    pub kubectl: String,
    /// `read`, `write` or `destructive`.
    pub class: &'static str,
    pub operation: Operation,
    /// Set once the step ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<OpOutput>,
    /// The audit (and undo journal) id of a write that ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<String>,
}

impl PlanStep {
    pub fn new(op: Operation) -> Self {
        Self {
            kubectl: op.kubectl(),
            class: op.effective_class().as_str(),
            operation: op,
            ok: None,
            error: None,
            output: None,
            audit_id: None,
        }
    }
}

/// One progress event of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// 0, 1, 2, ... within the plan (the SSE event id).
    pub seq: usize,
    /// `planned`, `approved`, `rejected`, `expired`, `refused`, `step_started`,
    /// `step_finished`, `done`, `failed`.
    pub event: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
}

/// A plan and everything that happened to it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanRecord {
    pub id: String,
    pub request: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub requested_by: String,
    pub created: String,
    /// When a pending plan stops being approvable (RFC 3339).
    pub expires: String,
    pub state: PlanState,
    pub steps: Vec<PlanStep>,
    /// Each object the writes change, with the diff of the server dry run.
    pub changes: Vec<ObjectChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// `offline` or `llm`: which planner made the plan.
    pub planner: &'static str,
    /// What the LLM planner said about the request (or why it fell back to offline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// `mcp` when an MCP client asked for it: its requester may not approve it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<&'static str>,
    pub progress: Vec<Progress>,
    #[serde(skip)]
    pub deadline: Instant,
}

impl PlanRecord {
    pub fn new(
        request: &str,
        namespace: Option<String>,
        requested_by: &str,
        steps: Vec<Operation>,
        ttl: Duration,
    ) -> Self {
        let now = k8s_openapi::jiff::Timestamp::now();
        let expires = now
            .checked_add(k8s_openapi::jiff::SignedDuration::from_secs(
                ttl.as_secs() as i64
            ))
            .unwrap_or(now);
        Self {
            id: uuid::Uuid::new_v4().simple().to_string(),
            request: request.to_string(),
            namespace,
            requested_by: requested_by.to_string(),
            created: now.to_string(),
            expires: expires.to_string(),
            state: PlanState::Running,
            steps: steps.into_iter().map(PlanStep::new).collect(),
            changes: Vec::new(),
            message: None,
            decided_by: None,
            via: None,
            planner: "offline",
            answer: None,
            progress: Vec::new(),
            deadline: Instant::now() + ttl,
        }
    }

    pub fn has_writes(&self) -> bool {
        self.steps.iter().any(|s| s.operation.is_write())
    }

    pub fn push(&mut self, event: &'static str, message: impl Into<String>, step: Option<usize>) {
        let seq = self.progress.len();
        self.progress.push(Progress {
            seq,
            event,
            message: message.into(),
            step,
        });
    }

    /// Finish the plan in `state` with a final event saying why.
    pub fn finish(&mut self, state: PlanState, message: impl Into<String>) {
        let message = message.into();
        self.state = state;
        self.push(state_event(state), message.clone(), None);
        self.message = Some(message);
    }
}

fn state_event(state: PlanState) -> &'static str {
    match state {
        PlanState::PendingApproval => "planned",
        PlanState::Running => "approved",
        PlanState::Done => "done",
        PlanState::Failed => "failed",
        PlanState::Rejected => "rejected",
        PlanState::Expired => "expired",
        PlanState::Refused => "refused",
    }
}

/// What became of a decision on a plan.
pub enum Decided {
    /// The plan was pending and is now approved (its steps are to run).
    Approved(PlanRecord),
    Rejected(PlanRecord),
}

/// The plans of this process.
#[derive(Default)]
pub struct PlanStore {
    plans: HashMap<String, PlanRecord>,
    /// Ids in creation order, to drop the oldest finished plans.
    order: Vec<String>,
}

impl PlanStore {
    pub fn insert(&mut self, plan: PlanRecord) {
        self.order.push(plan.id.clone());
        self.plans.insert(plan.id.clone(), plan);
        if self.order.len() > KEEP_FINISHED {
            let plans = &self.plans;
            if let Some(pos) = self
                .order
                .iter()
                .position(|id| plans.get(id).is_none_or(|p| p.state.is_final()))
            {
                let id = self.order.remove(pos);
                self.plans.remove(&id);
            }
        }
    }

    pub fn get(&self, id: &str) -> ServeResult<&PlanRecord> {
        self.plans.get(id).ok_or_else(|| unknown(id))
    }

    pub fn get_mut(&mut self, id: &str) -> ServeResult<&mut PlanRecord> {
        self.plans.get_mut(id).ok_or_else(|| unknown(id))
    }

    /// Newest first.
    pub fn list(&self, limit: usize) -> Vec<&PlanRecord> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.plans.get(id))
            .take(limit)
            .collect()
    }

    /// Mark every pending plan past its deadline expired; returns them (for the audit).
    pub fn expire(&mut self, now: Instant) -> Vec<PlanRecord> {
        let mut out = Vec::new();
        for plan in self.plans.values_mut() {
            if plan.state == PlanState::PendingApproval && now >= plan.deadline {
                plan.finish(
                    PlanState::Expired,
                    "nobody approved the plan in time; nothing was run. Send the request again",
                );
                out.push(plan.clone());
            }
        }
        out
    }

    /// Approve or reject a pending plan, refusing a decided, expired or unknown one.
    pub fn decide(&mut self, id: &str, by: &str, approve: bool) -> ServeResult<Decided> {
        let plan = self.get_mut(id)?;
        if plan.state == PlanState::PendingApproval && Instant::now() >= plan.deadline {
            plan.finish(
                PlanState::Expired,
                "nobody approved the plan in time; nothing was run. Send the request again",
            );
            return Err(ServeError::Gone(format!(
                "plan {id} expired at {} before it was approved; nothing was run. Send the request again for a fresh plan",
                plan.expires
            )));
        }
        match plan.state {
            PlanState::PendingApproval => {}
            PlanState::Expired => {
                return Err(ServeError::Gone(format!(
                    "plan {id} expired at {} before it was approved; nothing was run. Send the request again for a fresh plan",
                    plan.expires
                )));
            }
            state => {
                let who = plan
                    .decided_by
                    .as_deref()
                    .map(|w| format!(" by {w}"))
                    .unwrap_or_default();
                return Err(ServeError::Conflict(format!(
                    "plan {id} is no longer waiting for a decision: it is {}{who}",
                    state.as_str()
                )));
            }
        }
        if approve && plan.via == Some("mcp") && plan.requested_by == by {
            return Err(ServeError::Forbidden(format!(
                "plan {id} was requested by {by} through MCP; an MCP client cannot approve its own write: another approver decides it"
            )));
        }
        plan.decided_by = Some(by.to_string());
        if approve {
            plan.state = PlanState::Running;
            plan.push("approved", format!("approved by {by}"), None);
            Ok(Decided::Approved(plan.clone()))
        } else {
            plan.finish(
                PlanState::Rejected,
                format!("rejected by {by}; nothing was run"),
            );
            Ok(Decided::Rejected(plan.clone()))
        }
    }
}

fn unknown(id: &str) -> ServeError {
    ServeError::NotFound(format!(
        "no plan has id {id:?}: it never existed, or the server restarted since (plans live in memory). GET /api/plans lists the current ones"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{ReplicaChange, ScaleOp, Target};

    fn pending(ttl: Duration) -> PlanRecord {
        let op = Operation::Scale(ScaleOp {
            target: Target::named(None, "web"),
            replicas: ReplicaChange::To(2),
        });
        let mut p = PlanRecord::new("scale web to 2", None, "olga", vec![op], ttl);
        p.state = PlanState::PendingApproval;
        p
    }

    /// The OpenAPI document at /openapi.json describes every field a plan is sent with.
    #[test]
    fn every_field_of_a_plan_is_in_the_openapi_document() {
        let mut p = pending(Duration::from_secs(60));
        p.namespace = Some("shop".into());
        p.message = Some("waiting".into());
        p.decided_by = Some("anna".into());
        p.answer = Some("scaling web".into());
        p.via = Some("mcp");
        p.push("planned", "planned", Some(0));
        let sent = serde_json::to_value(&p).unwrap();
        let doc: serde_json::Value = serde_json::from_str(include_str!("openapi.json")).unwrap();
        let described = &doc["components"]["schemas"]["Plan"]["properties"];
        let missing: Vec<&String> = sent
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| described.get(k.as_str()).is_none())
            .collect();
        assert!(missing.is_empty(), "openapi.json's Plan lacks {missing:?}");
    }

    #[test]
    fn a_plan_is_decided_once() {
        let mut store = PlanStore::default();
        let p = pending(Duration::from_secs(600));
        let id = p.id.clone();
        store.insert(p);
        assert!(matches!(
            store.decide(&id, "anna", true),
            Ok(Decided::Approved(_))
        ));
        let again = store.decide(&id, "ben", true).err().unwrap();
        assert!(matches!(again, ServeError::Conflict(_)));
        assert!(again.to_string().contains("by anna"), "{again}");
        assert!(matches!(
            store.decide("nope", "anna", true),
            Err(ServeError::NotFound(_))
        ));
    }

    #[test]
    fn an_expired_plan_cannot_be_approved() {
        let mut store = PlanStore::default();
        let p = pending(Duration::ZERO);
        let id = p.id.clone();
        store.insert(p);
        assert!(matches!(
            store.decide(&id, "anna", true),
            Err(ServeError::Gone(_))
        ));
        assert_eq!(store.get(&id).unwrap().state, PlanState::Expired);
        assert!(matches!(
            store.decide(&id, "anna", false),
            Err(ServeError::Gone(_))
        ));
    }
}
