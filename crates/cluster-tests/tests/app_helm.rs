//! The Helm chart on the real cluster: install with the in-chart PostgreSQL, smoke test,
//! scale the backend to 2, then faults under load (rolling upgrade, graceful pod delete,
//! SIGKILL of a backend, the PostgreSQL pod deleted), and a clean uninstall; and the SQLite
//! default installed, smoke-tested and uninstalled. The main flow writes
//! bench/results/cluster.json.
//!
//! Run: `cargo test --workspace --test app_helm -- --ignored --test-threads=1` after
//! `e2e/cluster up` (TODO_E2E_BINARY=PATH: a prebuilt static todo for the image).

#[macro_use]
mod app;
#[path = "app_helm/faults.rs"]
mod faults;

use std::time::{Duration, Instant};

use app::api::{self, AppServices};
use app::{Result, Steps, kube_wait, note};
use cluster_tests::images::AppImages;
use cluster_tests::{Cluster, TestNamespace};
use faults::Bench;

const HELM_NS: &str = "e2e-helm";
const REL: &str = "todo";

fn chart(cluster: &Cluster) -> String {
    cluster.repo().join("helm/todo-chart").display().to_string()
}

fn values(cluster: &Cluster, file: &str) -> String {
    cluster
        .repo()
        .join("helm/todo-chart/ci")
        .join(file)
        .display()
        .to_string()
}

/// helm install with PostgreSQL, 1 backend + 1 frontend, until both Deployments are rolled
/// out; then `helm test`. Returns the seconds from install to Ready.
async fn install(cluster: &Cluster, client: &kube::Client, images: &AppImages) -> Result<f64> {
    let started = Instant::now();
    let mut args = vec![
        "install".to_string(),
        REL.into(),
        chart(cluster),
        "-n".into(),
        HELM_NS.into(),
        "-f".into(),
        values(cluster, "postgresql-values.yaml"),
        "--set".into(),
        "backend.replicaCount=1".into(),
        "--set".into(),
        "frontend.replicaCount=1".into(),
    ];
    args.extend(images.helm_flags());
    cluster.helm(&args)?;
    let (be, fe) = (format!("{REL}-backend"), format!("{REL}-frontend"));
    kube_wait::wait_deployments(client, HELM_NS, Duration::from_secs(240), &[&be, &fe]).await?;
    let secs = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    note(format!("helm install -> both Deployments Ready: {secs}s"));
    kube_wait::print_pods(client, HELM_NS).await?;
    let out = cluster.helm(["test", REL, "-n", HELM_NS, "--timeout", "120s"])?;
    let phase = out
        .lines()
        .find(|l| l.starts_with("Phase") || l.contains("Succeeded"))
        .unwrap_or("(no phase line)");
    ensure!(
        out.contains("Succeeded"),
        "helm test did not succeed:\n{out}"
    );
    note(format!("helm test: {}", phase.trim()));
    Ok(secs)
}

async fn scale_backend_to_2(
    cluster: &Cluster,
    client: &kube::Client,
    session: &api::AppSession,
) -> Result<()> {
    cluster.helm([
        "upgrade",
        REL,
        &chart(cluster),
        "-n",
        HELM_NS,
        "--reuse-values",
        "--set",
        "backend.replicaCount=2",
    ])?;
    let be = format!("{REL}-backend");
    kube_wait::wait_deployments(client, HELM_NS, Duration::from_secs(180), &[&be]).await?;
    let d =
        kube::Api::<k8s_openapi::api::apps::v1::Deployment>::namespaced(client.clone(), HELM_NS)
            .get(&be)
            .await?;
    let ready = d.status.and_then(|s| s.ready_replicas).unwrap_or(0);
    ensure!(ready == 2, "backend ready replicas: {ready} (want 2)");
    note("backend: 2 replicas ready; both share PostgreSQL:");
    api::check_shared_data(client, HELM_NS, &be, session).await
}

async fn uninstall(cluster: &Cluster, client: &kube::Client, ns: &str, rel: &str) -> Result<()> {
    cluster.helm(["uninstall", rel, "-n", ns, "--wait", "--timeout", "120s"])?;
    kube_wait::assert_nothing_left(client, ns, rel).await?;
    note(format!("nothing of release {rel} left in {ns}"));
    Ok(())
}

