//! A real API over a real store, driven in-process through the router.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use todo_api::auth::password::PasswordParams;
use todo_api::auth::token::JwtSecret;
use todo_api::{ApiConfig, AppState, StoreSlot};
use todo_core::Store;
use tower::ServiceExt;

pub const SECRET: &[u8] = b"an-api-test-secret-that-is-long-enough-0123456789";

/// The router plus what a test needs to look behind it.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// Keeps the SQLite file's directory alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Reply {
    /// The `error` text of an error answer (panics with the body if there is none).
    pub fn error(&self) -> &str {
        self.body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error in {} {}", self.status, self.body))
    }

    pub fn total(&self) -> u64 {
        self.headers["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }
}

pub fn test_config() -> ApiConfig {
    ApiConfig {
        password: PasswordParams::cheapest(),
        ..ApiConfig::default()
    }
}

/// A user with a token.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub token: String,
    pub email: String,
}

impl TestApp {
    /// The API over a fresh SQLite file in a temporary directory.
    pub async fn sqlite() -> Self {
        Self::sqlite_with(test_config()).await
    }

    pub async fn sqlite_with(config: ApiConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url: todo_store::DatabaseUrl =
            format!("sqlite://{}", dir.path().join("todo.db").display())
                .parse()
                .expect("sqlite url");
        let store = todo_store::connect(&url).await.expect("open SQLite store");
        let mut app = Self::with_store(store, config);
        app._dir = Some(dir);
        app
    }

    /// The API over a fresh database on the test PostgreSQL server.
    pub async fn postgres() -> Self {
        let db = test_postgres::TestPostgres::start().unwrap_or_else(|e| {
            panic!("PostgreSQL is needed for this test and could not be started: {e}")
        });
        let url: todo_store::DatabaseUrl = db.url().parse().expect("postgres url");
        let store = todo_store::connect(&url)
            .await
            .expect("connect to the test PostgreSQL");
        Self::with_store(store, test_config())
    }

    pub fn with_store(store: Arc<dyn Store>, config: ApiConfig) -> Self {
        Self::with_slot(StoreSlot::connected(store), config)
    }

    pub fn with_slot(slot: StoreSlot, config: ApiConfig) -> Self {
        let secret = JwtSecret::new(SECRET.to_vec()).unwrap();
        let state = AppState::new(slot, &secret, config).expect("state");
        Self {
            router: todo_api::router(state.clone()),
            state,
            _dir: None,
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        self.state.store.get().expect("store connected")
    }

    /// Sends a request: `body` is sent as JSON when given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(json) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&json).unwrap()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    /// Sends a prepared request (for raw bodies and odd headers).
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let raw = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            raw,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// Logs in with the password `signup` uses.
    pub async fn login(&self, email: &str) -> Reply {
        self.call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": email, "password": "correct horse"})),
        )
        .await
    }

    pub async fn signup(&self, email: &str) -> Account {
        let reply = self
            .call(
                Method::POST,
                "/api/auth/signup",
                None,
                Some(json!({"email": email, "password": "correct horse", "name": "Tester"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "signup: {}", reply.body);
        Account {
            id: reply.body["user_id"].as_str().unwrap().to_string(),
            token: reply.body["token"].as_str().unwrap().to_string(),
            email: email.to_string(),
        }
    }

    pub async fn create_task(&self, account: &Account, body: Value) -> Value {
        let reply = self
            .call(
                Method::POST,
                &format!("/api/{}/tasks", account.id),
                Some(&account.token),
                Some(body),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "create: {}", reply.body);
        reply.body
    }

    /// All of an account's tasks, sorted by id, as the API returns them.
    pub async fn all_tasks(&self, account: &Account) -> Vec<Value> {
        let reply = self
            .get(
                &format!("/api/{}/tasks?limit=500", account.id),
                &account.token,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let mut tasks = reply.body.as_array().unwrap().clone();
        tasks.sort_by_key(|t| t["id"].as_i64());
        tasks
    }
}
