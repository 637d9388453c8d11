//! The checks against the agent over its API, /metrics, Events, MCP and stdout; each reads
//! the effect on the real API server with kube-rs. They run in the order `main` lists them:
//! the agent is upgraded to write in the app's namespace by the second and to impersonate
//! people by the last.

use std::sync::Arc;
use std::time::Duration;

use cluster_tests::{AppProber, poll_until};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Service};
use kube::Api;
use kube::api::{ListParams, PostParams};
use kube_assist::serve::approvals::PlanState;
use kube_assist::serve::trail::TrailLine;
use serde_json::json;

use crate::bring_up::agent_chart;
use crate::{AGENT, AGENT_NS, APP, APP_NS, OTHER_NS, Serve};

/// `.spec.replicas` of Deployment `name` in `namespace`.
pub async fn replicas(serve: &Serve, namespace: &str, name: &str) -> i32 {
    Api::<Deployment>::namespaced(serve.client.clone(), namespace)
        .get(name)
        .await
        .unwrap_or_else(|e| panic!("get deployment {name} -n {namespace}: {e}"))
        .spec
        .and_then(|s| s.replicas)
        .unwrap_or(1)
}

/// The app's frontend Deployment (and Service) of the todo chart.
fn frontend() -> String {
    format!("{APP}-frontend")
}

/// "cannot patch deployments/scale.apps in NS": how the agent names the permission its
/// ServiceAccount lacks.
fn missing_scale(namespace: &str) -> String {
    format!("cannot patch deployments/scale.apps in {namespace}")
}

/// `request`, asked with `token` in `namespace`, is refused with a message holding
/// `because`, and Deployment `deployment` there keeps its replicas.
async fn refused(
    serve: &Serve,
    token: &str,
    request: &str,
    namespace: &str,
    deployment: &str,
    because: &str,
) {
    let before = replicas(serve, namespace, deployment).await;
    let answer = serve.agent.ask(token, request, namespace).await;
    println!("    refused: {}", answer.head(300));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let plan = answer.plan();
    assert_eq!(plan.state, PlanState::Refused, "{}", answer.body);
    assert!(
        plan.message().contains(because),
        "the refusal should say {because:?}: {}",
        plan.message()
    );
    assert_eq!(replicas(serve, namespace, deployment).await, before);
}

/// The approver approves plan `id`, and it is carried out.
async fn approved_and_done(serve: &Serve, id: &str) {
    let done = serve.agent.approve(&serve.team.approver, id).await;
    println!("    approver approves: {}", done.head(160));
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.plan().state, PlanState::Done, "{}", done.body);
}

pub async fn default_rbac_refuses(serve: Arc<Serve>) {
    refused(
        &serve,
        &serve.team.operator,
        "scale the frontend to 2 replicas",
        APP_NS,
        &frontend(),
        &missing_scale(APP_NS),
    )
    .await;
    assert_eq!(replicas(&serve, APP_NS, &frontend()).await, 1);
}

/// `http://CLUSTER-IP:PORT/` of the app's frontend Service.
async fn frontend_url(serve: &Serve) -> String {
    let service = Api::<Service>::namespaced(serve.client.clone(), APP_NS)
        .get(&frontend())
        .await
        .expect("the frontend Service");
    let spec = service.spec.expect("a Service spec");
    let ip = spec.cluster_ip.expect("a ClusterIP");
    let port = spec
        .ports
        .and_then(|p| p.first().map(|p| p.port))
        .expect("a port");
    format!("http://{ip}:{port}/")
}

pub async fn write_namespace_scale_with_approval(serve: Arc<Serve>) {
    agent_chart(
        &serve.cluster,
        &serve.out,
        &serve.agent_image,
        "upgrade",
        &[
            "--set".into(),
            format!("rbac.write.namespaces={{{APP_NS}}}"),
        ],
    );
    let probe = AppProber::start(vec![frontend_url(&serve).await]);

    let answer = serve
        .agent
        .ask(
            &serve.team.operator,
            "scale the frontend to 2 replicas",
            APP_NS,
        )
        .await;
    println!("    plan: {}", answer.head(200));
    let plan = answer.plan();
    assert_eq!(plan.state, PlanState::PendingApproval, "{}", answer.body);
    assert!(plan.diff_has("+  replicas: 2"), "the diff: {}", answer.body);

    let viewer = serve.agent.approve(&serve.team.viewer, &plan.id).await;
    println!("    viewer approves: {}", viewer.head(160));
    assert_eq!(
        viewer.status, 403,
        "a viewer cannot approve: {}",
        viewer.body
    );
    assert_eq!(replicas(&serve, APP_NS, &frontend()).await, 1);

    approved_and_done(&serve, &plan.id).await;

    let deployments = Api::<Deployment>::namespaced(serve.client.clone(), APP_NS);
    let ready = poll_until(
        "the frontend rolled out to 2 ready pods",
        Duration::from_secs(120),
        Duration::from_millis(500),
        || async {
            let d = deployments
                .get(&frontend())
                .await
                .map_err(|e| e.to_string())?;
            let generation = d.metadata.generation.unwrap_or_default();
            let status = d.status.unwrap_or_default();
            let rolled_out = status.observed_generation.unwrap_or_default() >= generation
                && status.updated_replicas == Some(2)
                && status.ready_replicas == Some(2)
                && status.replicas == Some(2);
            if rolled_out {
                Ok(2)
            } else {
                Err(format!(
                    "ready {:?}, updated {:?}, total {:?}",
                    status.ready_replicas, status.updated_replicas, status.replicas
                ))
            }
        },
    )
    .await
    .expect("rollout");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let probes = probe.stop();
    println!(
        "    app probes: {} requests, {} failed; ready: {ready}",
        probes.probes.len(),
        probes.failed().len()
    );
    probes
        .check()
        .unwrap_or_else(|e| panic!("the app did not answer throughout: {e}"));
}

