//! set env, rollout history/pause/resume, patch --type and deletes of every kind
//! through the binary against the fake API server, asserting the exact calls,
//! the diffs shown and what undo puts back.

mod common;

use common::{FakeApi, todo_cluster, todo_cluster_with, without_bookkeeping};
use serde_json::{Value, json};

fn with_env(mut objects: Vec<Value>) -> Vec<Value> {
    let dep = objects
        .iter_mut()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "todo-backend")
        .unwrap();
    dep["spec"]["template"]["spec"]["containers"][0]["env"] = json!([
        {"name": "DEBUG", "value": "1"},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}
    ]);
    objects
}

#[tokio::test]
async fn set_env_sets_and_removes_by_json_patch_and_undo_restores_exactly() {
    let api = FakeApi::start(with_env(todo_cluster()), &[]).await;
    let before = api.object("Deployment", "todo", "todo-backend").unwrap();
    let out = api
        .run_ok(&[
            "kubectl set env deployment/todo-backend LOG_LEVEL=debug DEBUG-",
            "--yes",
        ])
        .await;
    assert!(
        out.contains(
            "Running: kubectl set env deployment/todo-backend LOG_LEVEL=debug DEBUG- -n todo"
        ),
        "{out}"
    );
    assert!(out.contains("+          value: debug"), "diff: {out}");
    let w = api.writes();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].method, "PATCH");
    assert_eq!(w[0].content_type, "application/json-patch+json");
    assert_eq!(
        w[0].path,
        "/apis/apps/v1/namespaces/todo/deployments/todo-backend"
    );
    assert_eq!(
        w[0].body,
        json!([
            {"op": "test", "path": "/spec/template/spec/containers/0/name", "value": "api"},
            {"op": "add", "path": "/spec/template/spec/containers/0/env", "value": [
                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                {"name": "LOG_LEVEL", "value": "debug"}
            ]}
        ])
    );
    api.run_ok(&["undo", "--yes"]).await;
    assert_eq!(
        without_bookkeeping(api.object("Deployment", "todo", "todo-backend").unwrap()),
        without_bookkeeping(before)
    );
}

#[tokio::test]
async fn removing_a_variable_that_is_not_there_says_which_exist() {
    let api = FakeApi::start(with_env(todo_cluster()), &[]).await;
    let all = api
        .run_failing(&["remove the env var TRACE from the backend", "--yes"])
        .await;
    assert!(
        all.contains("has no variable TRACE; its variables are: DEBUG, DB_PASSWORD"),
        "{all}"
    );
    assert!(api.writes().is_empty());
}

#[tokio::test]
async fn env_from_a_secret_is_a_reference_and_the_secret_is_never_read() {
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api-creds", "namespace": "todo"}, "data": {"TOKEN": "c2VjcmV0"}});
    let api = FakeApi::start(todo_cluster_with([secret]), &[]).await;
    let (code, out, err) = api
        .run(&[
            "kubectl set env deployment/todo-backend --from=secret/api-creds",
            "--yes",
        ])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("c2VjcmV0") && !err.contains("c2VjcmV0"));
    assert!(
        !api.requests().iter().any(|r| r.path.contains("/secrets")),
        "the Secret is not read"
    );
    let dep = api.object("Deployment", "todo", "todo-backend").unwrap();
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["envFrom"],
        json!([{"secretRef": {"name": "api-creds"}}])
    );
}

#[tokio::test]
async fn rollout_history_reads_replicaset_revisions_with_change_cause() {
    let mut objects = todo_cluster();
    for o in objects.iter_mut() {
        if o["kind"] == "ReplicaSet" && o["metadata"]["name"] == "todo-backend-b2" {
            o["metadata"]["annotations"]["kubernetes.io/change-cause"] =
                json!("kubectl set image deployment/todo-backend api=todo:2");
        }
    }
    let api = FakeApi::start(objects, &[]).await;
    let out = api
        .run_ok(&["show the rollout history of the backend"])
        .await;
    assert!(
        out.contains("Running: kubectl rollout history deployment/todo-backend -n todo"),
        "{out}"
    );
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("todo-backend-b"))
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("1 ") && lines[0].contains("todo:1"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("2 ") && lines[1].contains("kubectl set image"),
        "{out}"
    );
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());
}

#[tokio::test]
async fn pause_and_resume_set_spec_paused() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let out = api.run_ok(&["pause the frontend rollout", "--yes"]).await;
    assert!(out.contains("+  paused: true"), "{out}");
    let out = api
        .run_ok(&["resume deployment todo-frontend", "--yes"])
        .await;
    assert!(out.contains("-  paused: true"), "{out}");
    let w = api.writes();
    assert_eq!(w[0].body, json!({"spec": {"paused": true}}));
    assert_eq!(w[1].body, json!({"spec": {"paused": null}}));
    assert!(
        w.iter()
            .all(|w| w.content_type == "application/merge-patch+json")
    );
}

