//! Every kind the server serves, through discovery: custom resources and short
//! names, the server's own tables (`-o wide` adds its wide columns), `-o yaml`,
//! field selectors, describe with events, and Secrets never read.

mod common;

use common::discovery::{crontab, crontab_crd};
use common::{FakeApi, todo_cluster};
use serde_json::json;

fn cluster() -> Vec<serde_json::Value> {
    let mut objects = todo_cluster();
    objects.push(crontab_crd());
    objects.push(crontab("batch", "nightly", "0 3 * * *"));
    objects.push(crontab("batch", "hourly", "0 * * * *"));
    objects.push(json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db-password", "namespace": "todo"}, "data": {"password": "aHVudGVyMg=="}}));
    objects.push(json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev1", "namespace": "batch"},
        "involvedObject": {"kind": "CronTab", "name": "nightly", "namespace": "batch"},
        "type": "Warning", "reason": "MissedRun", "message": "the 03:00 run was missed", "count": 1}));
    objects
}

fn discovery_rounds(api: &FakeApi) -> usize {
    api.requests().iter().filter(|r| r.path == "/apis").count()
}

#[tokio::test]
async fn a_custom_resource_is_listed_by_its_short_name_with_the_servers_columns() {
    let api = FakeApi::start(cluster(), &[]).await;
    let (code, out, err) = api.run(&["get", "ct", "-n", "batch"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Running: kubectl get crontabs.stable.example.com -n batch"),
        "{out}"
    );
    assert!(out.contains("NAME      SPEC        AGE"), "{out}");
    assert!(out.contains("nightly   0 3 * * *"), "{out}");
    assert!(
        !out.contains("IMAGE"),
        "the wide column is not shown by default: {out}"
    );
    let list = api
        .requests()
        .into_iter()
        .find(|r| r.path == "/apis/stable.example.com/v1/namespaces/batch/crontabs")
        .expect("the CronTabs are listed at their group's path");
    assert_eq!(list.method, "GET");
    assert_eq!(
        discovery_rounds(&api),
        1,
        "discovery is read once per process"
    );
    assert!(api.writes().is_empty());

    let (code, out, _) = api
        .run(&["get", "crontabs.stable.example.com", "-o", "wide"])
        .await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("NAMESPACE   NAME      SPEC        IMAGE       AGE\n"),
        "{out}"
    );
    assert!(
        out.contains("batch       nightly   0 3 * * *   my-cron:1   5m\n"),
        "{out}"
    );
}

#[tokio::test]
async fn one_custom_object_as_yaml_and_described_with_its_events() {
    let api = FakeApi::start(cluster(), &[]).await;
    let (code, out, err) = api.run(&["get", "crontab/nightly", "-o", "yaml"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("kind: CronTab\n"), "{out}");
    assert!(out.contains("  cronSpec: 0 3 * * *\n"), "{out}");
    assert!(
        !out.contains("resourceVersion"),
        "bookkeeping left out: {out}"
    );
    assert!(
        api.requests().iter().any(|r| r.method == "GET"
            && r.path == "/apis/stable.example.com/v1/namespaces/batch/crontabs/nightly"),
        "the object is read at its own path"
    );

    let (code, out, _) = api.run(&["describe", "ct", "nightly"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Running: kubectl describe crontabs.stable.example.com/nightly -n batch"),
        "{out}"
    );
    assert!(out.contains("cronSpec: 0 3 * * *"), "{out}");
    assert!(out.contains("MissedRun"), "its events follow: {out}");

    let (code, out, err) = api.run(&["get", "ct", "weekly"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("no CronTab named \"weekly\""), "{out}");
}

#[tokio::test]
async fn built_in_kinds_take_the_typed_path_and_field_selectors_reach_the_server() {
    let api = FakeApi::start(cluster(), &[]).await;
    let (code, out, err) = api
        .run(&[
            "get",
            "po",
            "-n",
            "todo",
            "--field-selector",
            "status.phase=Running",
        ])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("kubectl get pod --field-selector status.phase=Running -n todo"),
        "{out}"
    );
    assert!(out.contains("todo-backend-b2-bbbbb"), "{out}");
    let list = api
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/namespaces/todo/pods")
        .unwrap();
    assert!(
        list.query.contains("fieldSelector=status.phase%3DRunning"),
        "{}",
        list.query
    );
    assert_eq!(discovery_rounds(&api), 0, "a typed kind needs no discovery");

    let (code, out, _) = api
        .run(&["get", "deploy", "todo-backend", "-o", "yaml"])
        .await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("kind: Deployment\n") && out.contains("image: todo:2"),
        "{out}"
    );
    let (code, out, _) = api.run(&["get", "hpa", "-A"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("No horizontalpodautoscalers.autoscaling found"),
        "{out}"
    );
}

#[tokio::test]
async fn secrets_are_listed_by_name_only_and_never_read() {
    let api = FakeApi::start(cluster(), &[]).await;
    let (code, out, err) = api
        .run(&["get", "secrets", "-n", "todo", "-o", "json"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("db-password"), "{out}");
    assert!(
        !out.contains("aHVudGVyMg") && !out.contains("password\":"),
        "{out}"
    );
    let (code, out, err) = api
        .run(&["get", "secret", "db-password", "-o", "yaml"])
        .await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("Secrets are never read"), "{out}");
    assert!(!out.contains("aHVudGVyMg"));
    assert!(
        !api.requests()
            .iter()
            .any(|r| r.path.ends_with("/secrets/db-password")),
        "the Secret itself is never fetched"
    );
}

#[tokio::test]
async fn words_that_are_not_a_kind_are_a_request() {
    let api = FakeApi::start(cluster(), &[]).await;
    let (code, out, err) = api.run(&["describe", "backend"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("kubectl describe deployment/todo-backend -n todo"),
        "{out}"
    );
}
