//! Running the node family: cordon/uncordon patch `spec.unschedulable`; drain
//! cordons, then evicts the node's pods one by one through the Eviction
//! subresource (policy/v1 when the server serves it, policy/v1beta1 before), so
//! a PodDisruptionBudget can say no. A 429 names the budget and stops the drain.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, ListParams, Patch};
use serde_json::{Value, json};

use super::exec::{Executor, OpOutput, parts};
use super::{DrainOp, Kind, Target};
use crate::error::{AssistError, Result};

/// What a drain does to each pod on the node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainPlan {
    /// `namespace/name` of the pods it evicts.
    pub evict: Vec<String>,
    /// Pods left alone, with why (`ns/name (DaemonSet)`).
    pub skip: Vec<String>,
    /// Pods that stop the drain unless asked for, with why.
    pub refuse: Vec<String>,
}

impl DrainPlan {
    /// The plan in words, for the confirmation and the report.
    pub fn describe(&self) -> String {
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        format!(
            "DESTRUCTIVE: evicts {} pod(s): {}; leaves {}: {}",
            self.evict.len(),
            list(&self.evict),
            self.skip.len(),
            list(&self.skip)
        )
    }
}

/// Sort one pod of a node into evict / skip / refuse, as kubectl drain does.
fn classify(pod: &Pod, delete_emptydir_data: bool, plan: &mut DrainPlan) {
    let id = format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or_default(),
        pod.metadata.name.as_deref().unwrap_or_default()
    );
    let mirror = pod
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
    if mirror {
        plan.skip.push(format!("{id} (mirror pod)"));
        return;
    }
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true));
    if owner.is_some_and(|o| o.kind == "DaemonSet") {
        plan.skip.push(format!("{id} (DaemonSet)"));
        return;
    }
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    let finished = matches!(phase, Some("Succeeded" | "Failed"));
    if owner.is_none() && !finished {
        plan.refuse.push(format!(
            "{id} is managed by no controller, so nothing would start it again; delete it yourself if you mean to"
        ));
        return;
    }
    let empty_dir = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .is_some_and(|vs| vs.iter().any(|v| v.empty_dir.is_some()));
    if empty_dir && !delete_emptydir_data && !finished {
        plan.refuse.push(format!(
            "{id} has emptyDir data that is lost when it is evicted; say \"delete emptydir data\" (--delete-emptydir-data) to evict it anyway"
        ));
        return;
    }
    plan.evict.push(id);
}

impl Executor {
    /// Set or clear `spec.unschedulable` of a node.
    pub(super) async fn set_unschedulable(&self, t: &Target, on: bool) -> Result<OpOutput> {
        let (kind, _, name) = parts(t)?;
        if kind != Kind::Node {
            return Err(AssistError::Invalid(format!(
                "only nodes are cordoned; {} is a {}",
                name,
                kind.kubectl_name()
            )));
        }
        // `null` removes the field, as kubectl uncordon leaves the node.
        let value = if on { json!(true) } else { Value::Null };
        let patch = json!({"spec": {"unschedulable": value}});
        let after = self
            .patch_any(Kind::Node, None, name, &Patch::Merge(&patch))
            .await?;
        Ok(OpOutput::text(
            format!(
                "node/{name} {}{}",
                if on { "cordoned" } else { "uncordoned" },
                self.dry()
            ),
            json!({"node": name, "unschedulable": on}),
        )
        .with_after(after))
    }

    /// The pods a drain evicts, skips and refuses: those of its node, and of
    /// them only the ones its pod selector matches, when it has one.
    pub async fn drain_plan(&self, d: &DrainOp) -> Result<DrainPlan> {
        let (_, _, name) = parts(&d.target)?;
        let delete_emptydir_data = d.delete_emptydir_data;
        let pods: Api<Pod> = Api::all(self.client.clone());
        let lp = ListParams {
            field_selector: Some(format!("spec.nodeName={name}")),
            label_selector: d.pod_selector.clone(),
            ..Default::default()
        };
        let mut plan = DrainPlan::default();
        let mut items = pods.list(&lp).await?.items;
        items.sort_by(|a, b| {
            (&a.metadata.namespace, &a.metadata.name)
                .cmp(&(&b.metadata.namespace, &b.metadata.name))
        });
        for pod in &items {
            classify(pod, delete_emptydir_data, &mut plan);
        }
        Ok(plan)
    }

