//! Fixing from evidence: "fix X", "make X work", "get X running" diagnose X and
//! then plan the fixes as writes, confirmed like any write (`--yes` applies).
//!
//! Every fix is chosen from what the cluster records ([`evidence`]), never
//! guessed: the last revision that still runs, the image it runs, the labels of
//! the pods a Service nearly selects, the node labels and taints, the
//! StorageClasses, a container port that answered the probe's path. When nothing
//! in the cluster shows a safe change, the finding says why instead.

pub mod evidence;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::analyze::{self, Finding, Scope, Snapshot};
use crate::error::{AssistError, Result};
use crate::ops::registry::{Class, OpSpec, schema_of};
use crate::ops::{Executor, Kind, OpOutput, Operation, Target};
use crate::resolve::ObjectRef;

/// Diagnose an object (or a namespace) and plan the fixes its findings' evidence supports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FixOp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// The fix family's registry entry. It only reads; the fixes it finds are
/// separate writes, shown and confirmed like any other.
pub(crate) const SPECS: [OpSpec; 1] = [OpSpec {
    name: "fix",
    class: Class::Read,
    description: "Diagnose an object (or namespace) and propose the fixes the cluster's own evidence supports (each fix is a separate, confirmed write); says why when no fix is safe.",
    schema: schema_of::<FixOp>,
    example: || {
        Operation::Fix(FixOp {
            target: Some(Target::named(Some(Kind::Deployment), "web")),
            namespace: None,
        })
    },
    words: &["fix", "repair", "remedy", "heal", "unbreak", "resolve"],
    with_words: &[],
}];

/// Image errors the kubelet reports while waiting.
const IMAGE_ERRORS: [&str; 4] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
];

/// Give each failure finding its evidence-based fix (or none) and the reason.
/// Analyzers that already derive a fix from typed fields (a Service's near-miss
/// selector, an OOM-killed container's limit) keep theirs, with the reason said.
pub fn attach(s: &Snapshot, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        let remedy = match f.reason.as_str() {
            r if IMAGE_ERRORS.contains(&r) => evidence::unpullable_image(s, f),
            "CrashLoopBackOff" | "RolloutStuck" => evidence::broken_rollout(s, f),
            "Unschedulable" => evidence::unschedulable(s, f),
            "PVCPending" => evidence::unbound_claim(s, f),
            r if r.ends_with("ProbeFailed") => evidence::failing_probe(s, f, &s.probe_answers),
            "OOMKilled" => match f.fix.first() {
                Some(Operation::SetResources(op)) => evidence::Remedy {
                    fix: Some(Operation::SetResources(op.clone())),
                    why: format!(
                        "the metrics API keeps no peak usage, so the new limit {} is twice the current one (a stated multiple, not a measurement); watch it with kubectl-assist \"top pods\"",
                        op.limits.memory.as_deref().unwrap_or("?")
                    ),
                },
                _ => evidence::Remedy {
                    fix: None,
                    why: "the container has no memory limit to raise: the node ran out of memory; set requests and a limit that fit".into(),
                },
            },
            "SelectorMismatch" => match f.fix.first() {
                Some(op) => evidence::Remedy {
                    fix: Some(op.clone()),
                    why: "pods nearby match every key of the selector but one, and carry a value close to it".into(),
                },
                None => evidence::Remedy {
                    fix: None,
                    why: "no pod matches all of the selector's keys but one with a similar value, so which pods it should reach is not clear".into(),
                },
            },
            _ => continue,
        };
        f.fix = remedy.fix.into_iter().collect();
        f.fix_note = Some(remedy.why);
    }
}

/// The fixes of a set of findings (each once) and the reasons for them and for
/// the findings without one: what the session shows and plans.
pub fn plan(findings: &[Finding]) -> (Vec<Operation>, Vec<String>) {
    let mut ops: Vec<Operation> = Vec::new();
    let mut reasons = Vec::new();
    for f in findings {
        for op in &f.fix {
            if !ops.contains(op) {
                ops.push(op.clone());
                reasons.push(format!(
                    "{}: {} — {}",
                    f.object,
                    op.kubectl(),
                    f.fix_note.as_deref().unwrap_or("")
                ));
            }
        }
        if f.fix.is_empty()
            && let Some(why) = &f.fix_note
        {
            reasons.push(format!("{} [{}]: no safe fix: {why}", f.object, f.reason));
        }
    }
    (ops, reasons)
}

/// Run `fix`: diagnose, then report the fixes (as `proposed`, for the session to
/// confirm and apply) with their reasons.
pub async fn run(exec: &Executor, op: &FixOp) -> Result<OpOutput> {
    let target = match &op.target {
        Some(t) => {
            let (Some(kind), Some(name)) = (t.kind, t.name.as_deref()) else {
                return Err(AssistError::Invalid(format!(
                    "fix needs a resolved object, got {}",
                    t.display()
                )));
            };
            Some(ObjectRef::new(kind, t.namespace.as_deref(), name))
        }
        None => None,
    };
    let ns = target
        .as_ref()
        .and_then(|t| t.namespace.as_deref())
        .or(op.namespace.as_deref());
    let snapshot = analyze::collect_for(exec.client(), ns, target.as_ref()).await?;
    let mut findings = analyze::analyze(&snapshot, Scope::Failures);
    let headline = match &target {
        Some(t) => {
            findings = analyze::related_to(&snapshot, t, findings);
            format!("Fixing {t}:")
        }
        None => format!(
            "Fixing {}:",
            ns.map(|n| format!("namespace {n}"))
                .unwrap_or_else(|| "the cluster".into())
        ),
    };
    let (ops, reasons) = plan(&findings);
    let mut text = crate::render::findings_report(&findings, &headline);
    if ops.is_empty() && !findings.is_empty() {
        text.push_str("\nNo fix is safe to make from what the cluster shows:\n");
    } else if !ops.is_empty() {
        text.push_str(&format!("\n{} fix(es) from the evidence:\n", ops.len()));
    }
    for r in &reasons {
        text.push_str(&format!("  - {r}\n"));
    }
    Ok(OpOutput {
        text,
        data: serde_json::json!({"findings": findings.len(), "fixes": ops.len(), "reasons": reasons}),
        proposed: ops,
        findings,
        after: None,
    })
}

/// Probe paths to try on other declared ports, per pod with a failing HTTP probe:
/// the keys of [`Snapshot::probe_answers`] with the pod-proxy path to GET.
pub(crate) fn probe_tries(s: &Snapshot) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for pod in &s.pods {
        let me = analyze::object_ref(Kind::Pod, &pod.metadata);
        let events = analyze::events_for(s, "Pod", me.namespace.as_deref(), &me.name);
        for kind in ["liveness", "readiness", "startup"] {
            let failing = events.iter().any(|e| {
                e.reason.as_deref() == Some("Unhealthy")
                    && e.message
                        .as_deref()
                        .is_some_and(|m| m.to_lowercase().starts_with(kind))
            });
            if !failing {
                continue;
            }
            if let Some(check) = evidence::probe_check(pod, kind)
                && let Some(port) = check.candidate
            {
                out.insert(
                    check.key(&me),
                    format!(
                        "/api/v1/namespaces/{}/pods/{}:{port}/proxy{}",
                        me.namespace.as_deref().unwrap_or(""),
                        me.name,
                        check.path
                    ),
                );
            }
        }
    }
    out
}
