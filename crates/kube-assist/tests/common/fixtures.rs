//! Objects and helpers the fake API server's tests share: the Todo Chatbot
//! install as the chart lays it out, and the official MCP client driver.

use serde_json::{Value, json};

use super::CLEARED_ENV;

/// [`todo_cluster`] plus the objects a test is about (a Secret, a budget, a CRD...).
pub fn todo_cluster_with(extra: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut objects = todo_cluster();
    objects.extend(extra);
    objects
}

/// A small Todo Chatbot install as the chart lays it out: namespace `todo`,
/// Deployments todo-frontend (1 replica) and todo-backend (revision 2 of 2), their
/// ReplicaSets and pods, Services and one node.
pub fn todo_cluster() -> Vec<Value> {
    let labels = |c: &str| json!({"app.kubernetes.io/name": "todo-chart", "app.kubernetes.io/instance": "todo", "app.kubernetes.io/component": c});
    let container = |c: &str, image: &str| json!({"name": c, "image": image, "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}});
    let dep = |c: &str, replicas: i64, revision: &str, image: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("todo-{c}"), "namespace": "todo", "uid": format!("uid-{c}"), "generation": 2, "labels": labels(c),
                         "annotations": {"deployment.kubernetes.io/revision": revision}, "resourceVersion": "10"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels(c)},
                     "template": {"metadata": {"labels": labels(c)}, "spec": {"containers": [container(if c == "backend" { "api" } else { "web" }, image)]}}},
            "status": {"observedGeneration": 2, "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}})
    };
    let rs = |c: &str, hash: &str, revision: &str, image: &str, replicas: i64| {
        let mut l = labels(c);
        l["pod-template-hash"] = json!(hash);
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("todo-{c}-{hash}"), "namespace": "todo", "labels": l.clone(),
                         "annotations": {"deployment.kubernetes.io/revision": revision},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": format!("todo-{c}"), "uid": format!("uid-{c}"), "controller": true}]},
            "spec": {"replicas": replicas, "selector": {"matchLabels": l.clone()},
                     "template": {"metadata": {"labels": l}, "spec": {"containers": [container(if c == "backend" { "api" } else { "web" }, image)]}}},
            "status": {"replicas": replicas, "readyReplicas": replicas}})
    };
    let pod = |c: &str, hash: &str, suffix: &str| {
        let mut l = labels(c);
        l["pod-template-hash"] = json!(hash);
        let cname = if c == "backend" { "api" } else { "web" };
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("todo-{c}-{hash}-{suffix}"), "namespace": "todo", "labels": l,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("todo-{c}-{hash}"), "uid": "x", "controller": true}]},
            "spec": {"nodeName": "node-1", "containers": [container(cname, "todo:2")]},
            "status": {"phase": "Running", "containerStatuses": [{"name": cname, "ready": true, "restartCount": 0, "image": "todo:2", "imageID": "", "state": {"running": {}}}]}})
    };
    let svc = |c: &str| {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": format!("todo-{c}"), "namespace": "todo", "labels": labels(c)},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "selector": labels(c), "ports": [{"port": 8000, "protocol": "TCP"}]}})
    };
    let eps = |c: &str, ip: &str| {
        json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": format!("todo-{c}"), "namespace": "todo"},
        "subsets": [{"addresses": [{"ip": ip}], "ports": [{"port": 8000}]}]})
    };
    vec![
        dep("frontend", 1, "1", "todo:2"),
        dep("backend", 1, "2", "todo:2"),
        rs("frontend", "f1", "1", "todo:2", 1),
        rs("backend", "b1", "1", "todo:1", 0),
        rs("backend", "b2", "2", "todo:2", 1),
        pod("frontend", "f1", "aaaaa"),
        pod("backend", "b2", "bbbbb"),
        svc("frontend"),
        svc("backend"),
        eps("frontend", "172.17.0.5"),
        eps("backend", "172.17.0.6"),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.20.2"}}}),
    ]
}

/// Runs the shared official-client driver (crates/todo-agent/tests/mcp_client.py)
/// with `args` and returns its JSON report; asynchronous, and without the
/// developer's LLM and cluster environment, unlike the shared synchronous one.
pub async fn run_mcp_client(args: Vec<String>) -> Value {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../todo-agent/tests/mcp_client.py");
    let mut cmd = tokio::process::Command::new(super::mcp_driver::mcp_python());
    cmd.arg(script).args(args);
    for key in CLEARED_ENV {
        cmd.env_remove(key);
    }
    let out = cmd.output().await.expect("start the MCP client");
    assert!(
        out.status.success(),
        "MCP client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "MCP client printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A ConfigMap, a Deployment and a custom resource (CronTab) as one manifest.
pub const THREE_OBJECTS: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  LOG_LEVEL: debug
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
---
apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: nightly
spec:
  cronSpec: 0 3 * * *
";

/// The todo cluster serving the CronTab custom resource (`crontabs.stable.example.com`).
pub fn todo_cluster_with_crontab() -> Vec<Value> {
    let mut objects = todo_cluster();
    objects.push(super::discovery::crontab_crd());
    objects
}
