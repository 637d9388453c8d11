//! The RBAC preflight checks every permission a plan needs, not only the first:
//! one SelfSubjectAccessReview per distinct verb/resource/namespace, and a
//! refusal that names each missing permission, through the CLI, `serve` and MCP
//! alike (against the strict fake API server, which records each review).

mod common;
mod serving;

use std::collections::BTreeSet;

use common::{FakeApi, THREE_OBJECTS, todo_cluster, todo_cluster_with_crontab};
use serde_json::{Value, json};
use serving::{OPERATOR, serve};

/// [`THREE_OBJECTS`] and a second ConfigMap, written beside the fake server's
/// audit log: four objects, three distinct permissions (the custom resource's
/// found by discovery).
fn manifest_file(api: &FakeApi) -> String {
    let file = api.audit_log.with_file_name("app.yaml");
    let second =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feature-flags\ndata:\n  BETA: 'on'\n";
    std::fs::write(&file, format!("{THREE_OBJECTS}---\n{second}")).unwrap();
    file.display().to_string()
}

/// Each review the server was asked, as its resource attributes, in order.
fn reviews(api: &FakeApi) -> Vec<Value> {
    api.requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/selfsubjectaccessreviews"))
        .map(|r| r.body["spec"]["resourceAttributes"].clone())
        .collect()
}

#[tokio::test]
async fn the_cli_asks_each_distinct_permission_once_and_names_every_missing_one() {
    let api = FakeApi::start(todo_cluster_with_crontab(), &[]).await;
    let file = manifest_file(&api);
    api.deny("patch configmaps");
    api.deny("patch deployments");
    api.deny("patch crontabs");
    let (code, out, err) = api
        .run(&["apply", "-f", &file, "-n", "todo", "--yes"])
        .await;
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains(
            "you cannot patch configmaps in todo; nor patch deployments.apps in todo; nor patch crontabs.stable.example.com in todo. Ask a cluster admin"
        ),
        "{out}"
    );
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());
    let asked = reviews(&api);
    assert_eq!(
        asked.len(),
        3,
        "one review per distinct permission: {asked:?}"
    );
    let asked: BTreeSet<String> = asked.iter().map(Value::to_string).collect();
    let expected: BTreeSet<String> = [
        json!({"verb": "patch", "group": "", "resource": "configmaps", "namespace": "todo"}),
        json!({"verb": "patch", "group": "apps", "resource": "deployments", "namespace": "todo"}),
        json!({"verb": "patch", "group": "stable.example.com", "resource": "crontabs", "namespace": "todo"}),
    ]
    .iter()
    .map(Value::to_string)
    .collect();
    assert_eq!(asked, expected);

    // Only the Deployment denied: the refusal names it alone.
    let api = FakeApi::start(todo_cluster_with_crontab(), &[]).await;
    let file = manifest_file(&api);
    api.deny("patch deployments");
    let (code, out, _) = api
        .run(&["apply", "-f", &file, "-n", "todo", "--yes"])
        .await;
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("you cannot patch deployments.apps in todo. Ask"),
        "{out}"
    );
    assert_eq!(reviews(&api).len(), 3);
}

#[tokio::test]
async fn serve_names_every_permission_a_drain_lacks() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    api.deny("patch nodes");
    api.deny("create pods/eviction");
    let s = serve(&api, &["--events=false"]).await;
    let (code, plan) = s.ask(OPERATOR, "drain node node-1").await;
    assert_eq!(code, 200, "{plan}");
    assert_eq!(plan["state"], "refused", "{plan}");
    let msg = plan["message"].as_str().unwrap();
    assert!(
        msg.contains("cannot patch nodes (cluster-wide); nor create pods/eviction (cluster-wide)"),
        "{msg}"
    );
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());
    let asked: Vec<String> = reviews(&api)
        .iter()
        .map(|a| format!("{} {} {}", a["verb"], a["resource"], a["subresource"]))
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
}

#[tokio::test]
async fn mcp_names_every_permission_a_drain_lacks() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    api.deny("patch nodes");
    api.deny("create pods/eviction");
    let msgs = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "drain", "arguments": {"target": {"kind": "node", "name": "node-1"}}}}),
    ];
    let input: String = msgs.iter().map(|m| format!("{m}\n")).collect();
    let (code, out, err) = api.run_stdin(&["mcp", "--allow-writes"], &input).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "you cannot patch nodes (cluster-wide); nor create pods/eviction (cluster-wide)"
        ),
        "{out}"
    );
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());
    assert_eq!(reviews(&api).len(), 2);
}
