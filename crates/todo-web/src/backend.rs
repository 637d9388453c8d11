//! The backend API as the frontend uses it: typed calls over a pooled HTTP/1.1
//! client, each with a time limit. The JWT travels only here, in the
//! `Authorization` header, never to the browser.

use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;
// The backend's own body types: this client accepts exactly what the API sends.
use todo_core::api::{
    ChangedTaskView, ChatResponse, ConversationDetail, ConversationView, ErrorBody, MessageView,
    TaskView, TokenResponse,
};
use todo_core::{ConversationId, Priority, Recurrence, StatusFilter, TaskId, UserId};
use tracing::instrument;

use crate::config::{BackendUrl, WebConfig};
use crate::retry::{Failure, Replay, RetryBudget};
use crate::session::Account;

/// Largest backend response body the frontend reads.
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The header that makes a retried write happen once (the backend keeps the key
/// with what it made and answers a repeat with that).
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// How a backend call failed.
#[derive(Debug, Error)]
pub enum BackendError {
    /// Not reachable, timed out, or answered 5xx: worth retrying later.
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    /// The token is missing, expired or revoked.
    #[error("backend refused the session token")]
    Unauthorized,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The backend refused the input (400/409/422) and said why.
    #[error("{message}")]
    Rejected { status: u16, message: String },
    /// The backend answered something this frontend does not understand.
    #[error("unexpected backend answer: {0}")]
    Protocol(String),
}

/// One page of tasks and how many match in all (the `x-total-count` header).
#[derive(Debug, Clone)]
pub struct TaskList {
    pub tasks: Vec<TaskView>,
    pub total: u64,
}

/// What the task list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub status: StatusFilter,
    pub search: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

/// A task to create or the new values of one being edited.
#[derive(Debug, Clone, Serialize)]
pub struct TaskFields {
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub tags: Vec<String>,
    /// `None` serialises as `null`, which clears the due date on update.
    pub due_at: Option<DateTime<Utc>>,
    /// `None` serialises as `null`, which stops a task repeating on update.
    pub recurrence: Option<Recurrence>,
}

/// A pooled client for the backend API. Cheap to clone.
#[derive(Clone)]
pub struct BackendClient {
    base: BackendUrl,
    http: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
    chat_timeout: Duration,
    retry: RetryBudget,
}

impl BackendClient {
    pub fn new(config: &WebConfig) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        connector.set_nodelay(true);
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .build(connector);
        Self {
            base: config.backend_url.clone(),
            http,
            timeout: config.backend_timeout,
            chat_timeout: config.chat_timeout,
            retry: RetryBudget::BACKEND,
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        limit: Duration,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes), BackendError> {
        self.send_keyed(method, path, token, body, None, limit)
            .await
    }

    /// Sends a call, again on a broken connection when that is safe (see
    /// [`crate::retry`]): every attempt opens or reuses a pooled connection, so
    /// behind a Service a retry can reach another pod. `limit` bounds the whole.
    async fn send_keyed(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        idempotency_key: Option<&str>,
        limit: Duration,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes), BackendError> {
        let replay = if method == Method::GET || idempotency_key.is_some() {
            Replay::Safe
        } else {
            Replay::UnsentOnly
        };
        let body = body.map(Bytes::from);
        let uri = self.base.join(path);
        let started = Instant::now();
        let retries = async {
            let mut attempt = 1;
            loop {
                let mut request = Request::builder()
                    .method(method.clone())
                    .uri(uri.as_str())
                    .header(header::ACCEPT, "application/json");
                if let Some(token) = token {
                    request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
                }
                if let Some(key) = idempotency_key {
                    request = request.header(IDEMPOTENCY_KEY, key);
                }
                let payload = match &body {
                    Some(bytes) => {
                        request = request.header(header::CONTENT_TYPE, "application/json");
                        Full::new(bytes.clone())
                    }
                    None => Full::new(Bytes::new()),
                };
                let request = request
                    .body(payload)
                    .map_err(|e| BackendError::Protocol(format!("bad request: {e}")))?;
                let (failure, message) = match self.exchange(request).await {
                    Ok(answer) => return Ok(answer),
                    Err(failed) => failed,
                };
                attempt += 1;
                match self
                    .retry
                    .pause_before(attempt, started.elapsed(), replay, failure)
                {
                    Some(pause) => {
                        tracing::debug!(%method, attempt, ?failure, error = %message, "retrying the backend call");
                        tokio::time::sleep(pause).await;
                    }
                    None => return Err(BackendError::Unavailable(message)),
                }
            }
        };
        tokio::time::timeout(limit, retries).await.map_err(|_| {
            BackendError::Unavailable(format!("no answer within {} s", limit.as_secs()))
        })?
    }

    /// One attempt: the answer, or how the connection failed.
    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes), (Failure, String)> {
        let response = self.http.request(request).await.map_err(|e| {
            let failure = if e.is_connect() {
                Failure::Connect
            } else {
                Failure::Transport
            };
            (failure, e.to_string())
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| (Failure::Transport, format!("reading the answer: {e}")))?
            .to_bytes();
        Ok((status, headers, bytes))
    }

    /// Sends a call and decodes a 2xx JSON answer; maps error statuses.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        what: &'static str,
        limit: Duration,
    ) -> Result<T, BackendError> {
        self.call_with_headers(method, path, token, body, what, limit)
            .await
            .map(|(_, value)| value)
    }

    /// Like [`Self::call`], also returning the answer's headers.
    async fn call_with_headers<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        what: &'static str,
        limit: Duration,
    ) -> Result<(http::HeaderMap, T), BackendError> {
        let (status, headers, bytes) = self.send(method, path, token, body, limit).await?;
        check_status(status, &bytes, what)?;
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| BackendError::Protocol(format!("{what}: {e}")))?;
        Ok((headers, value))
    }

    async fn call_no_content(
        &self,
        method: Method,
        path: &str,
        token: &str,
        what: &'static str,
    ) -> Result<(), BackendError> {
        let (status, _, bytes) = self
            .send(method, path, Some(token), None, self.timeout)
            .await?;
        check_status(status, &bytes, what)
    }

    #[instrument(skip_all)]
    pub async fn signup(
        &self,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<(UserId, String), BackendError> {
        let body =
            json(&serde_json::json!({ "email": email, "password": password, "name": name }))?;
        let reply: TokenResponse = self
            .call(
                Method::POST,
                "/api/auth/signup",
                None,
                Some(body),
                "account",
                self.timeout,
            )
            .await?;
        Ok((reply.user_id, reply.token))
    }

    #[instrument(skip_all)]
    pub async fn login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<(UserId, String), BackendError> {
        let body = json(&serde_json::json!({ "email": email, "password": password }))?;
        let reply: TokenResponse = self
            .call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(body),
                "account",
                self.timeout,
            )
            .await?;
        Ok((reply.user_id, reply.token))
    }

    #[instrument(skip_all, fields(user = %account.user_id, status = filter.status.as_str()))]
    pub async fn list_tasks(
        &self,
        account: &Account,
        filter: &TaskFilter,
    ) -> Result<TaskList, BackendError> {
        let mut query: Vec<(&str, String)> = vec![
            ("status", filter.status.as_str().to_string()),
            ("sort", "created".into()),
            ("order", "desc".into()),
            ("limit", filter.limit.to_string()),
            ("offset", filter.offset.to_string()),
        ];
        if let Some(q) = &filter.search {
            query.push(("q", q.clone()));
        }
        let query = serde_urlencoded::to_string(&query)
            .map_err(|e| BackendError::Protocol(e.to_string()))?;
        let path = format!("/api/{}/tasks?{query}", account.user_id);
        let (headers, tasks): (_, Vec<TaskView>) = self
            .call_with_headers(
                Method::GET,
                &path,
                Some(&account.token),
                None,
                "task",
                self.timeout,
            )
            .await?;
        // The backend sends the page as a bare array and the count of all matches
        // in a header.
        let total = total_count(&headers)?;
        Ok(TaskList { tasks, total })
    }

    #[instrument(skip_all, fields(user = %account.user_id, task = %id))]
    pub async fn task(&self, account: &Account, id: TaskId) -> Result<TaskView, BackendError> {
        let path = format!("/api/{}/tasks/{id}", account.user_id);
        self.call(
            Method::GET,
            &path,
            Some(&account.token),
            None,
            "task",
            self.timeout,
        )
        .await
    }

    #[instrument(skip_all, fields(user = %account.user_id))]
    pub async fn create_task(
        &self,
        account: &Account,
        fields: &TaskFields,
    ) -> Result<TaskView, BackendError> {
        let path = format!("/api/{}/tasks", account.user_id);
        let mut body =
            serde_json::to_value(fields).map_err(|e| BackendError::Protocol(e.to_string()))?;
        // On create, absent and null mean the same; leave the empties out entirely.
        if let Some(map) = body.as_object_mut() {
            map.retain(|_, v| !(v.is_null() || v.as_str() == Some("")));
        }
        // One key per create: however often a broken connection makes this call go
        // out again, the backend makes one task.
        let key = new_idempotency_key()?;
        let (status, _, bytes) = self
            .send_keyed(
                Method::POST,
                &path,
                Some(&account.token),
                Some(json(&body)?),
                Some(&key),
                self.timeout,
            )
            .await?;
        check_status(status, &bytes, "task")?;
        serde_json::from_slice(&bytes).map_err(|e| BackendError::Protocol(format!("task: {e}")))
    }

    #[instrument(skip_all, fields(user = %account.user_id, task = %id))]
    pub async fn update_task(
        &self,
        account: &Account,
        id: TaskId,
        fields: &TaskFields,
    ) -> Result<ChangedTaskView, BackendError> {
        let path = format!("/api/{}/tasks/{id}", account.user_id);
        self.call(
            Method::PATCH,
            &path,
            Some(&account.token),
            Some(json(fields)?),
            "task",
            self.timeout,
        )
        .await
    }

    #[instrument(skip_all, fields(user = %account.user_id, task = %id))]
    pub async fn toggle_task(
        &self,
        account: &Account,
        id: TaskId,
    ) -> Result<ChangedTaskView, BackendError> {
        let path = format!("/api/{}/tasks/{id}/complete", account.user_id);
        self.call(
            Method::PATCH,
            &path,
            Some(&account.token),
            None,
            "task",
            self.timeout,
        )
        .await
    }

    /// Revokes the account's token at the backend, so a copy of the session stops
    /// working on every web replica.
    #[instrument(skip_all, fields(user = %account.user_id))]
    pub async fn logout(&self, account: &Account) -> Result<(), BackendError> {
        self.call_no_content(Method::POST, "/api/auth/logout", &account.token, "log-out")
            .await
    }

    #[instrument(skip_all, fields(user = %account.user_id, task = %id))]
    pub async fn delete_task(&self, account: &Account, id: TaskId) -> Result<(), BackendError> {
        let path = format!("/api/{}/tasks/{id}", account.user_id);
        self.call_no_content(Method::DELETE, &path, &account.token, "task")
            .await
    }

    #[instrument(skip_all, fields(user = %account.user_id, conversation = ?conversation_id))]
    pub async fn chat(
        &self,
        account: &Account,
        conversation_id: Option<ConversationId>,
        message: &str,
        timezone: &str,
    ) -> Result<ChatResponse, BackendError> {
        let path = format!("/api/{}/chat", account.user_id);
        // The timezone makes "tomorrow at 5pm" mean the person's 5pm.
        let mut body = serde_json::json!({ "message": message, "timezone": timezone });
        if let Some(id) = conversation_id {
            body["conversation_id"] = id.0.into();
        }
        self.call(
            Method::POST,
            &path,
            Some(&account.token),
            Some(json(&body)?),
            "conversation",
            self.chat_timeout,
        )
        .await
    }

    #[instrument(skip_all, fields(user = %account.user_id))]
    pub async fn conversations(
        &self,
        account: &Account,
    ) -> Result<Vec<ConversationView>, BackendError> {
        let path = format!("/api/{}/conversations?limit=20", account.user_id);
        self.call(
            Method::GET,
            &path,
            Some(&account.token),
            None,
            "conversation",
            self.timeout,
        )
        .await
    }

    #[instrument(skip_all, fields(user = %account.user_id, conversation = %id))]
    pub async fn messages(
        &self,
        account: &Account,
        id: ConversationId,
    ) -> Result<Vec<MessageView>, BackendError> {
        let path = format!("/api/{}/conversations/{id}", account.user_id);
        let detail: ConversationDetail = self
            .call(
                Method::GET,
                &path,
                Some(&account.token),
                None,
                "conversation",
                self.timeout,
            )
            .await?;
        Ok(detail.messages)
    }

    /// Whether the backend answers its liveness probe.
    pub async fn is_up(&self) -> bool {
        matches!(self.send(Method::GET, "/health", None, None, self.timeout).await, Ok((s, _, _)) if s.is_success())
    }
}

