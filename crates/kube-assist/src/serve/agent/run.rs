//! Deciding a pending plan and running an approved one: the diff is checked to
//! be the one approved, each write is journalled for undo, every step is
//! audited, and SIGTERM stops the plan between steps.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{Agent, change_for};
use crate::journal::JournalEntry;
use crate::ops::{Executor, Operation};
use crate::serve::approvals::{Decided, PlanRecord, PlanState};
use crate::serve::auth::{Caller, Role};
use crate::serve::error::{ServeError, ServeResult};

impl Agent {
    /// Approve (`approve`) or reject a pending plan; an approved plan runs now
    /// and this returns when it finished.
    pub async fn decide(
        &self,
        caller: &Caller,
        id: &str,
        approve: bool,
    ) -> ServeResult<PlanRecord> {
        caller.require(
            Role::Approver,
            if approve {
                "approving a plan"
            } else {
                "rejecting a plan"
            },
        )?;
        if approve && self.is_draining() {
            return Err(ServeError::Unavailable(
                "the server is shutting down and starts no more writes; the plan is still pending: approve it once the server is back".into(),
            ));
        }
        self.expire();
        let decided = self.store().decide(id, &caller.name, approve);
        let decided = match decided {
            Ok(d) => d,
            Err(e) => {
                self.notify();
                return Err(e);
            }
        };
        self.notify();
        match decided {
            Decided::Rejected(plan) => {
                for step in plan.steps.iter().filter(|s| s.operation.is_write()) {
                    self.record(&plan, Some(&step.operation), "rejected", "not run", 0, None);
                }
                Ok(plan)
            }
            Decided::Approved(mut plan) => {
                // The plan runs as the person who asked: an approval is a second pair of
                // eyes, it does not lend the approver's rights (with --impersonate).
                let checked = match self.exec_for(&plan.requested_by) {
                    Ok(exec) => self.still_as_approved(&exec, &plan).await.map(|()| exec),
                    Err(e) => Err(e.to_string()),
                };
                match checked {
                    Ok(exec) => self.run_steps(&exec, &mut plan, "approved").await,
                    Err(text) => {
                        plan.finish(PlanState::Failed, text.clone());
                        for step in plan.steps.iter().filter(|s| s.operation.is_write()) {
                            self.record(
                                &plan,
                                Some(&step.operation),
                                "approved",
                                &format!("not run: {text}"),
                                0,
                                None,
                            );
                        }
                    }
                }
                self.replace(plan.clone());
                Ok(plan)
            }
        }
    }

    /// The objects must still look as they did when the plan was approved: a diff
    /// that changed since (someone else wrote the object) is not what was approved.
    async fn still_as_approved(&self, exec: &Executor, plan: &PlanRecord) -> Result<(), String> {
        for step in plan.steps.iter().filter(|s| s.operation.is_write()) {
            let Some(approved) = change_for(plan, &step.operation) else {
                continue;
            };
            let now = exec.preview(&step.operation).await.map_err(|e| {
                format!("the API server rejected {} in a dry run: {e}", step.kubectl)
            })?;
            if now.diff != approved.diff {
                return Err(format!(
                    "{} changed since the plan was made, so its diff is no longer the one approved; nothing was run. Send the request again",
                    approved.object
                ));
            }
        }
        Ok(())
    }

    /// Returns once SIGTERM arrived (at once when it already had).
    async fn drained(&self) {
        let mut changes = self.subscribe();
        while !self.is_draining() {
            if changes.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Run every step in order, stopping at the first failure. On SIGTERM a write
    /// that started finishes (and is reported and journalled); a read in progress
    /// is abandoned and no further step starts, each audited as not run.
    pub(super) async fn run_steps(&self, exec: &Executor, plan: &mut PlanRecord, decision: &str) {
        let mut failed = None;
        for i in 0..plan.steps.len() {
            let op = plan.steps[i].operation.clone();
            if failed.is_none() && self.is_draining() {
                failed = Some(SHUTDOWN.to_string());
                plan.push("step_finished", format!("not run: {SHUTDOWN}"), Some(i));
                self.record(
                    plan,
                    Some(&op),
                    decision,
                    &format!("not run: {SHUTDOWN}"),
                    0,
                    None,
                );
                continue;
            }
            if failed.is_some() {
                let why = if self.is_draining() {
                    SHUTDOWN
                } else {
                    "an earlier step failed"
                };
                self.record(
                    plan,
                    Some(&op),
                    decision,
                    &format!("not run: {why}"),
                    0,
                    None,
                );
                continue;
            }
            plan.push(
                "step_started",
                format!("Running: {}", op.kubectl()),
                Some(i),
            );
            self.replace_if_stored(plan);
            let id = if op.is_write() {
                self.journal_before(plan, &op)
            } else {
                None
            };
            let started = Instant::now();
            let result = if op.is_write() {
                // Never cut off: a write half-sent is worse than a late exit.
                exec.run(&op).await
            } else {
                tokio::select! {
                    r = exec.run(&op) => r,
                    () = self.drained() => Err(crate::AssistError::Invalid(format!("stopped: {SHUTDOWN}"))),
                }
            };
            let ms = started.elapsed().as_millis() as u64;
            let step = &mut plan.steps[i];
            step.audit_id = id.clone();
            match result {
                Ok(out) => {
                    step.ok = Some(true);
                    step.output = Some(out);
                    self.record(plan, Some(&op), decision, "ok", ms, id);
                    plan.push("step_finished", format!("ok: {}", op.kubectl()), Some(i));
                }
                Err(e) => {
                    let text = e.to_string();
                    step.ok = Some(false);
                    step.error = Some(text.clone());
                    self.record(plan, Some(&op), decision, &format!("error: {text}"), ms, id);
                    plan.push("step_finished", format!("error: {text}"), Some(i));
                    failed = Some(text);
                }
            }
            self.replace_if_stored(plan);
        }
        match failed {
            Some(text) => plan.finish(PlanState::Failed, text),
            None => plan.finish(PlanState::Done, "every step ran"),
        }
    }

    /// Keep the object as it was before a write, under a new audit id; `None`
    /// (and a warning) when there is no volume for the journal.
    fn journal_before(&self, plan: &PlanRecord, op: &Operation) -> Option<String> {
        let change = change_for(plan, op)?;
        let journal = self.journal.as_ref()?;
        let n = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let now = k8s_openapi::jiff::Timestamp::now();
        let id = format!("{}-{n}", now.as_millisecond());
        let entry = JournalEntry {
            id: id.clone(),
            time: now.to_string(),
            target: change.target.clone(),
            before: change.before.clone(),
        };
        if let Err(e) = journal.append(&entry) {
            tracing::error!("this write cannot be undone: {e}");
            return None;
        }
        Some(id)
    }
}

/// Why steps stop at SIGTERM.
const SHUTDOWN: &str =
    "the server is shutting down (SIGTERM); send the request again once it is back";
