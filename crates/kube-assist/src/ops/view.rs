//! Turning API objects into what an operator reads: one table row per object for
//! `list`/`get`, a trimmed tree for `describe`. Anything that could carry a secret
//! (env values, ConfigMap data, last-applied annotations) is left out.

use k8s_openapi::jiff::Timestamp;
use serde_json::{Map, Value};

use super::Kind;

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn n(v: &Value, ptr: &str) -> i64 {
    v.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

/// Age like kubectl: `45s`, `12m`, `3h`, `5d`.
pub fn age(v: &Value, now: Timestamp) -> String {
    let Ok(created) = s(v, "/metadata/creationTimestamp").parse::<Timestamp>() else {
        return "?".into();
    };
    let secs = now.as_second() - created.as_second();
    match secs {
        i64::MIN..60 => format!("{}s", secs.max(0)),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

/// Column headers for a kind's table.
pub fn header(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Pod => vec![
            "NAMESPACE",
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "NODE",
            "AGE",
        ],
        Kind::Deployment | Kind::StatefulSet => vec![
            "NAMESPACE",
            "NAME",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE",
        ],
        Kind::ReplicaSet => vec!["NAMESPACE", "NAME", "DESIRED", "READY", "REVISION", "AGE"],
        Kind::DaemonSet => vec!["NAMESPACE", "NAME", "DESIRED", "READY", "AGE"],
        Kind::Service => vec![
            "NAMESPACE",
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "PORTS",
            "SELECTOR",
            "AGE",
        ],
        Kind::Node => vec!["NAME", "STATUS", "VERSION", "AGE"],
        Kind::Namespace => vec!["NAME", "STATUS", "AGE"],
        Kind::Job => vec!["NAMESPACE", "NAME", "COMPLETIONS", "FAILED", "AGE"],
        Kind::PersistentVolumeClaim => {
            vec!["NAMESPACE", "NAME", "STATUS", "VOLUME", "CAPACITY", "AGE"]
        }
        Kind::ConfigMap => vec!["NAMESPACE", "NAME", "KEYS", "AGE"],
        Kind::Event => vec!["NAMESPACE", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"],
    }
}

/// The status word kubectl shows for a pod: a waiting/terminated reason, else the phase.
pub fn pod_status(v: &Value) -> String {
    if !s(v, "/metadata/deletionTimestamp").is_empty() {
        return "Terminating".into();
    }
    let statuses = v
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for cs in &statuses {
        let w = s(cs, "/state/waiting/reason");
        if !w.is_empty() {
            return w.to_string();
        }
        let t = s(cs, "/state/terminated/reason");
        if !t.is_empty() {
            return t.to_string();
        }
    }
    let reason = s(v, "/status/reason");
    if !reason.is_empty() {
        return reason.to_string();
    }
    s(v, "/status/phase").to_string()
}

/// One table row.
pub fn row(kind: Kind, v: &Value, now: Timestamp) -> Vec<String> {
    let ns = s(v, "/metadata/namespace").to_string();
    let name = s(v, "/metadata/name").to_string();
    let age = age(v, now);
    match kind {
        Kind::Pod => {
            let statuses = v
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ready = statuses
                .iter()
                .filter(|c| c["ready"].as_bool() == Some(true))
                .count();
            let total = v
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(statuses.len(), Vec::len);
            let restarts: i64 = statuses
                .iter()
                .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                .sum();
            vec![
                ns,
                name,
                format!("{ready}/{total}"),
                pod_status(v),
                restarts.to_string(),
                s(v, "/spec/nodeName").to_string(),
                age,
            ]
        }
        Kind::Deployment | Kind::StatefulSet => {
            let desired = v
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            vec![
                ns,
                name,
                format!("{}/{desired}", n(v, "/status/readyReplicas")),
                n(v, "/status/updatedReplicas").to_string(),
                n(v, "/status/availableReplicas").to_string(),
                age,
            ]
        }
        Kind::ReplicaSet => vec![
            ns,
            name,
            n(v, "/spec/replicas").to_string(),
            n(v, "/status/readyReplicas").to_string(),
            s(
                v,
                "/metadata/annotations/deployment.kubernetes.io~1revision",
            )
            .to_string(),
            age,
        ],
        Kind::DaemonSet => vec![
            ns,
            name,
            n(v, "/status/desiredNumberScheduled").to_string(),
            n(v, "/status/numberReady").to_string(),
            age,
        ],
        Kind::Service => {
            let ports = v
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            format!("{}/{}", p["port"], p["protocol"].as_str().unwrap_or("TCP"))
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let selector = v
                .pointer("/spec/selector")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, x)| format!("{k}={}", x.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_else(|| "<none>".into());
            vec![
                ns,
                name,
                s(v, "/spec/type").to_string(),
                s(v, "/spec/clusterIP").to_string(),
                ports,
                selector,
                age,
            ]
        }
        Kind::Node => {
            let ready = v
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
                .map(|c| {
                    if c["status"] == "True" {
                        "Ready"
                    } else {
                        "NotReady"
                    }
                })
                .unwrap_or("Unknown");
            let cordoned =
                if v.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
                    ",SchedulingDisabled"
                } else {
                    ""
                };
            vec![
                name,
                format!("{ready}{cordoned}"),
                s(v, "/status/nodeInfo/kubeletVersion").to_string(),
                age,
            ]
        }
        Kind::Namespace => vec![name, s(v, "/status/phase").to_string(), age],
        Kind::Job => vec![
            ns,
            name,
            format!(
                "{}/{}",
                n(v, "/status/succeeded"),
                v.pointer("/spec/completions")
                    .and_then(Value::as_i64)
                    .unwrap_or(1)
            ),
            n(v, "/status/failed").to_string(),
            age,
        ],
        Kind::PersistentVolumeClaim => vec![
            ns,
            name,
            s(v, "/status/phase").to_string(),
            s(v, "/spec/volumeName").to_string(),
            s(v, "/status/capacity/storage").to_string(),
            age,
        ],
        Kind::ConfigMap => {
            let keys = v
                .pointer("/data")
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            vec![ns, name, keys.to_string(), age]
        }
        Kind::Event => vec![
            ns,
            s(v, "/type").to_string(),
            s(v, "/reason").to_string(),
            format!(
                "{}/{}",
                s(v, "/involvedObject/kind").to_lowercase(),
                s(v, "/involvedObject/name")
            ),
            v.pointer("/count")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .to_string(),
            s(v, "/message").chars().take(120).collect(),
        ],
    }
}

/// Align rows under a header, like kubectl's tables.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        let last = cells.len().saturating_sub(1);
        for (i, c) in cells.into_iter().enumerate() {
            if i == last {
                out.push_str(&c);
            } else {
                out.push_str(&format!("{c:<w$}   ", w = widths[i]));
            }
        }
        out.push('\n');
    };
    line(header.iter().map(|h| h.to_string()).collect(), &mut out);
    for r in rows {
        line(r.clone(), &mut out);
    }
    out
}

