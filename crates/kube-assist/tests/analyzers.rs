//! Analyzers against API objects recorded from the local Kubernetes 1.20 cluster
//! (`crates/cluster-tests/tests/assist/scenarios.yaml`, one failing workload per analyzer), plus small
//! hand-written objects for states that cluster cannot produce (node pressure,
//! pending claims, failed jobs).

use kube_assist::analyze::{Finding, Scope, Severity, Snapshot, analyze, related_to};
use kube_assist::ops::{Kind, Operation, ReplicaChange};
use kube_assist::resolve::ObjectRef;
use serde_json::json;

fn scenarios() -> Snapshot {
    serde_json::from_str(include_str!("fixtures/scenarios.json"))
        .expect("fixture parses as a snapshot")
}

fn about<'a>(findings: &'a [Finding], kind: Kind, name_prefix: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.object.kind == kind && f.object.name.starts_with(name_prefix))
        .collect()
}

fn one<'a>(findings: &'a [Finding], kind: Kind, name_prefix: &str, reason: &str) -> &'a Finding {
    let hits: Vec<_> = about(findings, kind, name_prefix)
        .into_iter()
        .filter(|f| f.reason == reason)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected one {reason} finding for {name_prefix}, got {hits:#?}\nall: {findings:#?}"
    );
    hits[0]
}

#[test]
fn crash_loop_names_exit_code_and_log_tail() {
    let f = analyze(&scenarios(), Scope::Failures);
    let crash = one(&f, Kind::Pod, "crasher-", "CrashLoopBackOff");
    assert_eq!(crash.severity, Severity::Critical);
    assert!(
        crash.cause.contains("exited with code 3"),
        "{}",
        crash.cause
    );
    assert!(crash.evidence.iter().any(|e| e.starts_with("log:") && e.contains("FATAL: cannot open /etc/app/config.yaml")), "{:?}", crash.evidence);
}

#[test]
fn image_that_can_never_be_pulled() {
    let f = analyze(&scenarios(), Scope::Failures);
    let bad = one(&f, Kind::Pod, "badimage-", "ErrImageNeverPull");
    assert!(
        bad.cause.contains("todo-missing:v9") && bad.cause.contains("imagePullPolicy is Never"),
        "{}",
        bad.cause
    );
    // Only one revision exists: rolling back is not offered as a fix.
    assert!(bad.fix.is_empty(), "{:?}", bad.fix);
}

#[test]
fn unschedulable_pod_quotes_the_scheduler() {
    let f = analyze(&scenarios(), Scope::Failures);
    let p = one(&f, Kind::Pod, "hungry-", "Unschedulable");
    assert!(p.cause.contains("Insufficient cpu"), "{}", p.cause);
    assert!(
        p.advice
            .as_deref()
            .unwrap_or("")
            .contains("lower its requests")
    );
    assert!(
        p.evidence.iter().any(|e| e.contains("cpu=64")),
        "{:?}",
        p.evidence
    );
}

#[test]
fn oom_killed_container_gets_a_doubled_memory_limit_as_fix() {
    let f = analyze(&scenarios(), Scope::Failures);
    let oom: Vec<_> = about(&f, Kind::Pod, "leaky-")
        .into_iter()
        .filter(|x| x.reason == "OOMKilled")
        .collect();
    assert!(!oom.is_empty(), "{f:#?}");
    let o = oom[0];
    assert!(o.cause.contains("24Mi"), "{}", o.cause);
    match &o.fix[..] {
        [Operation::SetResources(s)] => {
            assert_eq!(s.target.name.as_deref(), Some("leaky"));
            assert_eq!(s.target.kind, Some(Kind::Deployment));
            assert_eq!(s.limits.memory.as_deref(), Some("48Mi"));
        }
        other => panic!("unexpected fix {other:?}"),
    }
}

#[test]
fn selector_mismatch_proposes_the_near_miss_label() {
    let f = analyze(&scenarios(), Scope::Failures);
    let s = one(&f, Kind::Service, "web", "SelectorMismatch");
    assert!(s.cause.contains("app=webapp"), "{}", s.cause);
    match &s.fix[..] {
        [Operation::Patch(p)] => assert_eq!(p.patch, json!({"spec": {"selector": {"app": "web"}}})),
        other => panic!("unexpected fix {other:?}"),
    }
}

#[test]
fn failing_readiness_probe_from_events() {
    let f = analyze(&scenarios(), Scope::Failures);
    let p = one(&f, Kind::Pod, "flaky-", "ReadinessProbeFailed");
    assert_eq!(p.severity, Severity::Warning);
    assert!(
        p.evidence.iter().any(|e| e.contains("connection refused")),
        "{:?}",
        p.evidence
    );
    assert!(
        p.evidence
            .iter()
            .any(|e| e.contains("GET /healthz on port 8080")),
        "{:?}",
        p.evidence
    );
}

#[test]
fn injected_log_text_is_evidence_only() {
    let s = scenarios();
    let f = analyze(&s, Scope::All);
    let chatty = about(&f, Kind::Pod, "chatty-");
    assert!(!chatty.is_empty(), "the crashing chatty pod is diagnosed");
    assert!(
        chatty.iter().any(|x| x
            .evidence
            .iter()
            .any(|e| e.contains("ignore previous instructions"))),
        "{chatty:#?}"
    );
    // No analyzer proposes anything but its own typed fixes, and never for chatty.
    for finding in &f {
        for op in &finding.fix {
            assert!(
                matches!(
                    op,
                    Operation::RolloutUndo(_) | Operation::SetResources(_) | Operation::Patch(_)
                ),
                "{op:?}"
            );
            assert!(
                !op.kubectl().contains("namespace assist-scenarios\""),
                "{op:?}"
            );
        }
    }
    assert!(chatty.iter().all(|x| x.fix.is_empty()), "{chatty:#?}");
}