    /// The API version of the Eviction subresource this server serves, as kubectl
    /// finds it: the `pods/eviction` entry of the core v1 resource list.
    async fn eviction_version(&self) -> Result<String> {
        let req = http::Request::get("/api/v1")
            .body(Vec::new())
            .map_err(|e| AssistError::Invalid(e.to_string()))?;
        let list: Value = self.client.request(req).await?;
        let entry = list["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["name"] == "pods/eviction"));
        Ok(match entry {
            Some(r) if r["group"].is_string() && r["version"].is_string() => {
                format!(
                    "{}/{}",
                    r["group"].as_str().unwrap_or_default(),
                    r["version"].as_str().unwrap_or_default()
                )
            }
            _ => "policy/v1beta1".to_string(),
        })
    }

    /// The budgets in `ns` whose selector matches the pod, by name.
    async fn budgets_of(&self, ns: &str, pod: &str) -> Vec<String> {
        let Ok(pod) = Api::<Pod>::namespaced(self.client.clone(), ns)
            .get(pod)
            .await
        else {
            return Vec::new();
        };
        let labels = pod.metadata.labels.unwrap_or_default();
        // policy/v1beta1 on 1.20 lays a budget out as v1 does for what is read here.
        let req = match http::Request::get(format!(
            "/apis/{}/namespaces/{ns}/poddisruptionbudgets",
            self.pdb_group_version().await
        ))
        .body(Vec::new())
        {
            Ok(r) => r,
            Err(_) => return Vec::new(),
        };
        let Ok(list) = self.client.request::<Value>(req).await else {
            return Vec::new();
        };
        list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| serde_json::from_value::<PodDisruptionBudget>(b.clone()).ok())
            .filter(|b| {
                let want = b
                    .spec
                    .as_ref()
                    .and_then(|s| s.selector.as_ref())
                    .and_then(|s| s.match_labels.clone())
                    .unwrap_or_default();
                !want.is_empty() && want.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
            .filter_map(|b| b.metadata.name)
            .collect()
    }

    async fn pdb_group_version(&self) -> &'static str {
        let Ok(req) = http::Request::get("/apis/policy/v1").body(Vec::new()) else {
            return "policy/v1beta1";
        };
        match self.client.request::<Value>(req).await {
            Ok(_) => "policy/v1",
            Err(_) => "policy/v1beta1",
        }
    }

    /// Evict one pod; a 429 is the disruption budget saying no.
    async fn evict(&self, api_version: &str, ns: &str, name: &str) -> Result<()> {
        let mut body = json!({"apiVersion": api_version, "kind": "Eviction",
            "metadata": {"name": name, "namespace": ns}});
        if self.options.dry_run {
            body["deleteOptions"] = json!({"dryRun": ["All"]});
        }
        let req = http::Request::post(format!("/api/v1/namespaces/{ns}/pods/{name}/eviction"))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&body).unwrap_or_default())
            .map_err(|e| AssistError::Invalid(e.to_string()))?;
        match self.unretried.request::<Value>(req).await {
            Ok(_) => Ok(()),
            Err(e) => match AssistError::from(e) {
                AssistError::Api { code: 429, .. } => {
                    let budgets = self.budgets_of(ns, name).await;
                    Err(AssistError::Refused(format!(
                        "evicting pod {ns}/{name} would violate {}; the drain stopped there (the node stays cordoned: undo, or `uncordon`, makes it schedulable again)",
                        if budgets.is_empty() {
                            "its PodDisruptionBudget".to_string()
                        } else {
                            format!("the PodDisruptionBudget {}", budgets.join(", "))
                        }
                    )))
                }
                other => Err(other),
            },
        }
    }

    /// Cordon the node, then evict the pods [`Executor::drain_plan`] lists.
    pub(super) async fn drain(&self, d: &DrainOp) -> Result<OpOutput> {
        let t = &d.target;
        let (_, _, name) = parts(t)?;
        let plan = self.drain_plan(d).await?;
        if !plan.refuse.is_empty() {
            return Err(AssistError::Refused(format!(
                "node/{name} is not drained: {}",
                plan.refuse.join("; ")
            )));
        }
        let cordoned = self.set_unschedulable(t, true).await?;
        let version = self.eviction_version().await?;
        let mut evicted = Vec::new();
        for id in &plan.evict {
            let (ns, pod) = id.split_once('/').unwrap_or(("default", id));
            self.evict(&version, ns, pod).await?;
            evicted.push(id.clone());
        }
        Ok(OpOutput::text(
            format!(
                "node/{name} drained{}: cordoned, {} pod(s) evicted ({version} Eviction){}",
                self.dry(),
                evicted.len(),
                if plan.skip.is_empty() {
                    String::new()
                } else {
                    format!("; left alone: {}", plan.skip.join(", "))
                }
            ),
            json!({"node": name, "evicted": evicted, "skipped": plan.skip, "eviction_api": version}),
        )
        .with_after(cordoned.after.unwrap_or_default()))
    }
}
