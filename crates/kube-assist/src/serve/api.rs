//! The JSON HTTP API (documented by `GET /openapi.json`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::ServeState;
use super::approvals::PlanState;
use super::auth::Caller;
use super::error::{ServeError, ServeResult};
use super::proxy_auth::Authed;
use crate::analyze::{self, Scope};

/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// `POST /api/requests`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestBody {
    /// The request in plain words.
    request: String,
    /// Look names up in this namespace (default: the server's, else all).
    #[serde(default)]
    namespace: Option<String>,
}

/// Parse a JSON body, saying exactly what is wrong with it.
pub fn parse_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> ServeResult<T> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ServeError::TooLarge(format!(
                "the request body is over {} KiB; send a shorter request",
                MAX_BODY / 1024
            ))
        } else {
            ServeError::BadRequest(format!("cannot read the request body: {e}"))
        }
    })?;
    if bytes.is_empty() {
        return Err(ServeError::BadRequest(
            "the request body is empty: send JSON such as {\"request\": \"list pods\"}".into(),
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ServeError::BadRequest(format!(
            "the request body is not valid JSON for this endpoint: {e}. Send e.g. {{\"request\": \"scale the frontend to 2 replicas\", \"namespace\": \"todo\"}}"
        ))
    })
}

/// Where a plan stands, as the HTTP status: 202 while it waits for approval.
fn plan_response(plan: super::approvals::PlanRecord) -> Response {
    let status = match plan.state {
        PlanState::PendingApproval => StatusCode::ACCEPTED,
        _ => StatusCode::OK,
    };
    (status, Json(plan)).into_response()
}

pub async fn post_request(
    State(state): State<Arc<ServeState>>,
    Authed(caller): Authed,
    body: Result<Bytes, BytesRejection>,
) -> ServeResult<Response> {
    let body: RequestBody = parse_body(body)?;
    let plan = state
        .agent
        .submit(&caller, &body.request, body.namespace)
        .await?;
    Ok(plan_response(plan))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    namespace: Option<String>,
}

pub async fn list_plans(
    State(state): State<Arc<ServeState>>,
    _who: Authed,
    Query(q): Query<ListQuery>,
) -> ServeResult<Response> {
    let plans = state.agent.plans(q.limit.unwrap_or(50).min(500));
    Ok(Json(plans).into_response())
}

pub async fn get_plan(
    State(state): State<Arc<ServeState>>,
    _who: Authed,
    Path(id): Path<String>,
) -> ServeResult<Response> {
    Ok(Json(state.agent.plan(&id)?).into_response())
}

async fn decide(
    state: Arc<ServeState>,
    caller: Caller,
    id: String,
    body: Result<Bytes, BytesRejection>,
    approve: bool,
) -> ServeResult<Response> {
    // The body is optional; when sent it must be a JSON object, so a truncated
    // or mistyped one is not taken as a decision.
    match body {
        Ok(b) if b.is_empty() => {}
        other => {
            let _: serde_json::Map<String, serde_json::Value> = parse_body(other)?;
        }
    }
    let plan = state.agent.decide(&caller, &id, approve).await?;
    Ok(plan_response(plan))
}

pub async fn approve(
    State(state): State<Arc<ServeState>>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ServeResult<Response> {
    decide(state, caller, id, body, true).await
}

pub async fn reject(
    State(state): State<Arc<ServeState>>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ServeResult<Response> {
    decide(state, caller, id, body, false).await
}

pub async fn plan_events(
    State(state): State<Arc<ServeState>>,
    _who: Authed,
    Path(id): Path<String>,
) -> ServeResult<Response> {
    Ok(super::events::stream(state.agent.clone(), id)?.into_response())
}

pub async fn findings(
    State(state): State<Arc<ServeState>>,
    _who: Authed,
    Query(q): Query<ListQuery>,
) -> ServeResult<Response> {
    let ns = q.namespace.filter(|n| !n.is_empty());
    let snapshot = analyze::collect(&state.agent.client, ns.as_deref()).await?;
    let findings = analyze::analyze(&snapshot, Scope::All);
    Ok(Json(serde_json::json!({"namespace": ns, "findings": findings})).into_response())
}

pub async fn audit(
    State(state): State<Arc<ServeState>>,
    _who: Authed,
    Query(q): Query<ListQuery>,
) -> ServeResult<Response> {
    let lines = state.agent.trail.tail(q.limit.unwrap_or(100).min(1000))?;
    Ok(Json(lines).into_response())
}

pub async fn whoami(Authed(caller): Authed) -> ServeResult<Response> {
    Ok(Json(caller).into_response())
}

pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready when the API server answers at all (any HTTP status counts: it is
/// reachable); 503 when it cannot be reached.
pub async fn readyz(State(state): State<Arc<ServeState>>) -> Response {
    if state.agent.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    }
    let req = match axum::http::Request::get("/version").body(Vec::new()) {
        Ok(r) => r,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        state.agent.client.request_text(req),
    )
    .await;
    match answer {
        Ok(Ok(_)) | Ok(Err(kube::Error::Api(_))) => "ok\n".into_response(),
        Ok(Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the Kubernetes API server is not reachable: {e}\n"),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the Kubernetes API server did not answer within 3 s\n",
        )
            .into_response(),
    }
}

pub async fn not_found() -> ServeError {
    ServeError::NotFound("no such endpoint; the API is described at GET /openapi.json".into())
}

pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

const OPENAPI: &str = include_str!("openapi.json");