/// 128 random bits, hex: unique per create without coordination between replicas.
fn new_idempotency_key() -> Result<String, BackendError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| BackendError::Protocol(format!("no randomness for a request key: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The `x-total-count` header of a task list: the number of matches on all pages.
fn total_count(headers: &http::HeaderMap) -> Result<u64, BackendError> {
    let raw = headers
        .get("x-total-count")
        .ok_or_else(|| BackendError::Protocol("task list: no x-total-count header".to_string()))?;
    raw.to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            BackendError::Protocol(format!("task list: x-total-count {raw:?} is not a count"))
        })
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, BackendError> {
    serde_json::to_vec(value).map_err(|e| BackendError::Protocol(format!("encoding: {e}")))
}

fn check_status(status: StatusCode, body: &[u8], what: &'static str) -> Result<(), BackendError> {
    if status.is_success() {
        return Ok(());
    }
    let message = || {
        serde_json::from_slice::<ErrorBody>(body)
            .map(|b| b.error)
            .unwrap_or_else(|_| format!("the service answered {status}"))
    };
    Err(match status {
        StatusCode::UNAUTHORIZED => BackendError::Unauthorized,
        StatusCode::NOT_FOUND => BackendError::NotFound(what),
        s if s.is_server_error() => BackendError::Unavailable(format!("{s}")),
        s if s.is_client_error() => BackendError::Rejected {
            status: s.as_u16(),
            message: message(),
        },
        s => BackendError::Protocol(format!("status {s}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_statuses_map_to_what_a_person_can_act_on() {
        assert!(matches!(
            check_status(StatusCode::UNAUTHORIZED, b"", "task"),
            Err(BackendError::Unauthorized)
        ));
        assert!(matches!(
            check_status(StatusCode::NOT_FOUND, b"", "task"),
            Err(BackendError::NotFound("task"))
        ));
        assert!(matches!(
            check_status(StatusCode::BAD_GATEWAY, b"", "task"),
            Err(BackendError::Unavailable(_))
        ));
        match check_status(
            StatusCode::CONFLICT,
            br#"{"error":"email already registered"}"#,
            "account",
        ) {
            Err(BackendError::Rejected {
                status: 409,
                message,
            }) => assert_eq!(message, "email already registered"),
            other => panic!("{other:?}"),
        }
        assert!(check_status(StatusCode::NO_CONTENT, b"", "task").is_ok());
    }

    #[test]
    fn task_lists_need_their_total_count() {
        let mut headers = http::HeaderMap::new();
        assert!(matches!(
            total_count(&headers),
            Err(BackendError::Protocol(m)) if m.contains("x-total-count")
        ));
        headers.insert("x-total-count", http::HeaderValue::from_static("nope"));
        assert!(matches!(
            total_count(&headers),
            Err(BackendError::Protocol(_))
        ));
        headers.insert("x-total-count", http::HeaderValue::from_static("7"));
        assert_eq!(total_count(&headers).unwrap(), 7);
    }

    /// The client reads the API's own types, so a shape the API does not send
    /// (the wrapped list this client used to accept) is a protocol error.
    #[test]
    fn only_the_shapes_the_api_sends_decode() {
        let wrapped = r#"{"tasks":[],"total":7}"#;
        assert!(serde_json::from_str::<Vec<TaskView>>(wrapped).is_err());
        let untitled = r#"[{"id":1,"title":"a"}]"#;
        assert!(serde_json::from_str::<Vec<TaskView>>(untitled).is_err());
    }
}
