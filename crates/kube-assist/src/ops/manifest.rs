//! The create family: apply a manifest (server-side apply, field manager
//! `kubectl-assist`, from `-f FILE|-` or a manifest the LLM writes), and the
//! objects people create from words: a namespace, a ConfigMap or Secret from
//! literals, a Deployment, a Service exposing a workload, an autoscaler. Each
//! operation's arguments, the objects it sends and its registry entry are here.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::registry::{Class, OpSpec, schema_of};
use super::*;
use crate::error::{AssistError, Result};

/// Apply objects with server-side apply (created when missing, changed to match
/// when present); the field manager is `kubectl-assist`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApplyOp {
    /// The objects as YAML or JSON; several YAML documents separated by `---`.
    pub manifest: String,
    /// Namespace of namespaced objects that name none (else the `-n` flag, else `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Create a namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateNamespaceOp {
    pub name: String,
}

/// Create a ConfigMap from literal key=value pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateConfigMapOp {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub data: BTreeMap<String, String>,
}

/// Values of a Secret: kept in memory to send to the API server, and shown,
/// serialised (reports, audit, LLM) and diffed only as `********`.
#[derive(Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct SecretValues(pub BTreeMap<String, String>);

pub const MASK: &str = "********";

impl Serialize for SecretValues {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let masked: BTreeMap<&String, &str> = self.0.keys().map(|k| (k, MASK)).collect();
        masked.serialize(s)
    }
}

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// Create a generic Secret from literal key=value pairs. The values never reach
/// output, the audit log, the diff or an LLM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateSecretOp {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub data: SecretValues,
}

/// Create a Deployment running one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateDeploymentOp {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// The container port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

/// A Service for a workload's pods (its selector, its first container port unless given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExposeOp {
    pub target: Target,
    /// The port the Service listens on.
    pub port: u16,
    /// The container port it forwards to (default: the workload's first, else `port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u16>,
    /// The Service's name (default: the workload's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ClusterIP (default), NodePort or LoadBalancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
}

/// A HorizontalPodAutoscaler (autoscaling/v1) for a workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AutoscaleOp {
    pub target: Target,
    pub min: u32,
    pub max: u32,
    /// Target average CPU utilisation in percent of requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_percent: Option<u32>,
}

/// Objects of a manifest, parsed: JSON (an object, or a `List`) or YAML documents.
pub fn parse_manifest(text: &str) -> Result<Vec<Value>> {
    let trimmed = text.trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        match serde_json::from_str(trimmed) {
            Ok(Value::Array(items)) => items,
            Ok(v) => vec![v],
            Err(e) => {
                return Err(AssistError::Invalid(format!(
                    "the manifest is not valid JSON: {e}"
                )));
            }
        }
    } else {
        yaml_rust2::YamlLoader::load_from_str(text)
            .map_err(|e| AssistError::Invalid(format!("the manifest is not valid YAML: {e}")))?
            .iter()
            .map(yaml_to_json)
            .filter(|v| !v.is_null())
            .collect()
    };
    let mut objects = Vec::new();
    for d in docs {
        // A kind: List holds its objects in items, as kubectl reads it.
        if d["kind"].as_str().is_some_and(|k| k.ends_with("List"))
            && let Some(items) = d["items"].as_array()
        {
            objects.extend(items.iter().cloned());
        } else {
            objects.push(d);
        }
    }
    for (i, o) in objects.iter().enumerate() {
        let missing: Vec<&str> = [
            ("apiVersion", o["apiVersion"].is_string()),
            ("kind", o["kind"].is_string()),
            ("metadata.name", o["metadata"]["name"].is_string()),
        ]
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(f, _)| f)
        .collect();
        if !missing.is_empty() {
            return Err(AssistError::Invalid(format!(
                "object {} of the manifest has no {}; every object needs apiVersion, kind and metadata.name",
                i + 1,
                missing.join(", ")
            )));
        }
    }
    if objects.is_empty() {
        return Err(AssistError::Invalid("the manifest holds no objects".into()));
    }
    Ok(objects)
}

