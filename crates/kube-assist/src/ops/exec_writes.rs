//! Running the writes of the workload and object families: scale, container
//! patches (set image/resources), merge patches and pod deletion. Every write
//! carries the field manager `kubectl-assist` and honours the server dry run.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Patch};
use serde_json::{Value, json};

use super::exec::{Executor, OpOutput, ns_api, parts};
use super::{Kind, ReplicaChange, Target};
use crate::error::{AssistError, Result};

impl Executor {
    /// Current desired replicas of a Deployment or StatefulSet.
    pub async fn replicas(&self, t: &Target) -> Result<u32> {
        let (kind, ns, name) = parts(t)?;
        let scale = match kind {
            Kind::Deployment => {
                ns_api::<Deployment>(&self.client, ns)
                    .get_scale(name)
                    .await?
            }
            Kind::StatefulSet => {
                ns_api::<StatefulSet>(&self.client, ns)
                    .get_scale(name)
                    .await?
            }
            other => {
                return Err(AssistError::Invalid(format!(
                    "a {} cannot be scaled",
                    other.kubectl_name()
                )));
            }
        };
        Ok(scale.spec.and_then(|s| s.replicas).unwrap_or(0).max(0) as u32)
    }

    pub(super) async fn scale(&self, t: &Target, change: ReplicaChange) -> Result<OpOutput> {
        let (kind, ns, name) = parts(t)?;
        let to = match change {
            ReplicaChange::To(n) => n,
            other => other.apply(self.replicas(t).await?),
        };
        let patch = Patch::Merge(json!({"spec": {"replicas": to}}));
        let scale = match kind {
            Kind::Deployment => {
                ns_api::<Deployment>(&self.client, ns)
                    .patch_scale(name, &self.patch_params(), &patch)
                    .await?
            }
            Kind::StatefulSet => {
                ns_api::<StatefulSet>(&self.client, ns)
                    .patch_scale(name, &self.patch_params(), &patch)
                    .await?
            }
            other => {
                return Err(AssistError::Invalid(format!(
                    "a {} cannot be scaled",
                    other.kubectl_name()
                )));
            }
        };
        let running = scale.status.map(|s| s.replicas).unwrap_or(0);
        Ok(OpOutput::text(
            format!(
                "{}/{name} scaled to {to} replicas (currently running {running}){}",
                kind.kubectl_name(),
                self.dry()
            ),
            json!({"replicas": to, "running": running}),
        ))
    }

    pub(super) async fn patch_container(
        &self,
        t: &Target,
        container: Option<&str>,
        fields: Value,
        done: &str,
    ) -> Result<OpOutput> {
        let (kind, ns, name) = parts(t)?;
        let v = self.get_value(t).await?;
        let containers: Vec<String> = v
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let chosen = match container {
            Some(c) if containers.iter().any(|x| x == c) => c.to_string(),
            Some(c) => {
                return Err(AssistError::NotFound(format!(
                    "{}/{name} has no container {c}; its containers are: {}",
                    kind.kubectl_name(),
                    containers.join(", ")
                )));
            }
            None if containers.len() == 1 => containers[0].clone(),
            None => {
                return Err(AssistError::Invalid(format!(
                    "{}/{name} has several containers ({}); say which one, e.g. \"... container {}\"",
                    kind.kubectl_name(),
                    containers.join(", "),
                    containers.first().map(String::as_str).unwrap_or("NAME")
                )));
            }
        };
        let mut c = fields;
        c["name"] = json!(chosen);
        let patch = json!({"spec": {"template": {"spec": {"containers": [c]}}}});
        // Strategic merge patch merges the containers list by name, leaving the others alone.
        self.patch_workload(kind, ns, name, &Patch::Strategic(&patch))
            .await?;
        Ok(OpOutput::text(
            format!(
                "{}/{name} container {chosen}: {done}{}",
                kind.kubectl_name(),
                self.dry()
            ),
            json!({"container": chosen}),
        ))
    }

    pub(super) async fn merge_patch(&self, t: &Target, patch: &Value) -> Result<OpOutput> {
        let (kind, ns, name) = parts(t)?;
        if !patch.is_object() {
            return Err(AssistError::Invalid(
                "a patch must be a JSON object (a merge patch)".into(),
            ));
        }
        self.patch_any(kind, ns, name, &Patch::Merge(patch)).await?;
        Ok(OpOutput::text(
            format!("{}/{name} patched{}", kind.kubectl_name(), self.dry()),
            json!({"patch": patch}),
        ))
    }

    pub(super) async fn delete_pod(&self, t: &Target) -> Result<OpOutput> {
        let (_, ns, name) = parts(t)?;
        let api: Api<Pod> = ns_api(&self.client, ns);
        let dp = DeleteParams {
            dry_run: self.options.dry_run,
            ..Default::default()
        };
        api.delete(name, &dp).await?;
        Ok(OpOutput::text(
            format!("pod/{name} deleted{}", self.dry()),
            json!({"deleted": name}),
        ))
    }
}
