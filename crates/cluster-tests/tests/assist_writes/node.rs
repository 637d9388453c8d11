//! Node writes on the cluster's only node: cordon and uncordon (and undo of a cordon), and
//! drain with --pod-selector. A full drain of this single-node cluster would evict the app
//! and the cluster's DNS, so the selector is a label only this test's pods carry; the node
//! ends schedulable whatever happens ([`Uncordon`] on drop).

use std::time::Duration;

use cluster_tests::poll_until;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::api::{ApiResource, DynamicObject, ListParams};

use super::fixture::{NS, Writes, writes};

/// Uncordons the node when dropped: a failing assertion must not leave the cluster's only
/// node unschedulable for every suite after this one.
struct Uncordon<'a>(&'a Writes);

impl Drop for Uncordon<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.cluster.kubectl(["uncordon", &self.0.node]) {
            eprintln!("could not uncordon {}: {e}", self.0.node);
        }
    }
}

async fn unschedulable(w: &Writes) -> Option<bool> {
    Api::<Node>::all(w.client().await)
        .get(&w.node)
        .await
        .expect("node")
        .spec
        .and_then(|s| s.unschedulable)
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn cordon_and_uncordon_the_node() {
    let w = writes();
    let _uncordon = Uncordon(w);
    let node = &w.node;
    let before = unschedulable(w).await;
    w.ok_showing(
        &[&format!("cordon {node}"), "--yes"],
        &["+  unschedulable: true"],
    );
    assert_eq!(unschedulable(w).await, Some(true), "not cordoned");
    w.undo_last(&[]);
    assert_eq!(
        unschedulable(w).await,
        before,
        "undo did not restore the node"
    );

    w.ok_showing(&[&format!("cordon {node}"), "--yes"], &[]);
    w.ok_showing(&[&format!("uncordon {node}"), "--yes"], &[]);
    assert_eq!(
        unschedulable(w).await,
        None,
        "uncordon left the node unschedulable"
    );
}

/// A one-replica busybox Deployment whose pods carry `assist-e2e-drain=VALUE`.
fn drain_target(name: &str, value: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{assist-e2e-drain: {value}}}}}
  template:
    metadata: {{labels: {{assist-e2e-drain: {value}}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {{name: app, image: busybox:e2e, imagePullPolicy: Never, command: [sleep, "3600"]}}
"#
    )
}

const BUDGET: &str = r#"apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: budgeted-pdb}
spec:
  minAvailable: 1
  selector: {matchLabels: {assist-e2e-drain: budgeted}}
"#;

/// The pods carrying `assist-e2e-drain=VALUE`, as (name, phase).
async fn drain_pods(w: &Writes, value: &str) -> Vec<(String, String)> {
    pods_labelled(w, &format!("assist-e2e-drain={value}")).await
}

/// The name and phase of each pod in [`NS`] matching the label selector, the ones being
/// deleted (an eviction's) left out.
async fn pods_labelled(w: &Writes, selector: &str) -> Vec<(String, String)> {
    Api::<Pod>::namespaced(w.client().await, NS)
        .list(&ListParams::default().labels(selector))
        .await
        .expect("pods")
        .items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .map(|p| {
            let phase = p.status.and_then(|s| s.phase).unwrap_or_default();
            (p.metadata.name.unwrap_or_default(), phase)
        })
        .collect()
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn drain_with_a_pod_selector_evicts_only_those_pods_and_names_a_blocking_budget() {
    let w = writes();
    let node = &w.node;
    let manifest = [
        drain_target("drainee", "evict"),
        drain_target("budgeted", "budgeted"),
        BUDGET.to_string(),
    ];
    w.apply("drain", &manifest.join("---\n"));
    w.rollout_status("drainee");
    w.rollout_status("budgeted");
    // The budget must see its one pod healthy before it refuses (disruptionsAllowed 0).
    // policy/v1beta1: the API server is 1.20 (policy/v1 budgets came in 1.21), which
    // k8s-openapi's v1_33 types do not cover.
    let resource = ApiResource {
        group: "policy".into(),
        version: "v1beta1".into(),
        api_version: "policy/v1beta1".into(),
        kind: "PodDisruptionBudget".into(),
        plural: "poddisruptionbudgets".into(),
    };
    let budgets: Api<DynamicObject> = Api::namespaced_with(w.client().await, NS, &resource);
    poll_until(
        "budgeted-pdb sees its pod healthy",
        Duration::from_secs(30),
        Duration::from_secs(1),
        || async {
            let healthy = budgets
                .get("budgeted-pdb")
                .await
                .map_err(|e| e.to_string())?
                .data["status"]["currentHealthy"]
                .as_i64();
            match healthy {
                Some(1) => Ok(()),
                other => Err(format!("currentHealthy {other:?}")),
            }
        },
    )
    .await
    .expect("budget");
    let old = drain_pods(w, "evict").await;
    let [(old, _)] = old.as_slice() else {
        panic!("want one drainee pod, have {old:?}");
    };
    // The pods the drain must leave alone, settled first: earlier tests scaled web, and a
    // pod made right after its namespace can wait a few seconds for its token volume.
    w.rollout_status("web");
    let bystanders = pods_labelled(w, "app=web").await;
    assert!(!bystanders.is_empty(), "web has no pod before the drain");

    let uncordon = Uncordon(w);
    w.ok_showing(
        &[
            &format!("drain {node} --pod-selector=assist-e2e-drain=evict"),
            "--yes",
        ],
        &[
            "--pod-selector=assist-e2e-drain=evict",
            &format!("evicts 1 pod(s): {NS}/{old}"),
        ],
    );
    assert_eq!(unschedulable(w).await, Some(true), "drain did not cordon");
    // Evicted: the Deployment makes a new pod, which stays Pending on the cordoned node.
    let new = poll_until(
        "the evicted pod's replacement, Pending",
        Duration::from_secs(30),
        Duration::from_secs(1),
        || async {
            let pods = drain_pods(w, "evict").await;
            pods.iter()
                .find(|(name, phase)| name != old && phase == "Pending")
                .map(|(name, _)| name.clone())
                .ok_or_else(|| format!("{pods:?}"))
        },
    )
    .await
    .expect("replacement");
    eprintln!("evicted {old}; Pending while cordoned: {new}");
    // Other pods on the node were left running: web keeps the very pods it had.
    assert_eq!(
        pods_labelled(w, "app=web").await,
        bystanders,
        "the drain touched web's pods"
    );

    // A budget that allows no disruption stops the drain and is named.
    let run = w
        .assist
        .run([
            &format!("drain {node} --pod-selector=assist-e2e-drain=budgeted"),
            "--yes",
        ])
        .expect("run");
    eprintln!("{}", run.all());
    drop(uncordon);
    assert_ne!(run.code, Some(0), "a drain past a budget exited 0");
    run.assert_contains(&["budgeted-pdb"]);
    let budgeted = drain_pods(w, "budgeted").await;
    assert!(
        matches!(budgeted.as_slice(), [(_, phase)] if phase == "Running"),
        "the budgeted pod is not the one Running pod: {budgeted:?}"
    );
    // Uncordoned, the evicted Deployment's new pod starts.
    w.rollout_status("drainee");
}
