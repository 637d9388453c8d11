//! The agent behind the API and the console: plans a request, runs reads at once,
//! prepares writes (RBAC preflight, server dry run, diff) for approval, and runs
//! approved plans with the undo journal and the audit trail.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kube::Client;
use tokio::sync::watch;

use super::approvals::{Decided, PlanRecord, PlanState, PlanStore};
use super::auth::{Caller, Role};
use super::error::{ServeError, ServeResult};
use super::impersonation::{Impersonation, serve_executor};
use super::trail::{Trail, TrailLine};
use crate::audit::AuditRecord;
use crate::connect::Identity;
use crate::journal::{JournalEntry, UndoJournal};
use crate::ops::{Executor, Operation, ReplicaChange};
use crate::planner::{PlanContext, Planned};
use crate::resolve::Resolver;
use crate::session::{OfflineReading, plan_offline};

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

    /// Whose RBAC a refusal is about, for its message.
    fn denied_message(&self, name: &str, denied: &[String]) -> String {
        match self.impersonation.as_ref().map(|i| i.identity(name)) {
            Some(Ok(id)) => format!(
                "{name}, acting as the Kubernetes user {}, cannot {}; nothing was changed. The agent impersonates each person (--impersonate), so their own RBAC applies: ask a cluster admin to grant it to {}",
                id.describe(),
                denied.join("; nor "),
                id.user
            ),
            _ => format!(
                "the agent's service account cannot {}; nothing was changed. Grant it with the chart's rbac.write.namespaces (or rbac.clusterWrite)",
                denied.join("; nor ")
            ),
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

    /// Plan with the LLM: its reads run now (as the caller's), the writes it
    /// proposed (only those the request asked for) wait for an approver.
    async fn submit_llm(
        &self,
        llm: &crate::planner::llm::LlmPlanner,
        caller: &Caller,
        request: &str,
        namespace: Option<String>,
    ) -> ServeResult<PlanRecord> {
        let exec = self.exec_for(&caller.name)?;
        let mut reads = super::llm_chat::ServeReads {
            agent: self,
            resolver: Resolver::new(exec.client().clone(), namespace.clone()),
            exec,
            user: caller.name.clone(),
            request: request.to_string(),
            ran: Vec::new(),
        };
        let outcome = llm.plan(request, &mut reads).await?;
        let ran = std::mem::take(&mut reads.ran);
        let mut answer = outcome.answer.trim().to_string();
        for (tool, why) in &outcome.refused {
            answer.push_str(&format!("\n(not proposed: {tool}: {why})"));
        }
        if !outcome.proposed.is_empty() {
            let mut plan = self
                .submit_steps(caller, request, namespace, outcome.proposed)
                .await?;
            plan.planner = "llm";
            plan.answer = Some(answer);
            self.replace(plan.clone());
            return Ok(plan);
        }
        let mut plan = PlanRecord::new(
            request,
            namespace,
            &caller.name,
            Vec::new(),
            self.settings.plan_ttl,
        );
        plan.planner = "llm";
        plan.steps = ran;
        plan.answer = Some(answer.clone());
        plan.finish(
            PlanState::Done,
            if answer.is_empty() {
                "answered".to_string()
            } else {
                answer
            },
        );
        self.store().insert(plan.clone());
        self.notify();
        Ok(plan)
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

    /// Complete names, and turn relative scales into counts, so the plan shown is
    /// exactly what will run.
    async fn resolve(
        exec: &Executor,
        resolver: &Resolver,
        op: &Operation,
    ) -> crate::Result<Operation> {
        let mut op = resolver.resolve_operation(op).await?;
        if let Operation::Scale(s) = &mut op
            && !matches!(s.replicas, ReplicaChange::To(_))
        {
            let current = exec.replicas(&s.target).await?;
            s.replicas = ReplicaChange::To(s.replicas.apply(current));
        }
        Ok(op)
    }

    /// Plan a request in plain words. Reads run at once; a write plan is prepared
    /// and kept for an approver.
    pub async fn submit(
        &self,
        caller: &Caller,
        request: &str,
        namespace: Option<String>,
    ) -> ServeResult<PlanRecord> {
        let request = request.trim();
        if request.is_empty() {
            return Err(ServeError::BadRequest(
                "the request is empty: say what to do, e.g. {\"request\": \"scale the frontend to 2 replicas\"}".into(),
            ));
        }
        let namespace = namespace
            .filter(|n| !n.is_empty())
            .or_else(|| self.settings.namespace.clone());
        let mut fallback = None;
        if let Some(llm) = &self.llm {
            match self
                .submit_llm(llm, caller, request, namespace.clone())
                .await
            {
                Ok(plan) => return Ok(plan),
                // A caller's mistake (wrong role) is theirs, not the model's.
                Err(e @ ServeError::Forbidden(_)) => return Err(e),
                Err(e) => {
                    tracing::warn!("the LLM planner failed ({e}); planning offline");
                    fallback = Some(format!("the LLM planner failed ({e}); planned offline"));
                }
            }
        }
        let ttl = self.settings.plan_ttl;
        // Words naming a kind only discovery knows ("list crontabs") are planned with
        // the server's kinds, read as the caller, exactly as the CLI plans them.
        let resolver = Resolver::new(
            self.exec_for(&caller.name)?.client().clone(),
            namespace.clone(),
        );
        let planned = match plan_offline(&resolver, request, &PlanContext::default()).await {
            OfflineReading::Planned(planned) => planned,
            OfflineReading::Ambiguous(question) => {
                return Err(ServeError::Assist(crate::AssistError::Invalid(question)));
            }
        };
        let steps = match planned {
            Planned::Plan(p) => p.steps,
            Planned::Refused(msg) => {
                let mut plan = PlanRecord::new(request, namespace, &caller.name, Vec::new(), ttl);
                plan.finish(PlanState::Refused, msg.clone());
                self.record(
                    &plan,
                    None,
                    "refused_by_policy",
                    &format!("refused: {msg}"),
                    0,
                    None,
                );
                self.store().insert(plan.clone());
                return Ok(plan);
            }
            Planned::Unplannable(msg) => {
                return Err(ServeError::Assist(crate::AssistError::Invalid(format!(
                    "not understood: {msg}"
                ))));
            }
        };
        let mut plan = self.submit_steps(caller, request, namespace, steps).await?;
        if let Some(note) = fallback {
            plan.answer = Some(note);
            self.replace(plan.clone());
        }
        Ok(plan)
    }

    /// Plan operations chosen by code (a finding's fix): resolved, RBAC-checked,
    /// dry-run and kept for an approver exactly like a request's.
    pub async fn submit_steps(
        &self,
        caller: &Caller,
        request: &str,
        namespace: Option<String>,
        steps: Vec<Operation>,
    ) -> ServeResult<PlanRecord> {
        self.submit_steps_via(caller, request, namespace, steps, None)
            .await
    }

    /// [`Agent::submit_steps`], recording where the request came from (`mcp`).
    pub async fn submit_steps_via(
        &self,
        caller: &Caller,
        request: &str,
        namespace: Option<String>,
        steps: Vec<Operation>,
        via: Option<&'static str>,
    ) -> ServeResult<PlanRecord> {
        let ttl = self.settings.plan_ttl;
        let exec = self.exec_for(&caller.name)?;
        let resolver = Resolver::new(exec.client().clone(), namespace.clone());
        let mut resolved = Vec::new();
        for op in &steps {
            resolved.push(Self::resolve(&exec, &resolver, op).await?);
        }
        let mut plan = PlanRecord::new(request, namespace, &caller.name, resolved, ttl);
        plan.via = via;
        if !plan.has_writes() {
            plan.push("planned", "read-only plan: running it now", None);
            self.run_steps(&exec, &mut plan, "read_only_plan").await;
            self.store().insert(plan.clone());
            return Ok(plan);
        }
        caller.require(Role::Operator, "requesting a change to the cluster")?;
        if let Err(decision) = self.prepare_writes(&exec, &mut plan).await {
            for step in plan.steps.clone().iter().filter(|s| s.operation.is_write()) {
                let msg = plan.message.clone().unwrap_or_default();
                self.record(
                    &plan,
                    Some(&step.operation),
                    decision,
                    &format!("not run: {msg}"),
                    0,
                    None,
                );
            }
            self.store().insert(plan.clone());
            self.notify();
            return Ok(plan);
        }
        plan.state = PlanState::PendingApproval;
        plan.push(
            "planned",
            format!(
                "waiting for an approver until {} ({} write(s))",
                plan.expires,
                plan.changes.len()
            ),
            None,
        );
        for step in plan.steps.iter().filter(|s| s.operation.is_write()) {
            self.record(
                &plan,
                Some(&step.operation),
                "awaiting_approval",
                "not run yet",
                0,
                None,
            );
        }
        self.store().insert(plan.clone());
        self.notify();
        Ok(plan)
    }

    /// RBAC preflight and server dry run of each write; on failure the plan is
    /// finished (refused or failed) and the audit decision is returned.
    async fn prepare_writes(
        &self,
        exec: &Executor,
        plan: &mut PlanRecord,
    ) -> Result<(), &'static str> {
        if self.settings.read_only {
            plan.finish(
                PlanState::Refused,
                "this server runs read-only (--read-only): it makes no changes. Ask whoever runs it, or use kubectl",
            );
            return Err("refused_read_only");
        }
        let writes: Vec<Operation> = plan
            .steps
            .iter()
            .map(|s| s.operation.clone())
            .filter(Operation::is_write)
            .collect();
        let denied: Vec<String> = match exec.missing_permissions(&writes).await {
            Ok(missing) => missing.iter().map(|p| p.describe()).collect(),
            Err(e) => {
                plan.finish(PlanState::Failed, e.to_string());
                return Err("not_run");
            }
        };
        if !denied.is_empty() {
            let message = self.denied_message(&plan.requested_by, &denied);
            plan.finish(PlanState::Refused, message);
            return Err("refused_forbidden");
        }
        for op in &writes {
            match exec.preview(op).await {
                Ok(change) => plan.changes.push(change),
                Err(e) => {
                    plan.finish(
                        PlanState::Failed,
                        format!("the API server rejected {} in a dry run: {e}", op.kubectl()),
                    );
                    return Err("not_run");
                }
            }
        }
        Ok(())
    }

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

    fn replace(&self, plan: PlanRecord) {
        if let Ok(p) = self.store().get_mut(&plan.id) {
            *p = plan;
        }
        self.notify();
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
    async fn run_steps(&self, exec: &Executor, plan: &mut PlanRecord, decision: &str) {
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

    fn replace_if_stored(&self, plan: &PlanRecord) {
        let mut store = self.store();
        if let Ok(p) = store.get_mut(&plan.id) {
            *p = plan.clone();
            drop(store);
            self.notify();
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

/// The dry-run change of one write of a plan.
fn change_for<'a>(plan: &'a PlanRecord, op: &Operation) -> Option<&'a crate::ops::ObjectChange> {
    let target = op.target()?;
    plan.changes.iter().find(|c| &c.target == target)
}