fn yaml_to_json(y: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(s.clone()), Value::Number),
        Yaml::Integer(i) => json!(i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(yaml_to_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        Yaml::Real(r) => r.clone(),
                        _ => String::new(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Value::Null,
    }
}

fn meta(name: &str, ns: Option<&str>) -> Value {
    match ns {
        Some(ns) => json!({"name": name, "namespace": ns}),
        None => json!({"name": name}),
    }
}

impl CreateDeploymentOp {
    pub fn object(&self) -> Value {
        let labels = json!({"app": self.name});
        let container_name = self
            .image
            .rsplit('/')
            .next()
            .and_then(|s| s.split([':', '@']).next())
            .filter(|s| !s.is_empty())
            .unwrap_or("app");
        let mut c = json!({"name": container_name, "image": self.image});
        if let Some(p) = self.port {
            c["ports"] = json!([{"containerPort": p}]);
        }
        let mut m = meta(&self.name, self.namespace.as_deref());
        m["labels"] = labels.clone();
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": m,
            "spec": {"replicas": self.replicas.unwrap_or(1), "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [c]}}}})
    }
}

impl ExposeOp {
    /// The Service for `workload` (the live object the target names).
    pub fn object(&self, workload: &Value) -> Result<Value> {
        let selector = workload
            .pointer("/spec/selector/matchLabels")
            .filter(|s| s.as_object().is_some_and(|m| !m.is_empty()))
            .cloned()
            .ok_or_else(|| {
                AssistError::Invalid(format!(
                    "{} has no label selector for a Service to match",
                    self.target.display()
                ))
            })?;
        let first_port = workload
            .pointer("/spec/template/spec/containers/0/ports/0/containerPort")
            .and_then(Value::as_u64);
        let target_port = self
            .target_port
            .map(u64::from)
            .or(first_port)
            .unwrap_or(u64::from(self.port));
        let name = self
            .name
            .clone()
            .or_else(|| self.target.name.clone())
            .unwrap_or_default();
        Ok(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": meta(&name, self.target.namespace.as_deref()),
            "spec": {"type": self.service_type.as_deref().unwrap_or("ClusterIP"), "selector": selector,
                "ports": [{"port": self.port, "targetPort": target_port, "protocol": "TCP"}]}}))
    }
}

impl AutoscaleOp {
    pub fn object(&self, workload: &Value) -> Result<Value> {
        if self.min == 0 || self.min > self.max {
            return Err(AssistError::Invalid(format!(
                "an autoscaler needs 1 <= min <= max; got min {} and max {}",
                self.min, self.max
            )));
        }
        let name = self.target.name.clone().unwrap_or_default();
        let mut spec = json!({"scaleTargetRef": {"apiVersion": workload["apiVersion"], "kind": workload["kind"], "name": name},
            "minReplicas": self.min, "maxReplicas": self.max});
        if let Some(p) = self.cpu_percent {
            spec["targetCPUUtilizationPercentage"] = json!(p);
        }
        Ok(
            json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": meta(&name, self.target.namespace.as_deref()), "spec": spec}),
        )
    }
}

/// The objects an operation of this family sends, when it needs nothing read first.
pub fn static_objects(op: &Operation) -> Option<Result<Vec<Value>>> {
    Some(match op {
        Operation::Apply(a) => parse_manifest(&a.manifest),
        Operation::CreateNamespace(n) => Ok(vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n.name}}),
        ]),
        Operation::CreateConfigmap(c) => Ok(vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": meta(&c.name, c.namespace.as_deref()), "data": c.data})]),
        Operation::CreateSecret(s) => Ok(vec![
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": meta(&s.name, s.namespace.as_deref()), "stringData": s.data.0}),
        ]),
        Operation::CreateDeployment(d) => Ok(vec![d.object()]),
        _ => return None,
    })
}

fn todo(name: &str) -> Target {
    Target {
        kind: Some(Kind::Deployment),
        name: Some(name.into()),
        namespace: Some("todo".into()),
        resource: None,
    }
}

pub(super) const CREATE_WORDS: &[&str] = &["create", "make", "new", "add", "set", "run", "launch"];

/// A create word said of the kind noun at `noun`: a create verb before it with
/// only articles between ("create a deployment", "creating the configmap"),
/// "new" right before it or after an article ("a new namespace"), or "set up".
/// "What's new in the deployment" and "set the deployment's image" create nothing.
pub(super) fn creation_said(tokens: &[String], noun: usize) -> bool {
    let verbs = ["create", "make", "add", "run", "launch"];
    let mut j = noun;
    while j > 0 {
        j -= 1;
        match tokens[j].as_str() {
            "new" | "fresh" => return true,
            "a" | "an" | "the" | "another" | "one" => continue,
            "up" => return j > 0 && super::registry::says(&["set"], &tokens[j - 1]),
            w => return super::registry::says(&verbs, w),
        }
    }
    false
}

