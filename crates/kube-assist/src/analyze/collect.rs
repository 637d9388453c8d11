//! Reading a [`Snapshot`] from the API server: every list at once, then the log
//! tails of crashing containers (bounded in count and size).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Endpoints, Event, Node, PersistentVolumeClaim, Pod, Service};
use kube::Client;
use kube::api::{Api, ListParams, LogParams};
use tracing::instrument;

use super::Snapshot;
use crate::error::Result;

const MAX_LOG_TAILS: usize = 10;
const LOG_TAIL_LINES: i64 = 20;
const LOG_TAIL_BYTES: i64 = 8 * 1024;

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
#[instrument(skip(client))]
pub async fn collect(client: &Client, namespace: Option<&str>) -> Result<Snapshot> {
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
    };
    snapshot.logs = crash_log_tails(client, &snapshot.pods).await;
    Ok(snapshot)
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
    let mut set = tokio::task::JoinSet::new();
    for (previous, ns, pod, container) in wanted {
        let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
        set.spawn(async move {
            let lp = LogParams {
                container: Some(container.clone()),
                previous,
                tail_lines: Some(LOG_TAIL_LINES),
                limit_bytes: Some(LOG_TAIL_BYTES),
                ..Default::default()
            };
            let text = api.logs(&pod, &lp).await.ok();
            (format!("{ns}/{pod}/{container}"), text)
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
