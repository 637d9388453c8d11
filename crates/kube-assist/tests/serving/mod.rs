//! The `kubectl-assist serve` process for tests: the real binary on a free
//! loopback port against a fake API server, with a tokens file (vera the viewer,
//! olga the operator, anna the approver) and a state directory.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::FakeApi;

pub const VIEWER: &str = "viewer-token-vvvvvvvvvvvvvvvv";
pub const OPERATOR: &str = "operator-token-oooooooooooooo";
pub const APPROVER: &str = "approver-token-aaaaaaaaaaaaaa";

/// The serve process, killed when the test ends.
pub struct Served {
    pub url: String,
    pub child: Child,
    pub stdout: Arc<Mutex<Vec<String>>>,
    pub state: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn serve(api: &FakeApi, extra: &[&str]) -> Served {
    serve_with_kubeconfig(&api.kubeconfig, extra).await
}

/// `serve` against whatever API server `kubeconfig` names.
pub async fn serve_with_kubeconfig(kubeconfig: &std::path::Path, extra: &[&str]) -> Served {
    serve_with_env(kubeconfig, extra, &[]).await
}

/// `serve` with these environment variables set (e.g. an LLM's `LLM_BASE_URL`).
pub async fn serve_with_env(
    kubeconfig: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Served {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let state = tempfile::tempdir().unwrap();
    let tokens = state.path().join("tokens");
    std::fs::write(
        &tokens,
        format!("# name role token\nvera viewer {VIEWER}\nolga operator {OPERATOR}\nanna approver {APPROVER}\n"),
    )
    .unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubectl-assist"))
        .arg("serve")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--port")
        .arg(port.to_string())
        .arg("--tokens-file")
        .arg(&tokens)
        .arg("--state-dir")
        .arg(state.path().join("state"))
        .args(extra)
        .env_remove("KUBECONFIG")
        .env_remove("LLM_BASE_URL")
        .env_remove("LLM_PROVIDER")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kubectl-assist serve");
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let out = child.stdout.take().unwrap();
    let lines = stdout.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            lines.lock().unwrap().push(line);
        }
    });
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(format!("{url}/healthz")).send().await
            && r.status() == 200
        {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("serve exited before listening: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "serve did not listen within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Served {
        url,
        child,
        stdout,
        state,
        http,
    }
}

impl Served {
    pub async fn post(&self, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|_| json!({"raw": text})),
        )
    }

    pub async fn ask(&self, token: &str, request: &str) -> (u16, Value) {
        self.post(
            "/api/requests",
            Some(token),
            &json!({"request": request, "namespace": "todo"}).to_string(),
        )
        .await
    }

    /// [`Self::ask`], expecting this HTTP status and plan state; returns the plan.
    pub async fn ask_expecting(&self, token: &str, request: &str, code: u16, state: &str) -> Value {
        let (got, plan) = self.ask(token, request).await;
        assert_eq!((got, plan["state"].as_str()), (code, Some(state)), "{plan}");
        plan
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        let mut req = self.http.get(format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    pub fn audit_file(&self) -> Vec<Value> {
        std::fs::read_to_string(self.state.path().join("state/audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Some line of the audit log has every one of these `(field, value)` pairs.
    pub fn assert_audited(&self, fields: &[(&str, &str)]) {
        let audit = self.audit_file();
        assert!(
            audit
                .iter()
                .any(|l| fields.iter().all(|(k, v)| l[*k] == *v)),
            "no audit line with {fields:?}: {audit:?}"
        );
    }

    /// An approver approves plan `id`; it ran, and `deployment` in namespace todo
    /// now has `replicas`.
    pub async fn approve_and_expect_replicas(
        &self,
        api: &FakeApi,
        id: &str,
        deployment: &str,
        replicas: i64,
    ) {
        let (code, done) = self
            .post(&format!("/api/plans/{id}/approve"), Some(APPROVER), "")
            .await;
        assert_eq!(
            (code, done["state"].as_str()),
            (200, Some("done")),
            "{done}"
        );
        assert_eq!(
            api.object("Deployment", "todo", deployment).unwrap()["spec"]["replicas"],
            replicas
        );
    }

    pub fn stdout_json(&self) -> Vec<Value> {
        self.stdout
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

/// A pod whose container keeps crashing, in namespace todo.
pub fn crashing_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "broken-1", "namespace": "todo", "labels": {"app": "broken"}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "main", "image": "busybox"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "main", "ready": false, "restartCount": 7, "image": "busybox", "imageID": "",
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off restarting failed container"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}})
}

/// A proxy in front of the fake API server that holds each real (not dry-run)
/// write for `hold` before passing it on: a write in flight long enough to send
/// SIGTERM into it.
pub struct SlowWrites {
    pub kubeconfig: std::path::PathBuf,
    /// Set once a write reached the proxy (and is being held).
    pub holding: Arc<std::sync::atomic::AtomicBool>,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SlowWrites {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SlowWrites {
    pub async fn start(api: &FakeApi, hold: Duration) -> SlowWrites {
        use axum::body::Bytes;
        use axum::http::{Method, Uri};
        let _ = rustls::crypto::ring::default_provider().install_default();
        let upstream = api.url.clone();
        let holding = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = holding.clone();
        let http = reqwest::Client::new();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: axum::http::HeaderMap, body: Bytes| {
                let (http, upstream, seen) = (http.clone(), upstream.clone(), seen.clone());
                async move {
                    let query = uri.query().unwrap_or("");
                    let dry = query.contains("dryRun=All")
                        || String::from_utf8_lossy(&body).contains("\"dryRun\"");
                    if method == Method::PATCH && !dry {
                        seen.store(true, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(hold).await;
                    }
                    let mut req = http.request(method, format!("{upstream}{uri}")).body(body);
                    for (k, v) in &headers {
                        if k != "host" && k != "content-length" {
                            req = req.header(k, v);
                        }
                    }
                    let resp = req.send().await.unwrap();
                    let status = resp.status().as_u16();
                    let ctype = resp
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("application/json")
                        .to_string();
                    let bytes = resp.bytes().await.unwrap();
                    axum::response::Response::builder()
                        .status(status)
                        .header("content-type", ctype)
                        .body(axum::body::Body::from(bytes))
                        .unwrap()
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let text = std::fs::read_to_string(&api.kubeconfig)
            .unwrap()
            .replace(&api.url, &format!("http://{addr}"));
        std::fs::write(&kubeconfig, text).unwrap();
        SlowWrites {
            kubeconfig,
            holding,
            _dir: dir,
            task,
        }
    }
}
