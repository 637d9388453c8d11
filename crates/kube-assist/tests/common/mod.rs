//! A fake Kubernetes API server on 127.0.0.1 for tests: it serves objects given as
//! JSON the way the real API server lays them out (lists, gets, the scale
//! subresource, merge and strategic-merge patches, replace, delete, pod logs,
//! dry runs, field/label selectors, the kubelet summary through the node proxy)
//! and records every request. Tests check the exact HTTP calls kubectl-assist makes.
#![allow(dead_code)]

pub mod discovery;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: String,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    objects: Vec<Value>,
    logs: HashMap<String, String>,
    summaries: HashMap<String, Value>,
    metrics: Option<Value>,
    requests: Vec<Recorded>,
    /// Permissions the identity lacks, as "verb resource[/subresource]".
    denied: Vec<String>,
    /// What answers through the pod proxy, as "namespace/pod:port/path".
    proxy_answers: Vec<String>,
}

#[derive(Clone)]
struct Shared(Arc<Mutex<Inner>>);

/// Environment the binary must not inherit from the developer's shell: an LLM or
/// cluster configured there would change what the tests measure.
const CLEARED_ENV: [&str; 7] = [
    "LLM_PROVIDER",
    "LLM_BASE_URL",
    "LLM_MODEL",
    "LLM_API_KEY",
    "OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "KUBECONFIG",
];

pub struct FakeApi {
    pub url: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
    pub kubeconfig: std::path::PathBuf,
    pub audit_log: std::path::PathBuf,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A write of objects: not a read, not a permission question to the authorizer.
fn is_write(r: &Recorded) -> bool {
    !matches!(r.method.as_str(), "GET" | "HEAD") && !r.path.ends_with("/selfsubjectaccessreviews")
}

fn is_dry(r: &Recorded) -> bool {
    r.query.contains("dryRun=All")
        || r.body["dryRun"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v == "All"))
}

fn status(code: u16, reason: &str, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code});
    (StatusCode::from_u16(code).unwrap(), axum::Json(body)).into_response()
}

fn merge(target: &mut Value, patch: &Value, strategic: bool) {
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

fn labels_match(obj: &Value, selector: &str) -> bool {
    selector.split(',').filter(|s| !s.is_empty()).all(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        obj.pointer("/metadata/labels")
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
            == Some(v)
    })
}

fn fields_match(obj: &Value, selector: &str) -> bool {
    selector.split(',').filter(|s| !s.is_empty()).all(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let ptr = format!("/{}", k.replace('.', "/"));
        obj.pointer(&ptr).and_then(Value::as_str) == Some(v)
    })
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| {
            v.replace("%3D", "=")
                .replace("%2C", ",")
                .replace("%2F", "/")
        })
    })
}

fn scale_of(obj: &Value) -> Value {
    let n = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"]},
           "spec": {"replicas": n}, "status": {"replicas": obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(n)}})
}

/// A new object as the server stores it (uid, resourceVersion), kept unless a dry run.
fn created(
    inner: &mut Inner,
    body: &Value,
    ns: Option<&str>,
    name: &str,
    dry_run: bool,
) -> Response {
    let mut obj = body.clone();
    if let Some(ns) = ns {
        obj["metadata"]["namespace"] = json!(ns);
    }
    obj["metadata"]["uid"] = json!(format!("uid-new-{name}"));
    obj["metadata"]["resourceVersion"] = json!("100");
    if !dry_run {
        inner.objects.push(obj.clone());
    }
    (StatusCode::CREATED, axum::Json(obj)).into_response()
}

