//! One request from words to results: plan, resolve, show, confirm, run, audit.
//! The same runner serves a single request, stdin and the interactive session.

use std::io::Write;
use std::time::Instant;

use crate::audit::AuditLog;

mod discovered_kinds;
mod report;
mod writes;

pub use discovered_kinds::{OfflineReading, plan_offline};

use crate::connect::Identity;
use crate::error::{AssistError, Result};
use crate::journal::UndoJournal;
use crate::ops::{Executor, ObjectChange, OpOutput, Operation, ReplicaChange};
use crate::planner::llm::{LlmPlanner, ReadRunner};
use crate::planner::{Plan, PlanContext, Planned};
use crate::resolve::Resolver;
use crate::safety::{Decision, Policy, decide};
pub use report::{Outcome, OutputFormat, Prompt, Report, StepReport};

/// Settings that hold for the whole run.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub policy: Policy,
    pub format: OutputFormat,
    /// Apply the fixes analyses suggest (still confirmed like any write).
    pub apply_fixes: bool,
    /// Print what each tool returned to the LLM (`--show-tool-output`).
    pub show_tool_output: bool,
    /// Never use the LLM planner, even when one is configured.
    pub offline_only: bool,
}

/// Plans and runs requests against one cluster.
pub struct Runner {
    pub exec: Executor,
    pub resolver: Resolver,
    pub audit: AuditLog,
    pub identity: Identity,
    pub settings: Settings,
    pub prompt: Prompt,
    pub llm: Option<LlmPlanner>,
    /// The request being handled, for audit lines of reads the LLM asks for.
    current_request: String,
    current_plan: Vec<String>,
    /// The dry-run diffs of the plan being run, by the write's kubectl line.
    current_changes: Vec<(String, ObjectChange)>,
    journal: UndoJournal,
    /// Audit ids handed out by this process (with the time, unique per line).
    next_id: u32,
}

impl Runner {
    pub fn new(
        exec: Executor,
        resolver: Resolver,
        audit: AuditLog,
        identity: Identity,
        settings: Settings,
        prompt: Prompt,
        llm: Option<LlmPlanner>,
    ) -> Self {
        Self {
            journal: UndoJournal::beside(&audit),
            current_changes: Vec::new(),
            next_id: 0,
            exec,
            resolver,
            audit,
            identity,
            settings,
            prompt,
            llm,
            current_request: String::new(),
            current_plan: Vec::new(),
        }
    }

    fn say(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        let text = text.strip_suffix('\n').unwrap_or(text);
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = match self.settings.format {
            OutputFormat::Json => writeln!(std::io::stderr().lock(), "{text}"),
            _ => writeln!(std::io::stdout().lock(), "{text}"),
        };
    }

    fn record(
        &self,
        operation: Option<&Operation>,
        decision: &str,
        result: &str,
        duration_ms: u64,
    ) {
        self.record_with_id(operation, decision, result, duration_ms, None);
    }

    /// The undo journal beside the audit log.
    pub fn journal(&self) -> &UndoJournal {
        &self.journal
    }

    /// Complete names and turn relative scales into counts, so the plan shown is
    /// exactly what will run.
    pub async fn resolve(&self, op: &Operation) -> Result<Operation> {
        let mut op = self.resolver.resolve_operation(op).await?;
        if let Operation::Scale(s) = &mut op
            && !matches!(s.replicas, ReplicaChange::To(_))
        {
            let current = self.exec.replicas(&s.target).await?;
            s.replicas = ReplicaChange::To(s.replicas.apply(current));
        }
        Ok(op)
    }

    /// Ask which of several objects was meant; `None` when the answer picks none.
    async fn choose(&mut self, hint: &str, candidates: &[String]) -> Option<usize> {
        self.say(&format!("\"{hint}\" matches several objects:"));
        for (i, c) in candidates.iter().enumerate() {
            self.say(&format!("  {}. {c}", i + 1));
        }
        let answer = self
            .prompt
            .line(&format!("Which one? [1-{}] ", candidates.len()))
            .await?;
        let n: usize = answer.trim().parse().ok()?;
        (1..=candidates.len()).contains(&n).then(|| n - 1)
    }

