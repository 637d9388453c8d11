//! Running the writes of the workload and object families: scale, container
//! patches (set image/resources/env), patches of every type and pod deletion. Every write
//! carries the field manager `kubectl-assist` and honours the server dry run.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Patch};
use serde_json::{Value, json};

use super::exec::{Executor, OpOutput, ns_api, parts};
use super::{Kind, PatchType, ReplicaChange, Target};
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

    /// The container of a workload's pod template a write is about: the one
    /// named, or the only one. Returns its index and name.
    fn choose_container(v: &Value, t: &Target, container: Option<&str>) -> Result<(usize, String)> {
        let name = t.name.as_deref().unwrap_or_default();
        let kind = t.kind_name();
        let containers: Vec<String> = v
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        match container {
            Some(c) => match containers.iter().position(|x| x == c) {
                Some(i) => Ok((i, c.to_string())),
                None => Err(AssistError::NotFound(format!(
                    "{kind}/{name} has no container {c}; its containers are: {}",
                    containers.join(", ")
                ))),
            },
            None if containers.len() == 1 => Ok((0, containers[0].clone())),
            None => Err(AssistError::Invalid(format!(
                "{kind}/{name} has several containers ({}); say which one, e.g. \"... container {}\"",
                containers.join(", "),
                containers.first().map(String::as_str).unwrap_or("NAME")
            ))),
        }
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
        let (_, chosen) = Self::choose_container(&v, t, container)?;
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

    /// `set env`: the container's variables with `env` set and `remove` taken
    /// out, sent as a JSON patch that first tests the container is still at the
    /// index read (a concurrent change makes it fail instead of hitting another).
    pub(super) async fn set_env(&self, o: &super::SetEnvOp) -> Result<OpOutput> {
        let t = &o.target;
        let (kind, _, name) = parts(t)?;
        if !kind.is_workload() {
            return Err(AssistError::Invalid(format!(
                "a {} has no pod template to set variables on",
                kind.kubectl_name()
            )));
        }
        if o.env.is_empty() && o.remove.is_empty() && o.from_secret.is_none() {
            return Err(AssistError::Invalid(
                "say which variables to set (KEY=VALUE) or remove (KEY-)".into(),
            ));
        }
        let v = self.get_value(t).await?;
        let (i, chosen) = Self::choose_container(&v, t, o.container.as_deref())?;
        let base = format!("/spec/template/spec/containers/{i}");
        let current: Vec<Value> = v
            .pointer(&format!("{base}/env"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let has = |k: &str| current.iter().any(|e| e["name"] == k);
        let missing: Vec<&str> = o
            .remove
            .iter()
            .map(String::as_str)
            .filter(|k| !has(k))
            .collect();
        if !missing.is_empty() {
            let names: Vec<&str> = current.iter().filter_map(|e| e["name"].as_str()).collect();
            return Err(AssistError::NotFound(format!(
                "container {chosen} of {}/{name} has no variable {}; its variables are: {}",
                kind.kubectl_name(),
                missing.join(", "),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )));
        }
        let mut env: Vec<Value> = current
            .into_iter()
            .filter(|e| !o.remove.iter().any(|k| e["name"] == k.as_str()))
            .map(|e| match e["name"].as_str().and_then(|k| o.env.get(k)) {
                Some(value) => json!({"name": e["name"], "value": value}),
                None => e,
            })
            .collect();
        for (k, value) in &o.env {
            if !env.iter().any(|e| e["name"] == k.as_str()) {
                env.push(json!({"name": k, "value": value}));
            }
        }
        let mut ops = vec![
            json!({"op": "test", "path": format!("{base}/name"), "value": chosen}),
            json!({"op": "add", "path": format!("{base}/env"), "value": env}),
        ];
        if let Some(secret) = &o.from_secret {
            let mut from: Vec<Value> = v
                .pointer(&format!("{base}/envFrom"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if !from
                .iter()
                .any(|f| f["secretRef"]["name"] == secret.as_str())
            {
                from.push(json!({"secretRef": {"name": secret}}));
            }
            ops.push(json!({"op": "add", "path": format!("{base}/envFrom"), "value": from}));
        }
        let after = self.json_patch(t, &Value::Array(ops)).await?;
        let mut changed: Vec<String> = o.env.keys().map(|k| format!("{k} set")).collect();
        changed.extend(o.remove.iter().map(|k| format!("{k} removed")));
        if let Some(s) = &o.from_secret {
            changed.push(format!("the keys of secret {s} added by reference"));
        }
        Ok(OpOutput::text(
            format!(
                "{}/{name} container {chosen}: {}{}",
                kind.kubectl_name(),
                changed.join(", "),
                self.dry()
            ),
            json!({"container": chosen, "set": o.env.keys().collect::<Vec<_>>(), "removed": o.remove}),
        )
        .with_after(after))
    }

    /// Send a JSON patch (RFC 6902) to any object. kube-rs takes JSON patches
    /// only with an extra crate, so the request is made here.
    pub(super) async fn json_patch(&self, t: &Target, ops: &Value) -> Result<Value> {
        use kube::Resource;
        validate_json_patch(ops)?;
        let q = super::dynamic::resource_of_target(t)?;
        let ar = q.api_resource();
        let ns = if t.kind.is_some_and(Kind::is_cluster_scoped) {
            None
        } else {
            t.namespace.as_deref()
        };
        let name = t.name.as_deref().unwrap_or_default();
        let mut url = format!(
            "{}/{name}?fieldManager=kubectl-assist",
            kube::api::DynamicObject::url_path(&ar, ns)
        );
        if self.options.dry_run {
            url.push_str("&dryRun=All");
        }
        let req = http::Request::patch(url)
            .header(http::header::CONTENT_TYPE, "application/json-patch+json")
            .body(serde_json::to_vec(ops).unwrap_or_default())
            .map_err(|e| AssistError::Invalid(e.to_string()))?;
        Ok(self.client.request::<Value>(req).await?)
    }

    /// `patch --type merge|strategic|json`.
    pub(super) async fn patch(
        &self,
        t: &Target,
        patch: &Value,
        patch_type: PatchType,
    ) -> Result<OpOutput> {
        let after = match patch_type {
            PatchType::Json => self.json_patch(t, patch).await?,
            PatchType::Merge | PatchType::Strategic => {
                if !patch.is_object() {
                    return Err(AssistError::Invalid(format!(
                        "a {} patch must be a JSON object; a list of operations is a JSON patch (--type json)",
                        patch_type.as_str()
                    )));
                }
                if patch_type == PatchType::Strategic && !is_built_in(t) {
                    return Err(AssistError::Invalid(format!(
                        "a strategic merge patch works on built-in kinds only, and {} is a custom resource: use --type merge or --type json",
                        t.display()
                    )));
                }
                let p = if patch_type == PatchType::Merge {
                    Patch::Merge(patch)
                } else {
                    Patch::Strategic(patch)
                };
                if t.is_dynamic() {
                    self.patch_dynamic(t, &p).await?
                } else {
                    let (kind, ns, name) = parts(t)?;
                    self.patch_any(kind, ns, name, &p).await?
                }
            }
        };
        Ok(OpOutput::text(
            format!("{} patched{}", t.display(), self.dry()),
            json!({"patch": patch, "type": patch_type.as_str()}),
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
            unretried: self.unretried.clone(),
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

/// API groups of the kinds Kubernetes itself serves: strategic merge patches
/// work on them only (a custom resource has no patch strategy to merge by).
const BUILT_IN_GROUPS: [&str; 18] = [
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "certificates.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
];

fn is_built_in(t: &Target) -> bool {
    t.kind.is_some()
        || super::dynamic::resource_of_target(t)
            .is_ok_and(|q| BUILT_IN_GROUPS.contains(&q.group.as_str()))
}

/// Check a JSON patch before it is sent, so a malformed one is refused with
/// what is wrong rather than as the server's 422 halfway through a plan.
pub fn validate_json_patch(ops: &Value) -> Result<()> {
    let bad = |i: usize, what: &str| {
        Err(AssistError::Invalid(format!(
            "JSON patch operation {} {what}; each is {{\"op\": add|remove|replace|move|copy|test, \"path\": \"/a/b\", \"value\"|\"from\"}}",
            i + 1
        )))
    };
    let Some(list) = ops.as_array() else {
        return Err(AssistError::Invalid(
            "a JSON patch is a list of operations, e.g. [{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 3}]".into(),
        ));
    };
    if list.is_empty() {
        return Err(AssistError::Invalid(
            "the JSON patch has no operations".into(),
        ));
    }
    for (i, op) in list.iter().enumerate() {
        let Some(kind) = op["op"].as_str() else {
            return bad(i, "has no \"op\"");
        };
        let pointer_ok = |v: &Value| {
            v.as_str()
                .is_some_and(|p| p.is_empty() || p.starts_with('/'))
        };
        if !pointer_ok(&op["path"]) {
            return bad(i, "has no \"path\" that is a JSON pointer (\"/...\")");
        }
        match kind {
            "add" | "replace" | "test" if op.get("value").is_none() => {
                return bad(i, &format!("({kind}) has no \"value\""));
            }
            "move" | "copy" if !pointer_ok(&op["from"]) => {
                return bad(i, &format!("({kind}) has no \"from\" pointer"));
            }
            "add" | "replace" | "test" | "move" | "copy" | "remove" => {}
            other => return bad(i, &format!("has an unknown op \"{other}\"")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_patches_are_validated_before_sending() {
        let ok = json!([{"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "remove", "path": "/metadata/labels/x"}, {"op": "move", "from": "/a", "path": "/b"}]);
        assert!(validate_json_patch(&ok).is_ok());
        for (bad, says) in [
            (json!({"spec": {}}), "list of operations"),
            (json!([]), "no operations"),
            (json!([{"path": "/a"}]), "no \"op\""),
            (json!([{"op": "add", "path": "/a"}]), "no \"value\""),
            (
                json!([{"op": "add", "path": "a", "value": 1}]),
                "JSON pointer",
            ),
            (json!([{"op": "copy", "path": "/a"}]), "\"from\""),
            (json!([{"op": "merge", "path": "/a"}]), "unknown op"),
        ] {
            let e = validate_json_patch(&bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn strategic_patches_are_for_built_in_kinds() {
        let mut t = Target::named(Some(Kind::Service), "web");
        assert!(is_built_in(&t));
        t.kind = None;
        t.resource = Some("ingresses.v1.networking.k8s.io".into());
        assert!(is_built_in(&t));
        t.resource = Some("crontabs.v1.stable.example.com".into());
        assert!(!is_built_in(&t));
    }
}
