//! The faults of the Helm flow, each under bounded load with 2 backend replicas sharing
//! PostgreSQL, and the figures they leave in bench/results/cluster.json.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cluster_tests::Cluster;
use serde::Serialize;

use crate::app::api::{self, AppSession};
use crate::app::load::{Load, LoadFigures, acked_writer};
use crate::app::{AppTestError, Result, fail, kube_wait, note};
use cluster_tests::images::AppImages;

const BACKEND: &str = "app.kubernetes.io/component=backend";

/// What every fault needs: where the release is and the smoke test's user.
pub struct FaultContext<'a> {
    pub cluster: &'a Cluster,
    pub client: &'a kube::Client,
    pub namespace: &'a str,
    pub release: &'a str,
    pub chart: &'a str,
    pub session: &'a AppSession,
}

impl FaultContext<'_> {
    fn deployment(&self, component: &str) -> String {
        format!("{}-{component}", self.release)
    }

    async fn first_backend_pod(&self) -> Result<String> {
        let pods = kube_wait::pods(self.client, self.namespace, BACKEND).await?;
        match pods.first() {
            Some(p) => Ok(kube_wait::pod_name(p)),
            None => fail("no backend pod"),
        }
    }
}

/// The PostgreSQL pod deleted under writes: what was acknowledged and what is stored.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PostgresWrites {
    pub acknowledged: usize,
    pub not_acknowledged: usize,
    pub lost: usize,
    pub postgres_back_seconds: u64,
    pub backends_ready_seconds: u64,
}

/// The file as written, fields in this order (as the bash suite wrote them, so earlier
/// results compare line by line).
#[derive(Serialize)]
struct BenchFile<'a> {
    what: &'static str,
    date: String,
    machine: Machine,
    image: &'a str,
    image_bytes: u64,
    image_mib: f64,
    helm_install_to_ready_seconds: Option<f64>,
    install_values: &'static str,
    upgrade_load: Option<LoadFigures>,
    pod_delete_load: Option<LoadFigures>,
    pod_kill_load: Option<LoadFigures>,
    postgres_pod_delete_writes: Option<PostgresWrites>,
}

#[derive(Serialize)]
struct Machine {
    cores: usize,
    load_avg_1m_at_end: Option<f64>,
    kubernetes: &'static str,
}

/// bench/results/cluster.json: the image, install time and the loads' figures (null for a
/// step that did not run).
#[derive(Debug, Clone, Default)]
pub struct Bench {
    pub image: String,
    pub image_bytes: u64,
    pub install_to_ready_seconds: Option<f64>,
    pub upgrade_load: Option<LoadFigures>,
    pub pod_delete_load: Option<LoadFigures>,
    pub pod_kill_load: Option<LoadFigures>,
    pub postgres_pod_delete_writes: Option<PostgresWrites>,
}

impl Bench {
    pub fn new(images: &AppImages) -> Self {
        Self {
            image: images.app.clone(),
            image_bytes: images.app_bytes,
            ..Self::default()
        }
    }

    pub fn write(&self, cluster: &Cluster) -> Result<()> {
        let load_1m = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let image_mib = (self.image_bytes as f64 / 1_048_576.0 * 10.0).round() / 10.0;
        let doc = BenchFile {
            what: "e2e cluster: todo image size and time from helm install to both Deployments Ready",
            date: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            machine: Machine {
                cores,
                load_avg_1m_at_end: load_1m,
                kubernetes: "1.20.2 (e2e/cluster, dockershim)",
            },
            image: &self.image,
            image_bytes: self.image_bytes,
            image_mib,
            helm_install_to_ready_seconds: self.install_to_ready_seconds,
            install_values: "helm/todo-chart/ci/postgresql-values.yaml with 1 backend + 1 frontend replica (PostgreSQL StatefulSet included)",
            upgrade_load: self.upgrade_load,
            pod_delete_load: self.pod_delete_load,
            pod_kill_load: self.pod_kill_load,
            postgres_pod_delete_writes: self.postgres_pod_delete_writes,
        };
        let path = cluster.repo().join("bench/results/cluster.json");
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
        std::fs::write(&path, text).map_err(|source| AppTestError::Io {
            context: format!("writing {}", path.display()),
            source,
        })?;
        note(format!("wrote {}", path.display()));
        Ok(())
    }
}

