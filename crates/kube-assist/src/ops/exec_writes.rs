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
        let after = self
            .patch_workload(kind, ns, name, &Patch::Strategic(&patch))
            .await?;
        Ok(OpOutput::text(
            format!(
                "{}/{name} container {chosen}: {done}{}",
                kind.kubectl_name(),
                self.dry()
            ),
            json!({"container": chosen}),
        )
        .with_after(after))
    }

    pub(super) async fn merge_patch(&self, t: &Target, patch: &Value) -> Result<OpOutput> {
        if !patch.is_object() {
            return Err(AssistError::Invalid(
                "a patch must be a JSON object (a merge patch)".into(),
            ));
        }
        let after = if t.is_dynamic() {
            self.patch_dynamic(t, &Patch::Merge(patch)).await?
        } else {
            let (kind, ns, name) = parts(t)?;
            self.patch_any(kind, ns, name, &Patch::Merge(patch)).await?
        };
        Ok(OpOutput::text(
            format!("{} patched{}", t.display(), self.dry()),
            json!({"patch": patch}),
        )
        .with_after(after))
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

/// One object a write changes, as the operator confirms it: the unified YAML
/// diff of the live object against the API server's dry-run answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ObjectChange {
    /// `deployment/web -n todo`.
    pub object: String,
    /// Unified diff; empty when the write changes nothing.
    pub diff: String,
    /// What else the write takes with it ("its 3 pods are deleted with it").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The object as it was (absent when the write creates it), for the undo journal.
    #[serde(skip)]
    pub before: Option<Value>,
    #[serde(skip)]
    pub target: Target,
}

impl Executor {
    /// Send a write as a server-side dry run and diff the answer with the live
    /// object. Nothing changes; the API server validates the write as it would.
    /// A write that changes several objects (a manifest) is shown as one change
    /// with every object's diff; [`Executor::previews`] keeps them apart.
    pub async fn preview(&self, op: &super::Operation) -> Result<ObjectChange> {
        let mut changes = self.previews(op).await?;
        if changes.len() == 1 {
            return Ok(changes.remove(0));
        }
        let first = changes
            .first()
            .cloned()
            .ok_or_else(|| AssistError::Invalid(format!("{} changes no object", op.name())))?;
        Ok(ObjectChange {
            object: changes
                .iter()
                .map(|c| c.object.clone())
                .collect::<Vec<_>>()
                .join(", "),
            diff: changes.iter().map(|c| c.diff.clone()).collect(),
            note: None,
            before: first.before,
            target: first.target,
        })
    }

    /// The dry-run diff of a write to one existing object.
    pub(super) async fn preview_one(&self, op: &super::Operation) -> Result<ObjectChange> {
        let t = op
            .target()
            .ok_or_else(|| AssistError::Invalid(format!("{} names no object", op.name())))?;
        let before = match self.get_value(t).await {
            Ok(v) => Some(v),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        let dry = Executor {
            client: self.client.clone(),
            options: super::ExecOptions {
                dry_run: true,
                progress: false,
                ..Default::default()
            },
        };
        let out = dry.run(op).await?;
        let after = match op {
            super::Operation::DeletePod(_) => None,
            // The scale subresource answers with a Scale, not the object.
            super::Operation::Scale(s) => before.clone().map(|mut v| {
                let current = v["spec"]["replicas"].as_u64().unwrap_or(1) as u32;
                v["spec"]["replicas"] = json!(s.replicas.apply(current));
                v
            }),
            _ => out.after,
        };
        let mut label = t.display();
        if let Some(ns) = &t.namespace {
            label.push_str(&format!(" -n {ns}"));
        }
        Ok(ObjectChange {
            note: None,
            diff: crate::diff::object_diff(before.as_ref(), after.as_ref(), &label),
            object: label,
            before,
            target: t.clone(),
        })
    }
}
