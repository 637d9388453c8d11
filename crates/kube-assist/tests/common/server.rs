//! How the fake API server answers a request: its state (objects, logs, the
//! authorizer's denials, what the pod proxy answers), and the one handler that
//! routes every path the way the real API server lays them out, recording each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Recorded;
use super::discovery;
use super::objects::{fields_match, json_patch, labels_match, merge, query_param, scale_of};

#[derive(Default)]
pub(super) struct Inner {
    pub(super) objects: Vec<Value>,
    pub(super) logs: HashMap<String, String>,
    pub(super) summaries: HashMap<String, Value>,
    pub(super) metrics: Option<Value>,
    pub(super) requests: Vec<Recorded>,
    /// Permissions the identity lacks, as "verb resource[/subresource]".
    pub(super) denied: Vec<String>,
    /// Permissions one impersonated user lacks: (user, "verb resource[/subresource]").
    pub(super) denied_to: Vec<(String, String)>,
    /// What answers through the pod proxy, as "namespace/pod:port/path".
    pub(super) proxy_answers: Vec<String>,
    /// The Eviction API version served (`pods/eviction` in /api/v1); absent
    /// means policy/v1beta1, as Kubernetes 1.20 serves it.
    pub(super) eviction_version: Option<String>,
    /// Pods ("namespace/name") a PodDisruptionBudget keeps: evicting them is a 429.
    pub(super) protected_pods: Vec<String>,
    /// Objects ("namespace/name") that someone writes once just before the next PUT of them
    /// lands, as a controller's status update (or a person's edit, with a label) would.
    pub(super) writes_before_put: Vec<(String, bool)>,
}

#[derive(Clone)]
pub(super) struct Shared(pub(super) Arc<Mutex<Inner>>);

/// A write of objects: not a read, not a permission question to the authorizer.
pub(super) fn is_write(r: &Recorded) -> bool {
    !matches!(r.method.as_str(), "GET" | "HEAD") && !r.path.ends_with("/selfsubjectaccessreviews")
}

pub(super) fn is_dry(r: &Recorded) -> bool {
    let all = |v: &Value| v.as_array().is_some_and(|a| a.iter().any(|v| v == "All"));
    r.query.contains("dryRun=All")
        || all(&r.body["dryRun"])
        || all(&r.body["deleteOptions"]["dryRun"])
}

fn status(code: u16, reason: &str, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code});
    (StatusCode::from_u16(code).unwrap(), axum::Json(body)).into_response()
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

pub(super) async fn handle(
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
    let impersonate_user = headers
        .get("impersonate-user")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let impersonate_groups: Vec<String> = headers
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let mut inner = shared.0.lock().unwrap();
    inner.requests.push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        content_type: content_type.clone(),
        body: body_json.clone(),
        impersonate_user: impersonate_user.clone(),
        impersonate_groups: impersonate_groups.clone(),
    });
    // As the API server's impersonation filter: groups alone do not say who acts.
    if impersonate_user.is_none() && !impersonate_groups.is_empty() {
        return status(
            500,
            "InternalError",
            "Internal error occurred: requested [{Group ...}] without impersonating a user",
        );
    }
    // Deletes carry it in their DeleteOptions body (an Eviction in its
    // deleteOptions), other writes in the query.
    let dry_run = is_dry(inner.requests.last().unwrap());

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
        && let Some(mut answer) = discovery::answer(&path, &served)
    {
        if path == "/api/v1"
            && let Some(list) = answer["resources"].as_array_mut()
        {
            let gv = inner
                .eviction_version
                .clone()
                .unwrap_or_else(|| "policy/v1beta1".into());
            let (group, version) = gv.split_once('/').unwrap();
            list.push(
                json!({"name": "pods/eviction", "singularName": "", "namespaced": true,
                "group": group, "version": version, "kind": "Eviction", "verbs": ["create"]}),
            );
        }
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
        let allowed = !inner.denied.contains(&key)
            && !impersonate_user
                .as_ref()
                .is_some_and(|u| inner.denied_to.contains(&(u.clone(), key.clone())));
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
            if content_type.contains("json-patch") {
                match json_patch(&obj, &body_json) {
                    Ok(patched) => obj = patched,
                    Err(e) => return status(422, "Invalid", &e),
                }
            } else if sub == Some("scale") {
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
            let key = format!("{}/{n}", ns.clone().unwrap_or_default());
            let racing = inner.writes_before_put.iter().position(|(k, _)| *k == key);
            if let Some(at) = racing.filter(|_| !dry_run) {
                let (_, edits_spec) = inner.writes_before_put.remove(at);
                let obj = &mut inner.objects[i];
                obj["metadata"]["resourceVersion"] = json!(format!("{}-racing", n));
                obj["status"]["observedGeneration"] = json!(99);
                if edits_spec {
                    obj["metadata"]["labels"]["edited-by"] = json!("someone-else");
                }
            }
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
        // The Eviction subresource: the version the server serves only; a pod a
        // disruption budget keeps is refused with 429 as the API server does.
        ("POST", Some(n), Some("eviction")) => {
            let served_version = inner
                .eviction_version
                .clone()
                .unwrap_or_else(|| "policy/v1beta1".into());
            if body_json["apiVersion"] != served_version.as_str() || body_json["kind"] != "Eviction"
            {
                return status(
                    400,
                    "BadRequest",
                    &format!("this server evicts with {served_version} Eviction objects"),
                );
            }
            let key = format!("{}/{n}", ns.clone().unwrap_or_default());
            if inner.protected_pods.contains(&key) {
                return status(
                    429,
                    "TooManyRequests",
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                );
            }
            let Some(i) = find(&inner.objects, &n) else {
                return status(404, "NotFound", "not found");
            };
            if !dry_run {
                inner.objects.remove(i);
            }
            (
                StatusCode::CREATED,
                axum::Json(json!({"kind": "Status", "apiVersion": "v1", "status": "Success"})),
            )
                .into_response()
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
