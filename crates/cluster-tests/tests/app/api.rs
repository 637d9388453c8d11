//! The app over HTTP as its users reach it on the cluster: the backend API through its
//! ClusterIP, with the API's own body types (TokenResponse, ChatResponse, TaskView), and the
//! web frontend through its NodePort. `smoke` is the check every install runs.

use std::time::Duration;

use kube::Client;
use reqwest::StatusCode;
use serde_json::json;
use todo_core::api::{ChatResponse, TaskView, TokenResponse};

use super::web::Browser;
use super::{Result, kube_wait, note};

/// A plain-HTTP client for addresses of this cluster. A new connection per request (no
/// idle pool), as a curl per request had: a kept-alive connection would stay on one pod
/// and hide what the Service does when a pod goes.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client> {
    // reqwest is built without a bundled crypto provider; nothing here speaks TLS, but the
    // builder wants one installed. Failing means another thread installed one: fine.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_max_idle_per_host(0)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("todo-e2e")
        .build()?)
}

/// A signed-up user of one install, for the tests that follow its smoke test.
#[derive(Debug, Clone)]
pub struct AppSession {
    /// `http://<ClusterIP>:<port>` of the backend Service.
    pub backend: String,
    /// `http://<node IP>:<nodePort>` of the frontend Service.
    pub frontend: String,
    pub token: String,
    pub user_id: String,
    /// The web session's `Cookie` header (a second user, signed up through the pages).
    pub web_cookie: String,
}

impl AppSession {
    /// `{backend}/api/{user}/tasks`.
    pub fn tasks_url(&self) -> String {
        tasks_url(&self.backend, &self.user_id)
    }
}

fn tasks_url(base: &str, user_id: &str) -> String {
    format!("{base}/api/{user_id}/tasks")
}

/// A random suffix for emails and keys, so reruns never collide with earlier users.
pub fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64 ^ d.as_secs())
        .unwrap_or_default();
    format!("{:x}{:x}", nanos, std::process::id())
}

/// Signs a user up through the API; 200 or 201 with a token, else the answer as an error.
pub async fn signup(
    http: &reqwest::Client,
    backend: &str,
    email: &str,
    password: &str,
    name: &str,
) -> Result<TokenResponse> {
    let resp = http
        .post(format!("{backend}/api/auth/signup"))
        .json(&json!({"email": email, "password": password, "name": name}))
        .send()
        .await?;
    let status = resp.status();
    let body = resp.text().await?;
    ensure!(
        status == StatusCode::OK || status == StatusCode::CREATED,
        "signup of {email} -> {status} {body}"
    );
    serde_json::from_str(&body).map_err(|e| {
        super::AppTestError::Check(format!(
            "signup answer is not a TokenResponse ({e}): {body}"
        ))
    })
}

/// One page of the user's tasks (`limit`, `offset`).
pub async fn list_tasks(
    http: &reqwest::Client,
    backend: &str,
    token: &str,
    user_id: &str,
    query: &str,
) -> Result<Vec<TaskView>> {
    let resp = http
        .get(format!("{}{query}", tasks_url(backend, user_id)))
        .bearer_auth(token)
        .send()
        .await?;
    let status = resp.status();
    let body = resp.text().await?;
    ensure!(
        status == StatusCode::OK,
        "GET tasks{query} -> {status} {body}"
    );
    serde_json::from_str(&body).map_err(|e| {
        super::AppTestError::Check(format!("task list is not a list of TaskView ({e}): {body}"))
    })
}

/// Every task title of the user, page by page.
pub async fn all_task_titles(http: &reqwest::Client, session: &AppSession) -> Result<Vec<String>> {
    let mut titles = Vec::new();
    for page in 0.. {
        let query = format!("?limit=100&offset={}", page * 100);
        let tasks = list_tasks(
            http,
            &session.backend,
            &session.token,
            &session.user_id,
            &query,
        )
        .await?;
        if tasks.is_empty() {
            break;
        }
        titles.extend(tasks.into_iter().map(|t| t.title));
    }
    Ok(titles)
}

fn has_title(tasks: &[TaskView], text: &str) -> bool {
    tasks
        .iter()
        .any(|t| t.title.to_lowercase().contains(&text.to_lowercase()))
}

/// Names of the app's Services in one install.
#[derive(Debug, Clone, Copy)]
pub struct AppServices<'a> {
    pub namespace: &'a str,
    pub frontend: &'a str,
    pub backend: &'a str,
    /// Tells the users of this install apart from other installs' (emails, names).
    pub label: &'a str,
}

