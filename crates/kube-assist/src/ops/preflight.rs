//! RBAC preflight: before a write is offered for confirmation, ask the API server
//! (SelfSubjectAccessReview) whether this identity may make it, so a refusal names
//! the exact missing permission instead of surfacing as a 403 halfway through.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use super::{Executor, Kind, Operation};
use crate::error::{AssistError, Result};

/// The permission one write needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub verb: &'static str,
    pub group: String,
    pub resource: String,
    pub subresource: Option<&'static str>,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Permission {
    /// "patch deployments/scale in todo", the way RBAC rules are written.
    pub fn describe(&self) -> String {
        let res = match self.subresource {
            Some(s) => format!("{}/{s}", self.resource),
            None => self.resource.clone(),
        };
        let res = if self.group.is_empty() {
            res
        } else {
            format!("{res}.{}", self.group)
        };
        match &self.namespace {
            Some(ns) => format!("{} {res} in {ns}", self.verb),
            None => format!("{} {res} (cluster-wide)", self.verb),
        }
    }
}

/// The API group and plural resource of a kind.
pub fn resource_of(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Pod => ("", "pods"),
        Kind::Deployment => ("apps", "deployments"),
        Kind::ReplicaSet => ("apps", "replicasets"),
        Kind::StatefulSet => ("apps", "statefulsets"),
        Kind::DaemonSet => ("apps", "daemonsets"),
        Kind::Service => ("", "services"),
        Kind::Node => ("", "nodes"),
        Kind::Namespace => ("", "namespaces"),
        Kind::Job => ("batch", "jobs"),
        Kind::PersistentVolumeClaim => ("", "persistentvolumeclaims"),
        Kind::ConfigMap => ("", "configmaps"),
        Kind::Event => ("", "events"),
    }
}

/// Every permission a resolved write needs (one per object it writes); none for a
/// read. `exists` says whether a restore replaces (update) or re-creates (create)
/// its object.
pub fn permissions(op: &Operation, exists: bool) -> Vec<Permission> {
    if !op.is_write() {
        return Vec::new();
    }
    let create =
        |group: &str, resource: &str, ns: Option<&String>, verb: &'static str| Permission {
            verb,
            group: group.to_string(),
            resource: resource.to_string(),
            subresource: None,
            namespace: ns.cloned(),
            name: None,
        };
    match op {
        Operation::Expose(e) => {
            return vec![create(
                "",
                "services",
                e.target.namespace.as_ref(),
                "create",
            )];
        }
        Operation::Autoscale(a) => {
            return vec![create(
                "autoscaling",
                "horizontalpodautoscalers",
                a.target.namespace.as_ref(),
                "create",
            )];
        }
        _ => {}
    }
    if let Some(Ok(objects)) = super::manifest::static_objects(op) {
        let default_ns = super::exec_objects::default_namespace(op);
        return objects
            .iter()
            .filter_map(|o| {
                let (q, ns, _) = super::exec_objects::address_known(o, default_ns)?;
                Some(create(&q.group, &q.plural, ns.as_ref(), object_verb(op)))
            })
            .collect();
    }
    let mut all: Vec<Permission> = permission_of_target(op, exists).into_iter().collect();
    // A drain patches the node and then creates an Eviction of each pod.
    if matches!(op, Operation::Drain(_)) {
        all.push(Permission {
            verb: "create",
            group: String::new(),
            resource: "pods".into(),
            subresource: Some("eviction"),
            namespace: None,
            name: None,
        });
    }
    all
}

/// The verb writing a manifest's objects needs: server-side apply is a patch.
fn object_verb(op: &Operation) -> &'static str {
    if matches!(op, Operation::Apply(_)) {
        "patch"
    } else {
        "create"
    }
}

fn permission_of_target(op: &Operation, exists: bool) -> Option<Permission> {
    let t = op.target()?;
    let q = super::dynamic::resource_of_target(t).ok()?;
    let cluster_scoped = t.kind.is_some_and(Kind::is_cluster_scoped) || t.namespace.is_none();
    let (verb, subresource) = match op {
        Operation::Scale(_) => ("patch", Some("scale")),
        Operation::RolloutUndo(_) => ("update", None),
        Operation::Restore(_) if exists => ("update", None),
        Operation::Restore(_) => ("create", None),
        Operation::DeletePod(_) | Operation::Delete(_) => ("delete", None),
        _ => ("patch", None),
    };
    Some(Permission {
        verb,
        group: q.group,
        resource: q.plural,
        subresource,
        namespace: if cluster_scoped {
            None
        } else {
            t.namespace.clone()
        },
        name: if verb == "create" {
            None
        } else {
            t.name.clone()
        },
    })
}

