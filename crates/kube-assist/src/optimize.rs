//! `optimize`: compare what containers ask for (requests/limits) with what they
//! use, and recommend values. Usage comes from the metrics API when the cluster
//! has metrics-server, otherwise from each kubelet's summary through the API
//! server's node proxy (no extra component needed).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Container, Pod};
use kube::Client;
use kube::api::{Api, ListParams};
use serde::Serialize;
use serde_json::{Value, json};
use tracing::instrument;

use crate::analyze::{self, Snapshot};
use crate::error::{AssistError, Result};
use crate::ops::{OpOutput, Operation, ResourceValues, SetResourcesOp, Target};
use crate::quantity::{format_cpu, format_memory, parse_cpu_millis, parse_memory_bytes};
use crate::resolve::ObjectRef;

/// Observed usage of one container instance.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

/// Usage keyed by (namespace, pod, container).
pub type UsageMap = BTreeMap<(String, String, String), Usage>;

/// One container of one workload: what it has and what it should have.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recommendation {
    pub workload: ObjectRef,
    pub container: String,
    pub pods: usize,
    pub cpu_used: String,
    pub memory_used: String,
    pub current_requests: ResourceValues,
    pub current_limits: ResourceValues,
    pub requests: ResourceValues,
    pub limits: ResourceValues,
    pub why: String,
}

/// Headroom over the highest observed usage.
const HEADROOM: f64 = 1.3;
const MIN_CPU_MILLIS: u64 = 10;
const MIN_MEMORY: u64 = 32 * 1048576;

fn round_up(v: u64, step: u64) -> u64 {
    v.div_ceil(step) * step
}

/// Parse the metrics API's PodMetricsList.
pub fn usage_from_metrics(list: &Value) -> UsageMap {
    let mut out = UsageMap::new();
    for item in list["items"].as_array().into_iter().flatten() {
        let ns = item
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let pod = item
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for c in item["containers"].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or_default();
            let cpu = c
                .pointer("/usage/cpu")
                .and_then(Value::as_str)
                .and_then(parse_cpu_millis)
                .unwrap_or(0);
            let mem = c
                .pointer("/usage/memory")
                .and_then(Value::as_str)
                .and_then(parse_memory_bytes)
                .unwrap_or(0);
            out.insert(
                (ns.into(), pod.into(), name.into()),
                Usage {
                    cpu_millis: cpu,
                    memory_bytes: mem,
                },
            );
        }
    }
    out
}

