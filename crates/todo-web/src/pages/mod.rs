//! Request handlers, one module per area of the site.

pub mod auth;
pub mod chat;
pub mod tasks;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use crate::error::Problem;
use crate::layers::{CurrentSession, redirect_to};
use crate::session::Account;
use crate::{AppState, Result};

/// Renders a template as an HTML response.
pub fn html(status: StatusCode, template: &impl Template) -> Result<Response> {
    let body = template.render()?;
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Ok(response)
}

/// The signed-in account, or a redirect to the log-in page.
// The error is the redirect to answer with, built once per request; boxing it
// would only add noise at every call site.
#[allow(clippy::result_large_err)]
pub fn require_account(current: &CurrentSession) -> std::result::Result<&Account, Response> {
    current
        .session
        .account
        .as_ref()
        .ok_or_else(|| redirect_to(current.htmx, "/login"))
}

/// Adds `HX-Trigger: tasks-changed`, which makes the task list reload itself.
pub fn with_tasks_changed(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("hx-trigger", HeaderValue::from_static("tasks-changed"));
    response
}

/// `GET /healthz`: the process is up (liveness; does not ask the backend).
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the backend answers too (readiness).
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.backend().is_up().await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "backend unavailable").into_response()
    }
}

pub async fn not_found() -> Response {
    Problem::response(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is nothing at this address.",
        false,
    )
}
