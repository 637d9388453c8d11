//! A real backend (todo-api over a SQLite file) and the real frontend, both
//! served over HTTP on loopback, and a cookie-keeping client that talks to the
//! frontend as a browser would.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use todo_api::auth::password::PasswordParams;
use todo_api::auth::token::JwtSecret;
use todo_api::{ApiConfig, AppState, StoreSlot};
use todo_web::{BackendUrl, SessionSecret, WebConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const API_SECRET: &[u8] = b"web-test-api-secret-that-is-long-enough-0123456789";

/// The backend API on its own port, stoppable and restartable on the same port.
pub struct Backend {
    pub addr: SocketAddr,
    store: std::sync::Arc<dyn todo_core::Store>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Backend {
    async fn start_on(listener: TcpListener, store: std::sync::Arc<dyn todo_core::Store>) -> Self {
        Self::start_with_secret(listener, store, API_SECRET).await
    }

    async fn start_with_secret(
        listener: TcpListener,
        store: std::sync::Arc<dyn todo_core::Store>,
        secret: &[u8],
    ) -> Self {
        let addr = listener.local_addr().expect("local addr");
        let config = ApiConfig {
            password: PasswordParams::cheapest(),
            ..ApiConfig::default()
        };
        let secret = JwtSecret::new(secret.to_vec()).expect("secret");
        let state =
            AppState::new(StoreSlot::connected(store.clone()), &secret, config).expect("api state");
        let (stop, stopped) = oneshot::channel::<()>();
        let app = todo_api::router(state);
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .expect("api server");
        });
        Self {
            addr,
            store,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the backend and waits until its port is closed.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("api stops")
                .expect("api task");
        }
    }

    /// Starts the backend again with another token secret: every token issued
    /// so far is refused from then on (as after a secret rotation).
    pub async fn restart_with_new_secret(&mut self) {
        self.stop().await;
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("rebind the api port");
        *self = Self::start_with_secret(
            listener,
            self.store.clone(),
            b"a-rotated-api-secret-that-is-long-enough-987654321",
        )
        .await;
    }

    /// Starts the backend again on the same port, with the same data.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("rebind the api port");
        *self = Self::start_on(listener, self.store.clone()).await;
    }
}

/// Backend and frontend over one fresh SQLite file.
pub struct Stack {
    pub backend: Backend,
    pub web: SocketAddr,
    _dir: tempfile::TempDir,
}

pub fn web_config(backend: SocketAddr) -> WebConfig {
    let url: BackendUrl = format!("http://{backend}").parse().expect("backend url");
    let secret: SessionSecret = "a-web-test-session-secret-of-32-bytes-or-more"
        .parse()
        .expect("secret");
    let mut config = WebConfig::new(url, secret);
    config.backend_timeout = Duration::from_secs(5);
    config
}

/// Serves the frontend for `config` on a free loopback port.
pub async fn start_web(config: WebConfig) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind web");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        todo_web::serve(listener, &config, std::future::pending())
            .await
            .expect("web server");
    });
    addr
}

impl Stack {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url: todo_store::DatabaseUrl =
            format!("sqlite://{}", dir.path().join("todo.db").display())
                .parse()
                .expect("sqlite url");
        let store = todo_store::connect(&url).await.expect("open SQLite store");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind api");
        let backend = Backend::start_on(listener, store).await;
        let web = start_web(web_config(backend.addr)).await;
        Self {
            backend,
            web,
            _dir: dir,
        }
    }

    pub fn visitor(&self) -> Visitor {
        Visitor::new(self.web)
    }
}

/// One answer from the frontend.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn location(&self) -> &str {
        self.header("location")
    }

    /// The value of the first hidden `csrf_token` field on the page.
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf_token" value=""#;
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no CSRF field in:\n{}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').expect("end of value") + start;
        self.body[start..end].to_string()
    }

    /// The `Set-Cookie` value for the session cookie, if any.
    pub fn session_cookie(&self) -> Option<&str> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("todo_session="))
    }
}