/// An object without what the server maintains, to compare what was restored.
pub fn without_bookkeeping(mut v: Value) -> Value {
    if let Some(meta) = v["metadata"].as_object_mut() {
        for k in [
            "resourceVersion",
            "uid",
            "managedFields",
            "creationTimestamp",
            "generation",
        ] {
            meta.remove(k);
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    v
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body_json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut inner = shared.0.lock().unwrap();
    inner.requests.push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        content_type: content_type.clone(),
        body: body_json.clone(),
    });
    // Deletes carry it in their DeleteOptions body, other writes in the query.
    let dry_run = query.contains("dryRun=All")
        || body_json["dryRun"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v == "All"));

    if path.starts_with("/apis/metrics.k8s.io") {
        return match &inner.metrics {
            Some(m) => axum::Json(m.clone()).into_response(),
            None => status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        };
    }
    let served = discovery::served(&inner.objects);
    if method == Method::GET
        && let Some(answer) = discovery::answer(&path, &served)
    {
        return axum::Json(answer).into_response();
    }
    let as_table = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("as=Table"));
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest): (&str, &[&str]) = match segs.as_slice() {
        ["api", "v1", rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (group, rest),
        _ => return status(404, "NotFound", "unknown path"),
    };
    if let ["nodes", node, "proxy", "stats", "summary"] = rest {
        return match inner.summaries.get(*node) {
            Some(s) => axum::Json(s.clone()).into_response(),
            None => status(503, "ServiceUnavailable", "no kubelet"),
        };
    }
    // The pod proxy: 200 where a test said something listens, else what the API
    // server says when nothing does.
    if let ["namespaces", ns, "pods", pod_port, "proxy", tail @ ..] = rest {
        let key = format!("{ns}/{pod_port}/{}", tail.join("/"));
        return if inner.proxy_answers.contains(&key) {
            (StatusCode::OK, "ok").into_response()
        } else {
            status(
                503,
                "ServiceUnavailable",
                "error trying to reach service: dial tcp: connect: connection refused",
            )
        };
    }
    // The authorizer: everything is allowed except what a test denied.
    if let ["selfsubjectaccessreviews"] = rest {
        let a = &body_json["spec"]["resourceAttributes"];
        let mut res = a["resource"].as_str().unwrap_or_default().to_string();
        if let Some(sub) = a["subresource"].as_str().filter(|s| !s.is_empty()) {
            res = format!("{res}/{sub}");
        }
        let key = format!("{} {res}", a["verb"].as_str().unwrap_or_default());
        let allowed = !inner.denied.contains(&key);
        let mut answer = body_json.clone();
        answer["status"] = json!({"allowed": allowed});
        return (StatusCode::CREATED, axum::Json(answer)).into_response();
    }
    let (ns, rest) = match rest {
        ["namespaces", ns, more @ ..] if !more.is_empty() => (Some(ns.to_string()), more),
        other => (None, other),
    };
    let (plural, name, sub) = match rest {
        [p] => (*p, None, None),
        [p, n] => (*p, Some(n.to_string()), None),
        [p, n, s] => (*p, Some(n.to_string()), Some(*s)),
        _ => return status(404, "NotFound", "unknown path"),
    };
    let Some(kind) = discovery::kind_of(&served, group, plural) else {
        return status(404, "NotFound", "unknown resource");
    };
    let find = |objs: &Vec<Value>, name: &str| {
        objs.iter().position(|o| {
            o["kind"] == kind
                && o["metadata"]["name"] == name
                && (ns.is_none() || o["metadata"]["namespace"].as_str() == ns.as_deref())
        })
    };
    match (method.as_str(), name, sub) {
        ("GET", None, None) => {
            let ls = query_param(&query, "labelSelector").unwrap_or_default();
            let fs = query_param(&query, "fieldSelector").unwrap_or_default();
            let items: Vec<Value> = inner
                .objects
                .iter()
                .filter(|o| {
                    o["kind"] == kind
                        && (ns.is_none() || o["metadata"]["namespace"].as_str() == ns.as_deref())
                })
                .filter(|o| labels_match(o, &ls) && fields_match(o, &fs))
                .cloned()
                .collect();
            if as_table {
                return axum::Json(discovery::table(&served, group, plural, &items))
                    .into_response();
            }
            axum::Json(json!({"apiVersion": "v1", "kind": format!("{kind}List"), "metadata": {"resourceVersion": "100"}, "items": items})).into_response()
        }
        ("GET", Some(n), None) => match find(&inner.objects, &n) {
            Some(i) if as_table => axum::Json(discovery::table(
                &served,
                group,
                plural,
                std::slice::from_ref(&inner.objects[i]),
            ))
            .into_response(),
            Some(i) => axum::Json(inner.objects[i].clone()).into_response(),
            None => status(404, "NotFound", &format!("{plural} \"{n}\" not found")),
        },
        ("GET", Some(n), Some("scale")) => match find(&inner.objects, &n) {
            Some(i) => axum::Json(scale_of(&inner.objects[i])).into_response(),
            None => status(404, "NotFound", &format!("{plural} \"{n}\" not found")),
        },
        ("GET", Some(n), Some("log")) => {
            let key = format!("{}/{n}", ns.clone().unwrap_or_default());
            match inner.logs.get(&key) {
                Some(text) => {
                    let tail = query_param(&query, "tailLines")
                        .and_then(|t| t.parse::<usize>().ok())
                        .unwrap_or(usize::MAX);
                    let lines: Vec<&str> = text.lines().collect();
                    let keep = lines.len().saturating_sub(tail);
                    let mut body = lines[keep..].join("\n") + "\n";
                    // limitBytes cuts the answer like the kubelet does, mid-line if need be.
                    if let Some(limit) =
                        query_param(&query, "limitBytes").and_then(|b| b.parse::<usize>().ok())
                        && body.len() > limit
                    {
                        let mut cut = limit;
                        while !body.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        body.truncate(cut);
                    }
                    (StatusCode::OK, body).into_response()
                }
                None => status(400, "BadRequest", "container has no logs"),
            }
        }
        ("PATCH", Some(n), sub) => {
            let applying = content_type.contains("apply-patch");
            if applying && !query.contains("fieldManager=") {
                return status(
                    400,
                    "BadRequest",
                    "PATCH with apply-patch requires fieldManager",
                );
            }
            let Some(i) = find(&inner.objects, &n) else {
                if !applying {
                    return status(404, "NotFound", &format!("{plural} \"{n}\" not found"));
                }
                // Server-side apply creates what does not exist.
                if body_json["kind"] != kind {
                    return status(400, "BadRequest", "kind does not match the path");
                }
                return created(&mut inner, &body_json, ns.as_deref(), &n, dry_run);
            };
            let mut obj = inner.objects[i].clone();
            if sub == Some("scale") {
                if let Some(r) = body_json.pointer("/spec/replicas") {
                    obj["spec"]["replicas"] = r.clone();
                }
            } else {
                // Server-side apply merges lists of named items by name, like a strategic patch.
                merge(
                    &mut obj,
                    &body_json,
                    content_type.contains("strategic") || applying,
                );
            }
            if !dry_run {
                inner.objects[i] = obj.clone();
            }
            if sub == Some("scale") {
                axum::Json(scale_of(&obj)).into_response()
            } else {
                axum::Json(obj).into_response()
            }
        }
        ("PUT", Some(n), None) => {
            let Some(i) = find(&inner.objects, &n) else {
                return status(404, "NotFound", "not found");
            };
            // Optimistic concurrency, as the API server does it.
            let sent = body_json.pointer("/metadata/resourceVersion");
            let live = inner.objects[i].pointer("/metadata/resourceVersion");
            if sent.is_some() && live.is_some() && sent != live {
                return status(409, "Conflict", "the object has been modified");
            }
            if !dry_run {
                inner.objects[i] = body_json.clone();
            }
            axum::Json(body_json).into_response()
        }
        ("POST", None, None) => {
            let n = body_json["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if body_json["kind"] != kind {
                return status(400, "BadRequest", "kind does not match the path");
            }
            if body_json.pointer("/metadata/resourceVersion").is_some() {
                return status(
                    400,
                    "BadRequest",
                    "resourceVersion should not be set on objects to be created",
                );
            }
            if find(&inner.objects, &n).is_some() {
                return status(
                    409,
                    "AlreadyExists",
                    &format!("{plural} \"{n}\" already exists"),
                );
            }
            created(&mut inner, &body_json, ns.as_deref(), &n, dry_run)
        }
        ("DELETE", Some(n), None) => {
            let Some(i) = find(&inner.objects, &n) else {
                return status(404, "NotFound", "not found");
            };
            let obj = if dry_run {
                inner.objects[i].clone()
            } else {
                inner.objects.remove(i)
            };
            axum::Json(obj).into_response()
        }
        _ => status(405, "MethodNotAllowed", "not supported by the fake"),
    }
}

