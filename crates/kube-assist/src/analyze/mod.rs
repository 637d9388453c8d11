//! Analyzers: k8sgpt-like checks that need no LLM. They work on a [`Snapshot`]
//! of the cluster (typed API objects), so each one is a pure function that unit
//! tests feed with recorded objects.
//!
//! Text read from the cluster (log lines, event messages) only ever becomes
//! *evidence*. Fixes are built by code from typed fields (an owner reference, a
//! memory limit, a label) and are only proposals: they run when the operator asks,
//! after confirmation.

mod cluster;
mod collect;
pub mod logs;
mod pods;
mod services;
mod workloads;

pub use collect::{collect, collect_for};

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Endpoints, Event, Node, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ops::{Kind, Operation};
use crate::resolve::ObjectRef;

/// The objects the analyzers look at, read in one go.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    /// "Now" for the analyzers (recent events), so recorded snapshots stay stable.
    #[serde(default = "Timestamp::now")]
    pub now: Timestamp,
    pub pods: Vec<Pod>,
    pub deployments: Vec<Deployment>,
    pub replicasets: Vec<ReplicaSet>,
    pub statefulsets: Vec<StatefulSet>,
    pub daemonsets: Vec<DaemonSet>,
    pub services: Vec<Service>,
    pub endpoints: Vec<Endpoints>,
    pub nodes: Vec<Node>,
    pub pvcs: Vec<PersistentVolumeClaim>,
    pub jobs: Vec<Job>,
    pub events: Vec<Event>,
    /// Tails of the previous logs of crashing containers, keyed "namespace/pod/container".
    pub logs: BTreeMap<String, String>,
    /// Recent logs of running containers worth a look (see [`collect_for`]), same keys.
    pub recent_logs: BTreeMap<String, String>,
    /// The StorageClasses (empty when they cannot be listed).
    pub storage_classes: Vec<StorageClass>,
    /// Whether a failing HTTP probe's path answered on another declared port,
    /// keyed as [`crate::fix::evidence::ProbeCheck::key`].
    pub probe_answers: BTreeMap<String, bool>,
}

/// How bad a finding is; findings are listed worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

/// One problem found: which object, how bad, why in one sentence, what shows it,
/// and what to do (a plan the tool can run when asked).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub object: ObjectRef,
    pub severity: Severity,
    pub analyzer: &'static str,
    /// A short machine-friendly cause, e.g. `CrashLoopBackOff`, `OOMKilled`.
    pub reason: String,
    pub cause: String,
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fix: Vec<Operation>,
    /// Why `fix` is the change the evidence supports, or why no change is safe
    /// (set by [`crate::fix::attach`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_note: Option<String>,
}

impl Finding {
    fn new(
        object: ObjectRef,
        severity: Severity,
        analyzer: &'static str,
        reason: &str,
        cause: String,
    ) -> Self {
        Self {
            object,
            severity,
            analyzer,
            reason: reason.to_string(),
            cause,
            evidence: Vec::new(),
            advice: None,
            fix: Vec::new(),
            fix_note: None,
        }
    }

    fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    fn advice(mut self, text: impl Into<String>) -> Self {
        self.advice = Some(text.into());
        self
    }

    fn fix(mut self, op: Operation) -> Self {
        self.fix.push(op);
        self
    }
}

/// Which analyzers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything (`health`).
    All,
    /// Things that fail (`diagnose`): no resource hygiene notes.
    Failures,
}

/// Run the analyzers over a snapshot, worst findings first.
pub fn analyze(snapshot: &Snapshot, scope: Scope) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(pods::analyze(snapshot));
    findings.extend(workloads::analyze(snapshot));
    findings.extend(services::analyze(snapshot));
    findings.extend(cluster::nodes(snapshot));
    findings.extend(cluster::pvcs(snapshot));
    findings.extend(cluster::jobs(snapshot));
    findings.extend(logs::analyze(snapshot));
    let covered: Vec<ObjectRef> = findings.iter().map(|f| f.object.clone()).collect();
    findings.extend(cluster::warning_events(snapshot, &covered));
    if scope == Scope::All {
        findings.extend(cluster::missing_resources(snapshot));
    }
    crate::fix::attach(snapshot, &mut findings);
    findings.sort_by(|a, b| {
        (a.severity, &a.object.namespace, &a.object.name, &a.reason).cmp(&(
            b.severity,
            &b.object.namespace,
            &b.object.name,
            &b.reason,
        ))
    });
    findings
}

