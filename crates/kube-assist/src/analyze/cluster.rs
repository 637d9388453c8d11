//! Cluster-wide checks: node conditions, pending PVCs, failed Jobs, recent Warning
//! events not explained by another finding, containers without requests/limits.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::jiff::SignedDuration;

use super::{
    Finding, Severity, Snapshot, event_time, events_for, kind_from_str, object_ref, quote,
};
use crate::ops::Kind;
use crate::resolve::ObjectRef;

pub(super) fn nodes(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for n in &s.nodes {
        let me = object_ref(Kind::Node, &n.metadata);
        let conditions = n
            .status
            .as_ref()
            .and_then(|st| st.conditions.clone())
            .unwrap_or_default();
        for c in &conditions {
            let bad = match c.type_.as_str() {
                "Ready" => c.status != "True",
                "MemoryPressure" | "DiskPressure" | "PIDPressure" | "NetworkUnavailable" => {
                    c.status == "True"
                }
                _ => false,
            };
            if !bad {
                continue;
            }
            let (severity, cause) = match c.type_.as_str() {
                "Ready" => (
                    Severity::Critical,
                    format!("node is not Ready (status {})", c.status),
                ),
                "NetworkUnavailable" => (
                    Severity::Critical,
                    "node network is unavailable".to_string(),
                ),
                other => (
                    Severity::Warning,
                    format!("node reports {other}: the kubelet may evict pods"),
                ),
            };
            out.push(
                Finding::new(me.clone(), severity, "nodes", &c.type_, cause)
                    .evidence(format!(
                        "condition {}={} reason {}: {}",
                        c.type_,
                        c.status,
                        c.reason.as_deref().unwrap_or("?"),
                        quote(c.message.as_deref().unwrap_or(""), 200)
                    ))
                    .advice("check the kubelet and the node's resources (disk, memory, processes)"),
            );
        }
        if n.spec
            .as_ref()
            .and_then(|sp| sp.unschedulable)
            .unwrap_or(false)
        {
            out.push(
                Finding::new(
                    me,
                    Severity::Info,
                    "nodes",
                    "Cordoned",
                    "node is cordoned: no new pods are scheduled on it".into(),
                )
                .advice("uncordon it when maintenance is over (kubectl uncordon NODE)"),
            );
        }
    }
    out
}

pub(super) fn pvcs(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for pvc in &s.pvcs {
        let phase = pvc
            .status
            .as_ref()
            .and_then(|st| st.phase.as_deref())
            .unwrap_or("Unknown");
        if phase != "Pending" && phase != "Lost" {
            continue;
        }
        let me = object_ref(Kind::PersistentVolumeClaim, &pvc.metadata);
        let class = pvc
            .spec
            .as_ref()
            .and_then(|sp| sp.storage_class_name.clone())
            .unwrap_or_else(|| "(default)".into());
        let severity = if phase == "Lost" {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let mut f = Finding::new(me.clone(), severity, "storage", &format!("PVC{phase}"), format!("claim is {phase}: no volume is bound to it"))
            .evidence(format!("storage class {class}"))
            .advice("check that the storage class exists and can provision volumes, or create a matching PersistentVolume");
        if let Some(e) = events_for(
            s,
            "PersistentVolumeClaim",
            me.namespace.as_deref(),
            &me.name,
        )
        .last()
        {
            f = f.evidence(format!(
                "event {}: {}",
                e.reason.as_deref().unwrap_or("?"),
                quote(e.message.as_deref().unwrap_or(""), 200)
            ));
        }
        out.push(f);
    }
    out
}

pub(super) fn jobs(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for job in &s.jobs {
        let me = object_ref(Kind::Job, &job.metadata);
        let st = job.status.clone().unwrap_or_default();
        if let Some(c) = st
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == "Failed" && c.status == "True")
        {
            out.push(
                Finding::new(
                    me,
                    Severity::Critical,
                    "jobs",
                    "JobFailed",
                    format!("job failed: {}", c.reason.as_deref().unwrap_or("Failed")),
                )
                .evidence(format!(
                    "failed pods {}, succeeded {}: {}",
                    st.failed.unwrap_or(0),
                    st.succeeded.unwrap_or(0),
                    quote(c.message.as_deref().unwrap_or(""), 200)
                ))
                .advice("read the logs of its failed pods; fix and re-create the job"),
            );
        } else if st.failed.unwrap_or(0) > 0 && st.succeeded.unwrap_or(0) == 0 {
            out.push(
                Finding::new(
                    me,
                    Severity::Warning,
                    "jobs",
                    "JobRetrying",
                    format!(
                        "{} of its pods failed so far; it is retrying",
                        st.failed.unwrap_or(0)
                    ),
                )
                .advice("read the logs of its failed pods"),
            );
        }
    }
    out
}

