//! Taking a request: plan it (the LLM planner when configured, else offline),
//! resolve its names, run a read-only plan at once, and prepare a write plan
//! (RBAC preflight, server dry run, diff) for an approver.

use super::Agent;
use crate::ops::{Executor, Operation, ReplicaChange};
use crate::planner::{PlanContext, Planned};
use crate::resolve::Resolver;
use crate::serve::approvals::{PlanRecord, PlanState};
use crate::serve::auth::{Caller, Role};
use crate::serve::error::{ServeError, ServeResult};
use crate::session::{OfflineReading, plan_offline};

impl Agent {
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
        let mut reads = crate::serve::llm_chat::ServeReads {
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
}