#[tokio::test]
async fn patch_types_json_strategic_and_the_crd_refusal() {
    let api = FakeApi::start(
        todo_cluster_with([
            common::discovery::crontab_crd(),
            common::discovery::crontab("todo", "nightly", "0 3 * * *"),
        ]),
        &[],
    )
    .await;
    let json_patch = r#"[{"op": "replace", "path": "/spec/ports/0/port", "value": 9000}]"#;
    let out = api
        .run_ok(&[
            "patch",
            "svc",
            "todo-backend",
            "-n",
            "todo",
            "--type",
            "json",
            "-p",
            json_patch,
            "--yes",
        ])
        .await;
    assert!(out.contains("--type=json"), "{out}");
    assert!(
        out.contains("-  - port: 8000") && out.contains("+  - port: 9000"),
        "{out}"
    );
    let w = api.writes();
    assert_eq!(w[0].content_type, "application/json-patch+json");
    assert_eq!(w[0].path, "/api/v1/namespaces/todo/services/todo-backend");
    assert_eq!(
        w[0].body,
        serde_json::from_str::<Value>(json_patch).unwrap()
    );

    let strategic =
        r#"{"spec": {"template": {"spec": {"containers": [{"name": "api", "image": "todo:3"}]}}}}"#;
    api.run_ok(&[
        "patch",
        "deployment/todo-backend",
        "-n",
        "todo",
        "-p",
        strategic,
        "--type=strategic",
        "--yes",
    ])
    .await;
    let w = api.writes();
    assert_eq!(w[1].content_type, "application/strategic-merge-patch+json");
    let dep = api.object("Deployment", "todo", "todo-backend").unwrap();
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["image"],
        "todo:3"
    );

    // Refused before anything is sent: a strategic patch of a custom resource,
    // a malformed JSON patch, a patch that is not JSON.
    let sent = api.requests().len();
    let all = api
        .run_failing(&[
            "patch",
            "crontab",
            "nightly",
            "-n",
            "todo",
            "--type",
            "strategic",
            "-p",
            "{}",
            "--yes",
        ])
        .await;
    assert!(all.contains("built-in kinds only"), "{all}");
    let all = api
        .run_failing(&[
            "patch",
            "svc",
            "todo-backend",
            "-n",
            "todo",
            "--type",
            "json",
            "-p",
            r#"[{"op": "replace", "path": "spec"}]"#,
            "--yes",
        ])
        .await;
    assert!(all.contains("JSON pointer"), "{all}");
    let (code, _, err) = api
        .run(&[
            "patch",
            "svc",
            "todo-backend",
            "-n",
            "todo",
            "-p",
            "{oops",
            "--yes",
        ])
        .await;
    assert_ne!(code, 0);
    assert!(err.contains("is not JSON"), "{err}");
    let writes_after: Vec<_> = api.requests()[sent..]
        .iter()
        .filter(|r| r.method == "PATCH")
        .cloned()
        .collect();
    assert!(writes_after.is_empty(), "{writes_after:?}");
}

#[tokio::test]
async fn a_configmap_deleted_from_words_is_re_created_exactly_by_undo() {
    let settings = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "app-settings", "namespace": "todo", "uid": "u-cm", "resourceVersion": "5", "labels": {"app": "todo"}},
        "data": {"LOG_LEVEL": "info", "MODE": "prod"}});
    let api = FakeApi::start(todo_cluster_with([settings]), &[]).await;
    let before = api.object("ConfigMap", "todo", "app-settings").unwrap();
    let out = api
        .run_ok(&["delete the configmap app-settings", "--yes"])
        .await;
    assert!(
        out.contains("Running: kubectl delete configmap/app-settings -n todo"),
        "{out}"
    );
    assert!(out.contains("-kind: ConfigMap"), "{out}");
    let w = api.writes();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].method, "DELETE");
    assert_eq!(w[0].path, "/api/v1/namespaces/todo/configmaps/app-settings");
    assert!(api.object("ConfigMap", "todo", "app-settings").is_none());
    let out = api.run_ok(&["undo", "--yes"]).await;
    assert!(out.contains("re-created as it was"), "{out}");
    let back = api.object("ConfigMap", "todo", "app-settings").unwrap();
    assert_eq!(without_bookkeeping(back), without_bookkeeping(before));
}

#[tokio::test]
async fn deleting_a_deployment_counts_its_replicasets_and_pods() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let out = api
        .run_ok(&["remove the backend deployment", "--dry-run"])
        .await;
    assert!(
        out.contains("its 2 ReplicaSet(s) and 1 pod(s) are deleted with it"),
        "{out}"
    );
    assert!(api.writes().is_empty());
}

#[tokio::test]
async fn a_namespace_delete_is_destructive_counts_its_objects_and_undo_says_what_is_lost() {
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "todo"}});
    let api = FakeApi::start(todo_cluster_with([namespace]), &[]).await;
    let (code, out, err) = api.run(&["delete namespace todo"]).await;
    assert_eq!(
        code, 3,
        "not confirmed without a terminal or --yes: {out}{err}"
    );
    assert!(out.contains("DESTRUCTIVE"), "{out}");
    assert!(
        out.contains("2 pod, 2 deployment, 2 service"),
        "the plan counts what goes with it: {out}"
    );
    assert!(api.writes().is_empty());
    api.run_ok(&["delete namespace todo", "--yes"]).await;
    assert_eq!(api.audit().last().unwrap()["access"], "destructive");
    let (code, out, _) = api.run(&["undo"]).await;
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("re-creates the namespace only"),
        "undo says plainly what it cannot bring back: {out}"
    );
}
