//! The node family through the binary against the fake API server, asserting
//! the exact calls: cordon/uncordon patch `spec.unschedulable` (undo restores
//! it); drain cordons and then evicts through the Eviction subresource at the
//! version the server serves, skips DaemonSet and mirror pods, refuses emptyDir
//! data unless asked, and stops at the first PodDisruptionBudget that says no.

mod common;

use common::{FakeApi, Recorded, todo_cluster, todo_cluster_with, without_bookkeeping};
use serde_json::{Value, json};

/// The Todo install plus what a real node also runs: a DaemonSet pod, a static
/// (mirror) pod and a StatefulSet pod with an emptyDir volume.
fn node_cluster() -> Vec<Value> {
    todo_cluster_with([
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "log-agent-x1", "namespace": "kube-system",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "log-agent", "uid": "ds", "controller": true}]},
            "spec": {"nodeName": "node-1", "containers": [{"name": "agent", "image": "agent:1"}]},
            "status": {"phase": "Running"}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "kube-apiserver-node-1", "namespace": "kube-system",
                "annotations": {"kubernetes.io/config.mirror": "abc"}},
            "spec": {"nodeName": "node-1", "containers": [{"name": "apiserver", "image": "k8s:1.20"}]},
            "status": {"phase": "Running"}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "cache-0", "namespace": "todo",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "cache", "uid": "sts", "controller": true}]},
            "spec": {"nodeName": "node-1", "containers": [{"name": "cache", "image": "redis:7"}],
                     "volumes": [{"name": "scratch", "emptyDir": {}}]},
            "status": {"phase": "Running"}}),
    ])
}

fn evictions(writes: &[Recorded]) -> Vec<String> {
    writes
        .iter()
        .filter(|w| w.path.ends_with("/eviction"))
        .map(|w| w.path.clone())
        .collect()
}

#[tokio::test]
async fn cordon_patches_the_node_and_undo_makes_it_schedulable_again() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let out = api.run_ok(&["cordon node-1", "--yes"]).await;
    assert!(out.contains("Running: kubectl cordon node-1"), "{out}");
    assert!(out.contains("+  unschedulable: true"), "diff shown: {out}");
    let writes = api.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].method, "PATCH");
    assert_eq!(writes[0].path, "/api/v1/nodes/node-1");
    assert_eq!(writes[0].body, json!({"spec": {"unschedulable": true}}));
    assert_eq!(api.dry_runs().len(), 1, "sent as a dry run first");
    let asked = api.access_reviews();
    assert_eq!(asked[0]["verb"], "patch");
    assert_eq!(asked[0]["resource"], "nodes");
    assert_eq!(api.audit()[0]["access"], "write");

    let out = api.run_ok(&["undo", "--yes"]).await;
    assert!(out.contains("-  unschedulable: true"), "{out}");
    let put = api.first_write("PUT");
    assert_eq!(put.path, "/api/v1/nodes/node-1");
    assert!(put.body["spec"].get("unschedulable").is_none(), "{put:?}");

    // uncordon removes the field, as kubectl leaves the node.
    api.run(&["cordon node-1", "--yes"]).await;
    api.run_ok(&["uncordon node-1", "--yes"]).await;
    let last = api.writes().pop().unwrap();
    assert_eq!(last.body, json!({"spec": {"unschedulable": null}}));
}

#[tokio::test]
async fn drain_refuses_emptydir_data_unless_asked_and_touches_nothing() {
    let api = FakeApi::start(node_cluster(), &[]).await;
    let all = api.run_failing(&["drain node-1", "--yes"]).await;
    assert!(
        all.contains("todo/cache-0 has emptyDir data") && all.contains("delete emptydir data"),
        "{all}"
    );
    assert!(
        api.writes().is_empty(),
        "nothing changed: {:?}",
        api.writes()
    );
}