    /// Handle one request end to end.
    pub async fn handle(&mut self, request: &str, ctx: &mut PlanContext) -> Report {
        self.current_request = request.trim().to_string();
        self.current_plan.clear();
        let mut report = Report {
            request: self.current_request.clone(),
            planner: "offline",
            plan: Vec::new(),
            decision: None,
            steps: Vec::new(),
            changes: Vec::new(),
            message: None,
            outcome: Outcome::Done,
        };
        let planned = match plan_offline(&self.resolver, request, ctx).await {
            OfflineReading::Planned(planned) => planned,
            OfflineReading::Ambiguous(question) => {
                self.say(&question);
                report.message = Some(question);
                report.outcome = Outcome::NotUnderstood;
                return report;
            }
        };
        let plan = match planned {
            Planned::Plan(p) => p,
            Planned::Refused(msg) => {
                self.say(&msg);
                self.record(None, "refused_by_policy", &format!("refused: {msg}"), 0);
                report.decision = Some(Decision::RefusedByPolicy);
                report.message = Some(msg);
                report.outcome = Outcome::Refused;
                return report;
            }
            Planned::Unplannable(msg) => match self.llm.take() {
                Some(llm) if !self.settings.offline_only => {
                    report.planner = "llm";
                    let result = llm.plan(request, self).await;
                    self.llm = Some(llm);
                    match result {
                        Ok(out) => {
                            self.say(&out.answer);
                            for (tool, reason) in &out.refused {
                                self.say(&format!("Not planned: {tool}: {reason}"));
                            }
                            report.message = Some(out.answer);
                            if out.proposed.is_empty() {
                                return report;
                            }
                            Plan {
                                steps: out.proposed,
                            }
                        }
                        Err(e) => {
                            let text = format!(
                                "{e}. The offline planner understood no operation either: {msg}"
                            );
                            self.say(&text);
                            report.message = Some(text);
                            report.outcome = Outcome::Failed;
                            return report;
                        }
                    }
                }
                other => {
                    self.llm = other;
                    self.say(&msg);
                    report.message = Some(msg);
                    report.outcome = Outcome::NotUnderstood;
                    return report;
                }
            },
        };
        self.resolve_and_run(plan, ctx, &mut report).await;
        report
    }

    /// Run operations chosen directly (the `health`, `diagnose` and `optimize`
    /// subcommands), with the same resolution, confirmation and audit.
    pub async fn handle_operations(
        &mut self,
        label: &str,
        steps: Vec<Operation>,
        ctx: &mut PlanContext,
    ) -> Report {
        self.current_request = label.to_string();
        self.current_plan.clear();
        let mut report = Report {
            request: label.to_string(),
            planner: "direct",
            plan: Vec::new(),
            decision: None,
            steps: Vec::new(),
            changes: Vec::new(),
            message: None,
            outcome: Outcome::Done,
        };
        self.resolve_and_run(Plan { steps }, ctx, &mut report).await;
        report
    }

    async fn resolve_and_run(&mut self, plan: Plan, ctx: &mut PlanContext, report: &mut Report) {
        let mut steps = Vec::new();
        for op in &plan.steps {
            let resolved = match self.resolve(op).await {
                // In a session, ambiguity is a question, not an error.
                Err(AssistError::Ambiguous {
                    hint,
                    candidates,
                    targets,
                }) if self.prompt.interactive => match self.choose(&hint, &candidates).await {
                    Some(i) => {
                        let mut op = op.clone();
                        if let Some(t) = op.target_mut() {
                            *t = targets[i].clone();
                        }
                        self.resolve(&op).await
                    }
                    None => Err(AssistError::Ambiguous {
                        hint,
                        candidates,
                        targets,
                    }),
                },
                other => other,
            };
            match resolved {
                Ok(r) => steps.push(r),
                Err(e) => {
                    let text = e.to_string();
                    self.say(&format!("Error: {text}"));
                    self.current_plan = plan.steps.iter().map(Operation::kubectl).collect();
                    self.record(Some(op), "not_run", &format!("error: {text}"), 0);
                    report.plan = self.current_plan.clone();
                    report.message = Some(text);
                    report.outcome = Outcome::Failed;
                    return;
                }
            }
        }
        ctx.remember(&Plan {
            steps: steps.clone(),
        });
        self.run_plan(steps, report).await;
    }

