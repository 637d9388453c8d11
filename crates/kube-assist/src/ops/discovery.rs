//! Every kind the API server serves, found by discovery: built-in kinds, custom
//! resources and kubectl's short names (`po`, `deploy`, `hpa`, `cj`, ...). The
//! catalog is read once per process, only when a request names a kind the typed
//! fast paths do not know, with one request per API group version sent at once.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList;
use kube::Client;
use kube::api::ApiResource;
use tokio::sync::OnceCell;

use super::Kind;
use crate::error::{AssistError, Result};

/// One resource of the API, as discovery describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group; empty for the core group.
    pub group: String,
    pub version: String,
    /// `deployments`; the path segment and the RBAC resource.
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
    pub verbs: Vec<String>,
}

impl ResourceInfo {
    /// `plural.version.group` (`plural.v1` in the core group): the form a resolved
    /// target carries, complete enough to address the API without discovery.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            format!("{}.{}", self.plural, self.version)
        } else {
            format!("{}.{}.{}", self.plural, self.version, self.group)
        }
    }

    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: if self.group.is_empty() {
                self.version.clone()
            } else {
                format!("{}/{}", self.group, self.version)
            },
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }

    fn answers_to(&self, word: &str) -> bool {
        word == self.plural
            || word == self.singular
            || word.eq_ignore_ascii_case(&self.kind)
            || self.short_names.iter().any(|s| s == word)
    }
}

/// A resolved resource named by a target: `plural.version[.group]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualifiedResource {
    pub group: String,
    pub version: String,
    pub plural: String,
}

impl QualifiedResource {
    /// Parse the form [`ResourceInfo::qualified`] writes.
    pub fn parse(s: &str) -> Result<Self> {
        let mut parts = s.splitn(3, '.');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(p), Some(v), g) if !p.is_empty() && !v.is_empty() => Ok(Self {
                plural: p.to_string(),
                version: v.to_string(),
                group: g.unwrap_or_default().to_string(),
            }),
            _ => Err(AssistError::Invalid(format!(
                "{s} is not resolved to an API resource (plural.version.group)"
            ))),
        }
    }

    pub fn api_resource(&self) -> ApiResource {
        let api_version = if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        };
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version,
            // Not needed to address the API; objects carry their own kind.
            kind: String::new(),
            plural: self.plural.clone(),
        }
    }

    /// `crontabs.stable.example.com` (`configmaps` in the core group), as kubectl takes it.
    pub fn kubectl_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Secrets are never read: their values must not leave the cluster through this tool.
    pub fn is_secret(&self) -> bool {
        self.group.is_empty() && self.plural == "secrets"
    }
}

/// The typed kind a kubectl resource word names, without asking the server.
pub fn typed_kind(word: &str) -> Option<Kind> {
    Some(match word.to_ascii_lowercase().as_str() {
        "po" | "pod" | "pods" => Kind::Pod,
        "deploy" | "deployment" | "deployments" | "deployment.apps" | "deployments.apps" => {
            Kind::Deployment
        }
        "rs" | "replicaset" | "replicasets" => Kind::ReplicaSet,
        "sts" | "statefulset" | "statefulsets" => Kind::StatefulSet,
        "ds" | "daemonset" | "daemonsets" => Kind::DaemonSet,
        "svc" | "service" | "services" => Kind::Service,
        "no" | "node" | "nodes" => Kind::Node,
        "ns" | "namespace" | "namespaces" => Kind::Namespace,
        "job" | "jobs" | "jobs.batch" => Kind::Job,
        "pvc" | "persistentvolumeclaim" | "persistentvolumeclaims" => Kind::PersistentVolumeClaim,
        "cm" | "configmap" | "configmaps" => Kind::ConfigMap,
        "ev" | "event" | "events" => Kind::Event,
        _ => return None,
    })
}

/// Every resource the server serves, core group first, then in the server's
/// order of groups (its preference when two groups serve the same name).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub resources: Vec<ResourceInfo>,
}

fn infos(list: APIResourceList, out: &mut Vec<ResourceInfo>) {
    let (group, version) = match list.group_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), list.group_version.clone()),
    };
    for r in list.resources {
        // Subresources (`deployments/scale`) are not kinds.
        if r.name.contains('/') {
            continue;
        }
        out.push(ResourceInfo {
            group: group.clone(),
            version: version.clone(),
            singular: if r.singular_name.is_empty() {
                r.kind.to_ascii_lowercase()
            } else {
                r.singular_name
            },
            plural: r.name,
            kind: r.kind,
            short_names: r.short_names.unwrap_or_default(),
            namespaced: r.namespaced,
            verbs: r.verbs,
        });
    }
}

