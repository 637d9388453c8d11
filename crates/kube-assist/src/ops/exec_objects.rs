//! Writes of whole objects: create and server-side apply (the create family),
//! delete of any kind (with what goes with it), and their dry-run previews, one
//! [`ObjectChange`] per object, so each is diffed, journalled and undone.

use kube::api::{DynamicObject, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::discovery::{CatalogCache, QualifiedResource, typed_kind};
use super::dynamic::{qualified_of, resource_of_target};
use super::exec::{Executor, OpOutput};
use super::exec_writes::ObjectChange;
use super::manifest::static_objects;
use super::{Kind, Operation, Target};
use crate::error::{AssistError, Result};

/// Kinds addressed without discovery: (group, kind, plural, namespaced).
const KNOWN: [(&str, &str, &str, bool); 23] = [
    ("", "Pod", "pods", true),
    ("", "Service", "services", true),
    ("", "ConfigMap", "configmaps", true),
    ("", "Secret", "secrets", true),
    ("", "Namespace", "namespaces", false),
    ("", "ServiceAccount", "serviceaccounts", true),
    ("", "PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("", "PersistentVolume", "persistentvolumes", false),
    ("", "Node", "nodes", false),
    ("apps", "Deployment", "deployments", true),
    ("apps", "StatefulSet", "statefulsets", true),
    ("apps", "DaemonSet", "daemonsets", true),
    ("apps", "ReplicaSet", "replicasets", true),
    ("batch", "Job", "jobs", true),
    ("batch", "CronJob", "cronjobs", true),
    (
        "autoscaling",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    ("networking.k8s.io", "Ingress", "ingresses", true),
    (
        "networking.k8s.io",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    ("rbac.authorization.k8s.io", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    (
        "policy",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
];

fn split_api_version(av: &str) -> (&str, &str) {
    av.split_once('/').unwrap_or(("", av))
}

fn namespace_for(obj: &Value, namespaced: bool, default_ns: Option<&str>) -> Option<String> {
    namespaced.then(|| {
        obj["metadata"]["namespace"]
            .as_str()
            .or(default_ns)
            .unwrap_or("default")
            .to_string()
    })
}

/// Where an object of a common kind lives: resource, namespace, name.
pub(super) fn address_known(
    obj: &Value,
    default_ns: Option<&str>,
) -> Option<(QualifiedResource, Option<String>, String)> {
    let (group, version) = split_api_version(obj["apiVersion"].as_str()?);
    let kind = obj["kind"].as_str()?;
    let (_, _, plural, namespaced) = KNOWN.iter().find(|k| k.0 == group && k.1 == kind)?;
    let q = QualifiedResource {
        group: group.into(),
        version: version.into(),
        plural: plural.to_string(),
    };
    let ns = namespace_for(obj, *namespaced, default_ns);
    Some((q, ns, obj["metadata"]["name"].as_str()?.to_string()))
}

/// The target naming an object: a typed kind when one fits, else the resource.
fn target_of(q: &QualifiedResource, ns: Option<String>, name: &str) -> Target {
    let typed = typed_kind(&q.plural).filter(|k| {
        let t = qualified_of(*k);
        t.group == q.group && t.version == q.version
    });
    Target {
        kind: typed,
        name: Some(name.to_string()),
        namespace: ns,
        resource: if typed.is_some() {
            None
        } else {
            Some(format!(
                "{}.{}{}",
                q.plural,
                q.version,
                if q.group.is_empty() {
                    String::new()
                } else {
                    format!(".{}", q.group)
                }
            ))
        },
    }
}

/// Create (POST, fails when it exists) or server-side apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteMode {
    Create,
    Apply,
}

pub(super) fn default_namespace(op: &Operation) -> Option<&str> {
    match op {
        Operation::Apply(a) => a.namespace.as_deref(),
        Operation::CreateConfigmap(c) => c.namespace.as_deref(),
        Operation::CreateSecret(s) => s.namespace.as_deref(),
        Operation::CreateDeployment(d) => d.namespace.as_deref(),
        Operation::Expose(e) => e.target.namespace.as_deref(),
        Operation::Autoscale(a) => a.target.namespace.as_deref(),
        _ => None,
    }
}

impl Executor {
    /// Where any object lives, by the common kinds or else discovery.
    pub(super) async fn address(
        &self,
        obj: &Value,
        default_ns: Option<&str>,
    ) -> Result<(QualifiedResource, Option<String>, String)> {
        if let Some(found) = address_known(obj, default_ns) {
            return Ok(found);
        }
        let av = obj["apiVersion"].as_str().unwrap_or_default();
        let kind = obj["kind"].as_str().unwrap_or_default();
        let (group, version) = split_api_version(av);
        let word = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let info = CatalogCache.get(&self.client).await?.find(&word)?;
        let q = QualifiedResource {
            group: group.into(),
            version: version.into(),
            plural: info.plural.clone(),
        };
        let ns = namespace_for(obj, info.namespaced, default_ns);
        Ok((
            q,
            ns,
            obj["metadata"]["name"].as_str().unwrap_or_default().into(),
        ))
    }

    /// The objects an operation writes, and how.
    async fn objects_of(&self, op: &Operation) -> Result<(Vec<Value>, WriteMode)> {
        if let Some(objects) = static_objects(op) {
            let mode = if matches!(op, Operation::Apply(_)) {
                WriteMode::Apply
            } else {
                WriteMode::Create
            };
            return Ok((objects?, mode));
        }
        let obj = match op {
            Operation::Expose(e) => e.object(&self.get_value(&e.target).await?)?,
            Operation::Autoscale(a) => a.object(&self.get_value(&a.target).await?)?,
            other => {
                return Err(AssistError::Invalid(format!(
                    "{} writes no objects of its own",
                    other.name()
                )));
            }
        };
        Ok((vec![obj], WriteMode::Create))
    }

    async fn write_object(
        &self,
        obj: &Value,
        default_ns: Option<&str>,
        mode: WriteMode,
        dry_run: bool,
    ) -> Result<(Target, Value)> {
        let (q, ns, name) = self.address(obj, default_ns).await?;
        let mut obj = obj.clone();
        if let Some(ns) = &ns {
            obj["metadata"]["namespace"] = json!(ns);
        }
        let api = self.dyn_api(&q.api_resource(), ns.as_deref());
        let after = match mode {
            WriteMode::Create => {
                let pp = PostParams {
                    dry_run,
                    field_manager: Some("kubectl-assist".into()),
                };
                let dynamic: DynamicObject = serde_json::from_value(obj).map_err(|e| {
                    AssistError::Invalid(format!("{name} is not a valid object: {e}"))
                })?;
                api.create(&pp, &dynamic).await?
            }
            WriteMode::Apply => {
                let pp = PatchParams {
                    dry_run,
                    field_manager: Some("kubectl-assist".into()),
                    ..Default::default()
                };
                api.patch(&name, &pp, &Patch::Apply(&obj)).await?
            }
        };
        Ok((
            target_of(&q, ns, &name),
            serde_json::to_value(after).unwrap_or_default(),
        ))
    }

    /// Whether an object exists, asked without reading it (so a Secret's values
    /// never come back).
    async fn exists_unread(
        &self,
        q: &QualifiedResource,
        ns: Option<&str>,
        name: &str,
    ) -> Result<bool> {
        let lp = ListParams {
            field_selector: Some(format!("metadata.name={name}")),
            ..Default::default()
        };
        let found = self
            .dyn_api(&q.api_resource(), ns)
            .list_metadata(&lp)
            .await?;
        Ok(!found.items.is_empty())
    }

    /// Run a write of the create family.
    pub(super) async fn write_objects(&self, op: &Operation) -> Result<OpOutput> {
        let (objects, mode) = self.objects_of(op).await?;
        let mut lines = Vec::new();
        let mut written = Vec::new();
        for obj in &objects {
            let (t, _) = self
                .write_object(obj, default_namespace(op), mode, self.options.dry_run)
                .await?;
            let verb = match mode {
                WriteMode::Create => "created",
                WriteMode::Apply => "applied",
            };
            lines.push(format!("{} {verb}{}", t.display(), self.dry()));
            written.push(json!({"object": t.display(), "namespace": t.namespace}));
        }
        Ok(OpOutput::text(
            lines.join("\n"),
            json!({"objects": written}),
        ))
    }

    pub(super) async fn delete_object(&self, t: &Target) -> Result<OpOutput> {
        self.delete_any(t).await?;
        Ok(OpOutput::text(
            format!("{} deleted{}", t.display(), self.dry()),
            json!({"deleted": t.display()}),
        ))
    }

    /// What goes with a deleted object, in words for the plan.
    async fn goes_with(&self, t: &Target, before: &Value) -> Result<Option<String>> {
        let ns = t.namespace.as_deref();
        let count = |q: QualifiedResource, ns: Option<String>, selector: Option<String>| {
            let api = self.dyn_api(&q.api_resource(), ns.as_deref());
            async move {
                let lp = ListParams {
                    label_selector: selector,
                    ..Default::default()
                };
                api.list_metadata(&lp).await.map(|l| l.items.len())
            }
        };
        match t.kind {
            Some(
                Kind::Deployment
                | Kind::StatefulSet
                | Kind::DaemonSet
                | Kind::ReplicaSet
                | Kind::Job,
            ) => {
                let labels = before
                    .pointer("/spec/selector/matchLabels")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .filter(|s| !s.is_empty());
                let Some(selector) = labels else {
                    return Ok(None);
                };
                let n = count(
                    qualified_of(Kind::Pod),
                    ns.map(str::to_string),
                    Some(selector.clone()),
                )
                .await?;
                if t.kind == Some(Kind::Deployment) {
                    let rs = count(
                        qualified_of(Kind::ReplicaSet),
                        ns.map(str::to_string),
                        Some(selector),
                    )
                    .await?;
                    return Ok(Some(format!(
                        "its {rs} ReplicaSet(s) and {n} pod(s) are deleted with it"
                    )));
                }
                Ok(Some(format!("its {n} pod(s) are deleted with it")))
            }
            Some(Kind::Namespace) => {
                let name = t.name.clone();
                let mut parts = Vec::new();
                let mut total = 0;
                for kind in [
                    Kind::Pod,
                    Kind::Deployment,
                    Kind::StatefulSet,
                    Kind::Service,
                    Kind::ConfigMap,
                    Kind::PersistentVolumeClaim,
                    Kind::Job,
                ] {
                    let n = count(qualified_of(kind), name.clone(), None).await?;
                    if n > 0 {
                        total += n;
                        parts.push(format!("{n} {}", kind.kubectl_name()));
                    }
                }
                let secrets = QualifiedResource {
                    group: String::new(),
                    version: "v1".into(),
                    plural: "secrets".into(),
                };
                let n = count(secrets, name.clone(), None).await?;
                if n > 0 {
                    total += n;
                    parts.push(format!("{n} secret"));
                }
                Ok(Some(format!(
                    "DESTRUCTIVE: every object in it is deleted with it ({total}: {}); undo re-creates the namespace only",
                    if parts.is_empty() {
                        "none found".to_string()
                    } else {
                        parts.join(", ")
                    }
                )))
            }
            Some(Kind::Node) => Ok(Some(
                "DESTRUCTIVE: the node leaves the cluster; its pods are rescheduled elsewhere"
                    .into(),
            )),
            _ if t
                .resource
                .as_deref()
                .is_some_and(|r| r.starts_with("persistentvolumes.")) =>
            {
                Ok(Some(format!(
                    "DESTRUCTIVE: its reclaim policy is {}; with Delete its data is gone",
                    before
                        .pointer("/spec/persistentVolumeReclaimPolicy")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown")
                )))
            }
            _ if t
                .resource
                .as_deref()
                .is_some_and(|r| r.starts_with("customresourcedefinitions.")) =>
            {
                Ok(Some(
                    "DESTRUCTIVE: every object of its kind is deleted with it".into(),
                ))
            }
            _ => Ok(None),
        }
    }

    /// Dry-run previews of a write, one per object it changes.
    pub async fn previews(&self, op: &Operation) -> Result<Vec<ObjectChange>> {
        let label = |t: &Target| match &t.namespace {
            Some(ns) => format!("{} -n {ns}", t.display()),
            None => t.display(),
        };
        if let Operation::Delete(d) = op {
            let before = self.get_value(&d.target).await?;
            let note = self.goes_with(&d.target, &before).await?;
            // The server checks the delete too (admission, finalizers), changing nothing.
            let dry = Executor {
                client: self.client.clone(),
                unretried: self.unretried.clone(),
                options: super::ExecOptions {
                    dry_run: true,
                    ..Default::default()
                },
            };
            dry.delete_any(&d.target).await?;
            let l = label(&d.target);
            return Ok(vec![ObjectChange {
                diff: crate::diff::object_diff(Some(&before), None, &l),
                object: l,
                note,
                before: Some(before),
                target: d.target.clone(),
            }]);
        }
        if let Operation::Drain(d) = op {
            let name = d.target.name.as_deref().unwrap_or_default();
            let plan = self.drain_plan(d).await?;
            if !plan.refuse.is_empty() {
                return Err(AssistError::Refused(format!(
                    "node/{name} cannot be drained as asked: {}",
                    plan.refuse.join("; ")
                )));
            }
            let mut change = self.preview_one(op).await?;
            change.note = Some(format!(
                "{}. Undo uncordons the node; evicted pods are not brought back (their controllers start new ones elsewhere)",
                plan.describe()
            ));
            return Ok(vec![change]);
        }
        if let Operation::Restore(r) = op
            && r.target.kind == Some(Kind::Namespace)
            && !self.exists(&r.target).await?
        {
            let mut change = self.preview_one(op).await?;
            change.note = Some(
                "re-creates the namespace only: the objects that were in it were deleted with it and are not brought back (re-apply their manifests)".into(),
            );
            return Ok(vec![change]);
        }
        let is_object_write = static_objects(op).is_some()
            || matches!(op, Operation::Expose(_) | Operation::Autoscale(_));
        if !is_object_write {
            return Ok(vec![self.preview_one(op).await?]);
        }
        let (objects, mode) = self.objects_of(op).await?;
        let mut changes = Vec::new();
        for obj in &objects {
            let (q, ns, name) = self.address(obj, default_namespace(op)).await?;
            let t = target_of(&q, ns.clone(), &name);
            let before = if q.is_secret() {
                if self.exists_unread(&q, ns.as_deref(), &name).await? {
                    return Err(AssistError::Refused(format!(
                        "{} exists; kubectl-assist never reads or overwrites a Secret's values. Change it with kubectl directly",
                        t.display()
                    )));
                }
                None
            } else {
                match self.get_value(&t).await {
                    Ok(v) => Some(v),
                    Err(e) if e.is_not_found() => None,
                    Err(e) => return Err(e),
                }
            };
            let (t, after) = self
                .write_object(obj, default_namespace(op), mode, true)
                .await?;
            let l = label(&t);
            changes.push(ObjectChange {
                diff: crate::diff::object_diff(before.as_ref(), Some(&after), &l),
                object: l,
                note: None,
                before,
                target: t,
            });
        }
        Ok(changes)
    }

    /// Put back an object of a discovered kind: replaced at the live version, or
    /// re-created.
    pub(super) async fn restore_dynamic(&self, t: &Target, object: &Value) -> Result<OpOutput> {
        let q = resource_of_target(t)?;
        let api = self.dyn_api(&q.api_resource(), t.namespace.as_deref());
        let name = t.name.as_deref().unwrap_or_default();
        let object = crate::journal::restorable(object.clone());
        let pp = PostParams {
            dry_run: self.options.dry_run,
            field_manager: Some("kubectl-assist".into()),
        };
        let live = match self.get_dynamic(t).await {
            Ok(v) => Some(v),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        let bad = |e: serde_json::Error| {
            AssistError::Invalid(format!(
                "the journalled {} is not a valid object: {e}",
                t.display()
            ))
        };
        let (after, verb) = match &live {
            Some(first) => {
                let (api, pp) = (&api, &pp);
                let after = crate::journal::replace_at_live_version(
                    &t.display(),
                    first,
                    object.clone(),
                    || self.get_dynamic(t),
                    |object| async move {
                        let obj: DynamicObject = serde_json::from_value(object).map_err(bad)?;
                        Ok(api.replace(name, pp, &obj).await?)
                    },
                )
                .await?;
                (after, "restored")
            }
            None => {
                let obj: DynamicObject = serde_json::from_value(object).map_err(bad)?;
                (api.create(&pp, &obj).await?, "re-created")
            }
        };
        Ok(OpOutput::text(
            format!("{} {verb} as it was{}", t.display(), self.dry()),
            json!({"restored": name, "recreated": live.is_none()}),
        )
        .with_after(serde_json::to_value(after).unwrap_or_default()))
    }
}