/// The findings about one object and everything that belongs to it: a Deployment's
/// ReplicaSets and pods, the Services that select its pods, a pod's owners.
pub fn related_to(snapshot: &Snapshot, target: &ObjectRef, findings: Vec<Finding>) -> Vec<Finding> {
    let related = related_objects(snapshot, target);
    findings
        .into_iter()
        .filter(|f| related.contains(&f.object))
        .collect()
}

pub(crate) fn related_objects(s: &Snapshot, target: &ObjectRef) -> Vec<ObjectRef> {
    let mut out = vec![target.clone()];
    let ns = target.namespace.as_deref();
    let pods_of = |labels: Option<&BTreeMap<String, String>>| -> Vec<ObjectRef> {
        s.pods
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == ns)
            .filter(|p| {
                labels.is_some_and(|sel| {
                    !sel.is_empty() && selector_matches(sel, p.metadata.labels.as_ref())
                })
            })
            .map(|p| object_ref(Kind::Pod, &p.metadata))
            .collect()
    };
    match target.kind {
        Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet => {
            let selector = match target.kind {
                Kind::Deployment => s
                    .deployments
                    .iter()
                    .find(|d| is(&d.metadata, target))
                    .and_then(|d| d.spec.as_ref())
                    .and_then(|sp| sp.selector.match_labels.clone()),
                Kind::StatefulSet => s
                    .statefulsets
                    .iter()
                    .find(|d| is(&d.metadata, target))
                    .and_then(|d| d.spec.as_ref())
                    .and_then(|sp| sp.selector.match_labels.clone()),
                _ => s
                    .daemonsets
                    .iter()
                    .find(|d| is(&d.metadata, target))
                    .and_then(|d| d.spec.as_ref())
                    .and_then(|sp| sp.selector.match_labels.clone()),
            };
            let pods = pods_of(selector.as_ref());
            for rs in &s.replicasets {
                if owned_by(&rs.metadata, target) {
                    out.push(object_ref(Kind::ReplicaSet, &rs.metadata));
                }
            }
            for svc in &s.services {
                if svc.metadata.namespace.as_deref() != ns {
                    continue;
                }
                let sel = svc.spec.as_ref().and_then(|sp| sp.selector.as_ref());
                // Its Services, and one that nearly selects its pods (one value
                // mistyped), which is why "make X work" must include it.
                if let (Some(sel), Some(tpl)) = (sel, &selector)
                    && !sel.is_empty()
                    && (sel.iter().all(|(k, v)| tpl.get(k) == Some(v)) || nearly_selects(sel, tpl))
                {
                    out.push(object_ref(Kind::Service, &svc.metadata));
                }
            }
            out.extend(pods);
        }
        Kind::Service => {
            let sel = s
                .services
                .iter()
                .find(|x| is(&x.metadata, target))
                .and_then(|x| x.spec.as_ref())
                .and_then(|sp| sp.selector.clone());
            out.extend(pods_of(sel.as_ref()));
        }
        Kind::Pod => {
            if let Some(p) = s.pods.iter().find(|p| is(&p.metadata, target))
                && let Some(owner) = pod_workload(s, p)
            {
                out.push(owner);
            }
        }
        _ => {}
    }
    out
}

/// Every key but one agrees, and that one's value is a likely typo of the labels'.
fn nearly_selects(sel: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    let off: Vec<(&String, &String)> = sel
        .iter()
        .filter(|(k, v)| labels.get(*k) != Some(*v))
        .collect();
    matches!(off.as_slice(), [(k, v)] if labels.get(*k).is_some_and(|l| services::similar(v, l)))
}

fn is(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, r: &ObjectRef) -> bool {
    meta.name.as_deref() == Some(r.name.as_str())
        && meta.namespace.as_deref() == r.namespace.as_deref()
}