/// A browser stand-in: keeps the session cookie between requests, and can
/// send what htmx sends.
#[derive(Clone)]
pub struct Visitor {
    base: String,
    http: Client<HttpConnector, Full<Bytes>>,
    pub cookie: Option<String>,
}

impl Visitor {
    pub fn new(web: SocketAddr) -> Self {
        Self {
            base: format!("http://{web}"),
            http: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
            cookie: None,
        }
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        extra: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
    ) -> Page {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, format!("todo_session={cookie}"));
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        let body = match form {
            Some(pairs) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Full::new(Bytes::from(
                    serde_urlencoded::to_string(pairs).expect("form"),
                ))
            }
            None => Full::new(Bytes::new()),
        };
        let response = tokio::time::timeout(
            Duration::from_secs(30),
            self.http.request(request.body(body).expect("request")),
        )
        .await
        .expect("the frontend answers in time")
        .expect("the frontend is reachable");
        let status = response.status();
        let headers = response.headers().clone();
        let body = String::from_utf8(
            response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes()
                .to_vec(),
        )
        .expect("utf-8");
        let page = Page {
            status,
            headers,
            body,
        };
        if let Some(set) = page.session_cookie() {
            let value = set
                .trim_start_matches("todo_session=")
                .split(';')
                .next()
                .unwrap_or("");
            self.cookie = if value.is_empty() || set.contains("Max-Age=0") {
                None
            } else {
                Some(value.to_string())
            };
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.request(Method::GET, path, &[], None).await
    }

    pub async fn htmx_get(&mut self, path: &str) -> Page {
        self.request(Method::GET, path, &[("hx-request", "true")], None)
            .await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.request(Method::POST, path, &[], Some(form)).await
    }

    /// The CSRF token of the visitor's session, read from a page.
    pub async fn csrf(&mut self) -> String {
        let page = self.get("/login").await;
        if page.status == StatusCode::SEE_OTHER {
            return self.get("/tasks").await.csrf();
        }
        page.csrf()
    }

    /// Signs up through the form and follows to the task page.
    pub async fn sign_up(&mut self, name: &str, email: &str, password: &str) -> Page {
        let token = self.csrf().await;
        let page = self
            .post(
                "/signup",
                &[
                    ("csrf_token", &token),
                    ("name", name),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "sign-up failed: {}",
            page.body
        );
        assert_eq!(page.location(), "/tasks");
        self.get("/tasks").await
    }

    pub async fn log_in(&mut self, email: &str, password: &str) -> Page {
        let token = self.csrf().await;
        self.post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    /// Adds a task through the no-JS form.
    pub async fn add_task(&mut self, title: &str) {
        let token = self.get("/tasks").await.csrf();
        let page = self
            .post("/tasks", &[("csrf_token", &token), ("title", title)])
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "add failed: {}",
            page.body
        );
    }
}

/// The id of the task row whose title is `title` on a rendered page.
pub fn task_id(page: &str, title: &str) -> i64 {
    let escaped = title
        .replace('&', "&#38;")
        .replace('\'', "&#39;")
        .replace('"', "&#34;")
        .replace('<', "&#60;")
        .replace('>', "&#62;");
    let marker = format!(r#"data-title="{escaped}""#);
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no task {title:?} on the page"));
    let row_start = page[..at].rfind(r#"id="task-"#).expect("row id") + r#"id="task-"#.len();
    let end = page[row_start..].find('"').expect("id end") + row_start;
    page[row_start..end].parse().expect("numeric id")
}

pub fn assert_header(page: &Page, name: &str, expected: &str) {
    assert_eq!(
        page.header(name),
        expected,
        "{name} on a {} answer",
        page.status
    );
}

pub fn header_value(v: &str) -> HeaderValue {
    HeaderValue::from_str(v).expect("header")
}