    async fn run_plan(&mut self, steps: Vec<Operation>, report: &mut Report) {
        // "fix X" asks for the fixes themselves: they are planned as writes at once.
        let asked_to_fix = steps.iter().any(|s| matches!(s, Operation::Fix(_)));
        self.current_plan = steps.iter().map(Operation::kubectl).collect();
        report.plan = self.current_plan.clone();
        if steps.iter().any(Operation::is_write) {
            self.say(&crate::render::plan(&steps));
        }
        let policy = self.settings.policy;
        self.current_changes.clear();
        if !policy.read_only
            && let Err(missing) = self.preflight(&steps).await
        {
            let text = match missing {
                Ok(denied) => format!(
                    "you cannot {}. Ask a cluster admin for that permission, or use an identity that has it",
                    denied.join("; nor ")
                ),
                Err(e) => e.to_string(),
            };
            self.say(&format!("Refused: {text}"));
            for op in steps.iter().filter(|o| o.is_write()) {
                self.record(
                    Some(op),
                    "refused_forbidden",
                    &format!("refused: {text}"),
                    0,
                );
            }
            report.decision = Some(Decision::RefusedForbidden);
            report.message = Some(text);
            report.outcome = Outcome::Refused;
            return;
        }
        if !policy.read_only {
            for op in steps.iter().filter(|o| o.is_write()) {
                match self.exec.previews(op).await {
                    Ok(changes) => {
                        for change in changes {
                            self.say(if change.diff.is_empty() {
                                "(no change to the object)"
                            } else {
                                &change.diff
                            });
                            if let Some(note) = &change.note {
                                self.say(&format!("Note: {} {note}", change.object));
                            }
                            self.current_changes.push((op.kubectl(), change.clone()));
                            report.changes.push(change);
                        }
                    }
                    Err(e) => {
                        let text =
                            format!("the API server rejected {} in a dry run: {e}", op.kubectl());
                        self.say(&format!("Error: {text}"));
                        self.record(Some(op), "not_run", &format!("error: {text}"), 0);
                        report.message = Some(text);
                        report.outcome = Outcome::Failed;
                        return;
                    }
                }
            }
        }
        if policy.dry_run && !policy.read_only && steps.iter().any(Operation::is_write) {
            // --dry-run stops after the server-side dry run and its diff.
            report.decision = Some(Decision::DryRun);
            for op in steps.iter().filter(|o| o.is_write()) {
                self.record(
                    Some(op),
                    "dry_run",
                    "ok (server dry run: nothing changed)",
                    0,
                );
            }
            self.say("Dry run: the API server accepted the plan; nothing was changed.");
            report.message = Some("server-side dry run: nothing was changed".into());
            return;
        }
        let prompt = &mut self.prompt;
        // A destructive step is confirmed by typing its object's name, not by a
        // reflexive "y".
        let names: Vec<String> = steps
            .iter()
            .filter(|o| o.is_destructive())
            .filter_map(|o| o.target().and_then(|t| t.name.clone()))
            .collect();
        let decision = decide(&steps, policy, || async move {
            if names.is_empty() {
                return prompt.yes("Apply this plan? [y/N] ").await;
            }
            for name in &names {
                let typed = prompt
                    .line(&format!(
                        "This plan is destructive. Type {name} to apply it: "
                    ))
                    .await;
                if typed.as_deref().map(str::trim) != Some(name.as_str()) {
                    return false;
                }
            }
            true
        })
        .await;
        report.decision = Some(decision);
        let decision_name = serde_json::to_value(decision)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if !decision.allows_running() {
            for op in steps.iter().filter(|o| o.is_write()) {
                self.record(Some(op), &decision_name, "not run", 0);
            }
            self.say(&format!("Nothing was run: {}.", decision.explain()));
            report.message = Some(decision.explain().to_string());
            report.outcome = Outcome::Refused;
            return;
        }
        let mut fixes: Vec<Operation> = Vec::new();
        let mut failed = false;
        for op in &steps {
            if failed {
                self.record(
                    Some(op),
                    &decision_name,
                    "not run: an earlier step failed",
                    0,
                );
                continue;
            }
            let step = self.run_step(op, &decision_name).await;
            if let Some(out) = &step.output {
                for f in &out.proposed {
                    if !fixes.contains(f) {
                        fixes.push(f.clone());
                    }
                }
            }
            failed = !step.ok;
            report.steps.push(step);
        }
        if failed {
            report.outcome = Outcome::Failed;
            return;
        }
        if !fixes.is_empty() {
            self.offer_fixes(fixes, report, asked_to_fix).await;
        }
    }

