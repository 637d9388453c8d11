//! The fixes themselves: each reads the cluster's own record (ReplicaSet history,
//! the pods a Service nearly selects, node labels and taints, StorageClasses,
//! container ports) and proposes a change only when that record shows what works.
//! Otherwise it says what is missing. Pure functions over a [`Snapshot`].

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Pod, Toleration};
use serde_json::json;

use crate::analyze::{Finding, Snapshot, pod_workload};
use crate::ops::{Kind, Operation, PatchOp, SetImageOp, UndoOp};
use crate::resolve::ObjectRef;

/// What to do about one finding: the change, or none, and why either way.
#[derive(Debug, Clone, PartialEq)]
pub struct Remedy {
    pub fix: Option<Operation>,
    pub why: String,
}

impl Remedy {
    fn fix(op: Operation, why: String) -> Self {
        Self { fix: Some(op), why }
    }

    fn none(why: String) -> Self {
        Self { fix: None, why }
    }
}

const REVISION: &str = "deployment.kubernetes.io/revision";

fn revision_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Option<u64> {
    meta.annotations.as_ref()?.get(REVISION)?.parse().ok()
}

fn pod_of<'a>(s: &'a Snapshot, r: &ObjectRef) -> Option<&'a Pod> {
    s.pods.iter().find(|p| {
        p.metadata.name.as_deref() == Some(r.name.as_str()) && p.metadata.namespace == r.namespace
    })
}

fn deployment<'a>(s: &'a Snapshot, r: &ObjectRef) -> Option<&'a Deployment> {
    s.deployments.iter().find(|d| {
        d.metadata.name.as_deref() == Some(r.name.as_str()) && d.metadata.namespace == r.namespace
    })
}

/// A Deployment's ReplicaSets with their revisions, newest first.
fn history<'a>(s: &'a Snapshot, dep: &ObjectRef) -> Vec<(u64, &'a ReplicaSet)> {
    let mut out: Vec<(u64, &ReplicaSet)> = s
        .replicasets
        .iter()
        .filter(|rs| rs.metadata.namespace == dep.namespace)
        .filter(|rs| {
            rs.metadata.owner_references.iter().flatten().any(|o| {
                o.kind == "Deployment" && o.name == dep.name && o.controller.unwrap_or(true)
            })
        })
        .filter_map(|rs| revision_of(&rs.metadata).map(|r| (r, rs)))
        .collect();
    out.sort_by_key(|(r, _)| std::cmp::Reverse(*r));
    out
}

fn ready(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .map(|st| st.available_replicas.or(st.ready_replicas).unwrap_or(0))
        .unwrap_or(0)
}

/// The newest earlier revision that is running right now (its pods are ready):
/// the only record the cluster keeps that a revision worked.
fn last_revision_that_ran<'a>(
    s: &'a Snapshot,
    dep: &ObjectRef,
    current: u64,
) -> Option<(u64, &'a ReplicaSet)> {
    history(s, dep)
        .into_iter()
        .find(|(r, rs)| *r < current && ready(rs) > 0)
}

fn container_image(rs: &ReplicaSet, container: &str) -> Option<String> {
    rs.spec
        .as_ref()?
        .template
        .as_ref()?
        .spec
        .as_ref()?
        .containers
        .iter()
        .find(|c| c.name == container)?
        .image
        .clone()
}

/// The pod's Deployment and its current revision, or why there is none.
fn owner_deployment(s: &Snapshot, pod: &Pod) -> Result<(ObjectRef, u64), String> {
    let Some(owner) = pod_workload(s, pod) else {
        return Err(
            "the pod has no controller, so there is no earlier version to go back to".into(),
        );
    };
    if owner.kind != Kind::Deployment {
        return Err(format!(
            "{owner} keeps no ReplicaSet history, so no earlier version is known to work"
        ));
    }
    let current = deployment(s, &owner)
        .and_then(|d| revision_of(&d.metadata))
        .unwrap_or(1);
    Ok((owner, current))
}

