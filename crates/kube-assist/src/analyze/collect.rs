//! Reading a [`Snapshot`] from the API server: every list at once, then the log
//! tails of crashing containers and the recent logs of running containers worth
//! a look, all bounded in count, lines and bytes so health over many pods stays fast.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Endpoints, Event, Node, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::Client;
use kube::api::{Api, ListParams, LogParams};
use tracing::instrument;

use super::Snapshot;
use crate::error::Result;
use crate::ops::Kind;
use crate::resolve::ObjectRef;

const MAX_LOG_TAILS: usize = 10;
const LOG_TAIL_LINES: i64 = 20;
const LOG_TAIL_BYTES: i64 = 8 * 1024;
/// Running containers whose recent log is read for error lines, at most.
const MAX_LOG_SCANS: usize = 10;
/// How much of a running container's log is read: its last lines, within the last
/// hour, and never more than this many bytes.
const RECENT_LOG_LINES: i64 = 200;
const RECENT_LOG_BYTES: i64 = 64 * 1024;
const RECENT_LOG_SECONDS: i64 = 3600;
/// Failing probes retried on another port, at most.
const MAX_PROBE_TRIES: usize = 5;

async fn list<K>(client: &Client, namespace: Option<&str>) -> Result<Vec<K>>
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    let api: Api<K> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    Ok(api.list(&ListParams::default()).await?.items)
}

/// Read everything the analyzers need, in one namespace or the whole cluster.
/// Recent logs are read only for suspicious running containers (see [`collect_for`]).
pub async fn collect(client: &Client, namespace: Option<&str>) -> Result<Snapshot> {
    collect_for(client, namespace, None).await
}

/// As [`collect`]. With a `focus` (diagnosing one object), the recent logs read are
/// those of the running containers of its pods; without one (health, diagnosing a
/// namespace), only of running containers already suspicious: restarted, or not
/// ready. Either way at most [`MAX_LOG_SCANS`], so the cost does not grow with the
/// number of pods.
#[instrument(skip(client))]
pub async fn collect_for(
    client: &Client,
    namespace: Option<&str>,
    focus: Option<&ObjectRef>,
) -> Result<Snapshot> {
    let nodes_api: Api<Node> = Api::all(client.clone());
    let (
        pods,
        deployments,
        replicasets,
        statefulsets,
        daemonsets,
        services,
        endpoints,
        nodes,
        pvcs,
        jobs,
        events,
    ) = tokio::try_join!(
        list::<Pod>(client, namespace),
        list::<Deployment>(client, namespace),
        list::<ReplicaSet>(client, namespace),
        list::<StatefulSet>(client, namespace),
        list::<DaemonSet>(client, namespace),
        list::<Service>(client, namespace),
        list::<Endpoints>(client, namespace),
        async { Ok(nodes_api.list(&ListParams::default()).await?.items) },
        list::<PersistentVolumeClaim>(client, namespace),
        list::<Job>(client, namespace),
        list::<Event>(client, namespace),
    )?;
    let mut snapshot = Snapshot {
        now: k8s_openapi::jiff::Timestamp::now(),
        pods,
        deployments,
        replicasets,
        statefulsets,
        daemonsets,
        services,
        endpoints,
        nodes,
        pvcs,
        jobs,
        events,
        logs: BTreeMap::new(),
        recent_logs: BTreeMap::new(),
        storage_classes: Vec::new(),
        probe_answers: BTreeMap::new(),
    };
    let scans = log_scans(&snapshot, focus);
    let tries = crate::fix::probe_tries(&snapshot);
    let (crash, recent, classes, answers) = tokio::join!(
        crash_log_tails(client, &snapshot.pods),
        read_logs(client, scans),
        // Only the fixes of unbound claims need them; a forbidden list is no error.
        async {
            let api: Api<StorageClass> = Api::all(client.clone());
            api.list(&ListParams::default())
                .await
                .map(|l| l.items)
                .unwrap_or_default()
        },
        probe_answers(client, tries)
    );
    snapshot.logs = crash;
    snapshot.recent_logs = recent;
    snapshot.storage_classes = classes;
    snapshot.probe_answers = answers;
    Ok(snapshot)
}

