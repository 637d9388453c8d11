//! `/mcp`: the task tools as an MCP streamable-HTTP endpoint, behind the same
//! bearer-token auth as the REST API. The auth middleware puts the caller's
//! `UserId` into the request extensions; the MCP handler reads it from there,
//! so a tool call can never act for another user whatever its arguments say.

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;

use crate::auth::require_bearer;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let slot = state.store.clone();
    let service = todo_agent::mcp::http_service(move || slot.get().ok().cloned());
    Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            require_bearer,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), require_store))
}

/// 503 while the database is not connected, like every other data endpoint,
/// instead of an MCP-level internal error.
async fn require_store(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    state.store.get()?;
    Ok(next.run(request).await)
}