impl Catalog {
    /// Ask the server: `/api/v1` and `/apis`, then each group's preferred version, at once.
    pub async fn load(client: &Client) -> Result<Self> {
        let groups = client.list_api_groups().await?;
        let mut tasks = tokio::task::JoinSet::new();
        let core = client.clone();
        tasks.spawn(async move { (0usize, core.list_core_api_resources("v1").await) });
        for (i, g) in groups.groups.into_iter().enumerate() {
            let Some(gv) = g
                .preferred_version
                .map(|p| p.group_version)
                .or_else(|| g.versions.first().map(|v| v.group_version.clone()))
            else {
                continue;
            };
            let c = client.clone();
            tasks.spawn(async move { (i + 1, c.list_api_group_resources(&gv).await) });
        }
        let mut lists = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let (i, list) = done.map_err(|e| AssistError::Transport(e.to_string()))?;
            match list {
                Ok(l) => lists.push((i, l)),
                // An aggregated API that is down (metrics-server, say) must not
                // make every other kind unreachable.
                Err(kube::Error::Api(e)) if e.code >= 500 => {}
                Err(e) => return Err(e.into()),
            }
        }
        lists.sort_by_key(|(i, _)| *i);
        let mut resources = Vec::new();
        for (_, l) in lists {
            infos(l, &mut resources);
        }
        Ok(Self { resources })
    }

    /// The resource a kubectl word names: a plural, singular, short name or kind,
    /// optionally qualified as `word.group` or `word.version.group`.
    pub fn find(&self, word: &str) -> Result<&ResourceInfo> {
        let word = word.trim().to_ascii_lowercase();
        let plain = self.resources.iter().find(|r| r.answers_to(&word));
        let qualified = || {
            self.resources.iter().find(|r| {
                let Some((w, rest)) = word.split_once('.') else {
                    return false;
                };
                r.answers_to(w) && (rest == r.group || rest == format!("{}.{}", r.version, r.group))
            })
        };
        plain.or_else(qualified).ok_or_else(|| {
            AssistError::NotFound(format!(
                "the server has no resource type \"{word}\"; list the types it serves with: kubectl api-resources"
            ))
        })
    }
}

/// The process's catalog: a process talks to one cluster, so discovery is read
/// on first use and kept, shared by the resolver and the executor.
static PROCESS_CATALOG: OnceCell<Catalog> = OnceCell::const_new();

/// A handle on the process's catalog.
#[derive(Clone, Default)]
pub struct CatalogCache;

impl CatalogCache {
    pub async fn get(&self, client: &Client) -> Result<&'static Catalog> {
        PROCESS_CATALOG
            .get_or_try_init(|| Catalog::load(client))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, plural: &str, kind: &str, short: &[&str]) -> ResourceInfo {
        ResourceInfo {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            singular: kind.to_ascii_lowercase(),
            kind: kind.into(),
            short_names: short.iter().map(|s| s.to_string()).collect(),
            namespaced: true,
            verbs: vec!["get".into(), "list".into()],
        }
    }

    #[test]
    fn words_find_resources_like_kubectl() {
        let c = Catalog {
            resources: vec![
                info("", "events", "Event", &["ev"]),
                info(
                    "autoscaling",
                    "horizontalpodautoscalers",
                    "HorizontalPodAutoscaler",
                    &["hpa"],
                ),
                info("events.k8s.io", "events", "Event", &["ev"]),
                info("stable.example.com", "crontabs", "CronTab", &["ct"]),
            ],
        };
        assert_eq!(c.find("hpa").unwrap().plural, "horizontalpodautoscalers");
        assert_eq!(
            c.find("HorizontalPodAutoscaler").unwrap().group,
            "autoscaling"
        );
        assert_eq!(c.find("ct").unwrap().kind, "CronTab");
        assert_eq!(c.find("crontab").unwrap().kind, "CronTab");
        // The core group is preferred; a group picks another.
        assert_eq!(c.find("events").unwrap().group, "");
        assert_eq!(
            c.find("events.events.k8s.io").unwrap().group,
            "events.k8s.io"
        );
        assert_eq!(
            c.find("crontabs.v1.stable.example.com")
                .unwrap()
                .qualified(),
            "crontabs.v1.stable.example.com"
        );
        let err = c.find("widgets").unwrap_err().to_string();
        assert!(err.contains("no resource type \"widgets\""), "{err}");
    }

    #[test]
    fn qualified_names_round_trip() {
        let q = QualifiedResource::parse("crontabs.v1.stable.example.com").unwrap();
        assert_eq!(q.group, "stable.example.com");
        assert_eq!(q.kubectl_name(), "crontabs.stable.example.com");
        let core = QualifiedResource::parse("secrets.v1").unwrap();
        assert!(core.is_secret());
        assert_eq!(core.api_resource().api_version, "v1");
        assert!(QualifiedResource::parse("pods").is_err());
    }
}
