//! Pods: crash loops, image pull errors, unschedulable pods, OOM kills, restarts,
//! failing probes, config errors, evictions.

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};

use super::{Finding, Severity, Snapshot, events_for, object_ref, pod_workload, quote};
use crate::ops::{Kind, Operation, ResourceValues, SetResourcesOp};
use crate::quantity::{format_memory, parse_memory_bytes};

const HIGH_RESTARTS: i32 = 5;
const IMAGE_ERRORS: [&str; 5] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "RegistryUnavailable",
];

pub(super) fn analyze(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in &s.pods {
        out.extend(analyze_pod(s, pod));
    }
    out
}

fn container_spec<'a>(pod: &'a Pod, name: &str) -> Option<&'a Container> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == name)
}

fn analyze_pod(s: &Snapshot, pod: &Pod) -> Vec<Finding> {
    let mut out = Vec::new();
    let me = object_ref(Kind::Pod, &pod.metadata);
    let ns = pod.metadata.namespace.as_deref();
    let name = me.name.clone();
    let Some(status) = &pod.status else {
        return out;
    };
    let phase = status.phase.as_deref().unwrap_or("Unknown");
    let events = events_for(s, "Pod", ns, &name);

    if phase == "Pending" {
        let unschedulable = status.conditions.iter().flatten().find(|c| {
            c.type_ == "PodScheduled"
                && c.status == "False"
                && c.reason.as_deref() == Some("Unschedulable")
        });
        let failed_sched: Vec<_> = events
            .iter()
            .filter(|e| e.reason.as_deref() == Some("FailedScheduling"))
            .collect();
        if unschedulable.is_some() || !failed_sched.is_empty() {
            let message = unschedulable
                .and_then(|c| c.message.clone())
                .or_else(|| failed_sched.last().and_then(|e| e.message.clone()))
                .unwrap_or_default();
            let advice = if message.contains("Insufficient") {
                "the pod asks for more CPU or memory than any node has free: lower its requests (kubectl-assist \"set cpu request of X to 100m\") or add capacity"
            } else if message.contains("node selector") || message.contains("affinity") {
                "no node matches the pod's nodeSelector/affinity: fix them or label a node to match"
            } else if message.contains("taint") {
                "every node has a taint the pod does not tolerate: add a toleration or remove the taint"
            } else if message.contains("PersistentVolumeClaim") || message.contains("volume") {
                "a volume the pod needs is not bound: check its PersistentVolumeClaim"
            } else {
                "read the scheduler's message and make the pod's requirements fit a node"
            };
            let mut f = Finding::new(
                me.clone(),
                Severity::Critical,
                "pods",
                "Unschedulable",
                format!("pod cannot be scheduled: {}", quote(&message, 200)),
            )
            .advice(advice);
            if let Some(e) = failed_sched.last() {
                f = f.evidence(format!(
                    "event FailedScheduling ×{}: {}",
                    e.count.unwrap_or(1),
                    quote(e.message.as_deref().unwrap_or(""), 200)
                ));
            }
            for c in pod.spec.iter().flat_map(|sp| sp.containers.iter()) {
                if let Some(req) = c.resources.as_ref().and_then(|r| r.requests.as_ref()) {
                    let parts: Vec<String> =
                        req.iter().map(|(k, v)| format!("{k}={}", v.0)).collect();
                    f = f.evidence(format!(
                        "container {} requests {}",
                        c.name,
                        parts.join(", ")
                    ));
                }
            }
            out.push(f);
        }
    }

    if phase == "Failed" && status.reason.as_deref() == Some("Evicted") {
        out.push(
            Finding::new(me.clone(), Severity::Warning, "pods", "Evicted", format!("pod was evicted: {}", quote(status.message.as_deref().unwrap_or(""), 200)))
                .advice("the node ran short of a resource; delete the evicted pod and give the workload requests that fit"),
        );
    }

    let statuses: Vec<&ContainerStatus> = status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
        .collect();
    for cs in statuses {
        let waiting = cs.state.as_ref().and_then(|st| st.waiting.as_ref());
        let waiting_reason = waiting.and_then(|w| w.reason.as_deref()).unwrap_or("");
        let last_term = cs.last_state.as_ref().and_then(|st| st.terminated.as_ref());
        let oom = last_term.is_some_and(|t| t.reason.as_deref() == Some("OOMKilled"))
            || cs
                .state
                .as_ref()
                .and_then(|st| st.terminated.as_ref())
                .is_some_and(|t| t.reason.as_deref() == Some("OOMKilled"));
        let spec = container_spec(pod, &cs.name);

        if IMAGE_ERRORS.contains(&waiting_reason) {
            let cause = if waiting_reason == "ErrImageNeverPull" {
                format!(
                    "container {} cannot start: image {} is not on the node and its imagePullPolicy is Never",
                    cs.name, cs.image
                )
            } else {
                format!(
                    "container {} cannot start: image {} cannot be pulled ({waiting_reason})",
                    cs.name, cs.image
                )
            };
            let f = Finding::new(me.clone(), Severity::Critical, "pods", waiting_reason, cause)
                .evidence(format!("waiting: {waiting_reason}: {}", quote(waiting.and_then(|w| w.message.as_deref()).unwrap_or(""), 200)))
                .advice("fix the image name or tag (kubectl-assist \"set image of X to IMAGE\"), make the image available to the node, or roll back to the last working revision");
            out.push(f);
            continue;
        }

        if matches!(
            waiting_reason,
            "CreateContainerConfigError" | "CreateContainerError" | "RunContainerError"
        ) {
            out.push(
                Finding::new(
                    me.clone(),
                    Severity::Critical,
                    "pods",
                    waiting_reason,
                    format!("container {} cannot be created: {}", cs.name, quote(waiting.and_then(|w| w.message.as_deref()).unwrap_or(""), 200)),
                )
                .advice("a ConfigMap, Secret or key the container refers to is missing, or its command is wrong: create it or fix the reference"),
            );
            continue;
        }

        if oom {
            let limit = spec
                .and_then(|c| c.resources.as_ref())
                .and_then(|r| r.limits.as_ref())
                .and_then(|l| l.get("memory"))
                .map(|q| q.0.clone());
            let cause = match &limit {
                Some(l) => format!(
                    "container {} was killed for using more memory than its limit of {l} (OOMKilled)",
                    cs.name
                ),
                None => format!(
                    "container {} was killed for running out of memory (OOMKilled)",
                    cs.name
                ),
            };
            let severity = if waiting_reason == "CrashLoopBackOff" {
                Severity::Critical
            } else {
                Severity::Warning
            };
            let mut f = Finding::new(me.clone(), severity, "pods", "OOMKilled", cause)
                .evidence(format!("restarts: {}", cs.restart_count))
                .advice("raise the memory limit (or find the leak); the suggested fix doubles it");
            if let Some(t) = last_term {
                f = f.evidence(format!(
                    "last exit: code {} reason {}",
                    t.exit_code,
                    t.reason.as_deref().unwrap_or("?")
                ));
            }
            // Without a limit the node ran out of memory: no number to start from.
            let new_limit = limit
                .as_deref()
                .and_then(parse_memory_bytes)
                .map(|b| format_memory(b * 2));
            if let Some(owner) = pod_workload(s, pod).filter(|o| o.kind.is_workload())
                && let Some(new_limit) = new_limit
            {
                f = f.fix(Operation::SetResources(SetResourcesOp {
                    target: owner.to_target(),
                    container: Some(cs.name.clone()),
                    requests: ResourceValues::default(),
                    limits: ResourceValues {
                        cpu: None,
                        memory: Some(new_limit),
                    },
                }));
            }
            out.push(f);
            continue;
        }

        // Between restarts a crashing container shows as terminated with an error
        // rather than waiting in CrashLoopBackOff: the same problem.
        let current_term = cs
            .state
            .as_ref()
            .and_then(|st| st.terminated.as_ref())
            .filter(|t| t.exit_code != 0);
        let crashing = waiting_reason == "CrashLoopBackOff"
            || (current_term.is_some() && cs.restart_count > 0);
        let last_term = if waiting_reason == "CrashLoopBackOff" {
            last_term
        } else {
            current_term.or(last_term)
        };
        if crashing {
            let (code, reason) = last_term
                .map(|t| {
                    (
                        t.exit_code,
                        t.reason.clone().unwrap_or_else(|| "Error".into()),
                    )
                })
                .unwrap_or((0, "unknown".into()));
            let mut f = Finding::new(
                me.clone(),
                Severity::Critical,
                "pods",
                "CrashLoopBackOff",
                format!("container {} keeps crashing: it last exited with code {code} ({reason})", cs.name),
            )
            .evidence(format!("restarts: {}", cs.restart_count))
            .advice("read the log tail for the error; fix the command, configuration or dependency it needs, or roll back a bad release");
            if let Some(msg) = last_term
                .and_then(|t| t.message.as_deref())
                .filter(|m| !m.is_empty())
            {
                f = f.evidence(format!("termination message: {}", quote(msg, 200)));
            }
            let key = format!("{}/{}/{}", ns.unwrap_or(""), name, cs.name);
            if let Some(tail) = s.logs.get(&key) {
                for line in tail
                    .lines()
                    .rev()
                    .take(5)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                {
                    f = f.evidence(format!("log: {}", quote(line, 160)));
                }
            }
            out.push(f);
            continue;
        }

        if cs.restart_count >= HIGH_RESTARTS {
            let mut f = Finding::new(
                me.clone(),
                Severity::Warning,
                "pods",
                "HighRestarts",
                format!("container {} has restarted {} times", cs.name, cs.restart_count),
            )
            .advice("look at its previous logs (kubectl-assist \"previous logs of POD\") and its probes");
            if let Some(t) = last_term {
                f = f.evidence(format!(
                    "last exit: code {} reason {}",
                    t.exit_code,
                    t.reason.as_deref().unwrap_or("?")
                ));
            }
            out.push(f);
        }
    }

    // Probes: the kubelet reports failures as Unhealthy events, one per probe kind.
    for probe in ["Liveness", "Readiness", "Startup"] {
        let failing: Vec<_> = events
            .iter()
            .filter(|e| {
                e.reason.as_deref() == Some("Unhealthy")
                    && e.message.as_deref().is_some_and(|m| m.starts_with(probe))
            })
            .collect();
        let Some(last) = failing.last() else { continue };
        let count: i32 = failing.iter().map(|e| e.count.unwrap_or(1)).sum();
        let severity = if probe == "Readiness" {
            Severity::Warning
        } else {
            Severity::Critical
        };
        let effect = match probe {
            "Readiness" => "so the pod gets no traffic from its Services",
            "Liveness" => "so the kubelet keeps restarting the container",
            _ => "so the container never counts as started",
        };
        let mut f = Finding::new(
            me.clone(),
            severity,
            "pods",
            &format!("{probe}ProbeFailed"),
            format!("its {} probe fails, {effect}", probe.to_lowercase()),
        )
        .evidence(format!("event Unhealthy ×{count}: {}", quote(last.message.as_deref().unwrap_or(""), 200)))
        .advice("check that the probe's path and port match what the app serves, and that the app is healthy");
        for c in pod.spec.iter().flat_map(|sp| sp.containers.iter()) {
            let p = match probe {
                "Liveness" => c.liveness_probe.as_ref(),
                "Readiness" => c.readiness_probe.as_ref(),
                _ => c.startup_probe.as_ref(),
            };
            if let Some(p) = p {
                let how = if let Some(h) = &p.http_get {
                    format!(
                        "GET {} on port {}",
                        h.path.as_deref().unwrap_or("/"),
                        port_text(&h.port)
                    )
                } else if let Some(t) = &p.tcp_socket {
                    format!("TCP port {}", port_text(&t.port))
                } else if let Some(e) = &p.exec {
                    format!("exec {}", e.command.clone().unwrap_or_default().join(" "))
                } else {
                    "other".into()
                };
                f = f.evidence(format!(
                    "container {} {} probe: {how}",
                    c.name,
                    probe.to_lowercase()
                ));
            }
        }
        out.push(f);
    }
    out
}

fn port_text(p: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString) -> String {
    match p {
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i) => i.to_string(),
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
    }
}
