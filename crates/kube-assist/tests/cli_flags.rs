//! Flags after the request and kubectl-ai's harness argv, through the binary
//! against the fake API server: the exact calls made.

mod common;

use common::{FakeApi, todo_cluster, todo_cluster_with};
use serde_json::json;

#[tokio::test]
async fn dry_run_after_the_request_is_a_dry_run() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    api.run_ok(&["scale the frontend to 5 replicas", "--dry-run"])
        .await;
    assert!(api.writes().is_empty(), "{:?}", api.writes());
    let writes = api.dry_runs();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(
        api.object("Deployment", "todo", "todo-frontend").unwrap()["spec"]["replicas"],
        1
    );
}

#[tokio::test]
async fn read_only_and_namespace_after_the_request_are_obeyed() {
    let mut other = todo_cluster()[0].clone();
    other["metadata"]["namespace"] = json!("staging");
    let api = FakeApi::start(todo_cluster_with([other]), &[]).await;
    let (code, out, _) = api
        .run(&[
            "scale the frontend to 2",
            "--yes",
            "--read-only",
            "-n",
            "todo",
        ])
        .await;
    assert_eq!(code, 3, "{out}");
    assert!(api.writes().is_empty());
    api.run_ok(&[
        "scale", "the", "frontend", "to", "2", "-n", "staging", "--yes",
    ])
    .await;
    assert_eq!(
        api.writes()[0].path,
        "/apis/apps/v1/namespaces/staging/deployments/todo-frontend/scale"
    );
}

#[tokio::test]
async fn kubectl_ai_harness_argv_with_the_request_on_stdin() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let kubeconfig = api.kubeconfig.display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.log").display().to_string();
    let (code, out, err) = api
        .run_exact_argv(
            &[
                "--kubeconfig",
                &kubeconfig,
                "--llm-provider",
                "gemini",
                "--enable-tool-use-shim=false",
                "--quiet=true",
                "--model",
                "gemini-2.5-flash",
                "--trace-path",
                &trace,
                "--skip-permissions",
                "--show-tool-output",
            ],
            "scale deployment 'todo-frontend' in namespace 'todo' to 3 replicas\n",
        )
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("no LLM") && err.contains("offline"),
        "an unconfigured LLM is a note on stderr: {err}"
    );
    let writes = api.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(
        writes[0].path,
        "/apis/apps/v1/namespaces/todo/deployments/todo-frontend/scale"
    );
    assert_eq!(writes[0].body, json!({"spec": {"replicas": 3}}));
}

#[tokio::test]
async fn percent_scaling_reads_the_count_and_zero_is_marked_destructive() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let out = api
        .run_ok(&[
            "scale up deployment 'todo-frontend' in namespace 'todo' by 100%",
            "--yes",
        ])
        .await;
    assert!(
        out.contains("1. [write] kubectl scale deployment/todo-frontend --replicas=2 -n todo"),
        "{out}"
    );
    assert_eq!(api.writes()[0].body, json!({"spec": {"replicas": 2}}));
    let out = api
        .run_ok(&["scale down the frontend by 100%", "--dry-run"])
        .await;
    assert!(
        out.contains("[DESTRUCTIVE write] kubectl scale deployment/todo-frontend --replicas=0")
            && out.contains("scales deployment/todo-frontend to 0"),
        "{out}"
    );
}

#[tokio::test]
async fn a_write_the_identity_may_not_make_is_refused_naming_the_permission() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    api.deny("patch deployments/scale");
    let (code, out, _) = api.run(&["scale the frontend to 3", "--yes"]).await;
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("you cannot patch deployments/scale.apps in todo"),
        "{out}"
    );
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());
    assert_eq!(
        api.access_reviews()[0],
        json!({"verb": "patch", "group": "apps", "resource": "deployments", "subresource": "scale", "namespace": "todo", "name": "todo-frontend"})
    );
    assert_eq!(api.audit()[0]["decision"], "refused_forbidden");
    // Other writes are still allowed.
    api.run_ok(&["restart the frontend", "--yes"]).await;
}