    async fn run_step(&mut self, op: &Operation, decision: &str) -> StepReport {
        self.say(&format!("Running: {}", op.kubectl()));
        let id = if op.is_write() {
            self.journal_before(op)
        } else {
            None
        };
        let started = Instant::now();
        let result = self.exec.run(op).await;
        let ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(out) => {
                self.say(&out.text);
                if let Some(id) = &id {
                    self.say(&format!("Undo with: kubectl-assist undo {id}"));
                }
                self.record_with_id(Some(op), decision, "ok", ms, id);
                StepReport {
                    kubectl: op.kubectl(),
                    operation: op.clone(),
                    ok: true,
                    error: None,
                    output: Some(out),
                    duration_ms: ms,
                }
            }
            Err(e) => {
                let text = e.to_string();
                self.say(&format!("Error: {text}"));
                self.record_with_id(Some(op), decision, &format!("error: {text}"), ms, id);
                StepReport {
                    kubectl: op.kubectl(),
                    operation: op.clone(),
                    ok: false,
                    error: Some(text),
                    output: None,
                    duration_ms: ms,
                }
            }
        }
    }

    /// Fixes proposed by analyses run only when the operator asks (`--fix`, "fix
    /// X", or a yes at the prompt), and then like any plan: shown, confirmed, audited.
    async fn offer_fixes(&mut self, fixes: Vec<Operation>, report: &mut Report, asked: bool) {
        let apply = self.settings.apply_fixes || asked;
        let interactive_offer =
            !apply && self.prompt.interactive && !self.settings.policy.read_only;
        if !apply && !interactive_offer {
            self.say(&format!(
                "{} suggested change(s); apply them with --fix (they are shown and confirmed first):\n{}",
                fixes.len(),
                fixes.iter().map(|f| format!("  {}", f.kubectl())).collect::<Vec<_>>().join("\n")
            ));
            return;
        }
        if interactive_offer
            && !self
                .prompt
                .yes(&format!(
                    "Apply the {} suggested change(s) above? [y/N] ",
                    fixes.len()
                ))
                .await
        {
            return;
        }
        let mut sub = Report {
            request: report.request.clone(),
            planner: report.planner,
            plan: Vec::new(),
            decision: None,
            steps: Vec::new(),
            changes: Vec::new(),
            message: None,
            outcome: Outcome::Done,
        };
        self.current_request = format!("{} (suggested fixes)", report.request);
        Box::pin(self.run_plan(fixes, &mut sub)).await;
        report.plan.extend(sub.plan);
        report.steps.extend(sub.steps);
        if sub.outcome != Outcome::Done {
            report.outcome = sub.outcome;
            report.message = sub.message;
        }
    }

    /// Print a report as JSON (for `-o json`).
    pub fn print_json(report: &Report) {
        println!(
            "{}",
            serde_json::to_string_pretty(report)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        );
    }
}

impl ReadRunner for Runner {
    async fn run_read(&mut self, op: Operation) -> Result<OpOutput> {
        if op.is_write() {
            return Err(AssistError::Refused(
                "writes are not run from inside the LLM loop".into(),
            ));
        }
        let op = self.resolve(&op).await?;
        self.current_plan.push(op.kubectl());
        self.say(&format!("Running: {}", op.kubectl()));
        let started = Instant::now();
        let result = self.exec.run(&op).await;
        let ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(out) => {
                if self.settings.show_tool_output {
                    self.say(&out.text);
                }
                self.record(Some(&op), "read_only_plan", "ok", ms);
            }
            Err(e) => self.record(Some(&op), "read_only_plan", &format!("error: {e}"), ms),
        }
        result
    }
}