pub async fn other_namespace_refused(serve: Arc<Serve>) {
    refused(
        &serve,
        &serve.team.operator,
        "scale deployment web to 3 replicas",
        OTHER_NS,
        "web",
        &missing_scale(OTHER_NS),
    )
    .await;
    assert_eq!(replicas(&serve, OTHER_NS, "web").await, 1);
}

/// The name prefix of the crashing workload's pods (Deployment `crasher` in [`APP_NS`]).
pub const CRASHING: &str = "crasher-";

pub async fn crashing_workload_in_metrics_and_events(serve: Arc<Serve>) {
    let crasher: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "crasher", "labels": {"app": "crasher"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "crasher"}},
            "template": {
                "metadata": {"labels": {"app": "crasher"}},
                "spec": {"containers": [{
                    "name": "busybox", "image": "busybox:e2e", "imagePullPolicy": "Never",
                    "command": ["/bin/sh", "-c", "echo starting; exit 3"]
                }]}
            }
        }
    }))
    .expect("the crasher Deployment");
    Api::<Deployment>::namespaced(serve.client.clone(), APP_NS)
        .create(&PostParams::default(), &crasher)
        .await
        .expect("create deployment crasher");

    let series = format!(
        "kubectl_assist_findings{{severity=\"critical\",kind=\"pod\",namespace=\"{APP_NS}\",reason=\"CrashLoopBackOff\"}}"
    );
    let metrics = poll_until(
        "the crash loop in /metrics",
        Duration::from_secs(120),
        Duration::from_secs(2),
        || async {
            let text = serve.agent.metrics().await?;
            if text.lines().any(|l| l.starts_with(&series)) {
                Ok(text)
            } else {
                Err(format!("no {series}"))
            }
        },
    )
    .await
    .expect("metrics");
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("kubectl_assist_findings") && l.contains(APP_NS))
        .take(3)
    {
        println!("    {line}");
    }

    // The Event comes from the same check as the series; its write may land a moment later.
    let events = Api::<Event>::namespaced(serve.client.clone(), APP_NS);
    let is_ours = |e: &Event| e.reporting_component.as_deref() == Some("kubectl-assist");
    let is_crash_loop = |e: &Event| {
        e.involved_object.kind.as_deref() == Some("Pod")
            && e.involved_object
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(CRASHING))
            && e.reason.as_deref() == Some("CrashLoopBackOff")
    };
    let ours = poll_until(
        "a CrashLoopBackOff Event of kubectl-assist on a crasher pod",
        Duration::from_secs(20),
        Duration::from_secs(1),
        || async {
            let list = events
                .list(&ListParams::default())
                .await
                .map_err(|e| e.to_string())?;
            let ours: Vec<Event> = list.items.into_iter().filter(is_ours).collect();
            if ours.iter().any(is_crash_loop) {
                Ok(ours)
            } else {
                Err(format!(
                    "{} Events of kubectl-assist, none of them",
                    ours.len()
                ))
            }
        },
    )
    .await
    .expect("events");
    for e in &ours {
        println!(
            "    event: {} {} {} {:?}",
            e.involved_object.kind.as_deref().unwrap_or_default(),
            e.involved_object.name.as_deref().unwrap_or_default(),
            e.reason.as_deref().unwrap_or_default(),
            e.count
        );
    }
}

