//! The agent's HTTP API as the checks call it: over its Service's ClusterIP (the host reaches
//! it on docker0), with a person's bearer token, plans read back with kube-assist's own
//! [`PlanState`] and the harness's [`ObjectChange`].

use std::time::Duration;

use cluster_tests::assist::ObjectChange;
use k8s_openapi::api::core::v1::Service;
use kube::Api;
use kube_assist::serve::approvals::PlanState;
use serde::Deserialize;
use serde_json::json;

use crate::{AGENT, AGENT_NS};

/// A plan as `POST /api/requests` and the approve endpoints answer it (kube-assist's
/// `PlanRecord`, which the server only serializes): the fields the checks read.
#[derive(Debug, Deserialize)]
pub struct PlanAnswer {
    pub id: String,
    pub state: PlanState,
    #[serde(default)]
    pub changes: Vec<ObjectChange>,
    /// Why it was refused or failed, or what it did.
    #[serde(default)]
    pub message: Option<String>,
}

impl PlanAnswer {
    /// Whether one of the changed objects' diffs holds `line` (`+  replicas: 2`).
    pub fn diff_has(&self, line: &str) -> bool {
        self.changes.iter().any(|c| c.diff.contains(line))
    }

    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or_default()
    }
}

/// One answer of the API: its status and body.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    /// The body as a plan; a panic showing the body when it is none.
    pub fn plan(&self) -> PlanAnswer {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "the agent answered {} with no plan ({e}): {}",
                self.status, self.body
            )
        })
    }

    /// The first `n` characters of the body, for the log.
    pub fn head(&self, n: usize) -> String {
        let body: String = self.body.chars().take(n).collect();
        format!("{} {body}", self.status)
    }
}

/// The agent's API at its Service.
pub struct AgentApi {
    url: String,
    http: reqwest::Client,
}

impl AgentApi {
    /// The agent behind the chart's Service `AGENT-kubectl-assist` in [`AGENT_NS`].
    pub async fn new(client: &kube::Client) -> Self {
        let name = format!("{AGENT}-kubectl-assist");
        let service = Api::<Service>::namespaced(client.clone(), AGENT_NS)
            .get(&name)
            .await
            .expect("the agent's Service");
        let ip = service
            .spec
            .and_then(|s| s.cluster_ip)
            .expect("the agent's Service has a ClusterIP");
        // reqwest is built without a default TLS provider in this workspace; plain HTTP
        // still needs one installed before a client is built.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            url: format!("http://{ip}:8080"),
            http: reqwest::Client::builder()
                // A Service IP: a proxy from the environment never applies.
                .no_proxy()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
        }
    }

    /// `http://CLUSTER-IP:8080`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `POST PATH` with `token` and an optional JSON body.
    pub async fn post(&self, token: &str, path: &str, body: Option<serde_json::Value>) -> Answer {
        let mut req = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let response = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: reading the body: {e}"));
        Answer { status, body }
    }

    /// A request in plain words for `namespace`.
    pub async fn ask(&self, token: &str, request: &str, namespace: &str) -> Answer {
        self.post(
            token,
            "/api/requests",
            Some(json!({"request": request, "namespace": namespace})),
        )
        .await
    }

    /// Approves plan `id` as `token`'s person.
    pub async fn approve(&self, token: &str, id: &str) -> Answer {
        self.post(token, &format!("/api/plans/{id}/approve"), None)
            .await
    }

    /// `GET /metrics` (no token: Prometheus scrapes it), or the error as text.
    pub async fn metrics(&self) -> Result<String, String> {
        let response = self
            .http
            .get(format!("{}/metrics", self.url))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        response.text().await.map_err(|e| e.to_string())
    }
}