/// Failing HTTP probes retried on another declared port through the API server's
/// pod proxy (GET, at most [`MAX_PROBE_TRIES`], 3 s each): whether anything answers there.
async fn probe_answers(client: &Client, tries: BTreeMap<String, String>) -> BTreeMap<String, bool> {
    let mut set = tokio::task::JoinSet::new();
    for (key, path) in tries.into_iter().take(MAX_PROBE_TRIES) {
        let client = client.clone();
        set.spawn(async move {
            let Ok(req) = http::Request::get(&path).body(Vec::new()) else {
                return (key, false);
            };
            let answered =
                tokio::time::timeout(std::time::Duration::from_secs(3), client.request_text(req))
                    .await
                    .is_ok_and(|r| r.is_ok());
            (key, answered)
        });
    }
    let mut out = BTreeMap::new();
    while let Some(joined) = set.join_next().await {
        if let Ok((key, answered)) = joined {
            out.insert(key, answered);
        }
    }
    out
}

/// Which log one read asks for: (namespace, pod, container).
struct LogRead {
    namespace: String,
    pod: String,
    container: String,
    params: LogParams,
}

/// The running containers whose recent logs are read: of the focus's pods, or the
/// suspicious ones.
fn log_scans(s: &Snapshot, focus: Option<&ObjectRef>) -> Vec<LogRead> {
    let focus_pods: Option<Vec<ObjectRef>> = focus.map(|f| {
        super::related_objects(s, f)
            .into_iter()
            .filter(|r| r.kind == Kind::Pod)
            .collect()
    });
    let mut out = Vec::new();
    for p in &s.pods {
        let me = super::object_ref(Kind::Pod, &p.metadata);
        if focus_pods.as_ref().is_some_and(|pods| !pods.contains(&me)) {
            continue;
        }
        for cs in p
            .status
            .iter()
            .flat_map(|st| st.container_statuses.iter().flatten())
        {
            let running = cs.state.as_ref().is_some_and(|st| st.running.is_some());
            let suspicious = cs.restart_count > 0 || !cs.ready;
            if running && (focus_pods.is_some() || suspicious) && out.len() < MAX_LOG_SCANS {
                out.push(LogRead {
                    namespace: me.namespace.clone().unwrap_or_default(),
                    pod: me.name.clone(),
                    container: cs.name.clone(),
                    params: LogParams {
                        container: Some(cs.name.clone()),
                        tail_lines: Some(RECENT_LOG_LINES),
                        limit_bytes: Some(RECENT_LOG_BYTES),
                        since_seconds: Some(RECENT_LOG_SECONDS),
                        ..Default::default()
                    },
                });
            }
        }
    }
    out
}

/// Read the logs at once, keyed "namespace/pod/container"; a log that cannot be
/// read is left out (the pod may be gone), not an error.
async fn read_logs(client: &Client, reads: Vec<LogRead>) -> BTreeMap<String, String> {
    let mut set = tokio::task::JoinSet::new();
    for r in reads {
        let api: Api<Pod> = Api::namespaced(client.clone(), &r.namespace);
        set.spawn(async move {
            let text = api.logs(&r.pod, &r.params).await.ok();
            (format!("{}/{}/{}", r.namespace, r.pod, r.container), text)
        });
    }
    let mut out = BTreeMap::new();
    while let Some(joined) = set.join_next().await {
        if let Ok((key, Some(text))) = joined {
            out.insert(key, text);
        }
    }
    out
}

/// Previous-instance logs of containers in CrashLoopBackOff: the evidence a person
/// looks at first. Failures to read them are not errors (the log may be gone).
async fn crash_log_tails(client: &Client, pods: &[Pod]) -> BTreeMap<String, String> {
    let mut wanted = Vec::new();
    for p in pods {
        for cs in p
            .status
            .iter()
            .flat_map(|s| s.container_statuses.iter().flatten())
        {
            let waiting = cs
                .state
                .as_ref()
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref());
            let failed = cs
                .state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .is_some_and(|t| t.exit_code != 0);
            let crashing = waiting == Some("CrashLoopBackOff") || (failed && cs.restart_count > 0);
            if crashing && wanted.len() < MAX_LOG_TAILS {
                // A container that is down right now has its crash output in its
                // current log; one waiting to restart, in the previous one.
                let previous = waiting == Some("CrashLoopBackOff");
                wanted.push((
                    previous,
                    p.metadata.namespace.clone().unwrap_or_default(),
                    p.metadata.name.clone().unwrap_or_default(),
                    cs.name.clone(),
                ));
            }
        }
    }
    let reads = wanted
        .into_iter()
        .map(|(previous, namespace, pod, container)| LogRead {
            namespace,
            pod,
            params: LogParams {
                container: Some(container.clone()),
                previous,
                tail_lines: Some(LOG_TAIL_LINES),
                limit_bytes: Some(LOG_TAIL_BYTES),
                ..Default::default()
            },
            container,
        })
        .collect();
    read_logs(client, reads).await
}