#[tokio::test]
async fn drain_cordons_then_evicts_with_the_servers_eviction_version() {
    let api = FakeApi::start(node_cluster(), &[]).await;
    let out = api
        .run_ok(&["drain node-1 and delete emptydir data", "--yes"])
        .await;
    assert!(
        out.contains("kubectl drain node-1 --ignore-daemonsets --delete-emptydir-data"),
        "{out}"
    );
    // The plan lists what it evicts and what it leaves.
    assert!(
        out.contains(
            "evicts 3 pod(s): todo/cache-0, todo/todo-backend-b2-bbbbb, todo/todo-frontend-f1-aaaaa"
        ),
        "{out}"
    );
    assert!(
        out.contains("kube-system/kube-apiserver-node-1 (mirror pod)")
            && out.contains("kube-system/log-agent-x1 (DaemonSet)"),
        "{out}"
    );
    let writes = api.writes();
    assert_eq!(writes[0].path, "/api/v1/nodes/node-1", "cordoned first");
    assert_eq!(
        evictions(&writes),
        [
            "/api/v1/namespaces/todo/pods/cache-0/eviction",
            "/api/v1/namespaces/todo/pods/todo-backend-b2-bbbbb/eviction",
            "/api/v1/namespaces/todo/pods/todo-frontend-f1-aaaaa/eviction",
        ]
    );
    for w in writes.iter().filter(|w| w.path.ends_with("/eviction")) {
        assert_eq!(w.body["apiVersion"], "policy/v1beta1", "1.20's Eviction");
        assert_eq!(w.body["kind"], "Eviction");
    }
    assert!(api.object("Pod", "kube-system", "log-agent-x1").is_some());
    assert!(api.object("Pod", "todo", "cache-0").is_none());
    let audit = api.audit();
    assert_eq!(audit.last().unwrap()["access"], "destructive");
    // Both permissions were asked for before anything ran.
    let asked: Vec<String> = api
        .access_reviews()
        .iter()
        .map(|a| {
            format!(
                "{} {}/{}",
                a["verb"].as_str().unwrap_or(""),
                a["resource"].as_str().unwrap_or(""),
                a["subresource"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        asked.contains(&"patch nodes/".to_string())
            && asked.contains(&"create pods/eviction".to_string()),
        "{asked:?}"
    );
}

#[tokio::test]
async fn drain_uses_policy_v1_when_the_server_serves_it() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    api.serve_eviction("policy/v1");
    api.run_ok(&["drain node node-1", "--yes"]).await;
    let writes = api.writes();
    let evicted: Vec<&Recorded> = writes
        .iter()
        .filter(|w| w.path.ends_with("/eviction"))
        .collect();
    assert_eq!(evicted.len(), 2);
    assert!(evicted.iter().all(|w| w.body["apiVersion"] == "policy/v1"));
}

#[tokio::test]
async fn a_disruption_budget_stops_the_drain_and_is_named() {
    let budget = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "backend-pdb", "namespace": "todo"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/component": "backend"}}}});
    let api = FakeApi::start(todo_cluster_with([budget]), &[]).await;
    api.protect_pod("todo/todo-backend-b2-bbbbb");
    let all = api.run_failing(&["drain node-1", "--yes"]).await;
    assert!(
        all.contains("would violate the PodDisruptionBudget backend-pdb"),
        "{all}"
    );
    // The budget said no in the server-side dry run: nothing was changed at all.
    assert!(api.writes().is_empty(), "{:?}", api.writes());
    assert!(
        api.object("Pod", "todo", "todo-frontend-f1-aaaaa")
            .is_some()
    );
}

#[tokio::test]
async fn the_node_can_be_uncordoned_after_a_drain_by_undo() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let out = api.run_ok(&["drain node-1", "--yes"]).await;
    assert!(out.contains("Undo uncordons the node"), "{out}");
    api.run_ok(&["undo", "--yes"]).await;
    let put = api.first_write("PUT");
    assert_eq!(put.path, "/api/v1/nodes/node-1");
    let node = todo_cluster().pop().unwrap();
    assert_eq!(without_bookkeeping(put.body), without_bookkeeping(node));
}

#[tokio::test]
async fn drain_with_a_pod_selector_evicts_only_the_pods_it_matches() {
    let api = FakeApi::start(node_cluster(), &[]).await;
    let out = api
        .run_ok(&[
            "drain node-1 --pod-selector=app.kubernetes.io/component=frontend",
            "--yes",
        ])
        .await;
    assert!(
        out.contains(
            "kubectl drain node-1 --ignore-daemonsets --pod-selector=app.kubernetes.io/component=frontend"
        ),
        "{out}"
    );
    assert!(
        out.contains("evicts 1 pod(s): todo/todo-frontend-f1-aaaaa"),
        "{out}"
    );
    let writes = api.writes();
    assert_eq!(
        writes[0].path, "/api/v1/nodes/node-1",
        "cordoned all the same"
    );
    assert_eq!(
        evictions(&writes),
        ["/api/v1/namespaces/todo/pods/todo-frontend-f1-aaaaa/eviction"]
    );
    assert!(api.object("Pod", "todo", "todo-backend-b2-bbbbb").is_some());
    // The selector went to the server with the node's field selector.
    assert!(
        api.requests().iter().any(|r| r.method == "GET"
            && r.path == "/api/v1/pods"
            && r.query.contains("fieldSelector=spec.nodeName%3Dnode-1")
            && r.query
                .contains("labelSelector=app.kubernetes.io%2Fcomponent%3Dfrontend")),
        "{:?}",
        api.requests()
            .iter()
            .filter(|r| r.path == "/api/v1/pods")
            .map(|r| &r.query)
            .collect::<Vec<_>>()
    );
}
