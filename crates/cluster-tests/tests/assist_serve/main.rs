//! `kubectl-assist serve` in the real local cluster, next to the Todo Chatbot
//! (helm/todo-chart), installed by helm/kubectl-assist from the image built by
//! e2e/images/Dockerfile.kubectl-assist (what e2e/assist/serve checked, in Rust):
//! - the image is FROM scratch, non-root and < 15 MB, from the static `agent`-profile binary;
//!   the agent gets ready and passes `helm test`;
//! - with the default (read-only) RBAC "scale the frontend to 2 replicas" is refused with the
//!   missing permission and nothing changes;
//! - with `rbac.write.namespaces=[the app's namespace]` the plan comes with its diff, a viewer
//!   cannot approve, an approver can, and 2 pods are ready with the app answering throughout;
//!   the same write in another namespace is refused;
//! - a crashing workload shows up in /metrics and as an Event within one check period;
//! - the official Python MCP client over streamable HTTP lists the read tools and runs health;
//! - the console, in headless Chromium and as plain forms, plans, shows the diff, approves and
//!   lists the crashing workload on its health page;
//! - the audit lines on the pod's stdout match what ran;
//! - with impersonation on, each person's own RBAC decides (a view-only user is refused, an
//!   editor's approved write runs).
//!
//! The checks depend on each other's state (one agent, upgraded twice), so they are the
//! steps of ONE test, in order; a failed check does not stop the later ones (each says what
//! it saw), a failed bring-up does. The suite removes its Helm releases (the agent chart's
//! cluster-scoped RBAC goes only with `helm uninstall`) and its namespaces when it ends
//! (`E2E_KEEP=1` keeps them).
//!
//! Inputs: `KUBECTL_ASSIST_E2E_BINARY` (./test.sh's static build; else e2e/lib/images.sh
//! builds it), `TODO_E2E_BINARY` (for the app image when e2e/run left none current).

mod agent_api;
mod bring_up;
mod checks;
mod console;
#[path = "../../../kube-assist/tests/console_driver/mod.rs"]
mod console_driver;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use cluster_tests::Cluster;

use agent_api::AgentApi;
use bring_up::Team;

/// The app's namespace (helm/todo-chart, release [`APP`]); the agent may write here once
/// `rbac.write.namespaces` names it.
const APP_NS: &str = "serve-todo";
/// A namespace the agent may never write to (one Deployment `web`).
const OTHER_NS: &str = "serve-other";
/// The agent's namespace (helm/kubectl-assist, release [`AGENT`]).
const AGENT_NS: &str = "serve-agent";
const APP: &str = "serve";
const AGENT: &str = "agent";

/// What every check shares once the app and the agent are up.
pub struct Serve {
    cluster: Cluster,
    client: kube::Client,
    /// target/e2e/assist-serve: logs, the image context, values files.
    out: PathBuf,
    /// `repository:tag` of the agent image the chart runs.
    agent_image: String,
    team: Team,
    agent: AgentApi,
}

/// Runs the checks in order, each as its own task so that a failed assertion fails that
/// check only, and prints `ok`/`FAIL` with its time like the other suites.
struct Checks {
    serve: Arc<Serve>,
    failed: Vec<&'static str>,
    passed: usize,
}

impl Checks {
    async fn run<F, Fut>(&mut self, name: &'static str, check: F)
    where
        F: FnOnce(Arc<Serve>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        println!("--- {name}");
        let start = Instant::now();
        let outcome = tokio::spawn(check(self.serve.clone())).await;
        let secs = start.elapsed().as_secs();
        match outcome {
            Ok(()) => {
                self.passed += 1;
                println!("ok   {name} ({secs}s)");
            }
            Err(e) => {
                self.failed.push(name);
                println!("FAIL {name} ({secs}s): {e}");
            }
        }
    }
}

/// Runs one bring-up step, timed and named like a check; its failure (a panic) ends the
/// suite, since nothing after it could pass.
async fn bring<T>(name: &str, step: impl Future<Output = T>) -> T {
    println!("--- {name}");
    let start = Instant::now();
    let value = step.await;
    println!("ok   {name} ({}s)", start.elapsed().as_secs());
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local cluster (e2e/cluster up); ./test.sh runs it"]
async fn the_in_cluster_agent_next_to_the_app() {
    let start = Instant::now();
    let cluster = Cluster::from_env().expect("cluster");
    let client = cluster.client().await.expect("kube client");
    let out = cluster.out_dir().join("assist-serve");
    std::fs::create_dir_all(&out).expect("target/e2e/assist-serve");

    let agent_image = bring(
        "image: static, FROM scratch, non-root, < 15 MB",
        bring_up::agent_image(&cluster, &out),
    )
    .await;

    // Declared before the releases, so they drop (are deleted) after `helm uninstall`.
    let (_app_ns, _other_ns, _app) = bring(
        "the Todo Chatbot and a second namespace",
        bring_up::app(&cluster, &client, &out),
    )
    .await;
    let team = Team::random();
    let (_agent_ns, _agent) = bring(
        "install the agent chart; helm test",
        bring_up::agent(&cluster, &client, &out, &agent_image, &team),
    )
    .await;
    let agent = AgentApi::new(&client).await;

    let mut checks = Checks {
        serve: Arc::new(Serve {
            cluster,
            client,
            out,
            agent_image,
            team,
            agent,
        }),
        failed: Vec::new(),
        passed: 3,
    };
    checks
        .run(
            "default RBAC: the write is refused with the missing permission",
            checks::default_rbac_refuses,
        )
        .await;
    checks
        .run(
            "rbac.write.namespaces: plan + diff, viewer refused, approver approves, 2 ready pods, app answering",
            checks::write_namespace_scale_with_approval,
        )
        .await;
    checks
        .run(
            "rbac.write.namespaces: refused in any other namespace",
            checks::other_namespace_refused,
        )
        .await;
    checks
        .run(
            "a crashing workload in /metrics and as an Event within one check period",
            checks::crashing_workload_in_metrics_and_events,
        )
        .await;
    checks
        .run(
            "the official Python MCP client over HTTP lists the read tools and runs health",
            checks::mcp_python_client,
        )
        .await;
    checks
        .run(
            "the console in Chromium: plan, diff, approve, audit, health",
            console::chromium_approves_and_lists_findings,
        )
        .await;
    checks
        .run(
            "the console without JavaScript: an operator asks, an approver approves by form",
            console::plain_forms_ask_and_approve,
        )
        .await;
    checks
        .run(
            "audit lines on stdout match what ran",
            checks::audit_on_stdout,
        )
        .await;
    checks
        .run(
            "--impersonate: a view-only user's write is refused by their RBAC, an editor's runs after approval",
            checks::impersonation,
        )
        .await;

    println!(
        "{} passed, {} failed in {} s",
        checks.passed,
        checks.failed.len(),
        start.elapsed().as_secs()
    );
    assert!(checks.failed.is_empty(), "failed: {:?}", checks.failed);
}