/// The official Python MCP SDK (the cargo tier's venv, crates/todo-agent/tests/mcp_client.py)
/// over streamable HTTP with a viewer's token: the read tools are listed, no write is offered
/// (the chart leaves mcp.writes off), and health runs over the real cluster.
pub async fn mcp_python_client(serve: Arc<Serve>) {
    let cache = std::env::var_os("TODO_CACHE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/todo-chatbot")
        });
    let python = cache.join("venv/bin/python");
    let sdk = std::process::Command::new(&python)
        .args(["-c", "import mcp.client.streamable_http"])
        .output();
    assert!(
        sdk.is_ok_and(|o| o.status.success()),
        "no MCP SDK in {} (scripts/install.d installs it)",
        python.display()
    );
    let script = serve
        .cluster
        .repo()
        .join("crates/todo-agent/tests/mcp_client.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg("--http")
        .arg(format!("{}/mcp", serve.agent.url()))
        .args(["--token", &serve.team.viewer])
        .args(["--calls", r#"[{"name":"health","arguments":{}}]"#])
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .expect("run the MCP client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the MCP client failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    let tools: Vec<&str> = report["tools"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        tools.contains(&"health") && !tools.contains(&"scale"),
        "tools: {tools:?}"
    );
    let health = &report["results"][0];
    let text = health["text"].as_str().unwrap_or_default();
    assert_eq!(health["is_error"], json!(false), "health: {health}");
    assert!(checked_pods(text), "health: {health}");
    println!(
        "    {} tools, none a write; health: {}",
        tools.len(),
        text.lines().next().unwrap_or_default()
    );
}

/// Whether `text` says "Checked N pods" with N a number.
fn checked_pods(text: &str) -> bool {
    text.match_indices("Checked ").any(|(at, word)| {
        let rest = &text[at + word.len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(" pods")
    })
}

pub async fn audit_on_stdout(serve: Arc<Serve>) {
    let log = serve
        .cluster
        .kubectl([
            "-n",
            AGENT_NS,
            "logs",
            &format!("deploy/{AGENT}-kubectl-assist"),
        ])
        .expect("the agent's log");
    let _ = std::fs::write(serve.out.join("agent.log"), &log);
    let lines: Vec<TrailLine> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let command = format!(
        "kubectl scale deployment/{} --replicas=2 -n {APP_NS}",
        frontend()
    );
    let approved = lines.iter().find(|l| {
        l.record.decision == "approved" && l.record.operation.as_deref() == Some(&command)
    });
    let approved = approved.unwrap_or_else(|| panic!("no approved line of {command:?}:\n{log}"));
    assert_eq!(approved.record.user, "olga", "who asked: {approved:?}");
    assert_eq!(
        approved.decided_by.as_deref(),
        Some("anna"),
        "who approved: {approved:?}"
    );
    println!("    {} audit lines on stdout", lines.len());
}

/// `--impersonate` against the real API server: the agent's own write Role is gone (default
/// RBAC), olga's Kubernetes user has `edit` in the app's namespace and otto's only `view`.
/// Otto's write is refused by the API server's answer for HIS user; olga's runs after anna
/// approves, which only her own RBAC allows.
pub async fn impersonation(serve: Arc<Serve>) {
    let values = serve.out.join("impersonation.yaml");
    std::fs::write(
        &values,
        "impersonation:\n  enabled: true\n  users:\n    \
         - {name: olga, user: olga@serve.e2e, groups: [serve-e2e-web]}\n    \
         - {name: otto, user: otto@serve.e2e}\n    - {name: anna, user: anna@serve.e2e}\n",
    )
    .expect("impersonation values");
    for (binding, role, user) in [
        ("olga-edit", "edit", "olga@serve.e2e"),
        ("otto-view", "view", "otto@serve.e2e"),
    ] {
        serve
            .cluster
            .kubectl([
                "-n",
                APP_NS,
                "create",
                "rolebinding",
                binding,
                &format!("--clusterrole={role}"),
                &format!("--user={user}"),
            ])
            .expect("create rolebinding");
    }
    agent_chart(
        &serve.cluster,
        &serve.out,
        &serve.agent_image,
        "upgrade",
        &["-f".into(), values.display().to_string()],
    );
    let account = format!("system:serviceaccount:{AGENT_NS}:{AGENT}-kubectl-assist");
    // `auth can-i` exits 1 when the answer is no: read its answer, not its status.
    let can_i = serve
        .cluster
        .command("kubectl")
        .args(["auth", "can-i", "patch", "deployments/scale"])
        .arg(format!("--as={account}"))
        .args(["-n", APP_NS])
        .output()
        .expect("kubectl auth can-i");
    assert_eq!(
        String::from_utf8_lossy(&can_i.stdout).trim(),
        "no",
        "the agent's own ServiceAccount can still scale in {APP_NS}"
    );

    let now = replicas(&serve, APP_NS, &frontend()).await;
    let next = if now == 1 { 2 } else { 1 };
    let request = format!("scale the frontend to {next} replicas");
    let his = format!(
        "otto, acting as the Kubernetes user otto@serve.e2e, {}",
        missing_scale(APP_NS)
    );
    refused(
        &serve,
        &serve.team.otto,
        &request,
        APP_NS,
        &frontend(),
        &his,
    )
    .await;

    let answer = serve
        .agent
        .ask(&serve.team.operator, &request, APP_NS)
        .await;
    println!("    olga (edit): {}", answer.head(200));
    let plan = answer.plan();
    assert_eq!(plan.state, PlanState::PendingApproval, "{}", answer.body);
    assert!(
        plan.diff_has(&format!("+  replicas: {next}")),
        "{}",
        answer.body
    );
    approved_and_done(&serve, &plan.id).await;
    assert_eq!(replicas(&serve, APP_NS, &frontend()).await, next);
    println!("    frontend {now} -> {next} replicas as olga@serve.e2e; otto@serve.e2e refused");
}