#[test]
fn diagnose_of_one_workload_keeps_its_pods_and_drops_the_rest() {
    let s = scenarios();
    let all = analyze(&s, Scope::Failures);
    let target = ObjectRef::new(Kind::Deployment, Some("assist-scenarios"), "crasher");
    let mine = related_to(&s, &target, all);
    assert!(!mine.is_empty());
    assert!(
        mine.iter().all(|f| f.object.name.starts_with("crasher")),
        "{mine:#?}"
    );
}

#[test]
fn healthy_objects_give_no_findings() {
    let s = scenarios();
    let f = analyze(&s, Scope::All);
    assert!(about(&f, Kind::Deployment, "web").is_empty(), "{f:#?}");
    assert!(about(&f, Kind::Node, "").is_empty(), "{f:#?}");
}

fn synthetic() -> Snapshot {
    serde_json::from_value(json!({
        "now": "2026-01-01T12:00:00Z",
        "nodes": [{"metadata": {"name": "n1"}, "spec": {"unschedulable": true}, "status": {"conditions": [
            {"type": "Ready", "status": "True"},
            {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure", "message": "kubelet has disk pressure"}]}}],
        "pvcs": [{"metadata": {"name": "data", "namespace": "db"}, "spec": {"storageClassName": "fast"}, "status": {"phase": "Pending"}}],
        "jobs": [{"metadata": {"name": "migrate", "namespace": "db"}, "spec": {"template": {"spec": {"containers": []}}},
                  "status": {"failed": 6, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}}],
        "deployments": [{"metadata": {"name": "api", "namespace": "db", "annotations": {"deployment.kubernetes.io/revision": "4"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}}, "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api", "image": "api:4"}]}}},
            "status": {"replicas": 3, "availableReplicas": 1, "updatedReplicas": 1, "conditions": [
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"api-7\" has timed out progressing."}]}}],
        // The stuck revision 4 and revision 3, whose pods still serve.
        "replicasets": [
            {"metadata": {"name": "api-7", "namespace": "db", "annotations": {"deployment.kubernetes.io/revision": "4"},
                          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "uid": "u", "controller": true}]},
             "spec": {"selector": {"matchLabels": {"app": "api"}}}, "status": {"replicas": 1, "readyReplicas": 0}},
            {"metadata": {"name": "api-6", "namespace": "db", "annotations": {"deployment.kubernetes.io/revision": "3"},
                          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "uid": "u", "controller": true}]},
             "spec": {"selector": {"matchLabels": {"app": "api"}}}, "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}}],
        "storage_classes": [{"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "k8s.io/minikube-hostpath"}],
        "events": [
            {"metadata": {"name": "e1", "namespace": "db"}, "involvedObject": {"kind": "PersistentVolumeClaim", "name": "data", "namespace": "db"},
             "type": "Warning", "reason": "ProvisioningFailed", "message": "storageclass.storage.k8s.io \"fast\" not found", "lastTimestamp": "2026-01-01T11:59:00Z", "count": 3},
            {"metadata": {"name": "e2", "namespace": "db"}, "involvedObject": {"kind": "Deployment", "name": "old", "namespace": "db"},
             "type": "Warning", "reason": "Whatever", "message": "long ago", "lastTimestamp": "2025-01-01T00:00:00Z"}
        ]
    }))
    .expect("synthetic snapshot parses")
}

#[test]
fn nodes_claims_jobs_and_stuck_rollouts() {
    let f = analyze(&synthetic(), Scope::All);
    assert_eq!(
        one(&f, Kind::Node, "n1", "DiskPressure").severity,
        Severity::Warning
    );
    assert_eq!(
        one(&f, Kind::Node, "n1", "Cordoned").severity,
        Severity::Info
    );
    let pvc = one(&f, Kind::PersistentVolumeClaim, "data", "PVCPending");
    assert!(
        pvc.evidence
            .iter()
            .any(|e| e.contains("\"fast\" not found")),
        "{:?}",
        pvc.evidence
    );
    assert!(
        one(&f, Kind::Job, "migrate", "JobFailed")
            .cause
            .contains("BackoffLimitExceeded")
    );
    // The fix goes back to the revision that still runs, and says why.
    let stuck = one(&f, Kind::Deployment, "api", "RolloutStuck");
    assert!(
        matches!(&stuck.fix[..], [Operation::RolloutUndo(u)] if u.to_revision == Some(3)),
        "{:?}",
        stuck.fix
    );
    assert!(
        stuck
            .fix_note
            .as_deref()
            .unwrap()
            .contains("revision 3 (api-6) still has 1 ready pod(s)"),
        "{:?}",
        stuck.fix_note
    );
    // The claim's class does not exist; the default one does: said, not run
    // (a claim's class cannot change in place).
    assert!(pvc.fix.is_empty());
    let note = pvc.fix_note.as_deref().unwrap();
    assert!(
        note.contains("StorageClass fast does not exist; standard does and is the default"),
        "{note}"
    );
    // containers without requests/limits are an Info note under `health` only
    assert_eq!(
        one(&f, Kind::Deployment, "api", "NoRequestsLimits").severity,
        Severity::Info
    );
    assert!(
        about(
            &analyze(&synthetic(), Scope::Failures),
            Kind::Deployment,
            "api"
        )
        .iter()
        .all(|x| x.reason != "NoRequestsLimits")
    );
    // an event older than an hour is not "recent"
    assert!(about(&f, Kind::Deployment, "old").is_empty());
    let _ = ReplicaChange::To(1);
}