/// The steps in order; `bench` collects what they measure, also when one fails.
async fn helm_flow(
    cluster: &Cluster,
    client: &kube::Client,
    images: &AppImages,
    bench: &mut Bench,
) -> Result<(), app::StepFailed> {
    let mut steps = Steps::new(client.clone(), HELM_NS);
    bench.install_to_ready_seconds = Some(
        steps
            .run("helm-install-ready", install(cluster, client, images))
            .await?,
    );
    let services = AppServices {
        namespace: HELM_NS,
        frontend: &format!("{REL}-frontend"),
        backend: &format!("{REL}-backend"),
        label: "e2e-helm",
    };
    let node_ip = cluster.node_ip();
    let session = steps
        .run(
            "helm-signup-and-task",
            api::smoke(client, &node_ip, services),
        )
        .await?;
    steps
        .run(
            "helm-scale-backend-2",
            scale_backend_to_2(cluster, client, &session),
        )
        .await?;
    let ctx = faults::FaultContext {
        cluster,
        client,
        namespace: HELM_NS,
        release: REL,
        chart: &chart(cluster),
        session: &session,
    };
    steps
        .run(
            "helm-upgrade-under-load",
            faults::upgrade_under_load(&ctx, images, bench),
        )
        .await?;
    steps
        .run(
            "helm-pod-delete-under-load",
            faults::pod_delete_under_load(&ctx, bench),
        )
        .await?;
    steps
        .run("helm-pod-kill", faults::pod_kill_under_load(&ctx, bench))
        .await?;
    steps
        .run(
            "helm-postgres-delete-under-load",
            faults::postgres_delete_under_load(&ctx, bench),
        )
        .await?;
    steps
        .run(
            "helm-uninstall-clean",
            uninstall(cluster, client, HELM_NS, REL),
        )
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn helm_install_smoke_scale_faults_uninstall() {
    let cluster = Cluster::from_env().expect("cluster");
    let client = cluster.client().await.expect("kube client");
    let images = AppImages::ensure(&cluster).expect("app images");
    let _ns = TestNamespace::create(&cluster, HELM_NS).expect("namespace");
    let mut bench = Bench::new(&images);
    let outcome = helm_flow(&cluster, &client, &images, &mut bench).await;
    bench.write(&cluster).expect("bench/results/cluster.json");
    app::finish(outcome);
}

async fn sqlite_flow(
    cluster: &Cluster,
    client: &kube::Client,
    images: &AppImages,
    ns: &str,
) -> Result<(), app::StepFailed> {
    let rel = "lite";
    let mut steps = Steps::new(client.clone(), ns);
    steps
        .run("helm-sqlite-install", async {
            let mut args = vec![
                "install".to_string(),
                rel.into(),
                chart(cluster),
                "-n".into(),
                ns.into(),
                "-f".into(),
                values(cluster, "sqlite-values.yaml"),
                "--set".into(),
                "networkPolicy.enabled=true".into(),
            ];
            args.extend(images.helm_flags());
            cluster.helm(&args)?;
            let (be, fe) = (format!("{rel}-backend"), format!("{rel}-frontend"));
            kube_wait::wait_deployments(client, ns, Duration::from_secs(180), &[&be, &fe]).await
        })
        .await?;
    let services = AppServices {
        namespace: ns,
        frontend: &format!("{rel}-frontend"),
        backend: &format!("{rel}-backend"),
        label: "e2e-sqlite",
    };
    let node_ip = cluster.node_ip();
    steps
        .run(
            "helm-sqlite-signup-and-task",
            api::smoke(client, &node_ip, services),
        )
        .await?;
    steps
        .run(
            "helm-sqlite-uninstall-clean",
            uninstall(cluster, client, ns, rel),
        )
        .await?;
    Ok(())
}

/// SQLite (the chart's default store) with the NetworkPolicy on: installs, answers,
/// uninstalls cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn helm_sqlite_install_smoke_uninstall() {
    let cluster = Cluster::from_env().expect("cluster");
    let client = cluster.client().await.expect("kube client");
    let images = AppImages::ensure(&cluster).expect("app images");
    let ns = TestNamespace::create(&cluster, "e2e-sqlite").expect("namespace");
    app::finish(sqlite_flow(&cluster, &client, &images, ns.name()).await);
}
