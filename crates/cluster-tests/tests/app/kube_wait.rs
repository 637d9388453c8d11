//! Reads and waits through kube-rs: rollouts complete, pods of a component, Service
//! addresses, what a release leaves behind, and the diagnostics a failed step prints.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, PersistentVolume, Pod, Service};
use kube::api::{DynamicObject, ListParams, LogParams};
use kube::{Api, Client, discovery};

use super::{AppTestError, Result, fail, note};

/// How often the waits below look again.
const POLL: Duration = Duration::from_millis(500);

/// Whether a Deployment's rollout is complete as `kubectl rollout status` decides it: the
/// controller saw the latest spec, every replica runs it and is available, no old one is left.
pub fn rollout_complete(d: &Deployment) -> bool {
    let (Some(spec), Some(status)) = (&d.spec, &d.status) else {
        return false;
    };
    let want = spec.replicas.unwrap_or(1);
    let generation = d.metadata.generation.unwrap_or(0);
    status.observed_generation.unwrap_or(0) >= generation
        && status.updated_replicas.unwrap_or(0) == want
        && status.replicas.unwrap_or(0) == want
        && status.available_replicas.unwrap_or(0) == want
}

/// Waits until every named Deployment's rollout is complete.
pub async fn wait_deployments(
    client: &Client,
    ns: &str,
    timeout: Duration,
    names: &[&str],
) -> Result<()> {
    let api = Api::<Deployment>::namespaced(client.clone(), ns);
    let deadline = Instant::now() + timeout;
    for name in names {
        loop {
            let d = api.get_opt(name).await?;
            if d.as_ref().is_some_and(rollout_complete) {
                break;
            }
            if Instant::now() > deadline {
                let status = d
                    .and_then(|d| d.status)
                    .map(|s| format!("{s:?}"))
                    .unwrap_or_else(|| "no such Deployment".into());
                return fail(format!(
                    "deployment {ns}/{name} not rolled out within {}s: {status}",
                    timeout.as_secs()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }
    Ok(())
}

/// Waits until a StatefulSet has all its replicas ready on its current revision.
pub async fn wait_statefulset(
    client: &Client,
    ns: &str,
    name: &str,
    timeout: Duration,
) -> Result<()> {
    let api = Api::<StatefulSet>::namespaced(client.clone(), ns);
    let deadline = Instant::now() + timeout;
    loop {
        let s = api.get(name).await?;
        let want = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        if let Some(st) = &s.status {
            let current = st.update_revision.is_none() || st.current_revision == st.update_revision;
            if st.observed_generation.unwrap_or(0) >= s.metadata.generation.unwrap_or(0)
                && st.ready_replicas.unwrap_or(0) == want
                && current
            {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return fail(format!(
                "statefulset {ns}/{name} not ready within {}s: {:?}",
                timeout.as_secs(),
                s.status
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `http://<ClusterIP>:<port>` of a Service (reachable from this host).
pub async fn service_url(client: &Client, ns: &str, name: &str) -> Result<String> {
    let svc = Api::<Service>::namespaced(client.clone(), ns)
        .get(name)
        .await?;
    let spec = svc.spec.unwrap_or_default();
    let ip = spec.cluster_ip.unwrap_or_default();
    let port = spec.ports.unwrap_or_default().first().map(|p| p.port);
    match port {
        Some(port) if !ip.is_empty() => Ok(format!("http://{ip}:{port}")),
        _ => fail(format!("service {ns}/{name} has no ClusterIP or port")),
    }
}

/// `http://<node IP>:<nodePort>` of a NodePort Service.
pub async fn node_port_url(client: &Client, ns: &str, name: &str, node_ip: &str) -> Result<String> {
    let svc = Api::<Service>::namespaced(client.clone(), ns)
        .get(name)
        .await?;
    let port = svc
        .spec
        .and_then(|s| s.ports)
        .and_then(|p| p.first().and_then(|p| p.node_port));
    match port {
        Some(port) => Ok(format!("http://{node_ip}:{port}")),
        None => fail(format!("service {ns}/{name} has no nodePort")),
    }
}

/// The numeric target port of a Service's first port (8000 when it is named).
pub async fn service_target_port(client: &Client, ns: &str, name: &str) -> Result<u16> {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let svc = Api::<Service>::namespaced(client.clone(), ns)
        .get(name)
        .await?;
    let target = svc
        .spec
        .and_then(|s| s.ports)
        .and_then(|p| p.first().and_then(|p| p.target_port.clone()));
    Ok(match target {
        Some(IntOrString::Int(port)) => u16::try_from(port).unwrap_or(8000),
        _ => 8000,
    })
}

/// The pods matching `selector`.
pub async fn pods(client: &Client, ns: &str, selector: &str) -> Result<Vec<Pod>> {
    let lp = ListParams::default().labels(selector);
    Ok(Api::<Pod>::namespaced(client.clone(), ns)
        .list(&lp)
        .await?
        .items)
}

/// The pod IPs of the Running pods matching `selector`.
pub async fn running_pod_ips(client: &Client, ns: &str, selector: &str) -> Result<Vec<String>> {
    Ok(pods(client, ns, selector)
        .await?
        .into_iter()
        .filter_map(|p| p.status)
        .filter(|s| s.phase.as_deref() == Some("Running"))
        .filter_map(|s| s.pod_ip)
        .collect())
}

/// The name of a pod.
pub fn pod_name(pod: &Pod) -> String {
    pod.metadata.name.clone().unwrap_or_default()
}

/// Restart count and readiness of a pod's first container.
pub async fn first_container_state(client: &Client, ns: &str, pod: &str) -> Result<(i32, bool)> {
    let p = Api::<Pod>::namespaced(client.clone(), ns).get(pod).await?;
    let cs = p
        .status
        .and_then(|s| s.container_statuses)
        .and_then(|c| c.into_iter().next());
    Ok(cs.map(|c| (c.restart_count, c.ready)).unwrap_or((0, false)))
}

/// What a release can leave behind, by API group and kind: what `kubectl get all` shows and
/// what the chart makes. Looked up through discovery so that the cluster's own version of a
/// kind is listed (the local 1.20 API server has PodDisruptionBudget in policy/v1beta1 only).
const RELEASE_KINDS: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("", "Service"),
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "PersistentVolumeClaim"),
    ("", "ServiceAccount"),
    ("", "Endpoints"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("policy", "PodDisruptionBudget"),
    ("autoscaling", "HorizontalPodAutoscaler"),
];

/// `kind/name` of the objects of `kind` in `ns` matching `selector`.
async fn names_of(
    client: &Client,
    ns: &str,
    group: &str,
    kind: &str,
    selector: &str,
) -> Result<Vec<String>> {
    let Some((resource, _)) = discovery::group(client, group)
        .await?
        .recommended_kind(kind)
    else {
        return Ok(Vec::new()); // this cluster does not serve the kind: nothing of it can be left
    };
    let lp = ListParams::default().labels(selector);
    let list = Api::<DynamicObject>::namespaced_with(client.clone(), ns, &resource)
        .list(&lp)
        .await?;
    Ok(list
        .items
        .into_iter()
        .map(|o| {
            format!(
                "{}/{}",
                kind.to_lowercase(),
                o.metadata.name.unwrap_or_default()
            )
        })
        .collect())
}

/// The PersistentVolumes bound (or once bound) to a claim in `ns`.
pub async fn volumes_of_namespace(client: &Client, ns: &str) -> Result<Vec<String>> {
    let pvs = Api::<PersistentVolume>::all(client.clone())
        .list(&ListParams::default())
        .await?;
    Ok(pvs
        .items
        .into_iter()
        .filter(|pv| {
            pv.spec
                .as_ref()
                .and_then(|s| s.claim_ref.as_ref())
                .and_then(|c| c.namespace.as_deref())
                == Some(ns)
        })
        .map(|pv| format!("persistentvolume/{}", pv.metadata.name.unwrap_or_default()))
        .collect())
}

/// Everything of release `instance` in `ns` (the kinds `kubectl get all` shows and the
/// chart makes), any pod at all, and any volume once claimed in `ns`.
pub async fn left_behind(client: &Client, ns: &str, instance: &str) -> Result<Vec<String>> {
    let sel = format!("app.kubernetes.io/instance={instance}");
    let mut left = Vec::new();
    for (group, kind) in RELEASE_KINDS {
        left.extend(names_of(client, ns, group, kind, &sel).await?);
    }
    left.extend(
        pods(client, ns, "")
            .await?
            .iter()
            .map(|p| format!("pod/{}", pod_name(p))),
    );
    left.extend(volumes_of_namespace(client, ns).await?);
    Ok(left)
}

/// Waits (up to a minute) until nothing of release `instance` is left in `ns`.
pub async fn assert_nothing_left(client: &Client, ns: &str, instance: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = left_behind(client, ns, instance).await?;
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return fail(format!("left behind in {ns}: {}", left.join(", ")));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Waits until a namespace is gone.
pub async fn wait_namespace_gone(client: &Client, ns: &str, timeout: Duration) -> Result<()> {
    use k8s_openapi::api::core::v1::Namespace;
    let api = Api::<Namespace>::all(client.clone());
    let deadline = Instant::now() + timeout;
    while api.get_opt(ns).await?.is_some() {
        if Instant::now() > deadline {
            return fail(format!(
                "namespace {ns} still there after {}s",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

/// What a failed step prints: the namespace's pods (phase, readiness, restarts, node IP),
/// its Deployments' status, its last events, and the last 20 log lines of each container.
pub async fn diagnostics(client: &Client, ns: &str) -> String {
    match collect_diagnostics(client, ns).await {
        Ok(text) => text,
        Err(e) => format!("(no diagnostics: {e})"),
    }
}

async fn collect_diagnostics(client: &Client, ns: &str) -> Result<String> {
    let mut out = String::new();
    let pods = pods(client, ns, "").await?;
    let _ = writeln!(out, "pods:");
    for p in &pods {
        let status = p.status.clone().unwrap_or_default();
        let containers = status.container_statuses.clone().unwrap_or_default();
        let ready = containers.iter().filter(|c| c.ready).count();
        let restarts: i32 = containers.iter().map(|c| c.restart_count).sum();
        let _ = writeln!(
            out,
            "  {} {} ready {ready}/{} restarts {restarts} ip {}",
            pod_name(p),
            status.phase.unwrap_or_default(),
            containers.len(),
            status.pod_ip.unwrap_or_default()
        );
    }
    let deployments = Api::<Deployment>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await?;
    for d in deployments.items {
        let _ = writeln!(
            out,
            "deployment {}: {:?}",
            d.metadata.name.unwrap_or_default(),
            d.status.and_then(|s| s.conditions)
        );
    }
    let mut events = Api::<Event>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await?
        .items;
    events.sort_by_key(|e| e.last_timestamp.clone().map(|t| t.0));
    let _ = writeln!(out, "events (last 25):");
    for e in events.iter().rev().take(25).rev() {
        let _ = writeln!(
            out,
            "  {} {} {}: {}",
            e.type_.clone().unwrap_or_default(),
            e.involved_object.name.clone().unwrap_or_default(),
            e.reason.clone().unwrap_or_default(),
            e.message.clone().unwrap_or_default().trim()
        );
    }
    let api = Api::<Pod>::namespaced(client.clone(), ns);
    for p in &pods {
        let name = pod_name(p);
        for c in p.spec.iter().flat_map(|s| s.containers.iter()) {
            let lp = LogParams {
                container: Some(c.name.clone()),
                tail_lines: Some(20),
                ..LogParams::default()
            };
            let logs = api
                .logs(&name, &lp)
                .await
                .unwrap_or_else(|e| format!("(no logs: {e})"));
            for line in logs.lines() {
                let _ = writeln!(out, "  {name}/{}: {line}", c.name);
            }
        }
    }
    Ok(out)
}

/// Prints the namespace's pods (as `kubectl get pods -o wide` would, in short).
pub async fn print_pods(client: &Client, ns: &str) -> Result<()> {
    for p in pods(client, ns, "").await? {
        let status = p.status.clone().unwrap_or_default();
        note(format!(
            "{} {} {}",
            pod_name(&p),
            status.phase.unwrap_or_default(),
            status.pod_ip.unwrap_or_default()
        ));
    }
    Ok(())
}

impl From<std::io::Error> for AppTestError {
    fn from(source: std::io::Error) -> Self {
        AppTestError::Io {
            context: "I/O".into(),
            source,
        }
    }
}