/// The create family's registry entries.
pub(super) const SPECS: [OpSpec; 7] = [
    OpSpec {
        name: "apply",
        class: Class::Write,
        description: "Apply a manifest (YAML or JSON, several documents allowed) with server-side apply: objects are created, or changed to match.",
        schema: schema_of::<ApplyOp>,
        example: || {
            Operation::Apply(ApplyOp {
                manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: debug\n".into(),
                namespace: Some("todo".into()),
            })
        },
        words: &["apply", "manifest"],
        with_words: &[],
    },
    OpSpec {
        name: "create_namespace",
        class: Class::Write,
        description: "Create a namespace.",
        schema: schema_of::<CreateNamespaceOp>,
        example: || {
            Operation::CreateNamespace(CreateNamespaceOp {
                name: "staging".into(),
            })
        },
        words: &["namespace"],
        with_words: CREATE_WORDS,
    },
    OpSpec {
        name: "create_configmap",
        class: Class::Write,
        description: "Create a ConfigMap from literal key=value pairs.",
        schema: schema_of::<CreateConfigMapOp>,
        example: || {
            Operation::CreateConfigmap(CreateConfigMapOp {
                name: "app-config".into(),
                namespace: Some("todo".into()),
                data: BTreeMap::from([("LOG_LEVEL".into(), "debug".into())]),
            })
        },
        words: &["configmap", "config-map"],
        with_words: CREATE_WORDS,
    },
    OpSpec {
        name: "create_secret",
        class: Class::Write,
        description: "Create a generic Secret from literal key=value pairs; the values are never shown, logged or sent to an LLM.",
        schema: schema_of::<CreateSecretOp>,
        example: || {
            Operation::CreateSecret(CreateSecretOp {
                name: "db".into(),
                namespace: Some("todo".into()),
                data: SecretValues(BTreeMap::from([("password".into(), MASK.into())])),
            })
        },
        words: &["secret", "credential", "credentials"],
        with_words: CREATE_WORDS,
    },
    OpSpec {
        name: "create_deployment",
        class: Class::Write,
        description: "Create a Deployment running one image, with a replica count and a container port.",
        schema: schema_of::<CreateDeploymentOp>,
        example: || {
            Operation::CreateDeployment(CreateDeploymentOp {
                name: "web".into(),
                namespace: Some("todo".into()),
                image: "nginx:1.25".into(),
                replicas: Some(3),
                port: Some(80),
            })
        },
        words: &["deployment", "deploy"],
        with_words: CREATE_WORDS,
    },
    OpSpec {
        name: "expose",
        class: Class::Write,
        description: "Create a Service for a workload's pods on a port.",
        schema: schema_of::<ExposeOp>,
        example: || {
            Operation::Expose(ExposeOp {
                target: todo("web"),
                port: 80,
                target_port: Some(8080),
                name: None,
                service_type: None,
            })
        },
        words: &["expose", "publish"],
        with_words: &[],
    },
    OpSpec {
        name: "autoscale",
        class: Class::Write,
        description: "Create a HorizontalPodAutoscaler (autoscaling/v1) for a workload: min and max replicas, target CPU percent.",
        schema: schema_of::<AutoscaleOp>,
        example: || {
            Operation::Autoscale(AutoscaleOp {
                target: todo("web"),
                min: 2,
                max: 5,
                cpu_percent: Some(70),
            })
        },
        words: &["autoscale", "autoscaler", "autoscaling", "hpa"],
        with_words: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_parse_as_yaml_documents_json_and_lists() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  n: \"1\"\n  port: 80\n---\n# comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n";
        let objs = parse_manifest(yaml).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0]["data"], json!({"n": "1", "port": 80}));
        assert_eq!(objs[1]["spec"]["replicas"], 2);
        let list = r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}]}"#;
        assert_eq!(parse_manifest(list).unwrap()[0]["kind"], "Namespace");
        let err = parse_manifest("kind: ConfigMap\nmetadata:\n  name: a\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("object 1 of the manifest has no apiVersion"),
            "{err}"
        );
        assert!(
            parse_manifest("a: [")
                .unwrap_err()
                .to_string()
                .contains("not valid YAML")
        );
        assert!(parse_manifest("# nothing\n").is_err());
    }

    #[test]
    fn secret_values_never_serialise() {
        let op = CreateSecretOp {
            name: "db".into(),
            namespace: None,
            data: SecretValues(BTreeMap::from([("password".into(), "hunter2".into())])),
        };
        let text = format!("{} {:?}", serde_json::to_string(&op).unwrap(), op);
        assert!(!text.contains("hunter2"), "{text}");
        let back: CreateSecretOp =
            serde_json::from_value(json!({"name": "db", "data": {"password": "hunter2"}})).unwrap();
        assert_eq!(back.data.0["password"], "hunter2");
    }

    #[test]
    fn a_deployment_from_words_is_complete() {
        let d = CreateDeploymentOp {
            name: "web".into(),
            namespace: Some("todo".into()),
            image: "docker.io/library/nginx:1.25".into(),
            replicas: Some(3),
            port: Some(80),
        }
        .object();
        assert_eq!(d["spec"]["replicas"], 3);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["name"],
            "nginx"
        );
        assert_eq!(d["spec"]["selector"]["matchLabels"], json!({"app": "web"}));
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
            80
        );
    }
}