/// Warning events of the last hour about objects no other finding covers.
pub(super) fn warning_events(s: &Snapshot, covered: &[ObjectRef]) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let since = s
        .now
        .checked_sub(SignedDuration::from_hours(1))
        .unwrap_or(s.now);
    for e in &s.events {
        if e.type_.as_deref() != Some("Warning") || event_time(e).is_some_and(|t| t < since) {
            continue;
        }
        let Some(kind) = e.involved_object.kind.as_deref().and_then(kind_from_str) else {
            continue;
        };
        let ns = if kind.is_cluster_scoped() {
            None
        } else {
            e.involved_object
                .namespace
                .as_deref()
                .or(e.metadata.namespace.as_deref())
        };
        let obj = ObjectRef::new(
            kind,
            ns,
            e.involved_object.name.as_deref().unwrap_or_default(),
        );
        if covered.contains(&obj) || settled(s, &obj) {
            continue;
        }
        let reason = e.reason.clone().unwrap_or_else(|| "Warning".into());
        if let Some(f) = out
            .iter_mut()
            .find(|f| f.object == obj && f.reason == reason)
        {
            let line = format!(
                "×{}: {}",
                e.count.unwrap_or(1),
                quote(e.message.as_deref().unwrap_or(""), 160)
            );
            if !f.evidence.contains(&line) {
                f.evidence.push(line);
            }
            continue;
        }
        out.push(
            Finding::new(
                obj,
                Severity::Warning,
                "events",
                &reason,
                format!("recent Warning event {reason}"),
            )
            .evidence(format!(
                "×{}: {}",
                e.count.unwrap_or(1),
                quote(e.message.as_deref().unwrap_or(""), 160)
            )),
        );
    }
    out.truncate(30);
    out
}

/// A pod that is gone, or running with every container ready: its old warnings
/// (a scheduling retry, a probe that failed during start-up) are history.
fn settled(s: &Snapshot, obj: &ObjectRef) -> bool {
    if obj.kind != Kind::Pod {
        return false;
    }
    let Some(pod) = s.pods.iter().find(|p| {
        p.metadata.name.as_deref() == Some(obj.name.as_str())
            && p.metadata.namespace == obj.namespace
    }) else {
        return true;
    };
    let status = pod.status.as_ref();
    status.and_then(|st| st.phase.as_deref()) == Some("Running")
        && status
            .and_then(|st| st.container_statuses.as_ref())
            .is_some_and(|cs| cs.iter().all(|c| c.ready))
}

fn missing(spec: &PodSpec) -> Vec<String> {
    let mut out = Vec::new();
    for c in &spec.containers {
        let r = c.resources.as_ref();
        let has = |which: &str, res: &str| {
            r.and_then(|r| {
                if which == "requests" {
                    r.requests.as_ref()
                } else {
                    r.limits.as_ref()
                }
            })
            .is_some_and(|m| m.contains_key(res))
        };
        let mut gaps = Vec::new();
        for (which, res) in [
            ("requests", "cpu"),
            ("requests", "memory"),
            ("limits", "memory"),
        ] {
            if !has(which, res) {
                gaps.push(format!("{res} {which}"));
            }
        }
        if !gaps.is_empty() {
            out.push(format!("container {} has no {}", c.name, gaps.join(", ")));
        }
    }
    out
}

/// Workloads whose containers lack CPU/memory requests or a memory limit: the
/// scheduler cannot place them well and one of them can starve a node.
pub(super) fn missing_resources(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |obj: ObjectRef, spec: Option<&PodSpec>| {
        let Some(spec) = spec else { return };
        let gaps = missing(spec);
        if gaps.is_empty() {
            return;
        }
        let mut f = Finding::new(obj, Severity::Info, "resources", "NoRequestsLimits", "containers run without resource requests or limits".into())
            .advice("set requests and a memory limit; kubectl-assist optimize recommends values from observed usage");
        for g in gaps {
            f = f.evidence(g);
        }
        out.push(f);
    };
    for d in &s.deployments {
        push(
            object_ref(Kind::Deployment, &d.metadata),
            d.spec.as_ref().and_then(|sp| sp.template.spec.as_ref()),
        );
    }
    for d in &s.statefulsets {
        push(
            object_ref(Kind::StatefulSet, &d.metadata),
            d.spec.as_ref().and_then(|sp| sp.template.spec.as_ref()),
        );
    }
    for d in &s.daemonsets {
        push(
            object_ref(Kind::DaemonSet, &d.metadata),
            d.spec.as_ref().and_then(|sp| sp.template.spec.as_ref()),
        );
    }
    for p in &s.pods {
        if p.metadata
            .owner_references
            .as_ref()
            .is_none_or(|o| o.is_empty())
        {
            push(object_ref(Kind::Pod, &p.metadata), p.spec.as_ref());
        }
    }
    out
}