/// Parse a kubelet `/stats/summary`.
pub fn usage_from_summary(summary: &Value) -> UsageMap {
    let mut out = UsageMap::new();
    for p in summary["pods"].as_array().into_iter().flatten() {
        let ns = p
            .pointer("/podRef/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let pod = p
            .pointer("/podRef/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for c in p["containers"].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or_default();
            let cpu = c
                .pointer("/cpu/usageNanoCores")
                .and_then(Value::as_u64)
                .map(|n| n.div_ceil(1_000_000))
                .unwrap_or(0);
            let mem = c
                .pointer("/memory/workingSetBytes")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            out.insert(
                (ns.into(), pod.into(), name.into()),
                Usage {
                    cpu_millis: cpu,
                    memory_bytes: mem,
                },
            );
        }
    }
    out
}

/// Parse cAdvisor's Prometheus text (`/metrics/cadvisor` through the node proxy).
/// Some runtimes leave the pod labels empty there, so containers are matched by the
/// container ID in the cgroup path against the pods' `containerID`s. CPU is the
/// average since the container started (the counter over its age).
pub fn usage_from_cadvisor(
    text: &str,
    pods: &[Pod],
    now: k8s_openapi::jiff::Timestamp,
) -> UsageMap {
    // container id → (namespace, pod, container, started)
    let mut by_id: BTreeMap<
        String,
        (String, String, String, Option<k8s_openapi::jiff::Timestamp>),
    > = BTreeMap::new();
    for p in pods {
        for cs in p
            .status
            .iter()
            .flat_map(|s| s.container_statuses.iter().flatten())
        {
            let Some(id) = cs
                .container_id
                .as_deref()
                .and_then(|i| i.split("://").nth(1))
            else {
                continue;
            };
            let started = cs
                .state
                .as_ref()
                .and_then(|s| s.running.as_ref())
                .and_then(|r| r.started_at.as_ref())
                .map(|t| t.0);
            by_id.insert(
                id.to_string(),
                (
                    p.metadata.namespace.clone().unwrap_or_default(),
                    p.metadata.name.clone().unwrap_or_default(),
                    cs.name.clone(),
                    started,
                ),
            );
        }
    }
    let mut out = UsageMap::new();
    for line in text.lines() {
        let is_cpu = if line.starts_with("container_memory_working_set_bytes{") {
            false
        } else if line.starts_with("container_cpu_usage_seconds_total{") {
            true
        } else {
            continue;
        };
        let Some(id_start) = line.find("id=\"") else {
            continue;
        };
        let rest = &line[id_start + 4..];
        let Some(id_end) = rest.find('"') else {
            continue;
        };
        let cid = rest[..id_end].rsplit('/').next().unwrap_or_default();
        let Some((ns, pod, container, started)) = by_id.get(cid) else {
            continue;
        };
        let Some(value) = line
            .rsplit_once('}')
            .and_then(|(_, v)| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
        else {
            continue;
        };
        let entry = out
            .entry((ns.clone(), pod.clone(), container.clone()))
            .or_default();
        if is_cpu {
            let age = started
                .map(|s| (now.as_millisecond() - s.as_millisecond()) as f64 / 1000.0)
                .filter(|a| *a > 1.0);
            if let Some(age) = age {
                entry.cpu_millis = ((value / age) * 1000.0).ceil() as u64;
            }
        } else {
            entry.memory_bytes = value as u64;
        }
    }
    out
}

fn current(c: &Container) -> (ResourceValues, ResourceValues) {
    let get = |m: Option<
        &BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
    >| ResourceValues {
        cpu: m.and_then(|m| m.get("cpu")).map(|q| q.0.clone()),
        memory: m.and_then(|m| m.get("memory")).map(|q| q.0.clone()),
    };
    let r = c.resources.as_ref();
    (
        get(r.and_then(|r| r.requests.as_ref())),
        get(r.and_then(|r| r.limits.as_ref())),
    )
}

/// Recommend requests/limits for each workload container from observed usage.
/// Only containers whose settings are missing, too tight or far too generous get
/// a recommendation.
pub fn recommend(s: &Snapshot, usage: &UsageMap) -> Vec<Recommendation> {
    // (workload, container) → (pods seen, max usage, container spec)
    let mut seen: BTreeMap<(ObjectRef, String), (usize, Usage, Container)> = BTreeMap::new();
    for pod in &s.pods {
        let Some(owner) = analyze::pod_workload(s, pod).filter(|o| o.kind.is_workload()) else {
            continue;
        };
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        for c in pod.spec.iter().flat_map(|sp| sp.containers.iter()) {
            let Some(u) = usage.get(&(ns.clone(), name.clone(), c.name.clone())) else {
                continue;
            };
            let e = seen.entry((owner.clone(), c.name.clone())).or_insert((
                0,
                Usage::default(),
                c.clone(),
            ));
            e.0 += 1;
            e.1.cpu_millis = e.1.cpu_millis.max(u.cpu_millis);
            e.1.memory_bytes = e.1.memory_bytes.max(u.memory_bytes);
        }
    }
    let mut out = Vec::new();
    for ((workload, container), (pods, used, spec)) in seen {
        let (req, lim) = current(&spec);
        let cpu_rec = round_up(
            ((used.cpu_millis as f64 * HEADROOM).ceil() as u64).max(MIN_CPU_MILLIS),
            5,
        );
        let mem_rec = ((used.memory_bytes as f64 * HEADROOM).ceil() as u64).max(MIN_MEMORY);
        let mem_limit_rec = mem_rec * 2;
        let cur_cpu = req.cpu.as_deref().and_then(parse_cpu_millis);
        let cur_mem = req.memory.as_deref().and_then(parse_memory_bytes);
        let cur_mem_limit = lim.memory.as_deref().and_then(parse_memory_bytes);
        let mut why = Vec::new();
        let mut requests = ResourceValues::default();
        let mut limits = ResourceValues::default();
        match cur_cpu {
            None => why.push("no CPU request".to_string()),
            Some(c) if c > cpu_rec * 3 && c > 50 => why.push(format!(
                "CPU request {} is over 3× the peak use",
                format_cpu(c)
            )),
            Some(c) if c < used.cpu_millis => {
                why.push(format!("CPU request {} is below the use", format_cpu(c)))
            }
            Some(_) => {}
        }
        if why.iter().any(|w| w.contains("CPU")) {
            requests.cpu = Some(format_cpu(cpu_rec));
        }
        let before = why.len();
        match cur_mem {
            None => why.push("no memory request".to_string()),
            Some(m) if m > mem_rec * 3 && m > 128 * 1048576 => why.push(format!(
                "memory request {} is over 3× the peak use",
                format_memory(m)
            )),
            Some(m) if m < used.memory_bytes => why.push(format!(
                "memory request {} is below the use",
                format_memory(m)
            )),
            Some(_) => {}
        }
        if why.len() > before {
            requests.memory = Some(format_memory(mem_rec));
        }
        match cur_mem_limit {
            None => {
                why.push("no memory limit".to_string());
                limits.memory = Some(format_memory(mem_limit_rec));
            }
            Some(l) if (l as f64) < used.memory_bytes as f64 * 1.2 => {
                why.push(format!(
                    "memory limit {} leaves under 20% headroom (OOM risk)",
                    format_memory(l)
                ));
                limits.memory = Some(format_memory(mem_limit_rec));
            }
            Some(_) => {}
        }
        // Keep requests ≤ limits when only one of them changes.
        if let (Some(r), None, Some(l)) = (
            requests.memory.as_deref().and_then(parse_memory_bytes),
            &limits.memory,
            cur_mem_limit,
        ) && r > l
        {
            limits.memory = Some(format_memory(r * 2));
        }
        if why.is_empty() {
            continue;
        }
        out.push(Recommendation {
            workload,
            container,
            pods,
            cpu_used: format_cpu(used.cpu_millis),
            memory_used: format_memory(used.memory_bytes),
            current_requests: req,
            current_limits: lim,
            requests,
            limits,
            why: why.join("; "),
        });
    }
    out
}

/// The operations that apply recommendations.
pub fn plan(recs: &[Recommendation]) -> Vec<Operation> {
    recs.iter()
        .map(|r| {
            Operation::SetResources(SetResourcesOp {
                target: r.workload.to_target(),
                container: Some(r.container.clone()),
                requests: r.requests.clone(),
                limits: r.limits.clone(),
            })
        })
        .collect()
}

async fn usage(
    client: &Client,
    namespace: Option<&str>,
    pods: &[Pod],
) -> Result<(UsageMap, &'static str)> {
    let path = match namespace {
        Some(ns) => format!("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"),
        None => "/apis/metrics.k8s.io/v1beta1/pods".to_string(),
    };
    let req = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| AssistError::Invalid(e.to_string()))?;
    match client.request::<Value>(req).await {
        Ok(list) => return Ok((usage_from_metrics(&list), "metrics.k8s.io")),
        Err(kube::Error::Api(s)) if s.code == 404 || s.code == 503 => {}
        Err(e) => return Err(e.into()),
    }
    let mut nodes: Vec<String> = pods
        .iter()
        .filter_map(|p| p.spec.as_ref().and_then(|s| s.node_name.clone()))
        .collect();
    nodes.sort();
    nodes.dedup();
    let mut out = UsageMap::new();
    for node in &nodes {
        let req = http::Request::get(format!("/api/v1/nodes/{node}/proxy/stats/summary"))
            .body(Vec::new())
            .map_err(|e| AssistError::Invalid(e.to_string()))?;
        match client.request::<Value>(req).await {
            Ok(summary) => out.extend(usage_from_summary(&summary)),
            // A node without a reachable kubelet has no usage to offer; the others still count.
            Err(e) => tracing::warn!(node, error = %e, "kubelet summary unavailable"),
        }
    }
    if !out.is_empty() {
        return Ok((out, "kubelet summary (node proxy)"));
    }
    // Some kubelets (dockershim on cgroupfs) list no pods in the summary; cAdvisor's
    // own metrics still have every container, keyed by container ID.
    for node in &nodes {
        let req = http::Request::get(format!("/api/v1/nodes/{node}/proxy/metrics/cadvisor"))
            .body(Vec::new())
            .map_err(|e| AssistError::Invalid(e.to_string()))?;
        match client.request_text(req).await {
            Ok(text) => out.extend(usage_from_cadvisor(
                &text,
                pods,
                k8s_openapi::jiff::Timestamp::now(),
            )),
            Err(e) => tracing::warn!(node, error = %e, "cAdvisor metrics unavailable"),
        }
    }
    Ok((
        out,
        "cAdvisor metrics (node proxy; CPU averaged since container start)",
    ))
}

/// Run `optimize` for a workload, a namespace or the cluster.
#[instrument(skip(client))]
pub async fn run(
    client: &Client,
    target: Option<&Target>,
    namespace: Option<&str>,
) -> Result<OpOutput> {
    let ns = target.and_then(|t| t.namespace.as_deref()).or(namespace);
    let lp = ListParams::default();
    let api = |_: ()| -> (Api<Pod>, Api<Deployment>, Api<ReplicaSet>, Api<StatefulSet>) {
        match ns {
            Some(n) => (
                Api::namespaced(client.clone(), n),
                Api::namespaced(client.clone(), n),
                Api::namespaced(client.clone(), n),
                Api::namespaced(client.clone(), n),
            ),
            None => (
                Api::all(client.clone()),
                Api::all(client.clone()),
                Api::all(client.clone()),
                Api::all(client.clone()),
            ),
        }
    };
    let (pa, da, ra, sa) = api(());
    let (pods, deployments, replicasets, statefulsets) =
        tokio::try_join!(pa.list(&lp), da.list(&lp), ra.list(&lp), sa.list(&lp))?;
    let snapshot = Snapshot {
        pods: pods.items,
        deployments: deployments.items,
        replicasets: replicasets.items,
        statefulsets: statefulsets.items,
        ..Default::default()
    };
    let (usage, source) = usage(client, ns, &snapshot.pods).await?;
    let mut recs = recommend(&snapshot, &usage);
    if let Some(t) = target
        && let (Some(kind), Some(name)) = (t.kind, &t.name)
    {
        recs.retain(|r| r.workload.kind == kind && &r.workload.name == name);
    }
    let mut text = format!(
        "Usage source: {source}; {} containers measured.\n",
        usage.len()
    );
    if usage.is_empty() {
        text.push_str(
            "No usage data: the metrics API is absent and no kubelet summary could be read.\n",
        );
    } else if recs.is_empty() {
        text.push_str("Requests and limits fit the observed usage; nothing to change.\n");
    } else {
        let header = [
            "WORKLOAD",
            "CONTAINER",
            "CPU USED/REQ",
            "MEM USED/REQ/LIMIT",
            "RECOMMEND",
            "WHY",
        ];
        let rows: Vec<Vec<String>> = recs
            .iter()
            .map(|r| {
                let mut rec = Vec::new();
                if let Some(c) = &r.requests.cpu {
                    rec.push(format!("cpu req {c}"));
                }
                if let Some(m) = &r.requests.memory {
                    rec.push(format!("mem req {m}"));
                }
                if let Some(m) = &r.limits.memory {
                    rec.push(format!("mem limit {m}"));
                }
                vec![
                    format!(
                        "{}/{}{}",
                        r.workload.kind.kubectl_name(),
                        r.workload.name,
                        r.workload
                            .namespace
                            .as_ref()
                            .map(|n| format!(" ({n})"))
                            .unwrap_or_default()
                    ),
                    r.container.clone(),
                    format!(
                        "{}/{}",
                        r.cpu_used,
                        r.current_requests.cpu.as_deref().unwrap_or("-")
                    ),
                    format!(
                        "{}/{}/{}",
                        r.memory_used,
                        r.current_requests.memory.as_deref().unwrap_or("-"),
                        r.current_limits.memory.as_deref().unwrap_or("-")
                    ),
                    rec.join(", "),
                    r.why.clone(),
                ]
            })
            .collect();
        text.push_str(&crate::ops::render_table(&header, &rows));
    }
    let proposed = plan(&recs);
    Ok(OpOutput {
        text,
        data: json!({"source": source, "recommendations": recs}),
        findings: Vec::new(),
        proposed,
        after: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_and_metrics_parse_to_the_same_units() {
        let summary = json!({"pods": [{"podRef": {"name": "p", "namespace": "n"}, "containers": [{"name": "c", "cpu": {"usageNanoCores": 12_500_000u64}, "memory": {"workingSetBytes": 10_485_760u64}}]}]});
        let metrics = json!({"items": [{"metadata": {"name": "p", "namespace": "n"}, "containers": [{"name": "c", "usage": {"cpu": "12500000n", "memory": "10Mi"}}]}]});
        let a = usage_from_summary(&summary);
        let b = usage_from_metrics(&metrics);
        assert_eq!(a, b);
        assert_eq!(
            a[&("n".into(), "p".into(), "c".into())],
            Usage {
                cpu_millis: 13,
                memory_bytes: 10_485_760
            }
        );
    }

    #[test]
    fn cadvisor_text_is_matched_by_container_id() {
        let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "p", "namespace": "n"},
            "status": {"containerStatuses": [{"name": "c", "ready": true, "restartCount": 0, "image": "i", "imageID": "",
                "containerID": "docker://abc123", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}}))
        .unwrap();
        let text = concat!(
            "# HELP x\n",
            "container_memory_working_set_bytes{container=\"\",id=\"/docker/abc123\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 2.097152e+07 1795270440279\n",
            "container_cpu_usage_seconds_total{container=\"\",cpu=\"total\",id=\"/docker/abc123\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 50 1795270456598\n",
            "container_memory_working_set_bytes{container=\"\",id=\"/docker/other\",image=\"\",name=\"\",namespace=\"\",pod=\"\"} 1 1\n",
        );
        let now: k8s_openapi::jiff::Timestamp = "2026-01-01T00:16:40Z".parse().unwrap();
        let u = usage_from_cadvisor(text, &[pod], now);
        assert_eq!(u.len(), 1);
        // 50 CPU-seconds over 1000 s = 50 millicores on average
        assert_eq!(
            u[&("n".into(), "p".into(), "c".into())],
            Usage {
                cpu_millis: 50,
                memory_bytes: 20_971_520
            }
        );
    }
}