impl FakeApi {
    /// Serve these objects (each with `kind` and `metadata`), plus pod logs keyed "namespace/pod".
    pub async fn start(objects: Vec<Value>, logs: &[(&str, &str)]) -> Self {
        let inner = Inner {
            objects,
            logs: logs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let shared = Shared(Arc::new(Mutex::new(inner)));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://{addr}\nusers:\n- name: tester\n  user:\n    token: not-a-secret\ncontexts:\n- name: fake-ctx\n  context:\n    cluster: fake\n    user: tester\ncurrent-context: fake-ctx\n"
            ),
        )
        .unwrap();
        let audit_log = dir.path().join("audit.jsonl");
        Self {
            url: format!("http://{addr}"),
            shared,
            task,
            _dir: dir,
            kubeconfig,
            audit_log,
        }
    }

    /// Make the authorizer deny a permission, e.g. `deny("patch deployments/scale")`.
    pub fn deny(&self, permission: &str) {
        self.shared
            .0
            .lock()
            .unwrap()
            .denied
            .push(permission.to_string());
    }

    /// Make GET `path` on `pod:port` answer through the pod proxy, e.g.
    /// `answer_proxy("todo/web-1:8000/healthz")`.
    pub fn answer_proxy(&self, key: &str) {
        self.shared
            .0
            .lock()
            .unwrap()
            .proxy_answers
            .push(key.to_string());
    }

    pub fn set_summary(&self, node: &str, summary: Value) {
        self.shared
            .0
            .lock()
            .unwrap()
            .summaries
            .insert(node.into(), summary);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.0.lock().unwrap().requests.clone()
    }

    /// Requests that could change something.
    /// Writes that change the objects (dry runs excluded).
    pub fn writes(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| is_write(r) && !is_dry(r))
            .collect()
    }

    /// Writes sent as server-side dry runs (`dryRun=All`).
    pub fn dry_runs(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| is_write(r) && is_dry(r))
            .collect()
    }

    pub fn object(&self, kind: &str, ns: &str, name: &str) -> Option<Value> {
        self.shared
            .0
            .lock()
            .unwrap()
            .objects
            .iter()
            .find(|o| {
                o["kind"] == kind
                    && o["metadata"]["name"] == name
                    && o["metadata"]["namespace"] == ns
            })
            .cloned()
    }

    pub fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.audit_log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
            .collect()
    }

    /// Run the kubectl-assist binary against this server; stdin is empty (not a terminal).
    pub async fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_with_env(args, &[]).await
    }

    pub async fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubectl-assist"));
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--audit-log")
            .arg(&self.audit_log)
            .args(args);
        for key in CLEARED_ENV {
            cmd.env_remove(key);
        }
        cmd.envs(env.iter().copied())
            .stdin(std::process::Stdio::null());
        let out = cmd.output().await.expect("run kubectl-assist");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub async fn run_stdin(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        let kubeconfig = self.kubeconfig.display().to_string();
        let mut argv = vec!["--kubeconfig", kubeconfig.as_str()];
        argv.extend_from_slice(args);
        self.run_exact_argv(&argv, stdin).await
    }

    /// Run with exactly these arguments (no --kubeconfig added: harness argv
    /// carries its own) and `stdin` piped in and closed; the audit log goes to this
    /// server's file through the environment.
    pub async fn run_exact_argv(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        use tokio::io::AsyncWriteExt;
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubectl-assist"));
        cmd.args(args)
            .env("KUBECTL_ASSIST_AUDIT_LOG", &self.audit_log);
        for key in CLEARED_ENV {
            cmd.env_remove(key);
        }
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn");
        let mut sin = child.stdin.take().unwrap();
        sin.write_all(stdin.as_bytes()).await.unwrap();
        drop(sin);
        let out = child.wait_with_output().await.unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A small Todo Chatbot install as the chart lays it out: namespace `todo`,
/// Deployments todo-frontend (1 replica) and todo-backend (revision 2 of 2), their
/// ReplicaSets and pods, Services and one node.
pub fn todo_cluster() -> Vec<Value> {
    let labels = |c: &str| json!({"app.kubernetes.io/name": "todo-chart", "app.kubernetes.io/instance": "todo", "app.kubernetes.io/component": c});
    let container = |c: &str, image: &str| json!({"name": c, "image": image, "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}});
    let dep = |c: &str, replicas: i64, revision: &str, image: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("todo-{c}"), "namespace": "todo", "uid": format!("uid-{c}"), "generation": 2, "labels": labels(c),
                         "annotations": {"deployment.kubernetes.io/revision": revision}, "resourceVersion": "10"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels(c)},
                     "template": {"metadata": {"labels": labels(c)}, "spec": {"containers": [container(if c == "backend" { "api" } else { "web" }, image)]}}},
            "status": {"observedGeneration": 2, "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}})
    };
    let rs = |c: &str, hash: &str, revision: &str, image: &str, replicas: i64| {
        let mut l = labels(c);
        l["pod-template-hash"] = json!(hash);
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("todo-{c}-{hash}"), "namespace": "todo", "labels": l.clone(),
                         "annotations": {"deployment.kubernetes.io/revision": revision},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": format!("todo-{c}"), "uid": format!("uid-{c}"), "controller": true}]},
            "spec": {"replicas": replicas, "selector": {"matchLabels": l.clone()},
                     "template": {"metadata": {"labels": l}, "spec": {"containers": [container(if c == "backend" { "api" } else { "web" }, image)]}}},
            "status": {"replicas": replicas, "readyReplicas": replicas}})
    };
    let pod = |c: &str, hash: &str, suffix: &str| {
        let mut l = labels(c);
        l["pod-template-hash"] = json!(hash);
        let cname = if c == "backend" { "api" } else { "web" };
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("todo-{c}-{hash}-{suffix}"), "namespace": "todo", "labels": l,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("todo-{c}-{hash}"), "uid": "x", "controller": true}]},
            "spec": {"nodeName": "node-1", "containers": [container(cname, "todo:2")]},
            "status": {"phase": "Running", "containerStatuses": [{"name": cname, "ready": true, "restartCount": 0, "image": "todo:2", "imageID": "", "state": {"running": {}}}]}})
    };
    let svc = |c: &str| {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": format!("todo-{c}"), "namespace": "todo", "labels": labels(c)},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "selector": labels(c), "ports": [{"port": 8000, "protocol": "TCP"}]}})
    };
    let eps = |c: &str, ip: &str| {
        json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": format!("todo-{c}"), "namespace": "todo"},
        "subsets": [{"addresses": [{"ip": ip}], "ports": [{"port": 8000}]}]})
    };
    vec![
        dep("frontend", 1, "1", "todo:2"),
        dep("backend", 1, "2", "todo:2"),
        rs("frontend", "f1", "1", "todo:2", 1),
        rs("backend", "b1", "1", "todo:1", 0),
        rs("backend", "b2", "2", "todo:2", 1),
        pod("frontend", "f1", "aaaaa"),
        pod("backend", "b2", "bbbbb"),
        svc("frontend"),
        svc("backend"),
        eps("frontend", "172.17.0.5"),
        eps("backend", "172.17.0.6"),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.20.2"}}}),
    ]
}