/// An object with the noise and anything secret-bearing removed.
pub fn trimmed(kind: Kind, mut v: Value) -> Value {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            ann.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    if kind == Kind::ConfigMap {
        // Values may hold credentials people put in the wrong place: keys only.
        for field in ["data", "binaryData"] {
            if let Some(data) = v.get_mut(field).and_then(Value::as_object_mut) {
                for val in data.values_mut() {
                    *val = Value::String("(hidden)".into());
                }
            }
        }
    }
    hide_env_values(&mut v);
    v
}

fn hide_env_values(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(env)) = map.get_mut("env") {
                for e in env.iter_mut() {
                    if let Some(obj) = e.as_object_mut()
                        && obj.contains_key("value")
                    {
                        obj.insert("value".into(), Value::String("(hidden)".into()));
                    }
                }
            }
            for (_, child) in map.iter_mut() {
                hide_env_values(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide_env_values),
        _ => {}
    }
}

/// A JSON value as indented `key: value` lines.
pub fn tree(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, val) in map {
                match val {
                    Value::Object(m) if m.is_empty() => {}
                    Value::Array(a) if a.is_empty() => {}
                    Value::Object(_) | Value::Array(_) => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        tree(val, indent + 1, out);
                    }
                    Value::Null => {}
                    other => out.push_str(&format!("{pad}{k}: {}\n", scalar(other))),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        out.push_str(&format!("{pad}-\n"));
                        tree(item, indent + 1, out);
                    }
                    other => out.push_str(&format!("{pad}- {}\n", scalar(other))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_values_and_configmap_data_are_hidden() {
        let pod = json!({"metadata": {"name": "p", "managedFields": [1]}, "spec": {"containers": [{"name": "c", "env": [{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}]}});
        let t = trimmed(Kind::Pod, pod);
        assert!(!t.to_string().contains("hunter2"));
        assert!(t["metadata"].get("managedFields").is_none());
        let cm = trimmed(Kind::ConfigMap, json!({"data": {"token": "abc"}}));
        assert_eq!(cm["data"]["token"], "(hidden)");
    }

    #[test]
    fn pod_rows_show_reason_and_restarts() {
        let pod = json!({"metadata": {"name": "p", "namespace": "n"}, "spec": {"containers": [{"name": "c"}], "nodeName": "node1"},
            "status": {"phase": "Running", "containerStatuses": [{"ready": false, "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        let r = row(Kind::Pod, &pod, Timestamp::now());
        assert_eq!(&r[..6], ["n", "p", "0/1", "CrashLoopBackOff", "4", "node1"]);
    }
}