/// A container that cannot pull its image: the image of the last revision that ran.
pub fn unpullable_image(s: &Snapshot, f: &Finding) -> Remedy {
    let Some(pod) = pod_of(s, &f.object) else {
        return Remedy::none("the pod is gone".into());
    };
    let (owner, current) = match owner_deployment(s, pod) {
        Ok(o) => o,
        Err(why) => return Remedy::none(why),
    };
    let failing = pod
        .status
        .iter()
        .flat_map(|st| st.container_statuses.iter().flatten())
        .find(|cs| {
            cs.state
                .as_ref()
                .and_then(|st| st.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                == Some(f.reason.as_str())
        });
    let Some(cs) = failing else {
        return Remedy::none("the failing container is not in the pod's status any more".into());
    };
    let Some((revision, rs)) = last_revision_that_ran(s, &owner, current) else {
        return Remedy::none(format!(
            "no earlier revision of {owner} has ready pods, so no image is known to work; set one you know with kubectl-assist \"set image of {} to IMAGE\"",
            owner.name
        ));
    };
    match container_image(rs, &cs.name) {
        Some(image) if image != cs.image => Remedy::fix(
            Operation::SetImage(SetImageOp {
                target: owner.to_target(),
                container: Some(cs.name.clone()),
                image: image.clone(),
            }),
            format!(
                "revision {revision} ({}) runs {image} with {} ready pod(s); revision {current}'s {} cannot be pulled",
                rs.metadata.name.as_deref().unwrap_or("?"),
                ready(rs),
                cs.image
            ),
        ),
        _ => Remedy::none(format!(
            "revision {revision} runs the same image for container {}, so going back would not help",
            cs.name
        )),
    }
}

/// A crash (or stuck rollout) in the current revision while an earlier one still
/// runs: back to that revision.
pub fn broken_rollout(s: &Snapshot, f: &Finding) -> Remedy {
    let (owner, current) = if f.object.kind == Kind::Deployment {
        let current = deployment(s, &f.object)
            .and_then(|d| revision_of(&d.metadata))
            .unwrap_or(1);
        (f.object.clone(), current)
    } else {
        let Some(pod) = pod_of(s, &f.object) else {
            return Remedy::none("the pod is gone".into());
        };
        match owner_deployment(s, pod) {
            Ok(o) => o,
            Err(why) => return Remedy::none(why),
        }
    };
    match last_revision_that_ran(s, &owner, current) {
        Some((revision, rs)) => Remedy::fix(
            Operation::RolloutUndo(UndoOp {
                target: owner.to_target(),
                to_revision: Some(revision),
            }),
            format!(
                "revision {current} fails while revision {revision} ({}) still has {} ready pod(s)",
                rs.metadata.name.as_deref().unwrap_or("?"),
                ready(rs)
            ),
        ),
        None if current <= 1 => Remedy::none(format!(
            "{owner} has only revision {current}: the failure is in the container or its configuration (see the log), not in a rollout"
        )),
        None => Remedy::none(format!(
            "no earlier revision of {owner} has ready pods, so none is known to have worked; if one did, kubectl-assist \"roll back {} to revision N\"",
            owner.name
        )),
    }
}

/// Node labels and taints that keep a pending pod off every node: offer the
/// change to the workload (drop the selector key no node has, or tolerate the
/// taint every node has), saying which.
pub fn unschedulable(s: &Snapshot, f: &Finding) -> Remedy {
    let Some(pod) = pod_of(s, &f.object) else {
        return Remedy::none("the pod is gone".into());
    };
    let Some(owner) = pod_workload(s, pod).filter(|o| o.kind.is_workload()) else {
        return Remedy::none("the pod has no workload to change".into());
    };
    let spec = pod.spec.clone().unwrap_or_default();
    let node_labels: Vec<BTreeMap<String, String>> = s
        .nodes
        .iter()
        .map(|n| n.metadata.labels.clone().unwrap_or_default())
        .collect();
    if s.nodes.is_empty() {
        return Remedy::none("no nodes are visible, so what they offer is not known".into());
    }
    let selector = spec.node_selector.clone().unwrap_or_default();
    let unmet: Vec<(&String, &String)> = selector
        .iter()
        .filter(|(k, v)| !node_labels.iter().any(|l| l.get(*k) == Some(*v)))
        .collect();
    if !unmet.is_empty() {
        let said: Vec<String> = unmet.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let drop: serde_json::Map<String, serde_json::Value> = unmet
            .iter()
            .map(|(k, _)| ((*k).clone(), serde_json::Value::Null))
            .collect();
        return Remedy::fix(
            Operation::Patch(PatchOp {
                patch_type: Default::default(),
                target: owner.to_target(),
                patch: json!({"spec": {"template": {"spec": {"nodeSelector": drop}}}}),
            }),
            format!(
                "no node has the label {} its nodeSelector asks for ({} node(s) checked); the change drops that key (or label a node instead: kubectl label node NODE {})",
                said.join(", "),
                s.nodes.len(),
                said.join(" ")
            ),
        );
    }
    // Taints: a NoSchedule/NoExecute taint on every node that the pod does not tolerate.
    let tolerations = spec.tolerations.clone().unwrap_or_default();
    let tolerated = |t: &k8s_openapi::api::core::v1::Taint| {
        tolerations.iter().any(|tol| {
            let key_ok = tol.key.is_none() && tol.operator.as_deref() == Some("Exists")
                || tol.key.as_deref() == Some(t.key.as_str());
            let value_ok = tol.operator.as_deref() == Some("Exists")
                || tol.value.as_deref().unwrap_or("") == t.value.as_deref().unwrap_or("");
            let effect_ok =
                tol.effect.is_none() || tol.effect.as_deref() == Some(t.effect.as_str());
            key_ok && value_ok && effect_ok
        })
    };
    let blocking =
        |n: &k8s_openapi::api::core::v1::Node| -> Vec<k8s_openapi::api::core::v1::Taint> {
            n.spec
                .iter()
                .flat_map(|sp| sp.taints.iter().flatten())
                .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
                .filter(|t| !tolerated(t))
                .cloned()
                .collect()
        };
    let per_node: Vec<Vec<k8s_openapi::api::core::v1::Taint>> =
        s.nodes.iter().map(blocking).collect();
    if per_node.iter().all(|t| !t.is_empty()) {
        // One taint that every node carries is the one to tolerate.
        let common = per_node[0]
            .iter()
            .find(|t| per_node.iter().all(|ts| ts.contains(t)));
        let Some(taint) = common else {
            return Remedy::none("every node has a taint the pod does not tolerate, but not the same one: tolerating one would not be enough".into());
        };
        let mut list = tolerations.clone();
        list.push(Toleration {
            key: Some(taint.key.clone()),
            operator: Some(
                if taint.value.is_some() {
                    "Equal"
                } else {
                    "Exists"
                }
                .into(),
            ),
            value: taint.value.clone(),
            effect: Some(taint.effect.clone()),
            toleration_seconds: None,
        });
        let text = format!(
            "{}{}:{}",
            taint.key,
            taint
                .value
                .as_deref()
                .map(|v| format!("={v}"))
                .unwrap_or_default(),
            taint.effect
        );
        return Remedy::fix(
            Operation::Patch(PatchOp {
                patch_type: Default::default(),
                target: owner.to_target(),
                patch: json!({"spec": {"template": {"spec": {"tolerations": list}}}}),
            }),
            format!(
                "every node ({}) has the taint {text}, which the pod does not tolerate; the change adds a toleration for it (or remove the taint: kubectl taint nodes NODE {}-)",
                s.nodes.len(),
                taint.key
            ),
        );
    }
    Remedy::none(
        "no node label or taint keeps it off every node: it asks for more CPU or memory than a node has free, and how much the app needs is a choice the cluster does not record".into(),
    )
}

/// A claim that cannot bind because its StorageClass does not exist.
pub fn unbound_claim(s: &Snapshot, f: &Finding) -> Remedy {
    let pvc = s.pvcs.iter().find(|c| {
        c.metadata.name.as_deref() == Some(f.object.name.as_str())
            && c.metadata.namespace == f.object.namespace
    });
    let Some(pvc) = pvc else {
        return Remedy::none("the claim is gone".into());
    };
    let wanted = pvc
        .spec
        .as_ref()
        .and_then(|sp| sp.storage_class_name.clone());
    let classes: Vec<&str> = s
        .storage_classes
        .iter()
        .filter_map(|c| c.metadata.name.as_deref())
        .collect();
    let default = s.storage_classes.iter().find(|c| {
        c.metadata.annotations.as_ref().is_some_and(|a| {
            a.get("storageclass.kubernetes.io/is-default-class")
                .is_some_and(|v| v == "true")
        })
    });
    if let Some(w) = &wanted
        && classes.contains(&w.as_str())
    {
        return Remedy::none(format!(
            "its StorageClass {w} exists; the provisioner did not make a volume (see the claim's events)"
        ));
    }
    let pick = default
        .and_then(|c| c.metadata.name.clone())
        .or_else(|| (classes.len() == 1).then(|| classes[0].to_string()));
    match pick {
        // A claim's storageClassName cannot be changed once set, so the fix is a
        // re-creation, which deletes the (unbound, empty) claim: stated, not run.
        Some(class) => Remedy::none(format!(
            "StorageClass {} does not exist; {class} does{}. A claim's class cannot be changed in place: re-create {} with storageClassName: {class} (it is unbound, so no data is lost)",
            wanted.as_deref().unwrap_or("(default)"),
            if default.is_some() {
                " and is the default"
            } else {
                ""
            },
            f.object
        )),
        None if classes.is_empty() => {
            Remedy::none("no StorageClass exists in the cluster to bind it with".into())
        }
        None => Remedy::none(format!(
            "StorageClass {} does not exist and several do ({}), none the default: which one is a choice about the data",
            wanted.as_deref().unwrap_or("(default)"),
            classes.join(", ")
        )),
    }
}

/// A probe at a port nothing serves. A change is proposed only when the
/// container declares exactly one other port and a GET of the probe's path on it
/// answered (`answers`, checked through the API server's pod proxy by the caller).
pub fn failing_probe(s: &Snapshot, f: &Finding, answers: &BTreeMap<String, bool>) -> Remedy {
    let Some(pod) = pod_of(s, &f.object) else {
        return Remedy::none("the pod is gone".into());
    };
    let Some(owner) = pod_workload(s, pod).filter(|o| o.kind.is_workload()) else {
        return Remedy::none("the pod has no workload to change".into());
    };
    let kind = f.reason.trim_end_matches("ProbeFailed").to_lowercase();
    let Some(check) = probe_check(pod, &kind) else {
        return Remedy::none(format!(
            "its {kind} probe is not an HTTP GET, so no other path or port can be tried"
        ));
    };
    let key = check.key(&f.object);
    match (&check.candidate, answers.get(&key)) {
        (None, _) => Remedy::none(format!(
            "the container declares {} port(s) besides {}, so there is no other port to point the probe at; what the app serves is not recorded in the cluster",
            check.declared, check.port
        )),
        (Some(port), Some(true)) => {
            let mut containers = pod
                .spec
                .as_ref()
                .map(|sp| serde_json::to_value(&sp.containers).unwrap_or_default())
                .unwrap_or_default();
            let field = format!("{kind}Probe");
            if let Some(c) = containers.as_array_mut().and_then(|cs| {
                cs.iter_mut()
                    .find(|c| c["name"] == check.container.as_str())
            }) {
                c[&field]["httpGet"]["port"] = json!(port);
            }
            Remedy::fix(
                Operation::Patch(PatchOp {
                    patch_type: Default::default(),
                    target: owner.to_target(),
                    patch: json!({"spec": {"template": {"spec": {"containers": containers}}}}),
                }),
                format!(
                    "nothing answers GET {} on port {}; the container declares port {port}, and GET {} on it answered",
                    check.path, check.port, check.path
                ),
            )
        }
        (Some(port), _) => Remedy::none(format!(
            "nothing answers GET {} on port {}, and the declared port {port} did not answer it either, so no working probe can be verified",
            check.path, check.port
        )),
    }
}

/// One probe to try: the container, its probe's path and port, and the one other
/// port it declares (if exactly one).
pub struct ProbeCheck {
    pub container: String,
    pub path: String,
    pub port: String,
    pub candidate: Option<i32>,
    pub declared: usize,
}

impl ProbeCheck {
    /// The key of its answer in the map [`failing_probe`] reads.
    pub fn key(&self, pod: &ObjectRef) -> String {
        format!(
            "{}/{}:{}{}",
            pod.namespace.as_deref().unwrap_or(""),
            pod.name,
            self.candidate.unwrap_or(0),
            self.path
        )
    }
}

/// The HTTP probe of `kind` (liveness/readiness/startup) of the pod's first
/// container that has one.
pub fn probe_check(pod: &Pod, kind: &str) -> Option<ProbeCheck> {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    for c in pod.spec.iter().flat_map(|sp| sp.containers.iter()) {
        let probe = match kind {
            "liveness" => c.liveness_probe.as_ref(),
            "readiness" => c.readiness_probe.as_ref(),
            _ => c.startup_probe.as_ref(),
        };
        let Some(get) = probe.and_then(|p| p.http_get.as_ref()) else {
            continue;
        };
        let port_num = match &get.port {
            IntOrString::Int(i) => Some(*i),
            IntOrString::String(name) => c
                .ports
                .iter()
                .flatten()
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .map(|p| p.container_port),
        };
        let others: Vec<i32> = c
            .ports
            .iter()
            .flatten()
            .map(|p| p.container_port)
            .filter(|p| Some(*p) != port_num)
            .collect();
        return Some(ProbeCheck {
            container: c.name.clone(),
            path: get.path.clone().unwrap_or_else(|| "/".into()),
            port: match &get.port {
                IntOrString::Int(i) => i.to_string(),
                IntOrString::String(s) => s.clone(),
            },
            candidate: (others.len() == 1).then(|| others[0]),
            declared: others.len(),
        });
    }
    None
}