/// The venv Python with the official MCP SDK, installed by scripts/install.d/mcp.sh.
/// Missing is a loud failure, never a skip.
pub fn mcp_python() -> std::path::PathBuf {
    let cache = std::env::var_os("TODO_CACHE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").expect("HOME"))
                .join(".cache/todo-chatbot")
        });
    let python = cache.join("venv/bin/python");
    let ok = std::process::Command::new(&python)
        .args(["-c", "import mcp.client.stdio, mcp.client.streamable_http"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the Python MCP SDK is missing at {}: run scripts/install.d/mcp.sh",
        python.display()
    );
    python
}

/// Runs the shared official-client driver (crates/todo-agent/tests/mcp_client.py)
/// with `args` and returns its JSON report.
pub async fn run_mcp_client(args: Vec<String>) -> Value {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../todo-agent/tests/mcp_client.py");
    let mut cmd = tokio::process::Command::new(mcp_python());
    cmd.arg(script).args(args);
    for key in CLEARED_ENV {
        cmd.env_remove(key);
    }
    let out = cmd.output().await.expect("start the MCP client");
    assert!(
        out.status.success(),
        "MCP client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "MCP client printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

impl FakeApi {
    /// The kubectl-assist command line (binary first) that talks to this server.
    pub fn argv(&self, args: &[&str]) -> Vec<String> {
        let mut argv = vec![
            env!("CARGO_BIN_EXE_kubectl-assist").to_string(),
            "--kubeconfig".into(),
            self.kubeconfig.display().to_string(),
            "--audit-log".into(),
            self.audit_log.display().to_string(),
        ];
        argv.extend(args.iter().map(|a| a.to_string()));
        argv
    }
}
