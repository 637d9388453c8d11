//! A fake Kubernetes API server on 127.0.0.1 for tests: it serves objects given as
//! JSON the way the real API server lays them out (lists, gets, the scale
//! subresource, merge and strategic-merge patches, replace, delete, pod logs,
//! dry runs, field/label selectors, the kubelet summary through the node proxy)
//! and records every request. Tests check the exact HTTP calls kubectl-assist makes.
#![allow(dead_code)]

pub mod discovery;
mod fixtures;
/// The official Python MCP SDK as a client: one copy, shared with todo-agent and
/// todo (their tests include the same file).
#[path = "../../../todo-agent/tests/common/mcp_driver.rs"]
mod mcp_driver;
mod objects;
mod server;

#[allow(unused_imports)]
pub use fixtures::{
    THREE_OBJECTS, run_mcp_client, todo_cluster, todo_cluster_with, todo_cluster_with_crontab,
};
#[allow(unused_imports)]
pub use mcp_driver::mcp_python;
use server::{Inner, Shared, handle, is_dry, is_write};

use std::sync::{Arc, Mutex};

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: String,
    pub body: Value,
    /// The `Impersonate-User` header: whom the client asked to act as.
    pub impersonate_user: Option<String>,
    /// Every `Impersonate-Group` header, in order.
    pub impersonate_groups: Vec<String>,
}

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

    /// Make the authorizer deny a permission to one impersonated user only.
    pub fn deny_to(&self, user: &str, permission: &str) {
        self.shared
            .0
            .lock()
            .unwrap()
            .denied_to
            .push((user.to_string(), permission.to_string()));
    }

    /// Serve the Eviction API at this version (e.g. "policy/v1") instead of 1.20's policy/v1beta1.
    pub fn serve_eviction(&self, api_version: &str) {
        self.shared.0.lock().unwrap().eviction_version = Some(api_version.into());
    }

    /// Let a PodDisruptionBudget keep this pod ("namespace/name"): evictions get 429.
    /// Just before the next PUT of `object` ("namespace/name") lands, the server writes it
    /// once itself: its status only (a controller), or also a label (`edits_spec`: a person).
    pub fn write_before_next_put(&self, object: &str, edits_spec: bool) {
        self.shared
            .0
            .lock()
            .unwrap()
            .writes_before_put
            .push((object.into(), edits_spec));
    }

    pub fn protect_pod(&self, pod: &str) {
        self.shared
            .0
            .lock()
            .unwrap()
            .protected_pods
            .push(pod.into());
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

/// What the tests ask of a finished run, so each states only what it is about.
impl FakeApi {
    /// Run and expect success (exit 0); returns stdout. The panic shows both streams.
    pub async fn run_ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args).await;
        assert_eq!(code, 0, "{args:?} exits 0: {out}{err}");
        out
    }

    /// Run and expect a failure (any non-zero exit); returns stdout and stderr together.
    pub async fn run_failing(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args).await;
        assert_ne!(code, 0, "{args:?} fails: {out}{err}");
        format!("{out}{err}")
    }

    /// The `resourceAttributes` of every SelfSubjectAccessReview sent, in order: the
    /// permissions the RBAC preflight asked about.
    pub fn access_reviews(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.ends_with("selfsubjectaccessreviews"))
            .map(|r| r.body["spec"]["resourceAttributes"].clone())
            .collect()
    }

    /// The first write (dry runs excluded) with this HTTP method, e.g. undo's `PUT`.
    pub fn first_write(&self, method: &str) -> Recorded {
        self.writes()
            .into_iter()
            .find(|w| w.method == method)
            .unwrap_or_else(|| panic!("no {method} among the writes: {:?}", self.writes()))
    }
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