/// Each permission once, in the order first needed: two writes of one kind in one
/// namespace need one review, not two.
pub fn distinct(needed: impl IntoIterator<Item = Permission>) -> Vec<Permission> {
    let mut out: Vec<Permission> = Vec::new();
    for p in needed {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

impl Executor {
    /// The permissions the writes of `steps` need that this identity lacks, in plan
    /// order: every distinct permission is asked once, all concurrently, so a
    /// refusal names each missing one instead of only the first.
    pub async fn missing_permissions(&self, steps: &[Operation]) -> Result<Vec<Permission>> {
        let mut needed = Vec::new();
        for op in steps.iter().filter(|o| o.is_write()) {
            let exists = match (op, op.target()) {
                (Operation::Restore(_), Some(t)) => self.exists(t).await?,
                _ => true,
            };
            needed.extend(permissions(op, exists));
            needed.extend(self.permissions_of_custom_objects(op).await?);
        }
        let needed = distinct(needed);
        let mut reviews = tokio::task::JoinSet::new();
        for (i, p) in needed.iter().cloned().enumerate() {
            let client = self.client.clone();
            reviews.spawn(async move { (i, review(&client, &p).await) });
        }
        let mut allowed = vec![false; needed.len()];
        while let Some(done) = reviews.join_next().await {
            let (i, answer) = done.map_err(|e| {
                AssistError::Transport(format!("the permission check stopped: {e}"))
            })?;
            allowed[i] = answer?;
        }
        Ok(needed
            .into_iter()
            .zip(allowed)
            .filter(|(_, ok)| !ok)
            .map(|(p, _)| p)
            .collect())
    }

    /// The permissions for the objects of a manifest whose kinds only discovery
    /// knows (custom resources), which [`permissions`] cannot name offline.
    async fn permissions_of_custom_objects(&self, op: &Operation) -> Result<Vec<Permission>> {
        let Some(Ok(objects)) = super::manifest::static_objects(op) else {
            return Ok(Vec::new());
        };
        let default_ns = super::exec_objects::default_namespace(op);
        let mut out = Vec::new();
        for o in objects
            .iter()
            .filter(|o| super::exec_objects::address_known(o, default_ns).is_none())
        {
            let (q, namespace, _) = self.address(o, default_ns).await?;
            out.push(Permission {
                verb: object_verb(op),
                group: q.group,
                resource: q.plural,
                subresource: None,
                namespace,
                name: None,
            });
        }
        Ok(out)
    }

    /// Whether this identity holds `p`, as the API server's authorizer decides.
    pub async fn may(&self, p: &Permission) -> Result<bool> {
        review(&self.client, p).await
    }
}

/// One SelfSubjectAccessReview: whether the client's identity holds `p`.
async fn review(client: &kube::Client, p: &Permission) -> Result<bool> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(p.verb.into()),
                group: Some(p.group.clone()),
                resource: Some(p.resource.clone()),
                subresource: p.subresource.map(Into::into),
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answer = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| match AssistError::from(e) {
            AssistError::Api { code, message, .. } => AssistError::Transport(format!(
                "the permission check (SelfSubjectAccessReview) failed with {code}: {message}"
            )),
            other => other,
        })?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{ReplicaChange, ScaleOp, Target};

    #[test]
    fn scale_needs_patch_on_the_scale_subresource() {
        let op = Operation::Scale(ScaleOp {
            target: Target {
                kind: Some(Kind::Deployment),
                name: Some("web".into()),
                namespace: Some("todo".into()),
                resource: None,
            },
            replicas: ReplicaChange::To(3),
        });
        let p = permissions(&op, true);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].describe(), "patch deployments/scale.apps in todo");
        assert_eq!(distinct([p[0].clone(), p[0].clone()]), p, "asked once");
    }
}