fn owned_by(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    owner: &ObjectRef,
) -> bool {
    meta.namespace.as_deref() == owner.namespace.as_deref()
        && meta.owner_references.as_ref().is_some_and(|refs| {
            refs.iter()
                .any(|o| o.name == owner.name && kind_from_str(&o.kind) == Some(owner.kind))
        })
}

pub(crate) fn object_ref(
    kind: Kind,
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> ObjectRef {
    let ns = if kind.is_cluster_scoped() {
        None
    } else {
        meta.namespace.as_deref()
    };
    ObjectRef::new(kind, ns, meta.name.as_deref().unwrap_or_default())
}

pub(crate) fn kind_from_str(kind: &str) -> Option<Kind> {
    Some(match kind {
        "Pod" => Kind::Pod,
        "Deployment" => Kind::Deployment,
        "ReplicaSet" => Kind::ReplicaSet,
        "StatefulSet" => Kind::StatefulSet,
        "DaemonSet" => Kind::DaemonSet,
        "Service" => Kind::Service,
        "Node" => Kind::Node,
        "Namespace" => Kind::Namespace,
        "Job" => Kind::Job,
        "PersistentVolumeClaim" => Kind::PersistentVolumeClaim,
        "ConfigMap" => Kind::ConfigMap,
        _ => return None,
    })
}

/// True when every key=value of the selector is among the labels.
pub(crate) fn selector_matches(
    selector: &BTreeMap<String, String>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    let Some(labels) = labels else {
        return selector.is_empty();
    };
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The workload that owns a pod: ReplicaSet → Deployment, or the StatefulSet,
/// DaemonSet or Job directly.
pub(crate) fn pod_workload(s: &Snapshot, pod: &Pod) -> Option<ObjectRef> {
    let ns = pod.metadata.namespace.as_deref();
    let owner = pod
        .metadata
        .owner_references
        .as_ref()?
        .iter()
        .find(|o| o.controller.unwrap_or(true))?;
    match owner.kind.as_str() {
        "ReplicaSet" => {
            let rs = s.replicasets.iter().find(|r| {
                r.metadata.name.as_deref() == Some(owner.name.as_str())
                    && r.metadata.namespace.as_deref() == ns
            });
            let dep = rs
                .and_then(|r| r.metadata.owner_references.as_ref())
                .and_then(|refs| refs.iter().find(|o| o.kind == "Deployment"))
                .map(|o| o.name.clone())
                // Without the ReplicaSet object, strip the template hash: "web-5d9c7b" → "web".
                .or_else(|| {
                    rs.is_none()
                        .then(|| owner.name.rsplit_once('-').map(|(d, _)| d.to_string()))
                        .flatten()
                });
            match dep {
                Some(d) => Some(ObjectRef::new(Kind::Deployment, ns, &d)),
                None => Some(ObjectRef::new(Kind::ReplicaSet, ns, &owner.name)),
            }
        }
        other => kind_from_str(other).map(|k| ObjectRef::new(k, ns, &owner.name)),
    }
}

/// Event text is cluster data: cut it short and mark it as a quote.
pub(crate) fn quote(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > max {
        let cut: String = one_line.chars().take(max).collect();
        format!("\"{cut}…\"")
    } else {
        format!("\"{one_line}\"")
    }
}

/// Events about one object, newest last.
pub(crate) fn events_for<'a>(
    s: &'a Snapshot,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Vec<&'a Event> {
    let mut evs: Vec<&Event> = s
        .events
        .iter()
        .filter(|e| {
            e.involved_object.kind.as_deref() == Some(kind)
                && e.involved_object.name.as_deref() == Some(name)
                && (namespace.is_none()
                    || e.involved_object.namespace.as_deref() == namespace
                    || e.metadata.namespace.as_deref() == namespace)
        })
        .collect();
    evs.sort_by_key(|e| event_time(e));
    evs
}

pub(crate) fn event_time(e: &Event) -> Option<Timestamp> {
    e.last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// Sort key for events outside this module (the `events` operation).
pub fn event_time_pub(e: &Event) -> Option<Timestamp> {
    event_time(e)
}