/// Waits (at most 30 s) until a connection to the backend's ClusterIP succeeds. A Deployment
/// reports ready before kube-proxy has written the Service's rules for its new endpoints, so
/// the first request right after `rollout status` can be refused (a clean-clone run of the raw
/// manifests failed so, 0.0 s after ready). Only connection errors are retried: any HTTP answer
/// ends the wait and is judged by the checks that follow.
async fn wait_until_routed(http: &reqwest::Client, backend: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match http.get(format!("{backend}/health")).send().await {
            Ok(_) => return Ok(()),
            Err(e) if e.is_connect() && std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The smoke test of an install. Backend: /health and /ready, sign up, add a task through
/// the chat agent (the chat endpoint is part of the product: anything but a success fails),
/// see it listed; no token -> 401; another user's valid token -> 403 and nothing of the task
/// in the answer. Frontend: its NodePort answers, /readyz (it reaches the backend by its
/// Service name), and a second user signs up and adds a task by chat through the web pages.
pub async fn smoke(client: &Client, node_ip: &str, svc: AppServices<'_>) -> Result<AppSession> {
    let http = http_client(Duration::from_secs(10))?;
    let backend = kube_wait::service_url(client, svc.namespace, svc.backend).await?;
    let frontend = kube_wait::node_port_url(client, svc.namespace, svc.frontend, node_ip).await?;
    note(format!(
        "backend {backend} (ClusterIP), frontend {frontend} (NodePort)"
    ));
    wait_until_routed(&http, &backend).await?;
    for path in ["/health", "/ready"] {
        let status = http.get(format!("{backend}{path}")).send().await?.status();
        ensure!(status == StatusCode::OK, "GET {path} -> {status}");
    }
    let label = svc.label;
    let email = format!("{label}-{}@example.com", unique());
    let password = format!("e2e-Passw0rd-{}", unique());
    let me = signup(&http, &backend, &email, &password, &format!("E2E {label}")).await?;
    let user_id = me.user_id.to_string();
    note(format!(
        "signed up {email} (user {user_id}) through the backend API"
    ));

    let resp = http
        .post(format!("{backend}/api/{user_id}/chat"))
        .bearer_auth(&me.token)
        .json(&json!({"message": "Add a task to buy groceries"}))
        .send()
        .await?;
    let status = resp.status();
    let body = resp.text().await?;
    ensure!(
        status == StatusCode::OK || status == StatusCode::CREATED,
        "chat -> {status} {body}"
    );
    let chat: ChatResponse = serde_json::from_str(&body).map_err(|e| {
        super::AppTestError::Check(format!("chat answer is not a ChatResponse ({e}): {body}"))
    })?;
    note(format!("chat: {}", chat.response));
    let tasks = list_tasks(&http, &backend, &me.token, &user_id, "").await?;
    ensure!(
        has_title(&tasks, "buy groceries"),
        "task not listed: {tasks:?}"
    );
    note("task listed: buy groceries");

    let status = http
        .get(tasks_url(&backend, &user_id))
        .send()
        .await?
        .status();
    ensure!(
        status == StatusCode::UNAUTHORIZED,
        "tasks without a token -> {status} (want 401)"
    );
    let other = signup(
        &http,
        &backend,
        &format!("other-{email}"),
        &password,
        "E2E other",
    )
    .await?;
    ensure!(
        other.token != me.token,
        "the second signup gave the same token"
    );
    let resp = http
        .get(tasks_url(&backend, &user_id))
        .bearer_auth(&other.token)
        .send()
        .await?;
    let status = resp.status();
    let body = resp.text().await?;
    ensure!(
        status == StatusCode::FORBIDDEN,
        "another user's token on these tasks -> {status} (want 403)"
    );
    ensure!(
        !body.to_lowercase().contains("buy groceries"),
        "another user's token saw the task: {body}"
    );
    note("no token -> 401, another user's token -> 403");

    let status = http.get(format!("{frontend}/")).send().await?.status();
    ensure!(
        status.is_success() || status.is_redirection(),
        "frontend GET / -> {status}"
    );
    note(format!("frontend GET / -> {status}"));
    // A new Service name is in the cluster DNS within a second or two.
    let mut ready = None;
    for second in 1..=30 {
        let status = http
            .get(format!("{frontend}/readyz"))
            .send()
            .await
            .map(|r| r.status());
        if matches!(status, Ok(StatusCode::OK)) {
            ready = Some(second);
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let Some(second) = ready else {
        return super::fail("frontend /readyz did not answer 200 within 30 s");
    };
    note(format!("frontend /readyz -> 200 after {second} s"));

    let mut browser = Browser::new(&frontend)?;
    let web_email = format!("web-{label}-{}@example.com", unique());
    browser
        .signup(&web_email, &password, &format!("E2E web {label}"))
        .await?;
    browser.chat("Add a task to buy milk").await?;
    browser.expect_on_page("buy milk").await?;
    note(format!(
        "web: signed up {web_email}, chat added 'buy milk', the task page shows it"
    ));

    Ok(AppSession {
        backend,
        frontend,
        token: me.token,
        user_id,
        web_cookie: browser.cookie_header(),
    })
}

/// Every Running backend pod, asked directly, lists the task the smoke test made (they
/// share one database).
pub async fn check_shared_data(
    client: &Client,
    ns: &str,
    backend_service: &str,
    session: &AppSession,
) -> Result<()> {
    let http = http_client(Duration::from_secs(10))?;
    let port = kube_wait::service_target_port(client, ns, backend_service).await?;
    let ips = kube_wait::running_pod_ips(client, ns, "app.kubernetes.io/component=backend").await?;
    ensure!(!ips.is_empty(), "no Running backend pod");
    for ip in ips {
        let base = format!("http://{ip}:{port}");
        let tasks = list_tasks(&http, &base, &session.token, &session.user_id, "").await?;
        ensure!(
            has_title(&tasks, "buy groceries"),
            "pod {ip} does not list the task"
        );
        note(format!("pod {ip} lists the task"));
    }
    Ok(())
}
