//! What a write changes, as a person reads it: each object as YAML (managed
//! fields, status, resourceVersion and other server bookkeeping left out) and a
//! unified diff of before against the server's dry-run answer.

use serde_json::Value;

/// Metadata the server maintains; it changes on every write and says nothing
/// about what the operator asked for.
const BOOKKEEPING: [&str; 5] = [
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
];

/// The object without status and server bookkeeping; a Secret's values masked.
pub fn clean(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.remove("status");
        if obj.get("kind").and_then(Value::as_str) == Some("Secret") {
            for field in ["data", "stringData"] {
                if let Some(data) = obj.get_mut(field).and_then(Value::as_object_mut) {
                    for val in data.values_mut() {
                        *val = Value::String(crate::ops::manifest::MASK.into());
                    }
                }
            }
        }
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in BOOKKEEPING {
                meta.remove(k);
            }
            if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                // kubectl's copy of the last applied object repeats the whole object.
                ann.remove("kubectl.kubernetes.io/last-applied-configuration");
                if ann.is_empty() {
                    meta.remove("annotations");
                }
            }
        }
    }
    v
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let plain = !s.is_empty()
                && !s
                    .starts_with(|c: char| c.is_whitespace() || "-?:,[]{}#&*!|>'\"%@`".contains(c))
                && !s.ends_with(char::is_whitespace)
                && !s.contains(": ")
                && !s.contains(" #")
                && !s.contains('\n')
                && !matches!(
                    s.as_str(),
                    "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
                )
                && s.parse::<f64>().is_err();
            if plain {
                s.clone()
            } else {
                // A JSON string is a valid YAML double-quoted scalar.
                serde_json::to_string(s).unwrap_or_default()
            }
        }
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        _ => String::new(),
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Array(a) if !a.is_empty()) || matches!(v, Value::Object(o) if !o.is_empty())
}

fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, x) in o {
                let key = scalar(&Value::String(k.clone()));
                if is_block(x) {
                    out.push_str(&format!("{pad}{key}:\n"));
                    let child = if x.is_array() { indent } else { indent + 2 };
                    emit(x, child, out);
                } else {
                    out.push_str(&format!("{pad}{key}: {}\n", scalar(x)));
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for x in a {
                if is_block(x) {
                    let mut inner = String::new();
                    emit(x, indent + 2, &mut inner);
                    // The first line of the item goes after "- ".
                    let trimmed = inner.trim_start_matches(' ');
                    out.push_str(&format!("{pad}- {trimmed}"));
                } else {
                    out.push_str(&format!("{pad}- {}\n", scalar(x)));
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

/// A JSON value as block YAML.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    emit(v, 0, &mut out);
    out
}

/// A unified diff (3 lines of context) of two texts; empty when they are equal.
pub fn unified(before: &str, after: &str, label: &str) -> String {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    if a == b {
        return String::new();
    }
    // Longest common subsequence table; objects are hundreds of lines at most.
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // The edit script: (tag, line index in a, line index in b).
    let mut script: Vec<(char, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            script.push((' ', i, j));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j]) {
            script.push(('+', i, j));
            j += 1;
        } else {
            script.push(('-', i, j));
            i += 1;
        }
    }
    const CONTEXT: usize = 3;
    let changed: Vec<usize> = (0..script.len()).filter(|&k| script[k].0 != ' ').collect();
    let mut out = format!("--- {label} (live)\n+++ {label} (after)\n");
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = changed[k];
        while k + 1 < changed.len() && changed[k + 1] <= end + 2 * CONTEXT + 1 {
            k += 1;
            end = changed[k];
        }
        let end = (end + CONTEXT).min(script.len() - 1);
        let hunk = &script[start..=end];
        let a_start = hunk.first().map_or(0, |h| h.1);
        let b_start = hunk.first().map_or(0, |h| h.2);
        let a_len = hunk.iter().filter(|h| h.0 != '+').count();
        let b_len = hunk.iter().filter(|h| h.0 != '-').count();
        out.push_str(&format!(
            "@@ -{},{a_len} +{},{b_len} @@\n",
            a_start + usize::from(a_len > 0),
            b_start + usize::from(b_len > 0)
        ));
        for (tag, ai, bi) in hunk {
            let line = if *tag == '+' { b[*bi] } else { a[*ai] };
            out.push_str(&format!("{tag}{line}\n"));
        }
        k += 1;
    }
    out
}

/// The diff of one object: `before` absent means it is created, `after` absent
/// that it is deleted.
pub fn object_diff(before: Option<&Value>, after: Option<&Value>, label: &str) -> String {
    let text = |v: Option<&Value>| v.map(|v| to_yaml(&clean(v.clone()))).unwrap_or_default();
    unified(&text(before), &text(after), label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_reads_like_kubectl_output() {
        let v = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "app", "image": "nginx:1.25", "args": ["--port", "80"], "env": []}]}}}});
        assert_eq!(
            to_yaml(&v),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    app: web\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - args:\n        - \"--port\"\n        - \"80\"\n        env: []\n        image: nginx:1.25\n        name: app\n"
        );
        assert_eq!(scalar(&json!("yes")), "\"yes\"");
        assert_eq!(scalar(&json!("a: b")), "\"a: b\"");
    }

    #[test]
    fn bookkeeping_and_status_are_left_out() {
        let v = json!({"metadata": {"name": "web", "resourceVersion": "9", "uid": "u", "managedFields": [{}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}, "status": {"replicas": 1}});
        assert_eq!(clean(v), json!({"metadata": {"name": "web"}}));
    }

    #[test]
    fn unified_diff_shows_only_the_change_with_context() {
        let before: String = (1..=20).map(|i| format!("line{i}\n")).collect();
        let after = before.replace("line10\n", "line10 changed\n");
        let d = unified(&before, &after, "deployment/web");
        assert_eq!(
            d,
            "--- deployment/web (live)\n+++ deployment/web (after)\n@@ -7,7 +7,7 @@\n line7\n line8\n line9\n-line10\n+line10 changed\n line11\n line12\n line13\n"
        );
        assert_eq!(unified("a\n", "a\n", "x"), "");
        let created = object_diff(None, Some(&json!({"kind": "ConfigMap"})), "configmap/c");
        assert!(
            created.contains("@@ -0,0 +1,1 @@\n+kind: ConfigMap\n"),
            "{created}"
        );
        let deleted = object_diff(Some(&json!({"kind": "Pod"})), None, "pod/p");
        assert!(
            deleted.contains("@@ -1,1 +0,0 @@\n-kind: Pod\n"),
            "{deleted}"
        );
    }
}
