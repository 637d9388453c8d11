//! The fake server's discovery (`/api/v1`, `/apis`, `/apis/GROUP/VERSION`) and
//! server-side tables (`Accept: ...;as=Table;...`), laid out as the real API
//! server answers them: built-in kinds, plus the custom resources of every
//! CustomResourceDefinition among the served objects.

use serde_json::{Value, json};

/// A served resource: group, version, plural, kind, short names, namespaced.
#[derive(Debug, Clone)]
pub struct Served {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub kind: String,
    pub short: Vec<String>,
    pub namespaced: bool,
    /// Extra table columns (CRD additionalPrinterColumns): name, JSON path, priority.
    pub columns: Vec<(String, String, i64)>,
}

const BUILT_IN: [(&str, &str, &str, &str, bool); 20] = [
    (
        "policy",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        "pdb",
        true,
    ),
    ("", "pods", "Pod", "po", true),
    ("", "services", "Service", "svc", true),
    ("", "endpoints", "Endpoints", "ep", true),
    ("", "nodes", "Node", "no", false),
    ("", "namespaces", "Namespace", "ns", false),
    (
        "",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        "pvc",
        true,
    ),
    ("", "persistentvolumes", "PersistentVolume", "pv", false),
    ("", "configmaps", "ConfigMap", "cm", true),
    ("", "secrets", "Secret", "", true),
    ("", "events", "Event", "ev", true),
    ("", "serviceaccounts", "ServiceAccount", "sa", true),
    ("apps", "deployments", "Deployment", "deploy", true),
    ("apps", "replicasets", "ReplicaSet", "rs", true),
    ("apps", "statefulsets", "StatefulSet", "sts", true),
    ("apps", "daemonsets", "DaemonSet", "ds", true),
    ("batch", "jobs", "Job", "", true),
    (
        "storage.k8s.io",
        "storageclasses",
        "StorageClass",
        "sc",
        false,
    ),
    (
        "autoscaling",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        "hpa",
        true,
    ),
    (
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        "crd",
        false,
    ),
];

/// Everything served: built-in kinds and those the CRDs among `objects` define.
pub fn served(objects: &[Value]) -> Vec<Served> {
    let mut out: Vec<Served> = BUILT_IN
        .iter()
        .map(|(g, p, k, s, n)| Served {
            group: g.to_string(),
            version: "v1".into(),
            plural: p.to_string(),
            kind: k.to_string(),
            short: s
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            namespaced: *n,
            columns: Vec::new(),
        })
        .collect();
    for crd in objects
        .iter()
        .filter(|o| o["kind"] == "CustomResourceDefinition")
    {
        let spec = &crd["spec"];
        let version = &spec["versions"][0];
        out.push(Served {
            group: spec["group"].as_str().unwrap_or_default().into(),
            version: version["name"].as_str().unwrap_or("v1").into(),
            plural: spec["names"]["plural"].as_str().unwrap_or_default().into(),
            kind: spec["names"]["kind"].as_str().unwrap_or_default().into(),
            short: spec["names"]["shortNames"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            namespaced: spec["scope"] == "Namespaced",
            columns: version["additionalPrinterColumns"]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            (
                                c["name"].as_str().unwrap_or_default().to_string(),
                                c["jsonPath"].as_str().unwrap_or_default().to_string(),
                                c["priority"].as_i64().unwrap_or(0),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    out
}

/// The answer to a discovery path, if `path` is one.
pub fn answer(path: &str, served: &[Served]) -> Option<Value> {
    let resources = |group: &str, version: &str| {
        let list: Vec<Value> = served
            .iter()
            .filter(|s| s.group == group && s.version == version)
            .map(|s| {
                json!({"name": s.plural, "singularName": s.kind.to_lowercase(), "namespaced": s.namespaced,
                       "kind": s.kind, "shortNames": s.short, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
            })
            .collect();
        let gv = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list})
    };
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api"] => Some(
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
        ),
        ["api", "v1"] => Some(resources("", "v1")),
        ["apis"] => {
            let mut groups: Vec<(String, String)> = Vec::new();
            for s in served.iter().filter(|s| !s.group.is_empty()) {
                if !groups.iter().any(|(g, _)| *g == s.group) {
                    groups.push((s.group.clone(), s.version.clone()));
                }
            }
            let groups: Vec<Value> = groups
                .iter()
                .map(|(g, v)| {
                    let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
                    json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
                })
                .collect();
            Some(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
        }
        ["apis", g, v] => Some(resources(g, v)),
        _ => None,
    }
}

/// The kind a path's plural names (in `group`).
pub fn kind_of(served: &[Served], group: &str, plural: &str) -> Option<String> {
    served
        .iter()
        .find(|s| s.group == group && s.plural == plural)
        .map(|s| s.kind.clone())
}

fn at(obj: &Value, json_path: &str) -> String {
    let ptr = format!("/{}", json_path.trim_start_matches('.').replace('.', "/"));
    match obj.pointer(&ptr) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// A meta.k8s.io/v1 Table of `objects`: Name, the kind's printer columns, Age.
pub fn table(served: &[Served], group: &str, plural: &str, objects: &[Value]) -> Value {
    let extra = served
        .iter()
        .find(|s| s.group == group && s.plural == plural)
        .map(|s| s.columns.clone())
        .unwrap_or_default();
    let mut defs = vec![json!({"name": "Name", "type": "string", "format": "name", "priority": 0})];
    for (name, _, priority) in &extra {
        defs.push(json!({"name": name, "type": "string", "priority": priority}));
    }
    defs.push(json!({"name": "Age", "type": "date", "priority": 0}));
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut cells = vec![o["metadata"]["name"].clone()];
            cells.extend(extra.iter().map(|(_, p, _)| json!(at(o, p))));
            cells.push(json!("5m"));
            json!({"cells": cells, "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "100"}, "columnDefinitions": defs, "rows": rows})
}

/// A CustomResourceDefinition of `crontabs.stable.example.com` (kind CronTab,
/// short name `ct`, namespaced) with a Spec column and a wide-only Image column.
pub fn crontab_crd() -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "crontabs.stable.example.com"},
        "spec": {"group": "stable.example.com", "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "additionalPrinterColumns": [
                    {"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"},
                    {"name": "Image", "type": "string", "jsonPath": ".spec.image", "priority": 1}]}]}})
}

/// A CronTab object.
pub fn crontab(ns: &str, name: &str, spec: &str) -> Value {
    json!({"apiVersion": "stable.example.com/v1", "kind": "CronTab",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{name}"), "resourceVersion": "7", "labels": {"app": name}},
        "spec": {"cronSpec": spec, "image": "my-cron:1"}})
}