/// A rolling upgrade to another image tag under load: 0 failed requests, and afterwards
/// every pod of the release runs the new tag (the old ones are gone).
pub async fn upgrade_under_load(
    ctx: &FaultContext<'_>,
    images: &AppImages,
    bench: &mut Bench,
) -> Result<()> {
    let tag = images.v2_tag();
    let load = Load::start(ctx.session, Duration::from_secs(120), 100_000)?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let upgraded = async {
        ctx.cluster.helm([
            "upgrade",
            ctx.release,
            ctx.chart,
            "-n",
            ctx.namespace,
            "--reuse-values",
            "--set",
            &format!("image.tag={tag}"),
        ])?;
        let (be, fe) = (ctx.deployment("backend"), ctx.deployment("frontend"));
        kube_wait::wait_deployments(
            ctx.client,
            ctx.namespace,
            Duration::from_secs(240),
            &[&be, &fe],
        )
        .await?;
        let selector = format!("app.kubernetes.io/instance={}", ctx.release);
        let mut old = Vec::new();
        for _ in 0..60 {
            old = kube_wait::pods(ctx.client, ctx.namespace, &selector)
                .await?
                .iter()
                .filter_map(|p| p.spec.as_ref()?.containers.first()?.image.clone())
                .filter(|i| i.contains("todo-chatbot") && !i.ends_with(&format!(":{tag}")))
                .collect::<Vec<_>>();
            if old.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        ensure!(
            old.is_empty(),
            "pods still on the old image after the upgrade: {old:?}"
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok(())
    }
    .await;
    let seen = load.stop().await;
    upgraded?;
    note(format!("helm upgrade -> image tag {tag} done"));
    bench.upgrade_load = Some(seen.figures());
    seen.check(0)
}

/// A backend pod deleted (gracefully) under load: 0 failed requests.
pub async fn pod_delete_under_load(ctx: &FaultContext<'_>, bench: &mut Bench) -> Result<()> {
    let pod = ctx.first_backend_pod().await?;
    let load = Load::start(ctx.session, Duration::from_secs(60), 100_000)?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    note(format!("deleting backend pod {pod} (graceful)"));
    let deleted = async {
        ctx.cluster
            .kubectl(["-n", ctx.namespace, "delete", "pod", &pod, "--wait=true"])?;
        let be = ctx.deployment("backend");
        kube_wait::wait_deployments(ctx.client, ctx.namespace, Duration::from_secs(120), &[&be])
            .await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok::<_, AppTestError>(())
    }
    .await;
    let seen = load.stop().await;
    deleted?;
    bench.pod_delete_load = Some(seen.figures());
    seen.check(0)
}

/// SIGKILL of one backend's process (a crash): the Service keeps answering through the
/// other replica, the container is restarted, 0 failed requests (the frontend resends reads
/// and keyed writes that hit the dead pod, the API reader here resends a GET whose
/// connection broke; neither resends an HTTP answer), no reader waits more than 2 s for a
/// success, and both pods still share the data.
pub async fn pod_kill_under_load(ctx: &FaultContext<'_>, bench: &mut Bench) -> Result<()> {
    let pod = ctx.first_backend_pod().await?;
    let (restarts_before, _) =
        kube_wait::first_container_state(ctx.client, ctx.namespace, &pod).await?;
    let container = cluster_tests::images::docker(
        ctx.cluster,
        &[
            "ps",
            "-q",
            "--filter",
            &format!("label=io.kubernetes.pod.name={pod}"),
            "--filter",
            "label=io.kubernetes.container.name=backend",
        ],
    )?;
    ensure!(!container.is_empty(), "no container for {pod}");
    let load = Load::start(ctx.session, Duration::from_secs(60), 100_000)?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    note(format!("docker kill -s KILL backend container of {pod}"));
    let killed = async {
        cluster_tests::images::docker(ctx.cluster, &["kill", "-s", "KILL", &container])?;
        let mut state = (restarts_before, false);
        for _ in 0..90 {
            state = kube_wait::first_container_state(ctx.client, ctx.namespace, &pod).await?;
            if state.0 > restarts_before && state.1 {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok::<_, AppTestError>(state)
    }
    .await;
    let seen = load.stop().await;
    let (restarts, ready) = killed?;
    note(format!(
        "{pod} restarted: restartCount {restarts}, ready {ready}"
    ));
    bench.pod_kill_load = Some(seen.figures());
    ensure!(
        restarts > restarts_before && ready,
        "{pod} was not restarted and ready within 90 s"
    );
    seen.check(0)?;
    seen.check_max_gap(Duration::from_secs(2))?;
    api::check_shared_data(
        ctx.client,
        ctx.namespace,
        &ctx.deployment("backend"),
        ctx.session,
    )
    .await
}

/// /ready of every backend pod: (ip, status; 0 for no answer).
async fn ready_codes(http: &reqwest::Client, ips: &[String]) -> Vec<(String, u16)> {
    let mut codes = Vec::new();
    for ip in ips {
        let code = match http.get(format!("http://{ip}:8000/ready")).send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        codes.push((ip.clone(), code));
    }
    codes
}

/// The in-chart PostgreSQL pod deleted while a client keeps creating tasks: the backends
/// say 503 on /ready (asked on each pod) while it is gone, recover by themselves once the
/// StatefulSet has it back, no answer is a server error other than 503, and every create
/// that was acknowledged (201) is in the database afterwards.
pub async fn postgres_delete_under_load(ctx: &FaultContext<'_>, bench: &mut Bench) -> Result<()> {
    let pg = format!("{}-postgresql-0", ctx.release);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = acked_writer(ctx.session, stop.clone(), Duration::from_secs(240))?;
    let outcome = postgres_delete(ctx, &pg).await;
    if outcome.is_ok() {
        tokio::time::sleep(Duration::from_secs(5)).await; // writes after recovery
    }
    stop.store(true, Ordering::SeqCst);
    let writes = writer.await.unwrap_or_default();
    let (back, recovered) = outcome?;

    let mut codes = BTreeMap::<u16, usize>::new();
    for w in &writes {
        *codes.entry(w.status).or_default() += 1;
    }
    let codes_text: Vec<String> = codes.iter().map(|(c, n)| format!("{c}:{n}")).collect();
    let server_errors: Vec<&u16> = codes.keys().filter(|c| **c >= 500 && **c != 503).collect();
    ensure!(
        server_errors.is_empty(),
        "server errors other than 503: {}",
        codes_text.join(" ")
    );
    let acked: BTreeSet<&str> = writes
        .iter()
        .filter(|w| w.status == 201)
        .map(|w| w.title.as_str())
        .collect();
    let stored: BTreeSet<String> = api::all_task_titles(&reqwest_client()?, ctx.session)
        .await?
        .into_iter()
        .filter(|t| t.starts_with("pg-ack-"))
        .collect();
    let lost: Vec<&&str> = acked.iter().filter(|t| !stored.contains(**t)).collect();
    let not_acked = writes.len() - writes.iter().filter(|w| w.status == 201).count();
    note(format!(
        "creates: {} acknowledged, {not_acked} not (codes {}); acknowledged but missing afterwards: {}",
        acked.len(),
        codes_text.join(" "),
        lost.len()
    ));
    bench.postgres_pod_delete_writes = Some(PostgresWrites {
        acknowledged: acked.len(),
        not_acknowledged: not_acked,
        lost: lost.len(),
        postgres_back_seconds: back,
        backends_ready_seconds: recovered,
    });
    ensure!(!acked.is_empty(), "no create was acknowledged");
    ensure!(
        lost.is_empty(),
        "acknowledged creates missing afterwards: {lost:?}"
    );
    Ok(())
}

fn reqwest_client() -> Result<reqwest::Client> {
    api::http_client(Duration::from_secs(10))
}

/// Deletes the PostgreSQL pod and follows the backends' /ready until they recover;
/// (seconds until PostgreSQL was back, seconds until every backend was ready again).
async fn postgres_delete(ctx: &FaultContext<'_>, pg: &str) -> Result<(u64, u64)> {
    let http = api::http_client(Duration::from_secs(3))?;
    let ips = kube_wait::running_pod_ips(ctx.client, ctx.namespace, BACKEND).await?;
    ensure!(!ips.is_empty(), "no Running backend pod");
    tokio::time::sleep(Duration::from_secs(3)).await;
    note(format!("deleting PostgreSQL pod {pg} under load"));
    ctx.cluster
        .kubectl(["-n", ctx.namespace, "delete", "pod", pg, "--wait=false"])?;
    let started = Instant::now();
    let mut seen_503 = false;
    while started.elapsed() < Duration::from_secs(120) {
        seen_503 |= ready_codes(&http, &ips)
            .await
            .iter()
            .any(|(_, c)| *c == 503);
        if seen_503
            && kube_wait::first_container_state(ctx.client, ctx.namespace, pg)
                .await
                .is_ok_and(|(_, ready)| ready)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let statefulset = format!("{}-postgresql", ctx.release);
    if let Err(e) = kube_wait::wait_statefulset(
        ctx.client,
        ctx.namespace,
        &statefulset,
        Duration::from_secs(120),
    )
    .await
    {
        return fail(format!("PostgreSQL did not come back: {e}"));
    }
    let back = started.elapsed().as_secs();
    let mut all_ready = false;
    let mut last = Vec::new();
    for _ in 0..60 {
        last = ready_codes(&http, &ips).await;
        all_ready = last.iter().all(|(_, c)| *c == 200);
        if all_ready {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let recovered = started.elapsed().as_secs();
    note(format!(
        "PostgreSQL back after {back}s; every backend ready again after {recovered}s (recovered by itself: {all_ready})"
    ));
    ensure!(
        seen_503,
        "no backend said 503 on /ready while PostgreSQL was gone"
    );
    ensure!(all_ready, "backends not ready again: /ready {last:?}");
    Ok((back, recovered))
}
