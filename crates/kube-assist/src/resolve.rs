//! Name resolution: turn what the operator said ("the frontend") into one concrete
//! object (`deployment/todo-frontend` in namespace `todo`), the way a person means
//! it. Exact names win over labels, labels over name fragments; several equally
//! good matches are an error that lists them, so the operator can say which.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Node, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use tracing::instrument;

use crate::error::{AssistError, Result};
use crate::ops::discovery::{Catalog, CatalogCache, QualifiedResource, ResourceInfo, typed_kind};
use crate::ops::{DiagnoseOp, Kind, Operation, Target};

/// Labels that name a workload's role, in the order people rely on them.
pub const NAME_LABELS: [&str; 6] = [
    "app.kubernetes.io/component",
    "app.kubernetes.io/name",
    "app",
    "component",
    "name",
    "k8s-app",
];

/// A fully named object: kind, namespace (absent for cluster-scoped kinds), name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ObjectRef {
    pub kind: Kind,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: Kind, namespace: Option<&str>, name: &str) -> Self {
        Self {
            kind,
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    pub fn to_target(&self) -> Target {
        Target {
            kind: Some(self.kind),
            name: Some(self.name.clone()),
            namespace: self.namespace.clone(),
            resource: None,
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(
                f,
                "{}/{} in namespace {ns}",
                self.kind.kubectl_name(),
                self.name
            ),
            None => write!(f, "{}/{}", self.kind.kubectl_name(), self.name),
        }
    }
}

/// How well an object matches a name hint; lower is better.
fn match_rank(meta: &ObjectMeta, hint: &str) -> Option<u8> {
    let name = meta.name.as_deref()?;
    let hint = hint.to_ascii_lowercase();
    if name == hint {
        return Some(0);
    }
    if let Some(labels) = &meta.labels
        && NAME_LABELS.iter().any(|l| {
            labels
                .get(*l)
                .is_some_and(|v| v.eq_ignore_ascii_case(&hint))
        })
    {
        return Some(1);
    }
    // "frontend" finds "todo-frontend" and "todo-chart-frontend", and a multi-word
    // hint "todo-frontend" finds "my-todo-frontend"; plain substrings do not count
    // ("end" must not find "frontend").
    let tokens: Vec<&str> = name.split('-').collect();
    let hint_tokens: Vec<&str> = hint.split('-').collect();
    if tokens
        .windows(hint_tokens.len())
        .any(|w| w == hint_tokens.as_slice())
    {
        return Some(2);
    }
    None
}

/// The objects that match a hint best (exact name, then label, then name words).
fn ranked_best<'a>(metas: &'a [ObjectMeta], hint: &str) -> Vec<&'a ObjectMeta> {
    let ranked: Vec<(u8, &ObjectMeta)> = metas
        .iter()
        .filter_map(|m| match_rank(m, hint).map(|r| (r, m)))
        .collect();
    let Some(best) = ranked.iter().map(|(r, _)| *r).min() else {
        return Vec::new();
    };
    ranked
        .into_iter()
        .filter(|(r, _)| *r == best)
        .map(|(_, m)| m)
        .collect()
}

