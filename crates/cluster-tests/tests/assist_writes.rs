//! kubectl-assist's writes on the real local cluster: flags after the request; kubectl-ai's
//! exact harness argv with the request on stdin; percent scaling; --dry-run shows the
//! server's diff and changes nothing (not even a resourceVersion); rollout
//! history/pause/resume. Undo round trips are in assist_writes/undo.rs, the RBAC preflight
//! in assist_writes/rbac.rs, cordon and drain in assist_writes/node.rs.
//!
//! The tests share one namespace (assist_writes/fixture.rs) and set the state they start
//! from themselves, so they pass alone, in any order.

#[path = "assist_writes/fixture.rs"]
mod fixture;
#[path = "assist_writes/node.rs"]
mod node;
#[path = "assist_writes/rbac.rs"]
mod rbac;
#[path = "assist_writes/undo.rs"]
mod undo;

use std::process::Stdio;

use fixture::{NS, writes};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn dry_run_after_the_request_shows_the_diff_and_changes_nothing() {
    let w = writes();
    w.set_replicas(1).await;
    w.ok_showing(
        &[
            &format!("scale deployment web in namespace {NS} to 3 replicas"),
            "--dry-run",
        ],
        &["-  replicas: 1", "+  replicas: 3"],
    );
    assert_eq!(w.replicas().await, 1, "the dry run changed the replicas");
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn namespace_and_yes_after_the_request() {
    let w = writes();
    w.set_replicas(1).await;
    w.ok_showing(&["scale web to 2", "-n", NS, "--yes"], &[]);
    assert_eq!(w.replicas().await, 2);
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn kubectl_ai_harness_argv_with_the_request_on_stdin() {
    use std::io::Write;
    let w = writes();
    w.set_replicas(1).await;
    // kubectl-ai's evaluation harness: its own flags, the request on stdin, the audit log
    // from the environment, no API key (the offline planner answers).
    let mut cmd = w.assist.plain_command();
    cmd.env_remove("GEMINI_API_KEY")
        .env_remove("LLM_API_KEY")
        .env("KUBECTL_ASSIST_AUDIT_LOG", w.assist.audit_path())
        .arg("--kubeconfig")
        .arg(w.cluster.kubeconfig())
        .args([
            "--llm-provider",
            "gemini",
            "--enable-tool-use-shim=false",
            "--quiet=true",
            "--model",
            "gemini-2.5-flash",
            "--trace-path",
        ])
        .arg(w.out.join("trace.log"))
        .args(["--skip-permissions", "--show-tool-output"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn kubectl-assist");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("scale deployment 'web' in namespace '{NS}' to 4 replicas\n").as_bytes())
        .expect("write the request");
    let out = child.wait_with_output().expect("kubectl-assist");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{all}");
    assert_eq!(out.status.code(), Some(0), "exit {:?}:\n{all}", out.status);
    assert_eq!(w.replicas().await, 4);
    // The audit line came from KUBECTL_ASSIST_AUDIT_LOG.
    let last = w
        .assist
        .audit()
        .expect("audit")
        .pop()
        .expect("an audit line");
    assert_eq!(
        last.operation.as_deref(),
        Some(format!("kubectl scale deployment/web --replicas=4 -n {NS}").as_str())
    );
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn percent_scaling() {
    let w = writes();
    w.set_replicas(4).await;
    w.ok_showing(
        &[
            &format!("scale down deployment 'web' in namespace '{NS}' by 50%"),
            "--yes",
        ],
        &[],
    );
    assert_eq!(w.replicas().await, 2, "4 scaled down by 50%");
    w.ok_showing(&["scale up web by 50%", "-n", NS, "--yes"], &[]);
    assert_eq!(w.replicas().await, 3, "2 scaled up by 50%");
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn rollout_history_pause_resume() {
    let w = writes();
    w.ok_showing(
        &["show the rollout history of deployment web", "-n", NS],
        &["REVISION", "busybox:e2e"],
    );
    w.ok_showing(
        &["pause deployment web", "-n", NS, "--yes"],
        &["+  paused: true"],
    );
    let paused = |d: Deployment| d.spec.and_then(|s| s.paused).unwrap_or(false);
    assert!(paused(w.deployment("web").await), "web is not paused");
    w.ok_showing(&["resume deployment web", "-n", NS, "--yes"], &[]);
    assert!(!paused(w.deployment("web").await), "web is still paused");
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn a_dry_run_changes_no_resource_version() {
    let w = writes();
    w.create_configmap("kept-cm", &["A=1"]);
    let version = |o: Option<serde_json::Value>| {
        o.and_then(|o| o["metadata"]["resourceVersion"].as_str().map(String::from))
            .expect("resourceVersion")
    };
    let rv_dep = version(w.object::<Deployment>("web").await);
    let rv_cm = version(w.object::<ConfigMap>("kept-cm").await);
    w.ok_showing(
        &["set env DRY=1 on deployment web", "-n", NS, "--dry-run"],
        &["+          value: \"1\""],
    );
    w.ok_showing(
        &["delete the configmap kept-cm", "-n", NS, "--dry-run"],
        &["-kind: ConfigMap"],
    );
    assert_eq!(
        version(w.object::<Deployment>("web").await),
        rv_dep,
        "the deployment changed"
    );
    assert_eq!(
        version(w.object::<ConfigMap>("kept-cm").await),
        rv_cm,
        "the configmap changed"
    );
}
