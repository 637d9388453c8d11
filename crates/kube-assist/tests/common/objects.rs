//! How the fake API server changes stored objects: merge and strategic-merge
//! patches, JSON patches (RFC 6902), label and field selectors, and the scale
//! subresource's view of an object.

use serde_json::{Value, json};

pub(super) fn merge(target: &mut Value, patch: &Value, strategic: bool) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else if strategic
                    && v.is_array()
                    && t.get(k).is_some_and(Value::is_array)
                    && v.as_array()
                        .unwrap()
                        .iter()
                        .all(|x| x.get("name").is_some())
                {
                    let existing = t.get_mut(k).unwrap().as_array_mut().unwrap();
                    for item in v.as_array().unwrap() {
                        match existing
                            .iter_mut()
                            .find(|e| e.get("name") == item.get("name"))
                        {
                            Some(e) => merge(e, item, true),
                            None => existing.push(item.clone()),
                        }
                    }
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v, strategic);
                }
            }
        }
        // RFC 7386: an object patched onto a non-object starts from {}, so its
        // nulls delete nothing rather than being stored.
        (t, Value::Object(_)) => {
            *t = Value::Object(serde_json::Map::new());
            merge(t, patch, strategic);
        }
        (t, p) => *t = p.clone(),
    }
}

pub(super) fn labels_match(obj: &Value, selector: &str) -> bool {
    selector.split(',').filter(|s| !s.is_empty()).all(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        obj.pointer("/metadata/labels")
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
            == Some(v)
    })
}

pub(super) fn fields_match(obj: &Value, selector: &str) -> bool {
    selector.split(',').filter(|s| !s.is_empty()).all(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let ptr = format!("/{}", k.replace('.', "/"));
        obj.pointer(&ptr).and_then(Value::as_str) == Some(v)
    })
}

pub(super) fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| {
            v.replace("%3D", "=")
                .replace("%2C", ",")
                .replace("%2F", "/")
        })
    })
}

pub(super) fn scale_of(obj: &Value) -> Value {
    let n = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"]},
           "spec": {"replicas": n}, "status": {"replicas": obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(n)}})
}

/// Apply a JSON patch as the API server does: every operation or none; a failed
/// `test`, a missing path or a malformed operation is an error (422).
pub(super) fn json_patch(obj: &Value, ops: &Value) -> Result<Value, String> {
    let mut doc = obj.clone();
    let list = ops.as_array().ok_or("a JSON patch must be a list")?;
    for op in list {
        let path = op["path"].as_str().ok_or("operation without a path")?;
        match op["op"].as_str().ok_or("operation without an op")? {
            "add" => add(
                &mut doc,
                path,
                op.get("value").ok_or("add without a value")?.clone(),
            )?,
            "remove" => {
                remove(&mut doc, path)?;
            }
            "replace" => {
                remove(&mut doc, path)?;
                add(
                    &mut doc,
                    path,
                    op.get("value").ok_or("replace without a value")?.clone(),
                )?;
            }
            "test" => {
                if doc.pointer(path) != op.get("value") {
                    return Err(format!("the test of {path} failed"));
                }
            }
            "move" | "copy" => {
                let from = op["from"].as_str().ok_or("move/copy without from")?;
                let v = doc
                    .pointer(from)
                    .cloned()
                    .ok_or(format!("{from} does not exist"))?;
                if op["op"] == "move" {
                    remove(&mut doc, from)?;
                }
                add(&mut doc, path, v)?;
            }
            other => return Err(format!("unknown op {other}")),
        }
    }
    Ok(doc)
}

fn split(path: &str) -> Result<(String, String), String> {
    let i = path
        .rfind('/')
        .ok_or(format!("{path} is not a JSON pointer"))?;
    Ok((
        path[..i].to_string(),
        path[i + 1..].replace("~1", "/").replace("~0", "~"),
    ))
}

fn add(doc: &mut Value, path: &str, v: Value) -> Result<(), String> {
    let (parent, key) = split(path)?;
    match doc.pointer_mut(&parent) {
        Some(Value::Object(m)) => {
            m.insert(key, v);
            Ok(())
        }
        Some(Value::Array(a)) if key == "-" => {
            a.push(v);
            Ok(())
        }
        Some(Value::Array(a)) => {
            let i: usize = key.parse().map_err(|_| format!("bad index in {path}"))?;
            if i > a.len() {
                return Err(format!("index out of range in {path}"));
            }
            a.insert(i, v);
            Ok(())
        }
        _ => Err(format!("the parent of {path} does not exist")),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, key) = split(path)?;
    match doc.pointer_mut(&parent) {
        Some(Value::Object(m)) => m.remove(&key).ok_or(format!("{path} does not exist")),
        Some(Value::Array(a)) => {
            let i: usize = key.parse().map_err(|_| format!("bad index in {path}"))?;
            (i < a.len())
                .then(|| a.remove(i))
                .ok_or(format!("{path} does not exist"))
        }
        _ => Err(format!("the parent of {path} does not exist")),
    }
}