/// Pick the best matches of a hint among objects of one kind.
pub fn best_matches(kind: Kind, metas: &[ObjectMeta], hint: &str) -> Vec<ObjectRef> {
    let mut out: Vec<ObjectRef> = ranked_best(metas, hint)
        .into_iter()
        .map(|m| {
            ObjectRef::new(
                kind,
                m.namespace.as_deref(),
                m.name.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    out.dedup();
    out
}

/// What an operation needs its target to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Something with a pod template (scale, restart, set image, ...).
    Workload,
    /// Anything that can be shown, described or diagnosed.
    Any,
}

/// Resolves names against the cluster. `namespace` is the `-n` flag: when absent,
/// names are looked up across every namespace the user can list.
#[derive(Clone)]
pub struct Resolver {
    client: Client,
    namespace: Option<String>,
    /// Discovery, read once per process and only for kinds without a typed path.
    catalog: CatalogCache,
}

impl Resolver {
    pub fn new(client: Client, namespace: Option<String>) -> Self {
        Self {
            client,
            namespace,
            catalog: CatalogCache,
        }
    }

    /// Every kind the server serves (discovery, read once per process).
    pub async fn catalog(&self) -> Result<&'static Catalog> {
        self.catalog.get(&self.client).await
    }

    /// What discovery says a kubectl resource word names.
    pub async fn resource_info(&self, word: &str) -> Result<ResourceInfo> {
        Ok(self.catalog.get(&self.client).await?.find(word)?.clone())
    }

    /// A target naming its kind by a word (`hpa`, `crontabs.stable.example.com`):
    /// a typed kind when one fits (`deploy`), else the discovered resource with
    /// its object found by name.
    async fn resolve_target(&self, target: &Target, purpose: Purpose) -> Result<Target> {
        let Some(word) = target.resource.as_deref().filter(|_| target.kind.is_none()) else {
            return Ok(self.resolve(target, purpose).await?.to_target());
        };
        if let Some(kind) = typed_kind(word) {
            let typed = Target {
                kind: Some(kind),
                resource: None,
                ..target.clone()
            };
            return Ok(self.resolve(&typed, purpose).await?.to_target());
        }
        let info = self.resource_info(word).await?;
        let q = QualifiedResource::parse(&info.qualified())?;
        if q.is_secret() {
            return Err(AssistError::Refused(
                "Secrets are never read or changed through kubectl-assist (their values must not reach output, audit or an LLM); only their names are listed".into(),
            ));
        }
        if purpose == Purpose::Workload {
            return Err(AssistError::Invalid(format!(
                "a {} is not a workload; this operation works on Deployments, StatefulSets and DaemonSets",
                info.kind
            )));
        }
        let Some(hint) = target.name.as_deref().filter(|n| !n.trim().is_empty()) else {
            return Err(AssistError::Invalid(format!(
                "which {} do you mean? Name it, e.g. \"{} NAME\"",
                info.kind, info.singular
            )));
        };
        let namespace = target
            .namespace
            .as_deref()
            .or(self.namespace.as_deref())
            .filter(|_| info.namespaced);
        let ar = info.api_resource();
        let api: Api<DynamicObject> = match namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &ar),
            None => Api::all_with(self.client.clone(), &ar),
        };
        let metas: Vec<ObjectMeta> = api
            .list_metadata(&ListParams::default())
            .await?
            .items
            .into_iter()
            .map(|m| m.metadata)
            .collect();
        let mut found: Vec<Target> = ranked_best(&metas, hint)
            .into_iter()
            .map(|m| Target {
                kind: None,
                resource: Some(info.qualified()),
                name: m.name.clone(),
                namespace: m.namespace.clone().filter(|_| info.namespaced),
            })
            .collect();
        found.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        found.dedup();
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(AssistError::NotFound(format!(
                "no {} named \"{hint}\" in {}. List them with: kubectl-assist get {}",
                info.kind,
                namespace
                    .map(|n| format!("namespace {n}"))
                    .unwrap_or_else(|| "any namespace".into()),
                info.plural
            ))),
            _ => Err(AssistError::Ambiguous {
                hint: hint.to_string(),
                candidates: found
                    .iter()
                    .map(|t| match &t.namespace {
                        Some(ns) => format!("{} in namespace {ns}", t.display()),
                        None => t.display(),
                    })
                    .collect(),
                targets: found,
            }),
        }
    }

    /// List metadata of one kind in a namespace, or everywhere.
    pub async fn list_meta(&self, kind: Kind, namespace: Option<&str>) -> Result<Vec<ObjectMeta>> {
        async fn metas<K>(
            client: &Client,
            namespace: Option<&str>,
            cluster_scoped: bool,
        ) -> Result<Vec<ObjectMeta>>
        where
            K: kube::Resource<DynamicType = ()>
                + Clone
                + serde::de::DeserializeOwned
                + std::fmt::Debug,
            K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        {
            let _ = cluster_scoped;
            let api: Api<K> = match namespace {
                Some(ns) => Api::namespaced(client.clone(), ns),
                None => Api::all(client.clone()),
            };
            Ok(api
                .list_metadata(&ListParams::default())
                .await?
                .items
                .into_iter()
                .map(|p| p.metadata)
                .collect())
        }
        let c = &self.client;
        match kind {
            Kind::Pod => metas::<Pod>(c, namespace, false).await,
            Kind::Deployment => metas::<Deployment>(c, namespace, false).await,
            Kind::ReplicaSet => metas::<ReplicaSet>(c, namespace, false).await,
            Kind::StatefulSet => metas::<StatefulSet>(c, namespace, false).await,
            Kind::DaemonSet => metas::<DaemonSet>(c, namespace, false).await,
            Kind::Service => metas::<Service>(c, namespace, false).await,
            Kind::Job => metas::<Job>(c, namespace, false).await,
            Kind::PersistentVolumeClaim => {
                metas::<PersistentVolumeClaim>(c, namespace, false).await
            }
            Kind::ConfigMap => metas::<ConfigMap>(c, namespace, false).await,
            Kind::Node => {
                let api: Api<Node> = Api::all(c.clone());
                Ok(api
                    .list_metadata(&ListParams::default())
                    .await?
                    .items
                    .into_iter()
                    .map(|p| p.metadata)
                    .collect())
            }
            Kind::Namespace => {
                let api: Api<Namespace> = Api::all(c.clone());
                Ok(api
                    .list_metadata(&ListParams::default())
                    .await?
                    .items
                    .into_iter()
                    .map(|p| p.metadata)
                    .collect())
            }
            Kind::Event => Err(AssistError::Invalid(
                "events are not looked up by name; ask for the events of an object".into(),
            )),
        }
    }

    /// Complete a target into one object.
    #[instrument(skip(self), fields(hint = ?target.name))]
    pub async fn resolve(&self, target: &Target, purpose: Purpose) -> Result<ObjectRef> {
        let Some(hint) = target.name.as_deref().filter(|n| !n.trim().is_empty()) else {
            return Err(AssistError::Invalid(format!(
                "which {} do you mean? Name it, e.g. \"the frontend\" or \"deployment backend\"",
                target.kind.map(Kind::kubectl_name).unwrap_or("workload")
            )));
        };
        let namespace = target.namespace.as_deref().or(self.namespace.as_deref());
        let kinds: Vec<Kind> = match (target.kind, purpose) {
            (Some(k), Purpose::Workload) if !k.is_workload() => {
                return Err(AssistError::Invalid(format!(
                    "{} is a {}; this operation works on Deployments and StatefulSets",
                    hint,
                    k.kubectl_name()
                )));
            }
            (Some(k), _) => vec![k],
            (None, Purpose::Workload) => vec![Kind::Deployment, Kind::StatefulSet, Kind::DaemonSet],
            (None, Purpose::Any) => vec![
                Kind::Deployment,
                Kind::StatefulSet,
                Kind::DaemonSet,
                Kind::Pod,
                Kind::Service,
                Kind::Job,
                Kind::PersistentVolumeClaim,
                Kind::Node,
            ],
        };
        for kind in &kinds {
            let ns = if kind.is_cluster_scoped() {
                None
            } else {
                namespace
            };
            let metas = self.list_meta(*kind, ns).await?;
            let found = best_matches(*kind, &metas, hint);
            match found.len() {
                0 => continue,
                1 => return Ok(found.into_iter().next().expect("one match")),
                _ => {
                    return Err(AssistError::Ambiguous {
                        hint: hint.to_string(),
                        candidates: found.iter().map(ToString::to_string).collect(),
                        targets: found.iter().map(ObjectRef::to_target).collect(),
                    });
                }
            }
        }
        let kinds_text: Vec<&str> = kinds.iter().map(|k| k.kubectl_name()).collect();
        let scope = namespace
            .map(|n| format!("namespace {n}"))
            .unwrap_or_else(|| "any namespace".into());
        Err(AssistError::NotFound(format!(
            "no {} named or labelled \"{hint}\" in {scope}. List what exists with: kubectl-assist \"list deployments\"",
            kinds_text.join(" or ")
        )))
    }

    /// Resolve every target an operation names, returning the operation with
    /// complete targets (kind, name and namespace filled in).
    pub async fn resolve_operation(&self, op: &Operation) -> Result<Operation> {
        let mut op = op.clone();
        let purpose = if op.is_write() || matches!(op, Operation::RolloutStatus(_)) {
            Purpose::Workload
        } else {
            Purpose::Any
        };
        let purpose = match &op {
            // Labels and annotations go on any kind of object, and so does delete.
            Operation::DeletePod(_)
            | Operation::Patch(_)
            | Operation::Delete(_)
            | Operation::Cordon(_)
            | Operation::Uncordon(_)
            | Operation::Drain(_) => Purpose::Any,
            _ => purpose,
        };
        if let Operation::DeletePod(d) = &mut op {
            d.target.kind = Some(Kind::Pod);
        }
        // Only nodes are cordoned and drained, whatever the words called them.
        if let Operation::Cordon(crate::ops::CordonOp { target })
        | Operation::Uncordon(crate::ops::UncordonOp { target })
        | Operation::Drain(crate::ops::DrainOp { target, .. }) = &mut op
        {
            target.kind = Some(Kind::Node);
            target.resource = None;
        }
        let default_ns = self.namespace.clone();
        match &mut op {
            // The journal names the object completely, and it may be gone.
            Operation::Restore(_) => {}
            // Objects to create name themselves; the -n flag is their default namespace.
            Operation::Apply(a) => {
                if a.namespace.is_none() {
                    a.namespace = default_ns;
                }
            }
            Operation::CreateConfigmap(c) => {
                if c.namespace.is_none() {
                    c.namespace = default_ns;
                }
            }
            Operation::CreateSecret(c) => {
                if c.namespace.is_none() {
                    c.namespace = default_ns;
                }
            }
            Operation::CreateDeployment(c) => {
                if c.namespace.is_none() {
                    c.namespace = default_ns;
                }
            }
            Operation::CreateNamespace(_) => {}
            Operation::List(l) => {
                if l.namespace.is_none() {
                    l.namespace = default_ns;
                }
                if let Some(word) = l.resource.clone() {
                    match typed_kind(&word) {
                        Some(kind) => {
                            l.kind = kind;
                            l.resource = None;
                        }
                        None => {
                            let info = self.resource_info(&word).await?;
                            if !info.namespaced {
                                l.namespace = None;
                            }
                            l.resource = Some(info.qualified());
                        }
                    }
                }
            }
            Operation::Health(h) => {
                if h.namespace.is_none() {
                    h.namespace = default_ns;
                }
            }
            Operation::Events(e) if e.target.as_ref().and_then(|t| t.name.as_ref()).is_none() => {
                e.target = None;
                if e.namespace.is_none() {
                    e.namespace = default_ns;
                }
            }
            Operation::Diagnose(DiagnoseOp { target, namespace })
            | Operation::Fix(crate::fix::FixOp { target, namespace })
                if target.as_ref().and_then(|t| t.name.as_ref()).is_none() =>
            {
                *target = None;
                if namespace.is_none() {
                    *namespace = default_ns;
                }
            }
            Operation::Optimize(o) if o.target.as_ref().and_then(|t| t.name.as_ref()).is_none() => {
                o.target = None;
                if o.namespace.is_none() {
                    o.namespace = default_ns;
                }
            }
            _ => {
                if let Some(t) = op.target_mut() {
                    *t = self.resolve_target(t, purpose).await?;
                }
            }
        }
        Ok(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn meta(ns: &str, name: &str, labels: &[(&str, &str)]) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: Some(ns.into()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn exact_name_beats_label_and_fragment() {
        let metas = vec![
            meta(
                "todo",
                "todo-frontend",
                &[("app.kubernetes.io/component", "frontend")],
            ),
            meta("other", "frontend", &[]),
        ];
        let found = best_matches(Kind::Deployment, &metas, "frontend");
        assert_eq!(
            found,
            vec![ObjectRef::new(Kind::Deployment, Some("other"), "frontend")]
        );
    }

    #[test]
    fn component_label_finds_chart_names() {
        let metas = vec![
            meta(
                "todo",
                "todo-chart-web",
                &[("app.kubernetes.io/component", "frontend")],
            ),
            meta(
                "todo",
                "todo-chart-api",
                &[("app.kubernetes.io/component", "backend")],
            ),
        ];
        assert_eq!(
            best_matches(Kind::Deployment, &metas, "frontend")[0].name,
            "todo-chart-web"
        );
        assert_eq!(
            best_matches(Kind::Deployment, &metas, "Backend")[0].name,
            "todo-chart-api"
        );
    }

    #[test]
    fn fragments_match_whole_dash_separated_words_only() {
        let metas = vec![
            meta("todo", "todo-frontend", &[]),
            meta("todo", "backend", &[]),
        ];
        assert_eq!(best_matches(Kind::Deployment, &metas, "frontend").len(), 1);
        assert!(best_matches(Kind::Deployment, &metas, "end").is_empty());
        assert!(best_matches(Kind::Deployment, &metas, "front").is_empty());
    }

    #[test]
    fn equal_matches_are_all_returned_for_an_ambiguity_question() {
        let metas = vec![meta("a", "frontend", &[]), meta("b", "frontend", &[])];
        assert_eq!(best_matches(Kind::Deployment, &metas, "frontend").len(), 2);
    }
}
